import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { CompiledQuery } from 'kysely';
import { testDatabases, type TestDatabase } from '../testkit/databases.js';
import { Database } from '../../src/persistence/database.js';
import { SqlCourierPersister } from '../../src/persistence/courier-persister.js';
import { Courier } from '../../src/courier/courier.js';
import { CourierWorker } from '../../src/courier/worker.js';
import { DeliveryError, type OutgoingMessage } from '../../src/courier/message.js';
import type { Channel } from '../../src/courier/channel.js';
import { createTemplateRenderer } from '../../src/courier/templates/template-renderer.js';
import type { TemplateRenderer } from '../../src/courier/templates/renderer.js';

const logger = pino({ level: 'silent' });

/** A channel that records what it was asked to deliver and can be told to fail. */
class RecordingChannel implements Channel {
  constructor(
    readonly id = 'email',
    readonly type: 'email' | 'sms' = 'email',
  ) {}
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

/** The built-in templates, counting every render. */
function countingRenderer(): TemplateRenderer & { calls: number } {
  const r = {
    calls: 0,
    renderEmail: (type: Parameters<TemplateRenderer['renderEmail']>[0], data: Parameters<TemplateRenderer['renderEmail']>[1]) => {
      r.calls++;
      return renderer.renderEmail(type, data);
    },
    renderSms: (type: Parameters<TemplateRenderer['renderSms']>[0], data: Parameters<TemplateRenderer['renderSms']>[1]) => {
      r.calls++;
      return renderer.renderSms(type, data);
    },
  };
  return r;
}

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

    /** A connection whose statements are recorded, to check what a call sends to the database. */
    const openRecording = () => {
      const statements: Array<{ sql: string; parameters: readonly unknown[] }> = [];
      const db = new Database(tdb.dsn, { log: (e) => void statements.push({ sql: e.query.sql, parameters: e.query.parameters }) });
      databases.push(db);
      return { db, statements };
    };
    /** Tests that count or order messages start from an empty queue. */
    const emptyQueue = async (db: Database) => {
      await db.db.deleteFrom('courier_message_dispatches').execute();
      await db.db.deleteFrom('courier_messages').execute();
    };

    function worker(db: Database, channel: Channel | Channel[], overrides: Partial<ConstructorParameters<typeof CourierWorker>[1]> = {}, withRenderer: TemplateRenderer = renderer) {
      const queue = new SqlCourierPersister(db.db, db.dialect);
      return new CourierWorker(
        { queue, renderer: withRenderer, channels: new Map((Array.isArray(channel) ? channel : [channel]).map((c) => [c.id, c])), logger },
        { pullCount: 50, pullWaitMs: 20, concurrency: 8, maxAttempts: 3, retryWindowMs: 10, ...overrides },
      );
    }

    test('a claim takes messages whose lease ran out first, then due ones oldest first, reading the index in order whatever the backlog', async () => {
      const { db, statements } = openRecording();
      const queue = new SqlCourierPersister(db.db, db.dialect);
      await emptyQueue(db);
      const courier = new Courier({ queue, logger, abuseLimit: { maxPerWindow: 0, windowMs: 0 } });
      const queued = [];
      for (let i = 0; i < 6; i++) queued.push(await courier.queueEmail(`backlog-${i}@example.com`, 'stub', { Subject: 's', Body: 'b' }));
      const t = db.dialect.toTime;
      const now = new Date();
      // Due at different times, so "oldest first" is tested, and one left by a worker that died.
      for (const [i, m] of queued.entries()) await db.db.updateTable('courier_messages').set({ next_attempt_at: t(new Date(now.getTime() - 60_000 + i * 1000)) as never }).where('id', '=', m.id).execute();
      const orphan = queued[5]!;
      await db.db.updateTable('courier_messages').set({ status: 'processing', leased_by: 'dead-worker', lease_until: t(new Date(now.getTime() - 1000)) as never }).where('id', '=', orphan.id).execute();

      statements.length = 0;
      const claimed = await queue.claim('w1', 3, 60_000, now);
      assert.deepEqual(new Set(claimed.map((m) => m.id)), new Set([orphan.id, queued[0]!.id, queued[1]!.id]), 'the orphan, then the two oldest due');
      assert.deepEqual((await queue.claim('w2', 10, 60_000, now)).map((m) => m.id), queued.slice(2, 5).map((m) => m.id));
      assert.deepEqual(await queue.claim('w3', 10, 60_000, now), []);

      if (db.dialect.name === 'sqlite') {
        // A claim must not sort the waiting messages: with a backlog of millions that is each claim's whole cost.
        const claims = statements.map((s) => s.sql).filter((s) => /^update/i.test(s));
        assert.ok(claims.length > 0);
        for (const s of claims) {
          const plan = (await db.db.executeQuery(CompiledQuery.raw(`explain query plan ${s}`, s.split('?').slice(1).map(() => 'x')))).rows.map((r) => (r as { detail: string }).detail);
          assert.ok(!plan.some((d) => /TEMP B-TREE/.test(d)), `a claim sorts the queue: ${plan.join(' | ')}`);
          assert.ok(plan.some((d) => /USING INDEX courier_messages_status_next_idx/.test(d)), plan.join(' | '));
        }
      }
    });

    // The plan only PostgreSQL can get wrong: the other databases claim by a list of ids.
    if (factory.name === 'postgres') test('on PostgreSQL a claim updates the rows it picked by primary key, not by reading the due range again', async () => {
      const { db, statements } = openRecording();
      const queue = new SqlCourierPersister(db.db, db.dialect);
      await emptyQueue(db);
      const due = new Date(Date.now() - 60_000);
      for (let i = 0; i < 2000; i++) await queue.enqueue({ type: 'email', channel: 'email', recipient: `range-${i}@example.com`, template_type: 'stub', template_data: { To: `range-${i}@example.com` } }, due);
      try {
        statements.length = 0;
        assert.equal((await queue.claim('w-range', 50, 60_000, new Date())).length, 50);
        const claims = statements.filter((s) => /^with/i.test(s.sql));
        assert.equal(claims.length, 2, 'orphans, then due ones');
        for (const s of claims) {
          const plan = (await db.db.executeQuery(CompiledQuery.raw(`explain ${s.sql}`, [...s.parameters]))).rows.map((r) => (r as { 'QUERY PLAN': string })['QUERY PLAN']).join('\n');
          // The updated table (unaliased) is reached from the picked ids through its primary key.
          assert.match(plan, /Index Scan using courier_messages_pkey on courier_messages /, plan);
          assert.doesNotMatch(plan, /using courier_messages_status_next_idx on courier_messages  /, plan);
        }
      } finally {
        // The backlog would be claimed by the tests that follow.
        await emptyQueue(db);
      }
    });

    test('a group of attempts is recorded whole or not at all; on PostgreSQL a group all sent is one statement', async () => {
      const { db, statements } = openRecording();
      const queue = new SqlCourierPersister(db.db, db.dialect);
      const enqueue = (to: string) => queue.enqueue({ type: 'email', channel: 'email', recipient: to, template_type: 'stub', template_data: { To: to }, rendered: { subject: 's', body: 'b', html: '<p>b</p>' } }, new Date());
      const [a, b] = [await enqueue('group-a@example.com'), await enqueue('group-b@example.com')];
      await queue.claim('w-group', 50, 60_000, new Date());

      // A dispatch for a message that does not exist breaks the group: neither message may be marked sent.
      const missing = '00000000-0000-4000-8000-000000000000';
      await assert.rejects(queue.recordAttempts([{ id: a.id, sent: true, rendered: null }, { id: missing, sent: true, rendered: null }], new Date()));
      assert.equal((await queue.getMessage(a.id))?.status, 'processing');
      assert.deepEqual((await queue.getMessage(a.id))?.dispatches, []);

      statements.length = 0;
      await queue.recordAttempts([{ id: a.id, sent: true, rendered: null }, { id: b.id, sent: true, rendered: null }], new Date());
      if (db.dialect.name === 'postgres') assert.equal(statements.length, 1, statements.map((s) => s.sql).join('\n'));
      for (const m of [a, b]) {
        const stored = await queue.getMessage(m.id);
        assert.equal(stored?.status, 'sent');
        assert.equal(stored?.send_count, 1);
        assert.deepEqual(stored?.dispatches.map((d) => d.status), ['success']);
      }
    });

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

    test('a message is rendered when queued: the admin view shows it, and the worker sends it without rendering again', async () => {
      const db = open();
      const queue = new SqlCourierPersister(db.db, db.dialect);
      const counting = countingRenderer();
      const courier = new Courier({ queue, logger, abuseLimit: { maxPerWindow: 0, windowMs: 0 }, renderer: counting });
      const m = await courier.queueEmail('grace@example.com', 'recovery_code_valid', { RecoveryCode: '654321', Identity: { traits: { email: 'grace@example.com' } } });
      assert.equal(counting.calls, 1);
      const queued = await queue.getMessage(m.id);
      assert.equal(queued?.status, 'queued');
      assert.notEqual(queued?.subject, '');
      assert.match(queued!.body, /654321/);

      const sms = await courier.queueSms('+15550100', 'recovery_code_valid', { RecoveryCode: '777888' });
      assert.match((await queue.getMessage(sms.id))!.body, /777888/);

      const channel = new RecordingChannel();
      const smsChannel = new RecordingChannel('sms', 'sms');
      assert.equal(await worker(db, [channel, smsChannel], {}, counting).drainOnce(), 2);
      assert.equal(counting.calls, 2, 'the worker rendered nothing');
      const email = channel.delivered.find((d) => d.id === m.id)!;
      assert.equal(email.subject, queued!.subject);
      assert.equal(email.bodyText, queued!.body);
      assert.match(email.bodyHtml!, /654321/);
      const text = smsChannel.delivered.find((d) => d.id === sms.id)!;
      assert.match(text.bodyText, /777888/);
      assert.equal(text.bodyHtml, undefined);
      const sent = await queue.getMessage(m.id);
      assert.equal(sent?.status, 'sent');
      assert.equal(sent?.body, queued!.body);
    });

    test('a template that fails when queued leaves the message unrendered; the worker renders it or abandons it', async () => {
      const db = open();
      const queue = new SqlCourierPersister(db.db, db.dialect);
      const courier = new Courier({ queue, logger, abuseLimit: { maxPerWindow: 0, windowMs: 0 }, renderer: createTemplateRenderer({ overridePath: '/nonexistent-template-dir' }) });
      // No SMS template for recovery_valid exists: rendering fails when queued and again when sent.
      const bad = await courier.queueSms('+15550101', 'recovery_valid', {});
      const stored = await queue.getMessage(bad.id);
      assert.equal(stored?.status, 'queued');
      assert.equal(stored?.body, '');
      // Queued without a renderer (as before rendering at enqueue): the worker renders and stores it.
      const plain = await new Courier({ queue, logger, abuseLimit: { maxPerWindow: 0, windowMs: 0 } }).queueEmail('hopper@example.com', 'recovery_code_valid', { RecoveryCode: '135790' });
      assert.equal((await queue.getMessage(plain.id))?.body, '');
      const channel = new RecordingChannel();
      await worker(db, [channel, new RecordingChannel('sms', 'sms')]).drainOnce();
      const badAfter = await queue.getMessage(bad.id);
      assert.equal(badAfter?.status, 'abandoned');
      assert.equal(badAfter?.dispatches[0]?.error?.kind, 'template');
      const plainAfter = await queue.getMessage(plain.id);
      assert.equal(plainAfter?.status, 'sent');
      assert.match(plainAfter!.body, /135790/);
      assert.match(channel.delivered.find((d) => d.id === plain.id)!.bodyHtml!, /135790/);
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

    test('a running worker claims again while the last messages of a batch are still being sent, and stop() waits for those in hand', { timeout: 60_000 }, async () => {
      const db = open();
      const queue = new SqlCourierPersister(db.db, db.dialect);
      await emptyQueue(db);
      const now = new Date(Date.now() - 60_000);
      const slow = await queue.enqueue({ type: 'email', channel: 'email', recipient: 'slow@example.com', template_type: 'stub', template_data: { To: 'slow@example.com' } }, now);
      const rest = [];
      for (let i = 0; i < 3; i++) rest.push(await queue.enqueue({ type: 'email', channel: 'email', recipient: `after-slow-${i}@example.com`, template_type: 'stub', template_data: { To: `after-slow-${i}@example.com` } }, new Date(now.getTime() + 1000 + i)));
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      const channel = new RecordingChannel();
      const slowChannel: Channel = {
        id: 'email',
        type: 'email',
        send: async (m) => {
          if (m.id === slow.id) await released;
          await channel.send(m);
        },
        close: async () => {},
      };
      // Batches of two, two at a time: the slow message and one other fill the first batch.
      const w = worker(db, slowChannel, { pullCount: 2, concurrency: 2 });
      w.start();
      try {
        const deadline = Date.now() + 10_000;
        while (channel.delivered.length < rest.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        // The free slot went on to the next batches instead of waiting for the slow message.
        assert.deepEqual(new Set(channel.delivered.map((d) => d.id)), new Set(rest.map((m) => m.id)));
        assert.equal((await queue.getMessage(slow.id))?.status, 'processing');
      } finally {
        const stopped = w.stop();
        await new Promise((r) => setTimeout(r, 50));
        release();
        await stopped;
      }
      // stop() resolved only after the slow message was sent and recorded.
      assert.equal((await queue.getMessage(slow.id))?.status, 'sent');
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
