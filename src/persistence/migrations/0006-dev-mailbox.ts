import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialects/sql-dialect.js';

export const name = '0006-dev-mailbox';

/**
 * The dev mailbox: emails the courier "delivered" in dev mode when no SMTP server is configured,
 * kept so the built-in UI can show them. Never written to outside dev mode.
 */
export async function up(db: Kysely<unknown>, d: SqlDialect): Promise<void> {
  const t = d.types;
  await db.schema
    .createTable('dev_mailbox_messages')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('message_id', t.uuid, (c) => c.notNull())
    .addColumn('recipient', 'varchar(400)', (c) => c.notNull())
    .addColumn('subject', t.text, (c) => c.notNull())
    .addColumn('body_text', t.text, (c) => c.notNull())
    .addColumn('body_html', t.text)
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dev_mailbox_messages_created_idx').on('dev_mailbox_messages').column('created_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('dev_mailbox_messages').execute();
}
