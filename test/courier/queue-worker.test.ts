import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { testDatabases, type TestDatabase } from '../testkit/databases.js';
import { Database } from '../../src/persistence/database.js';
import { SqlCourierPersister } from '../../src/persistence/courier-persister.js';
import { Courier } from '../../src/courier/courier.js';
import { CourierWorker } from '../../src/courier/worker.js';
import { DeliveryError, type OutgoingMessage } from '../../src/courier/message.js';
import type { Channel } from '../../src/courier/channel.js';
import { createTemplateRenderer } from '../../src/courier/templates/template-renderer.js';

const logger = pino({ level: 'silent' });

/** A channel that records what it was asked to deliver and can be told to fail. */
class RecordingChannel implements Channel {
  readonly id = 'email';
  readonly type = 'email' as const;
  readonly delivered: OutgoingMessage[] = [];
  failWith: DeliveryError | null = null;
  async send(m: OutgoingMessage): Promise<void> {
    if (this.failWith) throw this.failWith;
    // Yield, as a network send would, so concurrent workers interleave.
    await new Promise((r) => setImmediate(r));
    this.delivered.push(m);
  }
  async close(): Promise<void> {}
}

const renderer = createTemplateRenderer({});

for (const factory of testDatabases()) {
  describe(`courier queue and workers on ${factory.name}`, () => {
    let tdb: TestDatabase;
    const databases: Database[] = [];
    const open = () => {
      const d = new Database(tdb.dsn);
      databases.push(d);
      return d;
    };

    before(async () => {
      tdb = await factory.create();
      await open().migrate();
    });
    after(async () => {
      for (const d of databases) await d.close();
      await tdb?.drop();
    });

    function worker(db: Database, channel: Channel, overrides: Partial<ConstructorParameters<typeof CourierWorker>[1]> = {}) {
      const queue = new SqlCourierPersister(db.db, db.dialect);
      return new CourierWorker(
        { queue, renderer, channels: new Map([[channel.id, channel]]), logger },
        { pullCount: 50, pullWaitMs: 20, concurrency: 8, maxAttempts: 3, retryWindowMs: 10, ...overrides },
      );
    }

    test('a message is rendered, delivered once and recorded with its dispatch', async () => {
      const db = open();
      const queue = new SqlCourierPersister(db.db, db.dialect);
      const courier = new Courier({ queue, logger, abuseLimit: { maxPerWindow: 0, windowMs: 0 } });
      const m = await courier.queueEmail('ada@example.com', 'recovery_code_valid', { RecoveryCode: '123456', Identity: { traits: { email: 'ada@example.com' } } });
      const channel = new RecordingChannel();
      assert.equal(await worker(db, channel).drainOnce(), 1);
      assert.equal(channel.delivered.length, 1);
      assert.match(channel.delivered[0]!.bodyText, /123456/);
      assert.match(channel.delivered[0]!.bodyHtml!, /123456/);
      const stored = await queue.getMessage(m.id);
      assert.equal(stored?.status, 'sent');
      assert.equal(stored?.send_count, 1);
      assert.equal(stored?.dispatches[0]?.status, 'success');
      assert.match(stored!.body, /123456/);
    });

    test('failures are retried with backoff, then abandoned with the last error', async () => {
      const db = open();
      const queue = new SqlCourierPersister(db.db, db.dialect);
      const m = await queue.enqueue({ type: 'email', channel: 'email', recipient: 'retry@example.com', template_type: 'stub', template_data: { To: 'retry@example.com' } }, new Date());
      const channel = new RecordingChannel();
      channel.failWith = new DeliveryError('connection refused');
      const w = worker(db, channel);
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 15));
        await w.drainOnce();
      }
      const stored = await queue.getMessage(m.id);
      assert.equal(stored?.status, 'abandoned');
      assert.equal(stored?.send_count, 3);
      assert.equal(stored?.dispatches.length, 3);
      assert.ok(stored?.dispatches.every((d) => d.status === 'failed' && String(d.error?.message).includes('connection refused')));

      // A server that comes back in time delivers a message that failed before: nothing is lost.
      const m2 = await queue.enqueue({ type: 'email', channel: 'email', recipient: 'back@example.com', template_type: 'stub', template_data: { To: 'back@example.com' } }, new Date());
      await w.drainOnce();
      channel.failWith = null;
      await new Promise((r) => setTimeout(r, 15));
      await w.drainOnce();
      assert.equal((await queue.getMessage(m2.id))?.status, 'sent');
    });

    test('permanent failures and unrenderable templates are abandoned at once; the worker carries on', async () => {
      const db = open();
      const queue = new SqlCourierPersister(db.db, db.dialect);
      const bad = await queue.enqueue({ type: 'sms', channel: 'email', recipient: 'x@example.com', template_type: 'recovery_valid', template_data: { To: 'x@example.com' } }, new Date());
      const good = await queue.enqueue({ type: 'email', channel: 'email', recipient: 'y@example.com', template_type: 'stub', template_data: { To: 'y@example.com' } }, new Date());
      const channel = new RecordingChannel();
      await worker(db, channel).drainOnce();
      const badStored = await queue.getMessage(bad.id);
      assert.equal(badStored?.status, 'abandoned');
      assert.equal(badStored?.dispatches[0]?.error?.kind, 'template');
      assert.equal((await queue.getMessage(good.id))?.status, 'sent');
    });

    test('a message held by a worker that died is claimed again when its lease runs out', async () => {
      const db = open();
      const queue = new SqlCourierPersister(db.db, db.dialect);
      const m = await queue.enqueue({ type: 'email', channel: 'email', recipient: 'lease@example.com', template_type: 'stub', template_data: { To: 'lease@example.com' } }, new Date());
      const claimed = await queue.claim('dead-worker', 10, 50, new Date());
      assert.ok(claimed.some((c) => c.id === m.id));
      assert.equal((await queue.claim('other', 10, 50, new Date())).length, 0, 'leased messages are not handed out twice');
      await new Promise((r) => setTimeout(r, 80));
      const channel = new RecordingChannel();
      await worker(db, channel).drainOnce();
      assert.deepEqual(channel.delivered.map((d) => d.id), [m.id]);
    });

    test('the per-recipient limit suppresses a flood and records it', async () => {
      const db = open();
      const queue = new SqlCourierPersister(db.db, db.dialect);
      const courier = new Courier({ queue, logger, abuseLimit: { maxPerWindow: 3, windowMs: 60_000 } });
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await courier.queueEmail('victim@example.com', 'recovery_code_valid', { RecoveryCode: String(i) }));
      assert.deepEqual(results.map((r) => r.status), ['queued', 'queued', 'queued', 'abandoned', 'abandoned']);
      const suppressed = await queue.getMessage(results[4]!.id);
      assert.equal(suppressed?.dispatches[0]?.error?.suppressed, true);
      assert.equal((await courier.queueEmail('someone-else@example.com', 'recovery_code_valid', {})).status, 'queued');
    });

    for (const workers of [2, 4]) {
      test(`${workers} workers drain 2,000 messages, each delivered exactly once`, async () => {
        const db = open();
        const queue = new SqlCourierPersister(db.db, db.dialect);
        const now = new Date();
        const ids = new Set<string>();
        for (let i = 0; i < 2000; i++) {
          const m = await queue.enqueue({ type: 'email', channel: 'email', recipient: `bulk${workers}-${i}@example.com`, template_type: 'stub', template_data: { To: `bulk${workers}-${i}@example.com` } }, now);
          ids.add(m.id);
        }
        const channel = new RecordingChannel();
        // Each worker has its own connection pool, as separate processes would.
        const ws = Array.from({ length: workers }, () => worker(open(), channel));
        for (const w of ws) w.start();
        const deadline = Date.now() + 60_000;
        while (channel.delivered.filter((d) => ids.has(d.id)).length < ids.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        await Promise.all(ws.map((w) => w.stop()));
        const mine = channel.delivered.filter((d) => ids.has(d.id)).map((d) => d.id);
        assert.equal(mine.length, 2000);
        assert.equal(new Set(mine).size, 2000, 'no message delivered twice');
      });
    }
  });
}
