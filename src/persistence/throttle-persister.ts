import type { Kysely, Transaction } from 'kysely';
import type { ThrottleCounter, ThrottleStore } from '../security/throttle.js';
import { fromNullableTime, fromTime, type SqlDialect } from './dialects/sql-dialect.js';
import type { Tables } from './tables.js';
import { KeyedSerializer } from '../lib/keyed-serializer.js';
import { inTransaction, type Db } from './tx.js';

type Row = Tables['tessera_throttle'];

/**
 * Takes the row of `key` (creating it at zero) under an exclusive lock held until the transaction
 * ends. The write comes first: on SQLite it takes the database's write lock at once (so a second
 * process waits instead of failing to upgrade a read lock). On SQLite and PostgreSQL one statement
 * does it all: an insert whose conflict updates the row (which on PostgreSQL locks it, waiting for a
 * transaction that holds it, and inserts afresh if that one deleted it) and returns it. On MySQL,
 * whose inserts return no rows, the insert locks the row exclusively and a SELECT ... FOR UPDATE
 * reads it.
 */
export async function lockThrottleRow(trx: Transaction<Tables>, dialect: SqlDialect, key: string, scope: string, now: Date): Promise<Row> {
  const t = dialect.toTime;
  const row: Row = { key, scope, failures: 0, window_start: t(now), last_failure_at: null, blocked_until: null, updated_at: t(now) };
  if (dialect.insertIgnore === 'on-conflict') {
    return trx
      .insertInto('tessera_throttle')
      .values(row)
      .onConflict((oc) => oc.column('key').doUpdateSet({ scope: (eb) => eb.ref('excluded.scope') }))
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  // A concurrent transaction (another instance) may delete the row between our insert, which found it
  // and did nothing, and our lock, which then finds nothing: insert again. Each round means another
  // transaction finished with the row, so this ends.
  for (let round = 0; ; round++) {
    await trx.insertInto('tessera_throttle').values(row).onDuplicateKeyUpdate({ scope }).execute();
    const locked = await trx.selectFrom('tessera_throttle').selectAll().where('key', '=', key).forUpdate().executeTakeFirst();
    if (locked) return locked;
    if (round >= 10) throw new Error(`the throttle row ${key} kept vanishing under concurrent updates`);
  }
}

type ThrottleChange<T> = (current: ThrottleCounter | null) => { next: ThrottleCounter | null; result: T };

/** Changes the counter of `key` under its lock, inside the caller's transaction (see ThrottleStore.update). */
export async function updateThrottleRow<T>(trx: Transaction<Tables>, dialect: SqlDialect, key: string, scope: string, now: Date, change: ThrottleChange<T>): Promise<T> {
  const current = fromRow(await lockThrottleRow(trx, dialect, key, scope, now));
  const { next, result } = change(current.failures === 0 && current.blockedUntil === null && current.lastFailureAt === null ? null : current);
  if (next === null) {
    await trx.deleteFrom('tessera_throttle').where('key', '=', key).execute();
  } else {
    const t = dialect.toTime;
    await trx
      .updateTable('tessera_throttle')
      .set({
        failures: next.failures,
        window_start: t(next.windowStart),
        last_failure_at: next.lastFailureAt ? t(next.lastFailureAt) : null,
        blocked_until: next.blockedUntil ? t(next.blockedUntil) : null,
        updated_at: t(now),
      })
      .where('key', '=', key)
      .execute();
  }
  return result;
}

export class SqlThrottlePersister implements ThrottleStore {
  // The row lock orders attempts across instances; within one instance, attempts on one key queue
  // here first, so a burst on one account takes one connection rather than the whole pool.
  private readonly perKey = new KeyedSerializer();

  constructor(
    private readonly db: Kysely<Tables>,
    private readonly dialect: SqlDialect,
  ) {}

  async update<T>(key: string, scope: string, now: Date, change: ThrottleChange<T>): Promise<T> {
    return this.perKey.run(key, () => inTransaction(this.db as Db, (trx) => updateThrottleRow(trx, this.dialect, key, scope, now, change)));
  }

  async prune(now: Date, idleFor: number, keep: { scope: string; minFailures: number }): Promise<number> {
    const t = this.dialect.toTime;
    const res = await this.db
      .deleteFrom('tessera_throttle')
      .where('updated_at', '<', t(new Date(now.getTime() - idleFor)))
      .where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<', t(now))]))
      .where((eb) => eb.or([eb('scope', '!=', keep.scope), eb('failures', '<', keep.minFailures)]))
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  async get(key: string): Promise<ThrottleCounter | null> {
    const row = await this.db.selectFrom('tessera_throttle').selectAll().where('key', '=', key).executeTakeFirst();
    return row ? fromRow(row) : null;
  }

  async delete(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const res = await this.db.deleteFrom('tessera_throttle').where('key', 'in', [...keys]).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

function fromRow(r: Row): ThrottleCounter {
  return {
    failures: Number(r.failures),
    windowStart: fromTime(r.window_start),
    lastFailureAt: fromNullableTime(r.last_failure_at),
    blockedUntil: fromNullableTime(r.blocked_until),
  };
}
