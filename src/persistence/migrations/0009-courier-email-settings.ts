import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialects/sql-dialect.js';

export const name = '0009-courier-email-settings';

/**
 * The email channel settings stored over the admin API, which take precedence over the file. One
 * row per scope (`email`); `document` is null once deleted (back to the file), `version` only
 * grows, so every process can tell a change by reading one small row. Secrets in `document` are
 * encrypted under `secrets.cipher`.
 */
export async function up(db: Kysely<unknown>, d: SqlDialect): Promise<void> {
  const t = d.types;
  await db.schema
    .createTable('courier_settings')
    .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('document', t.text)
    .addColumn('read_as', 'varchar(32)')
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('courier_settings').execute();
}
