import type { CompiledQuery, Kysely, Transaction } from 'kysely';
import type { ThrottleChange, ThrottleCounter, ThrottleStore, ThrottleTransaction } from '../security/throttle.js';
import { fromNullableTime, fromTime, type SqlDialect } from './dialects/sql-dialect.js';
import type { Tables } from './tables.js';
import { KeyedSerializer } from '../lib/keyed-serializer.js';
import { inTransaction, type Db } from './tx.js';

type Row = Tables['tessera_throttle'];

/**
 * A statement compiled once per dialect, and the row fields its parameters take, in order. Every
 * sign-in runs these a few times; built through the query builder each time, building cost more
 * CPU than the database spent running them.
 */
interface Prepared {
  query: CompiledQuery;
  fields: readonly (keyof Row)[];
}

interface ThrottleStatements {
  /** Creates the row (at zero) or takes it as it is, locked, and returns it (SQLite and PostgreSQL). */
  lock?: Prepared;
  /** MySQL: creates the row or locks it as it is, then reads it under the lock. */
  insertOrKeep?: Prepared;
  selectForUpdate?: Prepared;
  update: Prepared;
  remove: Prepared;
}

const ROW_FIELDS: readonly (keyof Row)[] = ['key', 'scope', 'failures', 'window_start', 'last_failure_at', 'blocked_until', 'updated_at'];
const compiledStatements = new WeakMap<SqlDialect, ThrottleStatements>();

/**
 * Compiles `build`'s statement with each field's value standing in for itself, then reads which
 * field each parameter is: the order is Kysely's to choose, not ours to assume.
 */
function prepare(build: (placeholder: Row) => { compile(): CompiledQuery }): Prepared {
  const placeholder = Object.fromEntries(ROW_FIELDS.map((f) => [f, `\u0001${f}`])) as unknown as Row;
  const query = build(placeholder).compile();
  const fields = query.parameters.map((p) => {
    const field = typeof p === 'string' && p.startsWith('\u0001') ? (p.slice(1) as keyof Row) : undefined;
    if (!field || !ROW_FIELDS.includes(field)) throw new Error(`a throttle statement has a parameter that is not a row field: ${query.sql}`);
    return field;
  });
  return { query, fields };
}

function statementsFor(db: Db, dialect: SqlDialect): ThrottleStatements {
  let s = compiledStatements.get(dialect);
  if (s) return s;
  const update = prepare((r) =>
    db
      .updateTable('tessera_throttle')
      .set({ failures: r.failures, window_start: r.window_start, last_failure_at: r.last_failure_at, blocked_until: r.blocked_until, updated_at: r.updated_at })
      .where('key', '=', r.key),
  );
  const remove = prepare((r) => db.deleteFrom('tessera_throttle').where('key', '=', r.key));
  s =
    dialect.insertIgnore === 'on-conflict'
      ? {
          update,
          remove,
          lock: prepare((r) =>
            db
              .insertInto('tessera_throttle')
              .values(r)
              .onConflict((oc) => oc.column('key').doUpdateSet({ scope: (eb) => eb.ref('excluded.scope') }))
              .returningAll(),
          ),
        }
      : {
          update,
          remove,
          insertOrKeep: prepare((r) => db.insertInto('tessera_throttle').values(r).onDuplicateKeyUpdate({ scope: r.scope })),
          selectForUpdate: prepare((r) => db.selectFrom('tessera_throttle').selectAll().where('key', '=', r.key).forUpdate()),
        };
  compiledStatements.set(dialect, s);
  return s;
}

async function run<R>(trx: Transaction<Tables>, statement: Prepared, row: Row): Promise<R[]> {
  return (await trx.executeQuery<R>({ ...statement.query, parameters: statement.fields.map((f) => row[f]) } as CompiledQuery<R>)).rows;
}

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
  const s = statementsFor(trx, dialect);
  if (s.lock) {
    const [locked] = await run<Row>(trx, s.lock, row);
    if (!locked) throw new Error(`the throttle row ${key} was neither inserted nor returned`);
    return locked;
  }
  // A concurrent transaction (another instance) may delete the row between our insert, which found it
  // and did nothing, and our lock, which then finds nothing: insert again. Each round means another
  // transaction finished with the row, so this ends.
  for (let round = 0; ; round++) {
    await run(trx, s.insertOrKeep!, row);
    const [locked] = await run<Row>(trx, s.selectForUpdate!, row);
    if (locked) return locked;
    if (round >= 10) throw new Error(`the throttle row ${key} kept vanishing under concurrent updates`);
  }
}

/** Changes the counter of `key` under its lock, inside the caller's transaction (see ThrottleStore.update). */
export async function updateThrottleRow<T>(trx: Transaction<Tables>, dialect: SqlDialect, key: string, scope: string, now: Date, change: ThrottleChange<T>): Promise<T> {
  const current = fromRow(await lockThrottleRow(trx, dialect, key, scope, now));
  const { next, result } = change(current.failures === 0 && current.blockedUntil === null && current.lastFailureAt === null ? null : current);
  if (next === null) {
    await removeThrottleRow(trx, dialect, key);
  } else {
    const t = dialect.toTime;
    await run(trx, statementsFor(trx, dialect).update, {
      key,
      scope,
      failures: next.failures,
      window_start: t(next.windowStart),
      last_failure_at: next.lastFailureAt ? t(next.lastFailureAt) : null,
      blocked_until: next.blockedUntil ? t(next.blockedUntil) : null,
      updated_at: t(now),
    });
  }
  return result;
}

async function removeThrottleRow(trx: Transaction<Tables>, dialect: SqlDialect, key: string): Promise<void> {
  await run(trx, statementsFor(trx, dialect).remove, { key } as Row);
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
    return this.transaction([key], (tx) => tx.update(key, scope, now, change));
  }

  async transaction<T>(keys: readonly string[], work: (tx: ThrottleTransaction) => Promise<T>): Promise<T> {
    // Each key once: queueing twice for one key would wait on itself.
    const named = new Set(keys);
    const order = [...named];
    const mustBeNamed = (key: string): void => {
      if (!named.has(key)) throw new Error(`a throttle transaction touched ${key}, which it did not name`);
    };
    // Queued for each key in the order given, then one database transaction for all of them.
    const queued = (i: number): Promise<T> =>
      i < order.length
        ? this.perKey.run(order[i]!, () => queued(i + 1))
        : inTransaction(this.db as Db, (trx) =>
            work({
              update: (key, scope, now, change) => {
                mustBeNamed(key);
                return updateThrottleRow(trx, this.dialect, key, scope, now, change);
              },
              remove: (key) => {
                mustBeNamed(key);
                return removeThrottleRow(trx, this.dialect, key);
              },
            }),
          );
    return queued(0);
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
