import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { testDatabases, type TestDatabase } from '../testkit/databases.js';
import { startTestServer, type TestServer } from '../testkit/server.js';
import { CourierWorker } from '../../src/courier/worker.js';
import { rendererFromConfig } from '../../src/courier/setup.js';
import type { Channel } from '../../src/courier/channel.js';
import type { OutgoingMessage } from '../../src/courier/message.js';

for (const factory of testDatabases()) {
  describe(`courier messages admin API on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    before(async () => {
      db = await factory.create();
      s = await startTestServer({
        dsn: db.dsn,
        config: {
          courier: { rate_limit: { max_messages: 2 } },
          selfservice: { methods: { code: { enabled: true } }, flows: { recovery: { enabled: true, use: 'code' } } },
        },
      });
    });
    after(async () => {
      await s?.close();
      await db?.drop();
    });

    test('lists and shows messages with their dispatches; filters and paging work; bad input is a 400', async () => {
      const sent: OutgoingMessage[] = [];
      const channel: Channel = { id: 'email', type: 'email', send: async (m) => void sent.push(m), close: async () => {} };
      const a = await s.registry.courier.queueEmail('ada@example.com', 'verification_code_valid', { VerificationCode: '424242' });
      const b = await s.registry.courier.queueEmail('bob@example.com', 'stub', { Subject: 'hi', Body: 'there' });
      await s.registry.courier.queueEmail('ada@example.com', 'verification_code_valid', { VerificationCode: '1' });
      const flooded = await s.registry.courier.queueEmail('ada@example.com', 'verification_code_valid', { VerificationCode: '2' });
      assert.equal(flooded.status, 'abandoned');
      const worker = new CourierWorker(
        { queue: s.registry.persister.courier, renderer: rendererFromConfig(s.registry.config, pino({ level: 'silent' })), channels: new Map([['email', channel]]), logger: pino({ level: 'silent' }) },
        { pullCount: 10, pullWaitMs: 10, concurrency: 2, maxAttempts: 3 },
      );
      await worker.drainOnce();
      assert.equal(sent.length, 3);

      const all = await s.adminApi.get('/admin/courier/messages');
      assert.equal(all.status, 200);
      assert.equal(all.body.length, 4);
      const sentOnly = await s.adminApi.get('/admin/courier/messages?status=sent&recipient=ada%40example.com');
      assert.equal(sentOnly.body.length, 2);
      assert.ok(sentOnly.body.every((m: { type: string; status: string }) => m.type === 'email' && m.status === 'sent'));
      const one = await s.adminApi.get(`/admin/courier/messages/${a.id}`);
      assert.equal(one.body.template_type, 'verification_code_valid');
      assert.match(one.body.body, /424242/);
      assert.equal(one.body.dispatches[0].status, 'success');
      const suppressed = await s.adminApi.get(`/admin/courier/messages/${flooded.id}`);
      assert.equal(suppressed.body.status, 'abandoned');
      assert.equal(suppressed.body.dispatches[0].error.suppressed, true);

      const page1 = await s.adminApi.get('/admin/courier/messages?page_size=3');
      assert.equal(page1.body.length, 3);
      const next = /<([^>]+)>; rel="next"/.exec(page1.headers.get('link') ?? '')?.[1];
      const page2 = await s.adminApi.get(next!);
      assert.equal(page2.body.length, 1);

      assert.equal((await s.adminApi.get('/admin/courier/messages?status=lost')).status, 400);
      assert.equal((await s.adminApi.get('/admin/courier/messages?page_token=forged')).status, 400);
      assert.equal((await s.adminApi.get('/admin/courier/messages/not-a-uuid')).status, 400);
      assert.equal((await s.adminApi.get('/admin/courier/messages/00000000-0000-4000-8000-000000000000', { unchecked: true })).status, 404);
      const onPublic = await fetch(`${s.publicUrl}admin/courier/messages/${b.id}`, { redirect: 'manual' });
      assert.equal(onPublic.status, 404, 'message bodies carry codes: never served on the public port');
    });

    test('a message a flow queued shows its subject and body before any worker touched it', async () => {
      const created = await s.adminApi.post('/admin/identities', { schema_id: 'default', traits: { email: 'grace@example.com' } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const flow = await s.publicApi.get('/self-service/recovery/api');
      assert.equal(flow.status, 200);
      const res = await s.publicApi.post(`/self-service/recovery?flow=${flow.body.id}`, { method: 'code', email: 'grace@example.com' });
      assert.equal(res.status, 200);
      const listed = await s.adminApi.get('/admin/courier/messages?recipient=grace%40example.com');
      assert.equal(listed.status, 200);
      assert.equal(listed.body.length, 1);
      const [m] = listed.body;
      assert.equal(m.status, 'queued');
      assert.equal(m.template_type, 'recovery_code_valid');
      assert.notEqual(m.subject, '');
      assert.match(m.body, /\b\d{6}\b/, 'the recovery code is in the stored body');
    });
  });
}
