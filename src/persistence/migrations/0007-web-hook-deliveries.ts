import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialects/sql-dialect.js';

export const name = '0007-web-hook-deliveries';

export async function up(db: Kysely<unknown>, d: SqlDialect): Promise<void> {
  const t = d.types;
  await db.schema
    .createTable('web_hook_deliveries')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    // How the worker finds the hook's URL, headers and credentials in the configuration; no
    // secrets are stored here.
    .addColumn('hook_ref', 'varchar(128)', (c) => c.notNull())
    .addColumn('hook_id', 'varchar(255)')
    .addColumn('url', t.text, (c) => c.notNull())
    .addColumn('method', 'varchar(32)', (c) => c.notNull())
    .addColumn('body', t.text)
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('attempt_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', t.text)
    .addColumn('next_attempt_at', t.timestamp, (c) => c.notNull())
    .addColumn('lease_until', t.timestamp)
    .addColumn('leased_by', 'varchar(64)')
    .addColumn('delivered_at', t.timestamp)
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('web_hook_deliveries_status_next_idx').on('web_hook_deliveries').columns(['status', 'next_attempt_at']).execute();

  await db.schema
    .createTable('web_hook_delivery_attempts')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('delivery_id', t.uuid, (c) => c.notNull().references('web_hook_deliveries.id').onDelete('cascade'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', t.text)
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('web_hook_delivery_attempts_delivery_idx').on('web_hook_delivery_attempts').columns(['delivery_id', 'attempt']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('web_hook_delivery_attempts').execute();
  await db.schema.dropTable('web_hook_deliveries').execute();
}
