import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { TestBrowser, messageIds, nodeValue } from '../../testkit/browser.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendVerificationForAddresses } from '../../../src/selfservice/hooks/verification.js';

import { TestMailbox, codeIn, linkIn, mailboxConfig, runCourier } from '../../testkit/mailbox.js';

const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const PASSWORD = 'a sufficiently long passphrase 42';
const UI = 'http://127.0.0.1:4455/verification';

type Flow = { id: string; state: string; ui: { action: string; method: string; nodes: Array<{ attributes: { name?: string; value?: unknown; href?: string }; messages: Array<{ id: number }> }>; messages?: Array<{ id: number }> } };
const names = (f: Flow) => f.ui.nodes.map((n) => n.attributes.name ?? n.attributes.href ?? '');

function config(mailbox: TestMailbox, verification: Record<string, unknown>) {
  return {
    ...mailboxConfig(mailbox),
    selfservice: {
      methods: { password: { config: { haveibeenpwned_enabled: false } } },
      flows: {
        verification: { enabled: true, ui_url: UI, ...verification },
        registration: { after: { password: { hooks: [{ hook: 'session' }, { hook: 'show_verification_ui' }] } } },
        login: { after: { password: { hooks: [{ hook: 'require_verified_address' }] } } },
      },
    },
  };
}

for (const factory of testDatabases()) {
  describe(`verification flow on ${factory.name}`, () => {
    let db: TestDatabase;
    let mailbox: TestMailbox;
    // One database, three configurations: code (unknown addresses not notified), code (notified), link.
    let s: TestServer;
    let notifying: TestServer;
    let linkServer: TestServer;
    let stopCourier: () => Promise<void>;

    before(async () => {
      db = await factory.create();
      mailbox = await new TestMailbox().start();
      s = await startTestServer({ dsn: db.dsn, config: config(mailbox, { use: 'code' }) });
      const notifyingConfig = config(mailbox, { use: 'code', notify_unknown_recipients: true });
      notifying = await startTestServer({ dsn: db.dsn, config: { ...notifyingConfig, courier: { ...notifyingConfig.courier, rate_limit: { max_messages: 2 } } } });
      linkServer = await startTestServer({ dsn: db.dsn, config: config(mailbox, { use: 'link' }) });
      stopCourier = runCourier(s);
    });
    after(async () => {
      await stopCourier?.();
      await Promise.all([s?.close(), notifying?.close(), linkServer?.close()]);
      await mailbox?.stop();
      await db?.drop();
    });

    async function createIdentity(addr: string, server = s) {
      const res = await server.adminApi.post('/admin/identities', { schema_id: 'default', traits: { email: addr }, credentials: { password: { config: { password: PASSWORD } } } });
      assert.equal(res.status, 201);
      return res.body.id as string;
    }
    async function address(id: string) {
      const res = await s.adminApi.get(`/admin/identities/${id}`);
      return res.body.verifiable_addresses[0] as { value: string; verified: boolean; status: string; verified_at?: string };
    }
    async function apiFlow(server = s) {
      const res = await server.publicApi.get('/self-service/verification/api');
      assert.equal(res.status, 200);
      return res.body as Flow;
    }
    const submit = (flowId: string, body: Record<string, unknown>, server = s) => server.publicApi.post(`/self-service/verification?flow=${flowId}`, body);
    const mailsTo = (to: string) => mailbox.received.filter((m) => m.to === to);
    const queued = async (to: string) => (await s.adminApi.get(`/admin/courier/messages?recipient=${encodeURIComponent(to)}`)).body as Array<{ template_type: string }>;

    test('API: a code sent by email verifies exactly that address', async () => {
      const addr = email('api');
      const id = await createIdentity(addr);
      const flow = await apiFlow();
      assert.equal(flow.state, 'choose_method');
      assert.deepEqual(names(flow), ['email', 'method']);

      const sent = await submit(flow.id, { method: 'code', email: addr });
      assert.equal(sent.status, 200);
      assert.equal(sent.body.state, 'sent_email');
      assert.deepEqual(messageIds(sent.body), [1080003]);
      assert.deepEqual(names(sent.body), ['method', 'code', 'method', 'email']);
      assert.equal((await address(id)).status, 'sent');

      const mail = await mailbox.waitFor(addr);
      const code = codeIn(mail);
      assert.ok(!JSON.stringify(sent.body).includes(code), 'the code never appears in a response');
      assert.ok(mail.text.includes(`${s.publicUrl}self-service/verification?flow=${flow.id}&code=${code}`));

      const done = await submit(flow.id, { method: 'code', code });
      assert.equal(done.status, 200);
      assert.equal(done.body.state, 'passed_challenge');
      assert.deepEqual(messageIds(done.body), [1080002]);
      assert.equal(done.body.ui.method, 'GET');
      assert.equal(done.body.ui.action, 'http://127.0.0.1:4455/');
      const a = await address(id);
      assert.equal(a.verified, true);
      assert.equal(a.status, 'completed');
      assert.ok(a.verified_at);

      // A verified flow is not submitted again: the client is given a new flow saying so.
      const again = await submit(flow.id, { method: 'code', code });
      assert.equal(again.status, 410);
      assert.equal(again.body.error.id, 'self_service_flow_replaced');
      const replacement = await s.publicApi.get(`/self-service/verification/flows?id=${again.body.use_flow_id}`);
      assert.deepEqual(messageIds(replacement.body), [4070002]);
      assert.equal(replacement.body.state, 'choose_method');
    });

    test('browser: form posts with CSRF, redirects to the UI, code verifies', async () => {
      const addr = email('browser');
      const id = await createIdentity(addr);
      const b = new TestBrowser();
      const init = await b.get(`${s.publicUrl}self-service/verification/browser?return_to=http://127.0.0.1:4455/welcome`);
      assert.equal(init.status, 303);
      const flowId = new URL(init.location!).searchParams.get('flow')!;
      assert.ok(init.location!.startsWith(`${UI}?flow=`));
      const flow = (await b.get(`${s.publicUrl}self-service/verification/flows?id=${flowId}`, { accept: 'application/json' })).body as Flow;
      const csrf = String(nodeValue(flow, 'csrf_token'));

      const noCsrf = await b.postForm(`${s.publicUrl}self-service/verification?flow=${flowId}`, { method: 'code', email: addr });
      assert.equal(noCsrf.status, 303);
      assert.match(noCsrf.location!, /error\?id=/);

      const sent = await b.postForm(`${s.publicUrl}self-service/verification?flow=${flowId}`, { csrf_token: csrf, method: 'code', email: addr });
      assert.equal(sent.status, 303);
      assert.equal(sent.location, `${UI}?flow=${flowId}`);
      const code = codeIn(await mailbox.waitFor(addr));
      const shown = (await b.get(`${s.publicUrl}self-service/verification/flows?id=${flowId}`, { accept: 'application/json' })).body as Flow;
      assert.equal(shown.state, 'sent_email');

      const done = await b.postForm(`${s.publicUrl}self-service/verification?flow=${flowId}`, { csrf_token: String(nodeValue(shown, 'csrf_token')), method: 'code', code });
      assert.equal(done.status, 303);
      const final = (await b.get(`${s.publicUrl}self-service/verification/flows?id=${flowId}`, { accept: 'application/json' })).body as Flow;
      assert.equal(final.state, 'passed_challenge');
      assert.equal(final.ui.action, 'http://127.0.0.1:4455/welcome');
      assert.equal((await address(id)).verified, true);
    });

    test('the link in a code email fills the code into the flow for the browser that opens it', async () => {
      const addr = email('codelink');
      await createIdentity(addr);
      const flow = await apiFlow();
      await submit(flow.id, { method: 'code', email: addr });
      const mail = await mailbox.waitFor(addr);
      const link = linkIn(mail, `${s.publicUrl}self-service/verification?`);
      const other = new TestBrowser();
      const opened = await other.get(link);
      assert.equal(opened.status, 303);
      assert.equal(opened.location, `${UI}?flow=${flow.id}`);
      const shown = await s.publicApi.get(`/self-service/verification/flows?id=${flow.id}`);
      assert.equal(nodeValue(shown.body, 'code'), codeIn(mail));
    });

    test('browser: a code link opened in another browser (or by a mail scanner) leaves both able to go on', async () => {
      const addr = email('twobrowsers');
      const id = await createIdentity(addr);
      const a = new TestBrowser();
      const init = await a.get(`${s.publicUrl}self-service/verification/browser`);
      const flowId = new URL(init.location!).searchParams.get('flow')!;
      const flow = (await a.get(`${s.publicUrl}self-service/verification/flows?id=${flowId}`, { accept: 'application/json' })).body as Flow;
      await a.postForm(`${s.publicUrl}self-service/verification?flow=${flowId}`, { csrf_token: String(nodeValue(flow, 'csrf_token')), method: 'code', email: addr });
      const mail = await mailbox.waitFor(addr);
      const link = linkIn(mail, `${s.publicUrl}self-service/verification?`);

      await new TestBrowser().get(link); // a scanner
      const b = new TestBrowser();
      const opened = await b.get(link);
      assert.equal(opened.status, 303);
      const seenByB = (await b.get(`${s.publicUrl}self-service/verification/flows?id=${flowId}`, { accept: 'application/json' })).body as Flow;
      assert.equal(nodeValue(seenByB, 'code'), codeIn(mail));
      const seenByA = (await a.get(`${s.publicUrl}self-service/verification/flows?id=${flowId}`, { accept: 'application/json' })).body as Flow;
      assert.equal(seenByA.state, 'sent_email');
      // A stranger that never opened the link still cannot read or submit the flow.
      const stranger = new TestBrowser();
      await stranger.get(`${s.publicUrl}self-service/verification/browser`);
      assert.equal((await stranger.get(`${s.publicUrl}self-service/verification/flows?id=${flowId}`, { accept: 'application/json' })).status, 403);
      // B's form (CSRF masked for B) works for B only.
      const crossed = await a.postForm(`${s.publicUrl}self-service/verification?flow=${flowId}`, { csrf_token: String(nodeValue(seenByB, 'csrf_token')), method: 'code', code: codeIn(mail) });
      assert.match(crossed.location!, /error\?id=/);
      const done = await b.postForm(`${s.publicUrl}self-service/verification?flow=${flowId}`, { csrf_token: String(nodeValue(seenByB, 'csrf_token')), method: 'code', code: codeIn(mail) });
      assert.equal(done.status, 303);
      assert.equal((await address(id)).verified, true);
    });

    test('wrong codes are bounded: after five the code is spent; a new code replaces the old one', async () => {
      const addr = email('wrong');
      const id = await createIdentity(addr);
      const flow = await apiFlow();
      await submit(flow.id, { method: 'code', email: addr });
      const code = codeIn(await mailbox.waitFor(addr));
      const wrong = code === '000000' ? '111111' : '000000';
      for (let i = 0; i < 5; i++) {
        const res = await submit(flow.id, { method: 'code', code: wrong });
        assert.equal(res.status, 200);
        assert.equal(res.body.state, 'sent_email');
        assert.deepEqual(messageIds(res.body), [4070006]);
      }
      const spent = await submit(flow.id, { method: 'code', code });
      assert.deepEqual(messageIds(spent.body), [4070006]);
      assert.equal((await address(id)).verified, false);

      // Re-requesting: the first new code is voided by the second.
      await submit(flow.id, { method: 'code', email: addr });
      await mailbox.waitFor(addr, (m) => codeIn(m) !== code || mailsTo(addr).length >= 2);
      const second = mailsTo(addr).at(-1)!;
      await submit(flow.id, { method: 'code', email: addr });
      await mailbox.waitFor(addr, () => mailsTo(addr).length >= 3);
      const third = codeIn(mailsTo(addr).at(-1)!);
      if (codeIn(second) !== third) {
        const old = await submit(flow.id, { method: 'code', code: codeIn(second) });
        assert.deepEqual(messageIds(old.body), [4070006]);
      }
      const ok = await submit(flow.id, { method: 'code', code: third });
      assert.equal(ok.body.state, 'passed_challenge');
      assert.equal((await address(id)).verified, true);
    });

    test('an expired code does not verify', async () => {
      const addr = email('codeexp');
      const id = await createIdentity(addr);
      const flow = await apiFlow();
      await submit(flow.id, { method: 'code', email: addr });
      const code = codeIn(await mailbox.waitFor(addr));
      // Time passes: the code's lifespan is over (the clock is the only thing faked).
      const d = s.registry.database;
      await d.db.updateTable('selfservice_codes').set({ expires_at: d.dialect.toTime(new Date(Date.now() - 1000)) as never }).where('flow_id', '=', flow.id).execute();
      const res = await submit(flow.id, { method: 'code', code });
      assert.deepEqual(messageIds(res.body), [4070006]);
      assert.equal((await address(id)).verified, false);
    });

    test('a code from one flow does not work in another', async () => {
      const addr = email('cross');
      const id = await createIdentity(addr);
      const a = await apiFlow();
      const b = await apiFlow();
      await submit(a.id, { method: 'code', email: addr });
      const codeA = codeIn(await mailbox.waitFor(addr));
      await submit(b.id, { method: 'code', email: addr });
      await mailbox.waitFor(addr, () => mailsTo(addr).length >= 2);
      const codeB = codeIn(mailsTo(addr).at(-1)!);
      if (codeA !== codeB) {
        const res = await submit(b.id, { method: 'code', code: codeA });
        assert.deepEqual(messageIds(res.body), [4070006]);
        assert.equal((await address(id)).verified, false);
      }
      const ok = await submit(a.id, { method: 'code', code: codeA });
      assert.equal(ok.body.state, 'passed_challenge');
    });

    test('unknown and known addresses get identical answers; unknown ones are mailed only when configured', async () => {
      const known = email('known');
      await createIdentity(known);
      const unknown = email('unknown');
      const answers = [];
      for (const addr of [known, unknown]) {
        const f = await apiFlow();
        const res = await submit(f.id, { method: 'code', email: addr });
        answers.push({ status: res.status, state: res.body.state, messages: messageIds(res.body), nodes: names(res.body), active: res.body.active });
      }
      assert.deepEqual(answers[0], answers[1]);
      assert.deepEqual((await queued(known)).map((m) => m.template_type), ['verification_code_valid']);
      assert.deepEqual(await queued(unknown), []);

      const unknown2 = email('unknown-notified');
      const f = await apiFlow(notifying);
      const res = await submit(f.id, { method: 'code', email: unknown2 }, notifying);
      assert.deepEqual({ status: res.status, state: res.body.state, messages: messageIds(res.body), nodes: names(res.body), active: res.body.active }, answers[0]);
      assert.deepEqual((await queued(unknown2)).map((m) => m.template_type), ['verification_code_invalid']);
      const mail = await mailbox.waitFor(unknown2);
      assert.throws(() => codeIn(mail));
    });

    test('a request the per-recipient limit suppresses issues no code, and voids the previous one', async () => {
      const addr = email('limited');
      const id = await createIdentity(addr);
      const flow = await apiFlow(notifying);
      const answers = [];
      for (let i = 0; i < 3; i++) {
        const res = await submit(flow.id, { method: 'code', email: addr }, notifying);
        answers.push([res.status, res.body.state, messageIds(res.body)]);
      }
      assert.deepEqual(answers[2], answers[0]);
      const statuses = (await queued(addr)).map((m) => (m as unknown as { status: string }).status);
      assert.equal(statuses.filter((x) => x === 'abandoned').length, 1);
      await mailbox.waitFor(addr, () => mailsTo(addr).length >= 2);
      for (const m of mailsTo(addr)) {
        const res = await submit(flow.id, { method: 'code', code: codeIn(m) }, notifying);
        assert.deepEqual(messageIds(res.body), [4070006]);
      }
      assert.equal((await address(id)).verified, false);
    });

    test('an address changed after the code was sent is not verified', async () => {
      const addr = email('changed');
      const id = await createIdentity(addr);
      const flow = await apiFlow();
      await submit(flow.id, { method: 'code', email: addr });
      const code = codeIn(await mailbox.waitFor(addr));
      const replaced = email('replaced');
      const put = await s.adminApi.put(`/admin/identities/${id}`, { schema_id: 'default', state: 'active', traits: { email: replaced } });
      assert.equal(put.status, 200);
      const res = await submit(flow.id, { method: 'code', code });
      assert.deepEqual(messageIds(res.body), [4070006]);
      const a = await address(id);
      assert.equal(a.value, replaced);
      assert.equal(a.verified, false);
    });

    test('expired flows: 410 with a replacement flow', async () => {
      const flow = await apiFlow();
      const stored = (await s.registry.persister.flows.getFlow(flow.id, 'verification'))!;
      stored.expires_at = new Date(Date.now() - 60_000);
      await s.registry.persister.flows.updateFlow(stored);
      const read = await s.publicApi.get(`/self-service/verification/flows?id=${flow.id}`);
      assert.equal(read.status, 410);
      const res = await submit(flow.id, { method: 'code', email: email('late') });
      assert.equal(res.status, 410);
      assert.equal(res.body.error.id, 'self_service_flow_expired');
      const replacement = await s.publicApi.get(`/self-service/verification/flows?id=${res.body.use_flow_id}`);
      assert.deepEqual(messageIds(replacement.body), [4070005]);
    });

    test('disabled verification answers with the disabled error', async () => {
      const off = await startTestServer({ dsn: db.dsn, config: { ...config(mailbox, { use: 'code' }), selfservice: { flows: { verification: { enabled: false } } } } });
      try {
        const res = await off.publicApi.get('/self-service/verification/api');
        assert.equal(res.status, 400);
        assert.equal(res.body.error.id, 'self_service_flow_disabled');
      } finally {
        await off.close();
      }
    });

    test('link: a single-use link verifies and shows the flow with success', async () => {
      const addr = email('link');
      const id = await createIdentity(addr);
      const flow = await apiFlow(linkServer);
      assert.deepEqual(names(flow), ['email', 'method']);
      const sent = await submit(flow.id, { method: 'link', email: addr }, linkServer);
      assert.equal(sent.status, 200);
      assert.deepEqual(messageIds(sent.body), [1080001]);
      assert.equal((await queued(addr))[0]?.template_type, 'verification_valid');
      const mail = await mailbox.waitFor(addr);
      const link = linkIn(mail, `${linkServer.publicUrl}self-service/verification?`);
      assert.ok(link.includes(`flow=${flow.id}`) && link.includes('token='));

      const b = new TestBrowser();
      const opened = await b.get(link);
      assert.equal(opened.status, 303);
      assert.equal(opened.location, `${UI}?flow=${flow.id}`);
      const shown = await linkServer.publicApi.get(`/self-service/verification/flows?id=${flow.id}`);
      assert.equal(shown.body.state, 'passed_challenge');
      assert.deepEqual(messageIds(shown.body), [1080002]);
      assert.equal((await address(id)).verified, true);

      const again = new TestBrowser();
      const reused = await again.get(link);
      assert.equal(reused.status, 303);
      const retry = new URL(reused.location!).searchParams.get('flow')!;
      assert.notEqual(retry, flow.id);
      const retryFlow = await again.get(`${linkServer.publicUrl}self-service/verification/flows?id=${retry}`, { accept: 'application/json' });
      assert.deepEqual(messageIds(retryFlow.body), [4070001]);
    });

    test('registration sends the verification email and returns continue_with; login requires a verified address', async () => {
      const addr = email('reg');
      const flow = (await s.publicApi.get('/self-service/registration/api')).body;
      const reg = await s.publicApi.post(`/self-service/registration?flow=${flow.id}`, { method: 'password', traits: { email: addr }, password: PASSWORD });
      assert.equal(reg.status, 200);
      const cont = reg.body.continue_with.find((c: { action: string }) => c.action === 'show_verification_ui');
      assert.equal(cont.flow.verifiable_address, addr);
      assert.ok(reg.body.continue_with.some((c: { action: string }) => c.action === 'set_ory_session_token'));
      const vflow = await s.publicApi.get(`/self-service/verification/flows?id=${cont.flow.id}`);
      assert.equal(vflow.body.state, 'sent_email');
      const code = codeIn(await mailbox.waitFor(addr));

      const login = async () => {
        const lf = (await s.publicApi.get('/self-service/login/api')).body;
        return s.publicApi.post(`/self-service/login?flow=${lf.id}`, { method: 'password', identifier: addr, password: PASSWORD });
      };
      const refused = await login();
      assert.equal(refused.status, 400);
      assert.deepEqual(messageIds(refused.body), [4000010]);

      const done = await submit(cont.flow.id, { method: 'code', code });
      assert.equal(done.body.state, 'passed_challenge');
      const allowed = await login();
      assert.equal(allowed.status, 200);
      assert.ok(allowed.body.session_token);
    });

    test('browser login of an unverified identity goes back to the login UI with 4000010', async () => {
      const addr = email('blogin');
      await createIdentity(addr);
      const b = new TestBrowser();
      const init = await b.get(`${s.publicUrl}self-service/login/browser`);
      const flowId = new URL(init.location!).searchParams.get('flow')!;
      const flow = (await b.get(`${s.publicUrl}self-service/login/flows?id=${flowId}`, { accept: 'application/json' })).body;
      const res = await b.postForm(`${s.publicUrl}self-service/login?flow=${flowId}`, { csrf_token: String(nodeValue(flow, 'csrf_token')), method: 'password', identifier: addr, password: PASSWORD });
      assert.equal(res.status, 303);
      assert.equal(new URL(res.location!).searchParams.get('flow'), flowId);
      assert.equal(b.cookieNamed('ory_kratos_session'), undefined);
      const shown = (await b.get(`${s.publicUrl}self-service/login/flows?id=${flowId}`, { accept: 'application/json' })).body;
      assert.deepEqual(messageIds(shown), [4000010]);
    });

    test('browser registration is redirected to the verification UI by show_verification_ui', async () => {
      const addr = email('breg');
      const b = new TestBrowser();
      const init = await b.get(`${s.publicUrl}self-service/registration/browser`);
      const flowId = new URL(init.location!).searchParams.get('flow')!;
      const flow = (await b.get(`${s.publicUrl}self-service/registration/flows?id=${flowId}`, { accept: 'application/json' })).body;
      const res = await b.postForm(`${s.publicUrl}self-service/registration?flow=${flowId}`, { csrf_token: String(nodeValue(flow, 'csrf_token')), method: 'password', 'traits.email': addr, password: PASSWORD });
      assert.equal(res.status, 303);
      assert.ok(res.location!.startsWith(`${UI}?flow=`), res.location!);
      const vid = new URL(res.location!).searchParams.get('flow')!;
      const v = (await b.get(`${s.publicUrl}self-service/verification/flows?id=${vid}`, { accept: 'application/json' })).body as Flow;
      assert.equal(v.state, 'sent_email');
      const code = codeIn(await mailbox.waitFor(addr));
      const done = await b.postForm(`${s.publicUrl}self-service/verification?flow=${vid}`, { csrf_token: String(nodeValue(v, 'csrf_token')), method: 'code', code });
      assert.equal(done.status, 303);
      const final = (await b.get(`${s.publicUrl}self-service/verification/flows?id=${vid}`, { accept: 'application/json' })).body as Flow;
      assert.equal(final.state, 'passed_challenge');
    });
    test('SPA: browser flows answer JSON', async () => {
      const addr = email('spa');
      const id = await createIdentity(addr);
      const b = new TestBrowser({ spa: true });
      const init = await b.get(`${s.publicUrl}self-service/verification/browser`);
      assert.equal(init.status, 200);
      const flow = init.body as Flow;
      const sent = await b.postJson(`${s.publicUrl}self-service/verification?flow=${flow.id}`, { csrf_token: nodeValue(flow, 'csrf_token'), method: 'code', email: addr });
      assert.equal(sent.status, 200);
      assert.equal(sent.body.state, 'sent_email');
      const code = codeIn(await mailbox.waitFor(addr));
      const missing = await b.postJson(`${s.publicUrl}self-service/verification?flow=${flow.id}`, { method: 'code', code });
      assert.equal(missing.status, 403);
      const done = await b.postJson(`${s.publicUrl}self-service/verification?flow=${flow.id}`, { csrf_token: nodeValue(sent.body, 'csrf_token'), method: 'code', code });
      assert.equal(done.status, 200);
      assert.equal(done.body.state, 'passed_challenge');
      assert.equal((await address(id)).verified, true);
    });

    test('a link to an expired flow starts a new flow saying so', async () => {
      const addr = email('linkexp');
      const id = await createIdentity(addr);
      const flow = await apiFlow(linkServer);
      await submit(flow.id, { method: 'link', email: addr }, linkServer);
      const link = linkIn(await mailbox.waitFor(addr), `${linkServer.publicUrl}self-service/verification?`);
      const stored = (await s.registry.persister.flows.getFlow(flow.id, 'verification'))!;
      stored.expires_at = new Date(Date.now() - 1000);
      await s.registry.persister.flows.updateFlow(stored);
      const b = new TestBrowser();
      const opened = await b.get(link);
      assert.equal(opened.status, 303);
      const retry = new URL(opened.location!).searchParams.get('flow')!;
      assert.notEqual(retry, flow.id);
      const shown = await b.get(`${linkServer.publicUrl}self-service/verification/flows?id=${retry}`, { accept: 'application/json' });
      assert.deepEqual(messageIds(shown.body), [4070005]);
      assert.equal((await address(id)).verified, false);
    });

    test('sendVerificationForAddresses inside a caller transaction (as settings use it)', async () => {
      const addr = email('settings');
      const id = await createIdentity(addr);
      const services = s.registry.selfService.verification.services;
      // The request and reply stand in for a settings submission from a native app (only the URL is read).
      const req = { url: '/self-service/settings?flow=x' } as FastifyRequest;
      const reply = {} as FastifyReply;
      const cont = await s.registry.persister.transaction(async (tx) => {
        const identity = (await tx.identities.getIdentity(id, { withCredentials: true }))!;
        return sendVerificationForAddresses(identity, identity.verifiable_addresses, { req, reply, type: 'api', services, tx });
      });
      assert.equal(cont.length, 1);
      assert.equal(cont[0]!.action, 'show_verification_ui');
      assert.equal(cont[0]!.flow.verifiable_address, addr);
      const code = codeIn(await mailbox.waitFor(addr));
      const done = await submit(cont[0]!.flow.id, { method: 'code', code });
      assert.equal(done.body.state, 'passed_challenge');
      assert.equal((await address(id)).verified, true);
      // Verified addresses are skipped.
      const again = await s.registry.persister.transaction(async (tx) => {
        const identity = (await tx.identities.getIdentity(id, { withCredentials: true }))!;
        return sendVerificationForAddresses(identity, identity.verifiable_addresses, { req, reply, type: 'api', services, tx });
      });
      assert.deepEqual(again, []);
    });
  });
}
