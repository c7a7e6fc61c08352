import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialects/sql-dialect.js';

export const name = '0014-second-factor-uses';

/**
 * One row per second-factor secret that was spent: the TOTP time step a code was accepted for, the
 * digest of a backup code. The primary key makes spending atomic across instances: of two
 * concurrent submissions of the same code, one insert wins and the other is refused.
 */
export async function up(db: Kysely<unknown>, d: SqlDialect): Promise<void> {
  const t = d.types;
  await db.schema
    .createTable('identity_second_factor_uses')
    .addColumn('identity_id', t.uuid, (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('credential_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('use_key', 'varchar(128)', (c) => c.notNull())
    .addColumn('used_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('identity_second_factor_uses_pk', ['identity_id', 'credential_type', 'use_key'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('identity_second_factor_uses').execute();
}
