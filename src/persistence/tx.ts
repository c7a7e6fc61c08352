import type { Kysely, Transaction } from 'kysely';
import type { Tables } from './tables.js';

export type Db = Kysely<Tables> | Transaction<Tables>;

/** Runs `fn` in a transaction, joining the caller's when `db` already is one. */
export async function inTransaction<T>(db: Db, fn: (trx: Transaction<Tables>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db as Transaction<Tables>);
  return db.transaction().execute(fn);
}
