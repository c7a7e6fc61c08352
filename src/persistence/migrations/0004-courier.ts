import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialects/sql-dialect.js';

export const name = '0004-courier';

export async function up(db: Kysely<unknown>, d: SqlDialect): Promise<void> {
  const t = d.types;
  await db.schema
    .createTable('courier_messages')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('type', 'varchar(8)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('channel', 'varchar(64)', (c) => c.notNull())
    .addColumn('recipient', 'varchar(400)', (c) => c.notNull())
    .addColumn('subject', t.text, (c) => c.notNull())
    .addColumn('body', t.text, (c) => c.notNull())
    .addColumn('template_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('template_data', t.text, (c) => c.notNull())
    .addColumn('send_count', 'integer', (c) => c.notNull().defaultTo(0))
    // When the message may next be tried (retries back off), and until when a worker holds it.
    .addColumn('next_attempt_at', t.timestamp, (c) => c.notNull())
    .addColumn('lease_until', t.timestamp)
    .addColumn('leased_by', 'varchar(64)')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('courier_messages_status_next_idx').on('courier_messages').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('courier_messages_recipient_idx').on('courier_messages').columns(['recipient', 'template_type', 'created_at']).execute();

  await db.schema
    .createTable('courier_message_dispatches')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('message_id', t.uuid, (c) => c.notNull().references('courier_messages.id').onDelete('cascade'))
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('error', t.text)
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('courier_message_dispatches_message_idx').on('courier_message_dispatches').column('message_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('courier_message_dispatches').execute();
  await db.schema.dropTable('courier_messages').execute();
}
