// The throttle store against real databases: bursts on one key through a small pool, and pruning.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, type TestDatabase } from '../testkit/databases.js';
import { Database } from '../../src/persistence/database.js';
import { lockThrottleRow, SqlThrottlePersister } from '../../src/persistence/throttle-persister.js';
import { admitAccountAttempt, admitWindowAttempt, type ThrottleStore } from '../../src/security/throttle.js';
import { BruteForceLimiter } from '../../src/security/brute-force-limiter.js';
import type { BruteForceSettings } from '../../src/security/settings.js';
import { KratosError } from '../../src/errors/kratos-error.js';
import pino from 'pino';
import { KeyedSerializer } from '../../src/lib/keyed-serializer.js';

const RULE = { delayAfter: 1000, delayMs: 1, maxDelayMs: 1, lockoutAfter: 1000, lockoutMs: 1, maxFailures: 100, resetAfterMs: 3600_000 };

describe('keyed serializer', () => {
  test('runs tasks of one key in order, one at a time; other keys run alongside; a failure does not block the queue', async () => {
    const s = new KeyedSerializer();
    const log: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const task = (name: string, fail = false) => async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, 5));
      log.push(`end ${name}`);
      running--;
      if (fail) throw new Error(name);
      return name;
    };
    const a = [s.run('a', task('a1')), s.run('a', task('a2', true)), s.run('a', task('a3'))];
    const b = s.run('b', async () => 'b1');
    const results = await Promise.allSettled([...a, b]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    assert.deepEqual(log, ['start a1', 'end a1', 'start a2', 'end a2', 'start a3', 'end a3']);
    assert.equal(maxRunning, 1);
    await new Promise((r) => setImmediate(r));
    assert.equal(s.size, 0, 'idle keys are forgotten');
  });
});

for (const factory of testDatabases()) {
  describe(`throttle store on ${factory.name}`, () => {
    let tdb: TestDatabase;
    let database: Database;
    let store: SqlThrottlePersister;

    before(async () => {
      tdb = await factory.create();
      // Two connections: a burst of 150 on one key must not need more (it once timed requests out waiting for the pool).
      database = new Database(tdb.name === 'sqlite' ? tdb.dsn : `${tdb.dsn}${tdb.dsn.includes('?') ? '&' : '?'}max_conns=2`);
      await database.migrate();
      store = new SqlThrottlePersister(database.db, database.dialect);
    });
    after(async () => {
      await database?.close();
      await tdb?.drop();
    });

    test('150 parallel attempts on one account through a pool of two count exactly 100, then refuse', async () => {
      const now = new Date();
      const decisions = await Promise.all(Array.from({ length: 150 }, () => store.update('acct', 'login_account', now, (c) => admitAccountAttempt(RULE, c, now))));
      assert.equal(decisions.filter((d) => d.admitted).length, 100);
      assert.equal((await store.get('acct'))?.failures, 100);
    });

    test('prune removes idle counters, keeps blocked ones and accounts at the hard cap', async () => {
      const long = new Date(Date.now() - 48 * 3600_000);
      await store.update('old-window', 'login_address', long, (c) => admitWindowAttempt({ max: 10, windowMs: 60_000 }, c, long));
      await store.update('fresh-window', 'login_address', new Date(), (c) => admitWindowAttempt({ max: 10, windowMs: 60_000 }, c, new Date()));
      const lockedRule = { ...RULE, delayAfter: 0, delayMs: 30 * 24 * 3600_000, maxDelayMs: 30 * 24 * 3600_000 };
      await store.update('old-but-blocked', 'login_account', long, (c) => admitAccountAttempt(lockedRule, c, long));
      // 'acct' from the test before holds 100 failures: the hard cap. Age every row.
      await database.db.updateTable('tessera_throttle').set({ updated_at: database.dialect.toTime(long) }).where('key', 'in', ['acct', 'old-but-blocked']).execute();
      const removed = await store.prune(new Date(), 24 * 3600_000, { scope: 'login_account', minFailures: 100 });
      assert.equal(removed, 1);
      assert.equal(await store.get('old-window'), null);
      assert.ok(await store.get('fresh-window'));
      assert.ok(await store.get('old-but-blocked'));
      assert.equal((await store.get('acct'))?.failures, 100);
    });

    test('a transaction over several counters commits all of its changes or none', async () => {
      const now = new Date();
      const window = { max: 10, windowMs: 60_000 };
      await assert.rejects(
        store.transaction(['tx-a', 'tx-b'], async (tx) => {
          await tx.update('tx-a', 'login_address', now, (c) => admitWindowAttempt(window, c, now));
          await tx.update('tx-b', 'login_account', now, (c) => admitAccountAttempt(RULE, c, now));
          throw new Error('after both');
        }),
        /after both/,
      );
      assert.equal(await store.get('tx-a'), null);
      assert.equal(await store.get('tx-b'), null);
      await store.transaction(['tx-a', 'tx-b'], async (tx) => {
        await tx.update('tx-a', 'login_address', now, (c) => admitWindowAttempt(window, c, now));
        await tx.update('tx-b', 'login_account', now, (c) => admitAccountAttempt(RULE, c, now));
      });
      assert.equal((await store.get('tx-a'))?.failures, 1);
      assert.equal((await store.get('tx-b'))?.failures, 1);
      await store.transaction(['tx-b'], (tx) => tx.remove('tx-b'));
      assert.equal(await store.get('tx-b'), null);
      await assert.rejects(
        store.transaction(['tx-a'], (tx) => tx.remove('tx-b')),
        /did not name/,
      );
    });

    test('a sign-in counts its address and account in one transaction, and a success clears them in one more', async () => {
      const transactions: string[][] = [];
      const counting: ThrottleStore = {
        update: (...a) => store.update(...a),
        get: (k) => store.get(k),
        delete: (k) => store.delete(k),
        prune: (...a) => store.prune(...a),
        transaction: (keys, work) => {
          transactions.push([...keys]);
          return store.transaction(keys, work);
        },
      };
      const settings: BruteForceSettings = {
        enabled: true,
        account: { ...RULE, maxFailures: 2 },
        clientAddress: { max: 3, windowMs: 60_000 },
        codeChecks: { max: 10, windowMs: 60_000 },
        maxActiveSecrets: 5,
        codeSendsPerClient: { max: 0, windowMs: 60_000 },
      };
      const limiter = new BruteForceLimiter({ store: counting, settings, logger: pino({ level: 'silent' }) });
      const addressCount = async () => {
        const rows = await database.db.selectFrom('tessera_throttle').select('failures').where('scope', '=', 'login_address').execute();
        return rows.reduce((n, r) => n + Number(r.failures), 0);
      };

      await database.db.deleteFrom('tessera_throttle').where('scope', '=', 'login_address').execute();
      const first = await limiter.beginSignIn('alice@example.com', '192.0.2.7');
      assert.equal(first.admitted, true);
      assert.equal(transactions.length, 1);
      assert.equal(transactions[0]!.length, 2, 'the address and the account, in one transaction');
      assert.equal((await limiter.accountState('alice@example.com')).failures, 1);
      assert.equal(await addressCount(), 1);
      await first.succeeded();
      assert.equal(transactions.length, 2);
      assert.equal((await limiter.accountState('alice@example.com')).failures, 0);
      assert.equal(await addressCount(), 0, 'the attempt was given back to the address');

      // Two failures reach the account's cap; the third attempt is refused and not counted against the address.
      await limiter.beginSignIn('alice@example.com', '192.0.2.7');
      await limiter.beginSignIn('alice@example.com', '192.0.2.7');
      const refused = await limiter.beginSignIn('alice@example.com', '192.0.2.7');
      assert.equal(refused.admitted, false);
      assert.equal(await addressCount(), 2);
      // The address's limit (3) answers 429 before the account is looked at.
      await limiter.beginSignIn('bob@example.com', '192.0.2.7');
      await assert.rejects(limiter.beginSignIn('carol@example.com', '192.0.2.7'), (err: unknown) => err instanceof KratosError && err.code === 429);
      assert.equal((await limiter.accountState('carol@example.com')).failures, 0);
      assert.equal(await store.get(limiter.accountKey('carol@example.com')), null, 'no row for an account the address was refused for');
      await database.db.deleteFrom('tessera_throttle').where('scope', '=', 'login_address').execute();
    });

    if (factory.name !== 'sqlite') {
      // SQLite has one writer at a time; on servers with row locks, another instance can delete a
      // counter (a sign-in that succeeded resets it) while this one waits to lock it.
      test('a counter another instance deletes while this one waits for its lock is made again, not an error', async () => {
        const now = new Date();
        await store.update('vanishing', 'login_account', now, (c) => admitAccountAttempt(RULE, c, now));
        let release!: () => void;
        const held = new Promise<void>((r) => (release = r));
        let locked!: () => void;
        const isLocked = new Promise<void>((r) => (locked = r));
        const other = database.db.transaction().execute(async (trx) => {
          await lockThrottleRow(trx, database.dialect, 'vanishing', 'login_account', now);
          locked();
          await held;
          await trx.deleteFrom('tessera_throttle').where('key', '=', 'vanishing').execute();
        });
        await isLocked;
        // A second store: its own serializer, as in another process.
        const waiting = new SqlThrottlePersister(database.db, database.dialect).update('vanishing', 'login_account', now, (c) => admitAccountAttempt(RULE, c, now));
        await new Promise((r) => setTimeout(r, 200));
        release();
        await other;
        const decision = await waiting;
        assert.equal(decision.admitted, true);
        assert.equal((await store.get('vanishing'))?.failures, 1, 'counted on a new row');
      });
    }
  });
}
