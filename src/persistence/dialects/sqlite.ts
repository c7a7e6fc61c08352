import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SqliteDialect, sql } from 'kysely';
import type { ParsedDsn } from '../dsn.js';
import type { SqlDialect } from './sql-dialect.js';
import { jsonChildrenWith } from './sql-dialect.js';

export function createSqliteDialect(dsn: ParsedDsn): SqlDialect {
  const file = dsn.file ?? ':memory:';
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  let reader: Database.Database | null = null;
  const openReader = (): Database.Database => {
    if (!reader) {
      reader = withStatementCache(new Database(file, { readonly: true, fileMustExist: true }));
      reader.pragma('busy_timeout = 5000');
    }
    return reader;
  };
  const fastRead =
    file === ':memory:' ? undefined : (source: string, parameters: readonly unknown[]): unknown[] => openReader().prepare(source).all(...(parameters as unknown[]));
  // Statements in raw mode, apart from the cache above, whose statements hand out objects.
  const rawStatements = new Map<string, Database.Statement>();
  const fastReadFirstValues =
    file === ':memory:'
      ? undefined
      : (source: string, parameters: readonly unknown[]): unknown[] | undefined => {
          let stmt = rawStatements.get(source);
          if (!stmt) {
            if (rawStatements.size >= STATEMENT_CACHE_SIZE) rawStatements.clear();
            rawStatements.set(source, (stmt = Database.prototype.prepare.call(openReader(), source).raw(true)));
          }
          return stmt.get(...(parameters as unknown[])) as unknown[] | undefined;
        };
  return {
    fastRead,
    fastReadFirstValues,
    close: () => {
      rawStatements.clear();
      reader?.close();
      reader = null;
    },
    name: 'sqlite',
    kysely: new SqliteDialect({
      database: async () => {
        const db = new Database(file);
        db.pragma('journal_mode = WAL');
        db.pragma('foreign_keys = ON');
        db.pragma('busy_timeout = 5000');
        db.pragma('synchronous = NORMAL');
        return withStatementCache(db);
      },
    }),
    types: { uuid: 'text', timestamp: 'text', boolean: 'integer', text: 'text' },
    supportsSkipLocked: false,
    insertIgnore: 'on-conflict',
    // ISO-8601 UTC strings of fixed width sort and compare correctly as text.
    toTime: (d) => d.toISOString(),
    toBool: (b) => (b ? 1 : 0),
    jsonChildren: jsonChildrenWith({ agg: 'json_group_array', object: 'json_object', empty: sql`json_array()` }),
    isUniqueViolation: (err) => {
      const code = (err as { code?: string } | null)?.code;
      return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
    },
  };
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query anew; on SQLite preparing costs more than running a point lookup.
 * Statements are reusable (the driver runs one query at a time on its single connection), so they
 * are kept in a small LRU keyed by SQL text.
 */
function withStatementCache(db: Database.Database): Database.Database {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  db.prepare = ((source: string) => {
    let stmt = cache.get(source);
    if (stmt) {
      cache.delete(source);
    } else {
      stmt = prepare(source);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    }
    cache.set(source, stmt);
    return stmt;
  }) as Database.Database['prepare'];
  return db;
}
