import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialects/sql-dialect.js';

export const name = '0005-selfservice-codes';

/**
 * One-time codes and link tokens of the code and link strategies (recovery, verification, later
 * login/registration codes). Only keyed digests are stored; the secret itself leaves in a message.
 */
export async function up(db: Kysely<unknown>, d: SqlDialect): Promise<void> {
  const t = d.types;
  await db.schema
    .createTable('selfservice_codes')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('flow_id', t.uuid, (c) => c.references('selfservice_flows.id').onDelete('cascade'))
    .addColumn('identity_id', t.uuid, (c) => c.references('identities.id').onDelete('cascade'))
    .addColumn('address', 'varchar(400)')
    .addColumn('digest', 'varchar(128)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .addColumn('used_at', t.timestamp)
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('selfservice_codes_flow_idx').on('selfservice_codes').columns(['flow_id', 'kind']).execute();
  await db.schema.createIndex('selfservice_codes_digest_idx').on('selfservice_codes').columns(['kind', 'digest']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('selfservice_codes').execute();
}
