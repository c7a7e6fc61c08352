import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SqliteDialect } from 'kysely';
import type { ParsedDsn } from '../dsn.js';
import type { SqlDialect } from './sql-dialect.js';

export function createSqliteDialect(dsn: ParsedDsn): SqlDialect {
  const file = dsn.file ?? ':memory:';
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  return {
    name: 'sqlite',
    kysely: new SqliteDialect({
      database: async () => {
        const db = new Database(file);
        db.pragma('journal_mode = WAL');
        db.pragma('foreign_keys = ON');
        db.pragma('busy_timeout = 5000');
        db.pragma('synchronous = NORMAL');
        return db;
      },
    }),
    types: { uuid: 'text', timestamp: 'text', boolean: 'integer', text: 'text' },
    supportsSkipLocked: false,
    // ISO-8601 UTC strings of fixed width sort and compare correctly as text.
    toTime: (d) => d.toISOString(),
    toBool: (b) => (b ? 1 : 0),
    isUniqueViolation: (err) => {
      const code = (err as { code?: string } | null)?.code;
      return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
    },
  };
}
