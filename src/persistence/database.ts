import { Kysely, Migrator, sql, type KyselyConfig } from 'kysely';
import { parseDsn, type ParsedDsn } from './dsn.js';
import type { SqlDialect } from './dialects/sql-dialect.js';
import { createSqliteDialect } from './dialects/sqlite.js';
import { createPostgresDialect } from './dialects/postgres.js';
import { createMysqlDialect } from './dialects/mysql.js';
import { migrationProvider, MIGRATIONS } from './migrations/index.js';
import type { Tables } from './tables.js';

export interface MigrationState {
  name: string;
  applied: boolean;
  appliedAt?: Date;
}

/** One connection pool to one database, with its dialect and migrations. */
export class Database {
  readonly db: Kysely<Tables>;
  readonly dialect: SqlDialect;
  readonly dsn: ParsedDsn;
  private readonly migrator: Migrator;

  /**
   * `log` receives every finished query (Kysely's hook; used for trace spans). `onConnectionError`
   * hears about connections that broke outside a query (the database restarted or went away); the
   * pool replaces them, and requests meanwhile fail with 503.
   */
  constructor(dsn: string | ParsedDsn, opts: { log?: KyselyConfig['log']; onConnectionError?: (err: Error) => void } = {}) {
    this.dsn = typeof dsn === 'string' ? parseDsn(dsn) : dsn;
    const onError = opts.onConnectionError;
    this.dialect =
      this.dsn.dialect === 'sqlite'
        ? createSqliteDialect(this.dsn)
        : this.dsn.dialect === 'postgres'
          ? createPostgresDialect(this.dsn, onError)
          : createMysqlDialect(this.dsn, onError);
    this.db = new Kysely<Tables>({ dialect: this.dialect.kysely, log: opts.log });
    this.migrator = new Migrator({
      db: this.db as unknown as Kysely<unknown>,
      provider: migrationProvider(this.dialect),
      migrationTableName: 'tessera_migrations',
      migrationLockTableName: 'tessera_migrations_lock',
    });
  }

  async migrationStatus(): Promise<MigrationState[]> {
    const infos = await this.migrator.getMigrations();
    return infos.map((m) => ({ name: m.name, applied: m.executedAt !== undefined, appliedAt: m.executedAt }));
  }

  /** Names of migrations not yet applied. */
  async pendingMigrations(): Promise<string[]> {
    return (await this.migrationStatus()).filter((m) => !m.applied).map((m) => m.name);
  }

  /** Applies every pending migration; returns the names applied. Throws on the first failure. */
  async migrate(): Promise<string[]> {
    const { error, results } = await this.migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      throw new Error(`migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    this.dialect.close?.();
    await this.db.destroy();
  }
}

export const KNOWN_MIGRATIONS = MIGRATIONS.map((m) => m.name);
