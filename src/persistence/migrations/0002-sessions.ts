import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialects/sql-dialect.js';

export const name = '0002-sessions';

export async function up(db: Kysely<unknown>, d: SqlDialect): Promise<void> {
  const t = d.types;
  await db.schema
    .createTable('sessions')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('identity_id', t.uuid, (c) => c.notNull().references('identities.id').onDelete('cascade'))
    // Only digests of the bearer secrets are stored: a leaked table does not hand out sessions.
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('logout_token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('active', t.boolean, (c) => c.notNull())
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .addColumn('authenticated_at', t.timestamp, (c) => c.notNull())
    .addColumn('issued_at', t.timestamp, (c) => c.notNull())
    .addColumn('aal', 'varchar(8)', (c) => c.notNull())
    .addColumn('authentication_methods', t.text, (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_identity_idx').on('sessions').columns(['identity_id', 'id']).execute();

  await db.schema
    .createTable('session_devices')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('session_id', t.uuid, (c) => c.notNull().references('sessions.id').onDelete('cascade'))
    .addColumn('identity_id', t.uuid, (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('ip_address', 'varchar(64)')
    .addColumn('user_agent', 'varchar(512)')
    .addColumn('location', 'varchar(512)')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('session_devices_session_idx').on('session_devices').column('session_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('session_devices').execute();
  await db.schema.dropTable('sessions').execute();
}
