import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialects/sql-dialect.js';

export const name = '0008-security-throttle';

/**
 * Counters of the brute-force limiter (src/security/): failed sign-ins per account and per client
 * address, one-time code checks per address, and the rows the courier's per-recipient limit locks.
 * Keys are digests: no identifier or address is stored in the clear. Every instance reads and
 * writes the same rows, so the limits hold across instances.
 */
export async function up(db: Kysely<unknown>, d: SqlDialect): Promise<void> {
  const t = d.types;
  await db.schema
    .createTable('tessera_throttle')
    .addColumn('key', 'varchar(96)', (c) => c.primaryKey())
    .addColumn('scope', 'varchar(32)', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('window_start', t.timestamp, (c) => c.notNull())
    .addColumn('last_failure_at', t.timestamp)
    .addColumn('blocked_until', t.timestamp)
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('tessera_throttle_updated_idx').on('tessera_throttle').column('updated_at').execute();
  // The cap on active one-time secrets per address looks them up by address.
  await db.schema.createIndex('selfservice_codes_address_idx').on('selfservice_codes').columns(['address', 'used_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('selfservice_codes_address_idx').on('selfservice_codes').execute();
  await db.schema.dropTable('tessera_throttle').execute();
}
