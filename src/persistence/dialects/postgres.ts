import { createRequire } from 'node:module';
import { PostgresDialect, sql } from 'kysely';
import type { ParsedDsn } from '../dsn.js';
import type { SqlDialect } from './sql-dialect.js';
import { jsonChildrenWith } from './sql-dialect.js';

// Loaded when a PostgreSQL DSN is opened, not at every start (a SQLite server never needs it).
const require = createRequire(import.meta.url);

export function createPostgresDialect(dsn: ParsedDsn): SqlDialect {
  const pg = require('pg') as typeof import('pg');
  const pool = new pg.Pool({
    connectionString: dsn.url,
    max: dsn.pool.maxConnections,
    idleTimeoutMillis: dsn.pool.maxIdleTime || 10_000,
    connectionTimeoutMillis: dsn.pool.connectTimeout || 10_000,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  return {
    name: 'postgres',
    kysely: new PostgresDialect({ pool }),
    types: { uuid: 'uuid', timestamp: 'timestamptz', boolean: 'boolean', text: 'text' },
    supportsSkipLocked: true,
    supportsRowLocks: true,
    insertIgnore: 'on-conflict',
    toTime: (d) => d,
    toBool: (b) => b,
    jsonChildren: jsonChildrenWith({ agg: 'json_agg', object: 'json_build_object', empty: sql`'[]'::json` }),
    isUniqueViolation: (err) => (err as { code?: string } | null)?.code === '23505',
  };
}
