import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialects/sql-dialect.js';

export const name = '0012-session-token-exchanges';

/**
 * Session token exchanges of native flows (`return_session_token_exchange_code`). Codes are kept
 * as SHA-256 digests and the session token only sealed under a key the stored row does not hold.
 */
export async function up(db: Kysely<unknown>, d: SqlDialect): Promise<void> {
  const t = d.types;
  await db.schema
    .createTable('session_token_exchanges')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('flow_id', t.uuid, (c) => c.notNull().unique().references('selfservice_flows.id').onDelete('cascade'))
    .addColumn('init_code_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('return_to_code_hash', 'varchar(64)')
    .addColumn('session_id', t.uuid, (c) => c.references('sessions.id').onDelete('cascade'))
    .addColumn('sealed_token', 'varchar(255)')
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('session_token_exchanges').execute();
}
