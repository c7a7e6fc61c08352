import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialects/sql-dialect.js';

export const name = '0003-selfservice-flows';

/**
 * One table for every self-service flow kind: the columns all kinds share, plus a JSON document for
 * what a kind adds (refresh and requested AAL for login, the identity for settings, ...).
 */
export async function up(db: Kysely<unknown>, d: SqlDialect): Promise<void> {
  const t = d.types;
  await db.schema
    .createTable('selfservice_flows')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('type', 'varchar(8)', (c) => c.notNull())
    .addColumn('state', 'varchar(32)', (c) => c.notNull())
    .addColumn('identity_id', t.uuid, (c) => c.references('identities.id').onDelete('cascade'))
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .addColumn('issued_at', t.timestamp, (c) => c.notNull())
    .addColumn('request_url', t.text, (c) => c.notNull())
    .addColumn('return_to', t.text)
    .addColumn('active', 'varchar(32)')
    .addColumn('csrf_token', 'varchar(64)', (c) => c.notNull())
    .addColumn('ui', t.text, (c) => c.notNull())
    .addColumn('data', t.text, (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('selfservice_errors')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('error', t.text, (c) => c.notNull())
    .addColumn('csrf_token', 'varchar(64)', (c) => c.notNull())
    .addColumn('seen_at', t.timestamp)
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('selfservice_errors').execute();
  await db.schema.dropTable('selfservice_flows').execute();
}
