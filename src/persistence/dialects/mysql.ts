import { createRequire } from 'node:module';
import { MysqlDialect, sql } from 'kysely';
import type { ParsedDsn } from '../dsn.js';
import { jsonChildrenWith, type SqlDialect } from './sql-dialect.js';

// Loaded when a MySQL DSN is opened, not at every start (a SQLite server never needs it).
const require = createRequire(import.meta.url);

export function createMysqlDialect(dsn: ParsedDsn, onConnectionError: (err: Error) => void = () => {}): SqlDialect {
  const { createPool } = require('mysql2') as typeof import('mysql2');
  const pool = createPool({
    uri: dsn.url,
    connectionLimit: dsn.pool.maxConnections,
    maxIdle: Math.min(dsn.pool.maxIdleConnections, dsn.pool.maxConnections),
    idleTimeout: dsn.pool.maxIdleTime || 60_000,
    connectTimeout: dsn.pool.connectTimeout || 10_000,
    // DATETIME columns hold UTC; without this mysql2 would apply the process's local zone.
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    supportBigNumbers: true,
  });
  // READ COMMITTED, as PostgreSQL runs: searches take no gap locks, so transactions that look for
  // absent rows (a flow's codes, a recipient's limiter row) and then insert do not deadlock each other.
  pool.on('connection', (conn) => {
    // mysql2 emits a fatal connection error on the connection itself, and its pool listens only
    // once; a second event (or one on a connection the pool already dropped) would end the process.
    conn.on('error', onConnectionError);
    conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', (err) => {
      if (err) onConnectionError(err);
    });
  });
  return {
    name: 'mysql',
    kysely: new MysqlDialect({ pool }),
    types: { uuid: 'char(36)', timestamp: sql`datetime(3)`, boolean: 'boolean', text: sql`mediumtext` },
    supportsSkipLocked: true,
    insertIgnore: 'on-duplicate-key',
    toTime: (d) => d,
    toBool: (b) => b,
    // MariaDB has no CAST(... AS JSON) and no outer references in derived tables; this form works on both.
    jsonChildren: jsonChildrenWith({ agg: 'json_arrayagg', object: 'json_object', empty: sql`json_array()` }),
    isUniqueViolation: (err) => (err as { code?: string; errno?: number } | null)?.errno === 1062,
  };
}

