import type { Kysely } from 'kysely';

export const name = '0015-identity-version';

/**
 * A counter every write to an identity (its row, addresses or credentials) increments in the same
 * transaction. A session check reads it with the session row and reuses what it rendered for the
 * identity until it moves, on every instance (docs/benchmarks.md, "Where whoami's time goes").
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('identities')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('identities').dropColumn('version').execute();
}
