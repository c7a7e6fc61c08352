import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import type { TestServer } from '../../testkit/server.js';
import { TestBrowser, messageIds } from '../../testkit/browser.js';
import { mailSuite, TestMailbox, linkIn, mailboxConfig } from '../../testkit/mailbox.js';

const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const PASSWORD = 'a sufficiently long passphrase 42';
const nodeNames = (f: { ui: { nodes: Array<{ attributes: { name?: string } }> } }) => f.ui.nodes.map((n) => n.attributes.name);
const csrfOf = (f: { ui: { nodes: Array<{ attributes: { name?: string; value?: unknown } }> } }) => String(f.ui.nodes.find((n) => n.attributes.name === 'csrf_token')!.attributes.value);

for (const factory of testDatabases()) {
  describe(`recovery with a link on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let mailbox: TestMailbox;
    mailSuite(factory, (mailbox) => ({
      ...mailboxConfig(mailbox),
      selfservice: {
        methods: { password: { config: { haveibeenpwned_enabled: false } }, link: { enabled: true } },
        flows: { recovery: { enabled: true, use: 'link' }, settings: { ui_url: 'http://127.0.0.1:4455/settings' } },
      },
    }), (ready) => ({ db, s, mailbox } = ready));

    async function createIdentity(addr: string) {
      const res = await s.adminApi.post('/admin/identities', { schema_id: 'default', traits: { email: addr }, credentials: { password: { config: { password: PASSWORD } } } });
      assert.equal(res.status, 201);
      return res.body.id as string;
    }

    async function startBrowser(spa = false) {
      const b = new TestBrowser({ spa });
      const init = await b.get(`${s.publicUrl}self-service/recovery/browser`);
      const flowId = spa ? init.body.id : new URL(init.location!).searchParams.get('flow')!;
      const flow = await b.get(`${s.publicUrl}self-service/recovery/flows?id=${flowId}`, { accept: 'application/json' });
      return { b, flowId: flowId as string, csrf: csrfOf(flow.body) };
    }

    test('browser: link by email, opened once, session cookie and settings UI; a second use gets a new flow', async () => {
      const addr = email('link');
      const id = await createIdentity(addr);
      const { b, flowId, csrf } = await startBrowser();
      const sent = await b.postForm(`${s.publicUrl}self-service/recovery?flow=${flowId}`, { csrf_token: csrf, method: 'link', email: addr });
      assert.equal(sent.status, 303);
      const flow = await b.get(`${s.publicUrl}self-service/recovery/flows?id=${flowId}`, { accept: 'application/json' });
      assert.equal(flow.body.state, 'sent_email');
      assert.deepEqual(messageIds(flow.body), [1060002]);

      const link = linkIn(await mailbox.waitFor(addr), `${s.publicUrl}self-service/recovery?`);
      assert.equal(new URL(link).searchParams.get('flow'), flowId);
      const opened = await b.get(link);
      assert.equal(opened.status, 303);
      assert.match(opened.location!, /^http:\/\/127\.0\.0\.1:4455\/settings\?flow=/);
      const who = await b.get(`${s.publicUrl}sessions/whoami`, { accept: 'application/json' });
      assert.equal(who.body.identity.id, id);
      assert.equal(who.body.authentication_methods[0].method, 'link_recovery');

      const other = new TestBrowser();
      const reused = await other.get(link);
      assert.equal(reused.status, 303);
      const next = new URL(reused.location!).searchParams.get('flow')!;
      assert.notEqual(next, flowId);
      const shown = await other.get(`${s.publicUrl}self-service/recovery/flows?id=${next}`, { accept: 'application/json' });
      assert.deepEqual(messageIds(shown.body), [4060004]);
      assert.equal(await other.get(`${s.publicUrl}sessions/whoami`, { accept: 'application/json' }).then((r) => r.status), 401);
    });

    test('a link works only for its own flow', async () => {
      const addr = email('foreign');
      await createIdentity(addr);
      const a = await startBrowser();
      await a.b.postForm(`${s.publicUrl}self-service/recovery?flow=${a.flowId}`, { csrf_token: a.csrf, method: 'link', email: addr });
      const link = new URL(linkIn(await mailbox.waitFor(addr), `${s.publicUrl}self-service/recovery?`));
      const other = await startBrowser();
      link.searchParams.set('flow', other.flowId);
      const res = await other.b.get(link.toString());
      assert.equal(res.status, 303);
      assert.doesNotMatch(res.location!, /settings/);
    });

    test('SPA: unknown and known addresses get identical answers, and no mail goes to the unknown one', async () => {
      const known = email('known');
      await createIdentity(known);
      const unknown = email('unknown');
      const k = await startBrowser(true);
      const u = await startBrowser(true);
      const rk = await k.b.postJson(`${s.publicUrl}self-service/recovery?flow=${k.flowId}`, { csrf_token: k.csrf, method: 'link', email: known });
      const ru = await u.b.postJson(`${s.publicUrl}self-service/recovery?flow=${u.flowId}`, { csrf_token: u.csrf, method: 'link', email: unknown });
      assert.equal(rk.status, 200);
      assert.equal(rk.status, ru.status);
      assert.deepEqual(messageIds(rk.body), messageIds(ru.body));
      assert.deepEqual(nodeNames(rk.body), nodeNames(ru.body));
      assert.equal(rk.body.state, ru.body.state);
      await mailbox.waitFor(known);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(mailbox.received.filter((m) => m.to === unknown).length, 0);
    });

    test('admin recovery link: 200 with a link that recovers the account; unknown identity 404; bad expires_in 400', async () => {
      const addr = email('admin');
      const id = await createIdentity(addr);
      const res = await s.adminApi.post('/admin/recovery/link', { identity_id: id, expires_in: '1h' });
      assert.equal(res.status, 200);
      assert.ok(new Date(res.body.expires_at).getTime() > Date.now() + 59 * 60_000);
      const b = new TestBrowser();
      const opened = await b.get(res.body.recovery_link);
      assert.equal(opened.status, 303);
      assert.match(opened.location!, /settings\?flow=/);
      assert.equal((await b.get(`${s.publicUrl}sessions/whoami`, { accept: 'application/json' })).body.identity.id, id);
      assert.equal((await s.adminApi.post('/admin/recovery/link', { identity_id: '00000000-0000-4000-8000-000000000000' })).status, 404);
      assert.equal((await s.adminApi.post('/admin/recovery/link', { identity_id: id, expires_in: '-5m' }, { unchecked: true })).status, 400);
    });

    test('an expired link flow sends the browser to a new flow', async () => {
      const addr = email('late');
      const id = await createIdentity(addr);
      const res = await s.adminApi.post('/admin/recovery/link', { identity_id: id });
      const flowId = new URL(res.body.recovery_link).searchParams.get('flow')!;
      const stored = (await s.registry.persister.flows.getFlow(flowId, 'recovery'))!;
      stored.expires_at = new Date(Date.now() - 1000);
      await s.registry.persister.flows.updateFlow(stored);
      const b = new TestBrowser();
      const opened = await b.get(res.body.recovery_link);
      assert.equal(opened.status, 303);
      const next = new URL(opened.location!).searchParams.get('flow')!;
      assert.notEqual(next, flowId);
      const shown = await b.get(`${s.publicUrl}self-service/recovery/flows?id=${next}`, { accept: 'application/json' });
      assert.deepEqual(messageIds(shown.body), [4060005]);
    });
  });
}
