import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialects/sql-dialect.js';

export const name = '0013-courier-rendered-html';

/**
 * Messages are rendered when queued (subject and plain-text body, as Kratos stores them); the HTML
 * part is kept beside them so a worker sends the stored rendering instead of rendering again.
 * NULL: not rendered at enqueue (queued before this migration, or its template failed then).
 */
export async function up(db: Kysely<unknown>, d: SqlDialect): Promise<void> {
  await db.schema.alterTable('courier_messages').addColumn('body_html', d.types.text).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('courier_messages').dropColumn('body_html').execute();
}
