import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';

import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { assertMatchesSchema } from '../../testkit/openapi.js';
import { Database } from '../../../src/persistence/database.js';
import { SqlWebHookDeliveryPersister } from '../../../src/persistence/web-hook-delivery-persister.js';
import { createApp } from '../../../src/http/app.js';
import type { WebHookConfig, WebHooks } from '../../../src/selfservice/hooks/web-hook/index.js';
import { b64, hookContext, Peer, silent, webHooks } from './helpers.js';

const FAST = {
  tessera: {
    web_hooks: {
      timeout: '300ms',
      delivery: { initial_backoff: '30ms', max_backoff: '120ms', pull_wait: '20ms', lease: '1s', max_attempts: 200 },
    },
  },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A port with nothing listening on it (yet). */
async function freePort(): Promise<number> {
  const p = await new Peer().start();
  const port = p.port;
  await p.stop();
  return port;
}

for (const factory of testDatabases()) {
  describe(`web hook deliveries on ${factory.name}`, () => {
    let tdb: TestDatabase;
    const databases: Database[] = [];
    const open = () => {
      const d = new Database(tdb.dsn);
      databases.push(d);
      return d;
    };
    const queueOf = (d: Database) => new SqlWebHookDeliveryPersister(d.db, d.dialect);
    const started: WebHooks[] = [];
    const make = async (d: Database, overrides: Record<string, unknown> = FAST) => {
      const wh = await webHooks(queueOf(d), overrides);
      started.push(wh);
      return wh;
    };

    before(async () => {
      tdb = await factory.create();
      await open().migrate();
    });
    after(async () => {
      for (const wh of started) await wh.close();
      for (const d of databases) await d.close();
      await tdb?.drop();
    });

    const ignoreHook = (url: string, extra: Partial<WebHookConfig> = {}): WebHookConfig => ({
      id: 'crm-sync',
      url,
      method: 'POST',
      body: b64('function(ctx) { flow_id: ctx.flow.id, email: ctx.identity.traits.email }'),
      response: { ignore: true },
      auth: { type: 'api_key', config: { name: 'X-Api-Key', value: 'k-secret-value', in: 'header' } },
      ...extra,
    });
    const ctx = () => hookContext({ identity: { id: '0d4b1d44-52e7-4c28-a3f2-0b7f39b8a8a4', traits: { email: 'ada@example.com' } } });

    test('a claim takes deliveries whose lease ran out first, then due ones oldest first, within its limit', async () => {
      const d = open();
      const queue = queueOf(d);
      await d.db.deleteFrom('web_hook_delivery_attempts').execute();
      await d.db.deleteFrom('web_hook_deliveries').execute();
      const now = new Date();
      const t = d.dialect.toTime;
      const made = [];
      for (let i = 0; i < 5; i++) made.push(await queue.enqueue({ hookRef: 'id:order', hookId: 'order', url: 'http://127.0.0.1/', method: 'POST', body: '{}' }, new Date(now.getTime() - 60_000 + i * 1000)));
      const orphan = made[4]!;
      await d.db.updateTable('web_hook_deliveries').set({ status: 'processing', leased_by: 'dead-worker', lease_until: t(new Date(now.getTime() - 1000)) as never }).where('id', '=', orphan.id).execute();
      const first = await queue.claim('w1', 3, 60_000, now);
      assert.deepEqual(new Set(first.map((x) => x.id)), new Set([orphan.id, made[0]!.id, made[1]!.id]));
      assert.deepEqual(new Set((await queue.claim('w2', 10, 60_000, now)).map((x) => x.id)), new Set([made[2]!.id, made[3]!.id]));
      assert.deepEqual(await queue.claim('w3', 10, 60_000, now), []);
    });

    test('a background hook whose peer is down for a while is delivered exactly once when it comes back', async () => {
      const db = open();
      const queue = queueOf(db);
      const port = await freePort();
      const wh = await make(db);
      const res = await wh.runner.run(ignoreHook(`http://127.0.0.1:${port}/events?token=q-secret`), ctx());
      assert.equal(res.kind, 'queued');
      const id = (res as { deliveryId: string }).deliveryId;
      const stored = await queue.get(id);
      assert.equal(stored?.status, 'queued');
      // The credentials are not stored; the body is.
      assert.ok(!JSON.stringify(stored).includes('k-secret-value'));
      assert.equal(stored!.url, `http://127.0.0.1:${port}/events`);
      assert.deepEqual(JSON.parse(stored!.body!), { flow_id: hookContext().flow.id, email: 'ada@example.com' });

      wh.worker.start();
      await until('three failed attempts', async () => ((await queue.get(id))?.attemptCount ?? 0) >= 3);
      const peer = new Peer();
      peer.handler = (_r, r) => void r.writeHead(202).end();
      await peer.start(port);
      try {
        const done = await until('delivery', async () => {
          const d = await queue.get(id);
          return d?.status === 'delivered' ? d : null;
        });
        await sleep(200);
        assert.equal(peer.received.length, 1);
        const got = peer.received[0]!;
        assert.equal(got.headers['x-api-key'], 'k-secret-value');
        assert.equal(got.url, '/events?token=q-secret');
        assert.deepEqual(JSON.parse(got.body), { flow_id: hookContext().flow.id, email: 'ada@example.com' });
        assert.ok(done.attempts.length >= 4);
        assert.ok(done.attempts.slice(0, -1).every((a) => a.statusCode === null && a.error !== null));
        assert.equal(done.attempts.at(-1)!.statusCode, 202);
        assert.equal(done.attempts.at(-1)!.error, null);
        assert.ok(done.deliveredAt instanceof Date);
      } finally {
        await wh.worker.stop();
        await peer.stop();
      }
    });

    test('nothing is lost across a worker restart, including a delivery held by a worker that died', async () => {
      const port = await freePort();
      const first = open();
      // As after a real restart, the new process knows the hook from its configuration.
      const configured = { ...FAST, selfservice: { flows: { registration: { after: { hooks: [{ hook: 'web_hook', config: ignoreHook(`http://127.0.0.1:${port}/events`) }] } } } } };
      const wh1 = await make(first, configured);
      const a = (await wh1.runner.run(ignoreHook(`http://127.0.0.1:${port}/events`), ctx())) as { deliveryId: string };
      const b = (await wh1.runner.run(ignoreHook(`http://127.0.0.1:${port}/events`), ctx())) as { deliveryId: string };
      wh1.worker.start();
      try {
        await until('failed attempts', async () => ((await queueOf(first).get(a.deliveryId))?.attemptCount ?? 0) >= 2);
      } finally {
        await wh1.worker.stop();
      }
      // A worker that claims both and dies before recording anything: its lease runs out 1.3 s from now.
      const held = await queueOf(first).claim('dead-worker', 10, 300, new Date(Date.now() + 1000));
      assert.deepEqual(held.map((d) => d.id).sort(), [a.deliveryId, b.deliveryId].sort());
      await first.close();
      databases.splice(databases.indexOf(first), 1);

      const peer = new Peer();
      await peer.start(port);
      try {
        const second = open();
        const wh2 = await make(second, configured);
        wh2.worker.start();
        try {
          for (const id of [a.deliveryId, b.deliveryId]) {
            await until(`delivery ${id}`, async () => (await queueOf(second).get(id))?.status === 'delivered', 15_000);
          }
        } finally {
          await wh2.worker.stop();
        }
        assert.equal(peer.received.length, 2);
        const record = await queueOf(second).get(b.deliveryId);
        assert.equal(record?.attempts.at(-1)?.statusCode, 204);
      } finally {
        await peer.stop();
      }
    });

    test('two workers on separate connections never both deliver one delivery', async () => {
      const peer = new Peer();
      const seen = new Map<string, number>();
      peer.handler = async (r, res) => {
        const key = String(r.headers['webhook-id']);
        seen.set(key, (seen.get(key) ?? 0) + 1);
        await sleep(2);
        res.writeHead(204).end();
      };
      await peer.start();
      try {
        // Deadlines far above any scheduling hiccup: a timed-out attempt that did reach the peer is
        // rightly sent again (receivers drop repeats by webhook-id), which is not what this checks.
        const signed = {
          tessera: { web_hooks: { ...FAST.tessera.web_hooks, timeout: '10s', delivery: { ...FAST.tessera.web_hooks.delivery, lease: '60s' }, signing_secrets: ['a-signing-secret-for-the-test-0001'] } },
        };
        const w1 = await make(open(), signed);
        const w2 = await make(open(), signed);
        const ids: string[] = [];
        for (let i = 0; i < 30; i++) ids.push(((await w1.runner.run(ignoreHook(`${peer.url}/events`, { id: 'race' }), ctx())) as { deliveryId: string }).deliveryId);
        // Both poll at once, as two processes would (a claim that meets the other's lock retries next round).
        w1.worker.start();
        w2.worker.start();
        try {
          await until('all delivered', async () => ids.every((id) => seen.has(id)));
          await sleep(100);
        } finally {
          await Promise.all([w1.worker.stop(), w2.worker.stop()]);
        }
        for (const id of ids) assert.equal((await queueOf(databases[0]!).get(id))?.status, 'delivered');
        assert.equal(seen.size, 30);
        assert.deepEqual([...seen.keys()].sort(), [...ids].sort());
        const twice = [...seen.entries()].filter(([, n]) => n > 1).map(([id]) => id);
        assert.deepEqual(twice, [], JSON.stringify(await Promise.all(twice.map((id) => queueOf(databases[0]!).get(id)))));
      } finally {
        await peer.stop();
      }
    });

    test('refusals are retried until the attempts run out; a delivery of a hook this instance does not know waits for one that does', async () => {
      const peer = new Peer();
      peer.handler = (_r, res) => void res.writeHead(503).end('maintenance');
      await peer.start();
      try {
        const db = open();
        const queue = queueOf(db);
        const wh = await make(db, { tessera: { web_hooks: { ...FAST.tessera.web_hooks, delivery: { ...FAST.tessera.web_hooks.delivery, max_attempts: 3 } } } });
        const { deliveryId } = (await wh.runner.run(ignoreHook(`${peer.url}/events`, { id: 'flaky' }), ctx())) as { deliveryId: string };
        wh.worker.start();
        let d;
        try {
          d = await until('abandoned', async () => {
            const x = await queue.get(deliveryId);
            return x?.status === 'abandoned' ? x : null;
          });
        } finally {
          await wh.worker.stop();
        }
        assert.equal(peer.received.length, 3);
        assert.deepEqual(d.attempts.map((x) => x.statusCode), [503, 503, 503]);
        assert.match(d.lastError!, /status code 503: maintenance/);

        const orphan = await queue.enqueue({ hookRef: 'id:removed', hookId: 'removed', url: 'http://127.0.0.1/', method: 'POST', body: '{}' }, new Date());
        await wh.worker.drainOnce();
        // Left for an instance that knows the hook (a rolling deploy), until the attempts run out.
        const o = await queue.get(orphan.id);
        assert.equal(o?.status, 'queued');
        assert.equal(o?.attemptCount, 1);
        assert.match(o!.lastError!, /no configured web hook/);
      } finally {
        await peer.stop();
      }
    });

    test('the admin API lists deliveries (paged, by status) and shows one with its attempts', async () => {
      const db = open();
      const queue = queueOf(db);
      const wh = await make(db);
      const app = await createApp({ logger: silent, bodyLimit: 1 << 20 });
      wh.registerAdminRoutes(app);
      await app.listen({ host: '127.0.0.1', port: 0 });
      const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      const get = async (path: string) => {
        const r = await fetch(base + path);
        const body = (await r.json()) as any;
        if (r.status >= 400) assertMatchesSchema('errorGeneric', body);
        return { status: r.status, body, link: r.headers.get('link') };
      };
      try {
        const peer = new Peer();
        await peer.start();
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) ids.push(((await wh.runner.run(ignoreHook(`${peer.url}/events`, { id: 'admin' }), ctx())) as { deliveryId: string }).deliveryId);
        await wh.worker.drainOnce();
        await peer.stop();
        const queued = await queue.enqueue({ hookRef: 'id:admin', hookId: 'admin', url: `${peer.url}/events`, method: 'POST', body: '{}' }, new Date(Date.now() + 3_600_000));

        const delivered = await get('/admin/web-hooks/deliveries?status=delivered');
        assert.equal(delivered.status, 200);
        const mine = delivered.body.filter((d: { id: string }) => ids.includes(d.id));
        assert.equal(mine.length, 3);
        assert.equal(mine[0].hook_id, 'admin');
        assert.equal(mine[0].attempt_count, 1);
        assert.equal(mine[0].last_status_code, 204);
        assert.equal(mine[0].body, undefined);
        assert.ok(delivered.body.every((d: { status: string }) => d.status === 'delivered'));
        const onlyQueued = await get('/admin/web-hooks/deliveries?status=queued');
        assert.ok(onlyQueued.body.some((d: { id: string }) => d.id === queued.id));

        const all: string[] = [];
        let next: string | undefined = '/admin/web-hooks/deliveries?page_size=2';
        while (next) {
          const page = await get(next);
          assert.ok(page.body.length <= 2);
          all.push(...page.body.map((d: { id: string }) => d.id));
          next = /<([^>]+)>; rel="next"/.exec(page.link ?? '')?.[1];
        }
        assert.equal(new Set(all).size, all.length);
        for (const id of [...ids, queued.id]) assert.ok(all.includes(id));

        const one = await get(`/admin/web-hooks/deliveries/${ids[0]}`);
        assert.equal(one.status, 200);
        assert.equal(one.body.status, 'delivered');
        assert.deepEqual(JSON.parse(one.body.body), { flow_id: hookContext().flow.id, email: 'ada@example.com' });
        assert.equal(one.body.attempts.length, 1);
        assert.equal(one.body.attempts[0].status_code, 204);
        assert.equal(typeof one.body.attempts[0].duration_ms, 'number');
        assert.ok(!JSON.stringify(one.body).includes('k-secret-value'));

        assert.equal((await get('/admin/web-hooks/deliveries?status=lost')).status, 400);
        assert.equal((await get('/admin/web-hooks/deliveries?page_size=0')).status, 400);
        assert.equal((await get('/admin/web-hooks/deliveries?page_token=forged')).status, 400);
        assert.equal((await get('/admin/web-hooks/deliveries/not-a-uuid')).status, 400);
        assert.equal((await get('/admin/web-hooks/deliveries/7d3c1f0e-3a4b-4c5d-8e9f-0a1b2c3d4e5f')).status, 404);
      } finally {
        await app.close();
      }
    });
  });
}
