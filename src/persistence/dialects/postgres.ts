import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { PostgresDialect, sql } from 'kysely';
import type { ParsedDsn } from '../dsn.js';
import type { SqlDialect } from './sql-dialect.js';
import { jsonChildrenWith } from './sql-dialect.js';

// Loaded when a PostgreSQL DSN is opened, not at every start (a SQLite server never needs it).
const require = createRequire(import.meta.url);

/** Type parsers that keep every value as the text the server sent. */
const UNPARSED = { getTypeParser: () => (value: string) => value };

export function createPostgresDialect(dsn: ParsedDsn, onConnectionError: (err: Error) => void = () => {}): SqlDialect {
  const pg = require('pg') as typeof import('pg');
  const pool = new pg.Pool({
    connectionString: dsn.url,
    max: dsn.pool.maxConnections,
    idleTimeoutMillis: dsn.pool.maxIdleTime || 10_000,
    connectionTimeoutMillis: dsn.pool.connectTimeout || 10_000,
  });
  // A connection that breaks emits 'error' on its client. The pool listens only while the client is
  // idle; a checked-out client (inside a transaction, between two statements) has no listener, and
  // an unhandled 'error' event ends the process. The query in flight fails on its own and the pool
  // drops the broken client, so here it is only logged.
  pool.on('error', onConnectionError);
  pool.on('connect', (client) => client.on('error', onConnectionError));
  // Statements read through fastRead are prepared once per connection under a name of their own.
  // A migration that changes a table's columns invalidates them ("cached plan must not change
  // result type", 0A000): the statement is then prepared again under a new name.
  const statementNames = new Map<string, string>();
  let generation = 0;
  const nameOf = (text: string) => {
    let n = statementNames.get(text);
    if (!n) statementNames.set(text, (n = `tessera_${createHash('sha256').update(text).digest('hex').slice(0, 16)}_${generation}`));
    return n;
  };
  // As values: rows as arrays of the text PostgreSQL sends, parsed into nothing (no Date per timestamp).
  const run = async (text: string, parameters: readonly unknown[], asValues: boolean, retried = false): Promise<unknown[]> => {
    try {
      return (await pool.query({ name: nameOf(text), text, values: parameters as unknown[], ...(asValues ? { rowMode: 'array', types: UNPARSED } : {}) })).rows;
    } catch (err) {
      if (retried || (err as { code?: string } | null)?.code !== '0A000') throw err;
      generation++;
      statementNames.clear();
      return run(text, parameters, asValues, true);
    }
  };
  const fastRead = (text: string, parameters: readonly unknown[]) => run(text, parameters, false);
  const fastReadFirstValues = async (text: string, parameters: readonly unknown[]) => (await run(text, parameters, true))[0] as unknown[] | undefined;
  return {
    name: 'postgres',
    fastRead,
    fastReadFirstValues,
    kysely: new PostgresDialect({ pool }),
    types: { uuid: 'uuid', timestamp: 'timestamptz', boolean: 'boolean', text: 'text' },
    supportsSkipLocked: true,
    insertIgnore: 'on-conflict',
    toTime: (d) => d,
    toBool: (b) => b,
    jsonChildren: jsonChildrenWith({ agg: 'json_agg', object: 'json_build_object', empty: sql`'[]'::json` }),
    isUniqueViolation: (err) => (err as { code?: string } | null)?.code === '23505',
  };
}
