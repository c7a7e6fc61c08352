import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import type { TestServer } from '../../testkit/server.js';
import { TestBrowser, messageIds } from '../../testkit/browser.js';
import { mailSuite, TestMailbox, codeIn, mailboxConfig } from '../../testkit/mailbox.js';

const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const PASSWORD = 'a sufficiently long passphrase 42';
const NEW_PASSWORD = 'another quite long passphrase 77';
const nodeNames = (f: { ui: { nodes: Array<{ attributes: { name?: string } }> } }) => f.ui.nodes.map((n) => n.attributes.name);

for (const factory of testDatabases()) {
  describe(`recovery with a code on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let mailbox: TestMailbox;
    mailSuite(factory, (mailbox) => ({
      ...mailboxConfig(mailbox),
      selfservice: {
        methods: { password: { config: { haveibeenpwned_enabled: false } }, code: { enabled: true } },
        flows: {
          recovery: { enabled: true, use: 'code', notify_unknown_recipients: true, after: { hooks: [{ hook: 'revoke_active_sessions' }] } },
          settings: { ui_url: 'http://127.0.0.1:4455/settings' },
        },
      },
    }), (ready) => ({ db, s, mailbox } = ready));

    async function createIdentity(addr: string) {
      const res = await s.adminApi.post('/admin/identities', { schema_id: 'default', traits: { email: addr }, credentials: { password: { config: { password: PASSWORD } } } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    }

    async function login(identifier: string, password: string) {
      const flow = await s.publicApi.get('/self-service/login/api');
      return s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'password', identifier, password });
    }

    async function requestCode(addr: string) {
      const flow = await s.publicApi.get('/self-service/recovery/api');
      assert.equal(flow.status, 200);
      const sent = await s.publicApi.post(`/self-service/recovery?flow=${flow.body.id}`, { method: 'code', email: addr });
      return { flowId: flow.body.id as string, sent };
    }

    const mailsTo = (addr: string) => mailbox.received.filter((m) => m.to === addr);

    test('API: code by email, privileged session, new password, sign-in; other sessions revoked', async () => {
      const addr = email('api');
      const id = await createIdentity(addr);
      const old = await login(addr, PASSWORD);
      assert.equal(old.status, 200);

      const { flowId, sent } = await requestCode(addr);
      assert.equal(sent.status, 200);
      assert.equal(sent.body.state, 'sent_email');
      assert.deepEqual(messageIds(sent.body), [1060003]);
      assert.deepEqual(nodeNames(sent.body), ['csrf_token', 'code', 'method', 'method', 'email']);
      const mail = await mailbox.waitFor(addr);
      const code = codeIn(mail);

      const done = await s.publicApi.post(`/self-service/recovery?flow=${flowId}`, { method: 'code', code });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.state, 'passed_challenge');
      const [setToken, settings] = done.body.continue_with;
      assert.equal(setToken.action, 'set_ory_session_token');
      assert.equal(settings.action, 'show_settings_ui');
      assert.match(settings.flow.url, new RegExp(`flow=${settings.flow.id}`));

      const who = await s.publicApi.get('/sessions/whoami', { headers: { 'x-session-token': setToken.ory_session_token } });
      assert.equal(who.status, 200);
      assert.equal(who.body.identity.id, id);
      assert.equal(who.body.authentication_methods[0].method, 'code_recovery');
      assert.equal(who.body.identity.verifiable_addresses[0].verified, true);

      // revoke_active_sessions ended the session from before.
      const oldWho = await s.publicApi.get('/sessions/whoami', { headers: { 'x-session-token': old.body.session_token } });
      assert.equal(oldWho.status, 401);

      // The settings flow exists and carries the recovery message.
      const sf = await s.registry.persister.flows.getFlow(settings.flow.id, 'settings');
      assert.equal(sf?.identity_id, id);
      assert.deepEqual(sf?.ui.messages?.map((m) => m.id), [1060001]);

      // New password through the settings flow recovery opened (the recovered session is privileged), then sign in with it.
      const token = { 'x-session-token': setToken.ory_session_token };
      const shown = await s.publicApi.get(`/self-service/settings/flows?id=${settings.flow.id}`, { headers: token });
      assert.equal(shown.status, 200);
      const changed = await s.publicApi.post(`/self-service/settings?flow=${settings.flow.id}`, { method: 'password', password: NEW_PASSWORD }, { headers: token });
      assert.equal(changed.status, 200, JSON.stringify(changed.body));
      assert.equal(changed.body.state, 'success');
      assert.equal((await login(addr, PASSWORD)).status, 400, 'the old password no longer works');
      assert.equal((await login(addr, NEW_PASSWORD)).status, 200);

      // Single use: the code does nothing more, the flow is done.
      const again = await s.publicApi.post(`/self-service/recovery?flow=${flowId}`, { method: 'code', code });
      assert.equal(again.status, 200);
      assert.deepEqual(messageIds(again.body), [4060006]);
      assert.equal(again.body.continue_with, undefined);
      // Asking a completed flow for another code starts a new flow that says the last one succeeded.
      const restart = await s.publicApi.post(`/self-service/recovery?flow=${flowId}`, { method: 'code', email: addr }, { unchecked: true });
      assert.equal(restart.status, 303);
      const next = new URL(restart.headers.get('location')!);
      const fresh = await s.publicApi.get(next.pathname + next.search);
      assert.notEqual(fresh.body.id, flowId);
      assert.deepEqual(messageIds(fresh.body), [4060001]);
    });

    test('wrong codes: message 4060006, then the flow is spent after five tries', async () => {
      const addr = email('wrong');
      await createIdentity(addr);
      const { flowId } = await requestCode(addr);
      const code = codeIn(await mailbox.waitFor(addr));
      const wrong = code === '000000' ? '111111' : '000000';
      for (let i = 0; i < 5; i++) {
        const res = await s.publicApi.post(`/self-service/recovery?flow=${flowId}`, { method: 'code', code: wrong });
        assert.equal(res.status, 200);
        assert.deepEqual(messageIds(res.body), [4060006]);
        assert.equal(res.body.state, 'sent_email');
      }
      const spent = await s.publicApi.post(`/self-service/recovery?flow=${flowId}`, { method: 'code', code }, { unchecked: true });
      assert.equal(spent.status, 303);
      const next = new URL(spent.headers.get('location')!);
      assert.equal(next.pathname, '/self-service/recovery/flows');
      const fresh = await s.publicApi.get(next.pathname + next.search);
      assert.notEqual(fresh.body.id, flowId);
      assert.deepEqual(messageIds(fresh.body), [4000001]);
      assert.equal(fresh.body.state, 'choose_method');
    });

    test('a malformed address is a 400 with the email message; a re-sent code gives no extra tries', async () => {
      const flow = await s.publicApi.get('/self-service/recovery/api');
      const bad = await s.publicApi.post(`/self-service/recovery?flow=${flow.body.id}`, { method: 'code', email: 'not an address' });
      assert.equal(bad.status, 400);
      assert.deepEqual(messageIds(bad.body, 'email'), [4000040]);
      // Without an SMS channel the input is an email input, and a phone number is not an address it takes.
      const input = bad.body.ui.nodes.find((n: { attributes: { name?: string } }) => n.attributes.name === 'email');
      assert.equal(input.attributes.type, 'email');
      assert.equal(input.meta.label.id, 1070007);
      const phone = await s.publicApi.post(`/self-service/recovery?flow=${flow.body.id}`, { method: 'code', email: '+49 170 1234567' });
      assert.equal(phone.status, 400);
      assert.deepEqual(messageIds(phone.body, 'email'), [4000040]);
      const missing = await s.publicApi.post(`/self-service/recovery?flow=${flow.body.id}`, { method: 'code' });
      assert.equal(missing.status, 400);
      assert.deepEqual(messageIds(missing.body, 'email'), [4000002]);

      const addr = email('resend');
      await createIdentity(addr);
      const { flowId } = await requestCode(addr);
      const first = codeIn(await mailbox.waitFor(addr));
      const wrong = first === '000000' ? '111111' : '000000';
      for (let i = 0; i < 4; i++) await s.publicApi.post(`/self-service/recovery?flow=${flowId}`, { method: 'code', code: wrong });
      await s.publicApi.post(`/self-service/recovery?flow=${flowId}`, { method: 'code', email: addr });
      await mailbox.waitFor(addr, () => mailsTo(addr).length >= 2);
      const second = codeIn(mailsTo(addr)[1]!);
      const wrong2 = second === '000000' ? '111111' : '000000';
      const fifth = await s.publicApi.post(`/self-service/recovery?flow=${flowId}`, { method: 'code', code: wrong2 });
      assert.deepEqual(messageIds(fifth.body), [4060006]);
      const sixth = await s.publicApi.post(`/self-service/recovery?flow=${flowId}`, { method: 'code', code: second }, { unchecked: true });
      assert.equal(sixth.status, 303);
    });

    test('a code works only in its own flow, and a resend voids the previous code', async () => {
      const addr = email('cross');
      await createIdentity(addr);
      const a = await requestCode(addr);
      const codeA = codeIn(await mailbox.waitFor(addr));
      const b = await requestCode(addr);
      await mailbox.waitFor(addr, (m) => codeIn(m) !== codeA || mailsTo(addr).length >= 2);
      const inB = await s.publicApi.post(`/self-service/recovery?flow=${b.flowId}`, { method: 'code', code: codeA });
      if (codeIn(mailsTo(addr)[1]!) !== codeA) assert.deepEqual(messageIds(inB.body), [4060006]);

      // Resend in flow A: the first code no longer works, the new one does.
      const resend = await s.publicApi.post(`/self-service/recovery?flow=${a.flowId}`, { method: 'code', email: addr });
      assert.equal(resend.status, 200);
      const third = await mailbox.waitFor(addr, () => mailsTo(addr).length >= 3);
      void third;
      const newest = codeIn(mailsTo(addr)[2]!);
      if (newest !== codeA) {
        const old = await s.publicApi.post(`/self-service/recovery?flow=${a.flowId}`, { method: 'code', code: codeA });
        assert.deepEqual(messageIds(old.body), [4060006]);
      }
      const ok = await s.publicApi.post(`/self-service/recovery?flow=${a.flowId}`, { method: 'code', code: newest });
      assert.equal(ok.body.state, 'passed_challenge');
    });

    test('unknown and known addresses get identical answers; the unknown one gets the "invalid" mail', async () => {
      const known = email('known');
      await createIdentity(known);
      const unknown = email('unknown');
      const k = await requestCode(known);
      const u = await requestCode(unknown);
      assert.equal(k.sent.status, u.sent.status);
      assert.deepEqual(messageIds(k.sent.body), messageIds(u.sent.body));
      assert.deepEqual(nodeNames(k.sent.body), nodeNames(u.sent.body));
      assert.deepEqual(Object.keys(k.sent.body).sort(), Object.keys(u.sent.body).sort());
      assert.equal(k.sent.body.state, u.sent.body.state);
      const toUnknown = await mailbox.waitFor(unknown);
      assert.throws(() => codeIn(toUnknown));
      assert.ok(codeIn(await mailbox.waitFor(known)));
    });

    test('browser: redirects, code, session cookie, settings UI', async () => {
      const addr = email('browser');
      const id = await createIdentity(addr);
      const b = new TestBrowser();
      const init = await b.get(`${s.publicUrl}self-service/recovery/browser`);
      assert.equal(init.status, 303);
      const flowId = new URL(init.location!).searchParams.get('flow')!;
      const flow = await b.get(`${s.publicUrl}self-service/recovery/flows?id=${flowId}`);
      const csrf = flow.body.ui.nodes.find((n: { attributes: { name: string } }) => n.attributes.name === 'csrf_token').attributes.value;

      // Without the CSRF token: refused.
      const noCsrf = await b.postForm(`${s.publicUrl}self-service/recovery?flow=${flowId}`, { method: 'code', email: addr });
      assert.equal(noCsrf.status, 303);
      assert.match(noCsrf.location!, /error/);

      const sent = await b.postForm(`${s.publicUrl}self-service/recovery?flow=${flowId}`, { csrf_token: csrf, method: 'code', email: addr });
      assert.equal(sent.status, 303);
      assert.match(sent.location!, new RegExp(`flow=${flowId}`));
      const code = codeIn(await mailbox.waitFor(addr));
      const done = await b.postForm(`${s.publicUrl}self-service/recovery?flow=${flowId}`, { csrf_token: csrf, method: 'code', code });
      assert.equal(done.status, 303);
      assert.match(done.location!, /^http:\/\/127\.0\.0\.1:4455\/settings\?flow=/);
      const who = await b.get(`${s.publicUrl}sessions/whoami`, { accept: 'application/json' });
      assert.equal(who.status, 200);
      assert.equal(who.body.identity.id, id);

      // Signed in now: starting recovery again sends the browser away.
      const again = await b.get(`${s.publicUrl}self-service/recovery/browser`);
      assert.equal(again.status, 303);
      assert.equal(again.location, 'http://127.0.0.1:4455/');
    });

    test('SPA: JSON answers, then 422 browser_location_change_required to the settings UI', async () => {
      const addr = email('spa');
      await createIdentity(addr);
      const b = new TestBrowser({ spa: true });
      const init = await b.get(`${s.publicUrl}self-service/recovery/browser`);
      assert.equal(init.status, 200);
      const csrf = init.body.ui.nodes.find((n: { attributes: { name: string } }) => n.attributes.name === 'csrf_token').attributes.value;
      const sent = await b.postJson(`${s.publicUrl}self-service/recovery?flow=${init.body.id}`, { csrf_token: csrf, method: 'code', email: addr });
      assert.equal(sent.status, 200);
      assert.equal(sent.body.state, 'sent_email');
      const code = codeIn(await mailbox.waitFor(addr));
      const done = await b.postJson(`${s.publicUrl}self-service/recovery?flow=${init.body.id}`, { csrf_token: csrf, method: 'code', code });
      assert.equal(done.status, 422);
      assert.equal(done.body.error.id, 'browser_location_change_required');
      assert.match(done.body.redirect_browser_to, /^http:\/\/127\.0\.0\.1:4455\/settings\?flow=/);
      assert.ok(b.cookieNamed('ory_kratos_session') ?? b.cookieNamed('ory_session'));
      const again = await b.get(`${s.publicUrl}self-service/recovery/browser`);
      assert.equal(again.status, 400);
      assert.equal(again.body.error.id, 'session_already_available');
    });

    test('admin recovery code: 201 with link and code; the code recovers the account', async () => {
      const addr = email('admin');
      const id = await createIdentity(addr);
      const res = await s.adminApi.post('/admin/recovery/code', { identity_id: id, expires_in: '10m', flow_type: 'api' });
      assert.equal(res.status, 201);
      assert.match(res.body.recovery_code, /^\d{6}$/);
      const flowId = new URL(res.body.recovery_link).searchParams.get('flow')!;
      const done = await s.publicApi.post(`/self-service/recovery?flow=${flowId}`, { method: 'code', code: res.body.recovery_code });
      assert.equal(done.status, 200);
      assert.equal(done.body.state, 'passed_challenge');

      // A browser flow made by the admin is used without the anti-CSRF token.
      const br = await s.adminApi.post('/admin/recovery/code', { identity_id: id });
      const b = new TestBrowser();
      const bf = new URL(br.body.recovery_link).searchParams.get('flow')!;
      const got = await b.get(`${s.publicUrl}self-service/recovery/flows?id=${bf}`, { accept: 'application/json' });
      assert.equal(got.status, 200);
      const ok = await b.postForm(`${s.publicUrl}self-service/recovery?flow=${bf}`, { method: 'code', code: br.body.recovery_code });
      assert.equal(ok.status, 303);
      assert.match(ok.location!, /settings\?flow=/);

      assert.equal((await s.adminApi.post('/admin/recovery/code', { identity_id: '00000000-0000-4000-8000-000000000000' })).status, 404);
      assert.equal((await s.adminApi.post('/admin/recovery/code', { identity_id: id, expires_in: 'soon' }, { unchecked: true })).status, 400);
      assert.equal((await s.adminApi.post('/admin/recovery/code', { identity_id: id, flow_type: 'phone' }, { unchecked: true })).status, 400);
    });

    test('signed in: asking for a code is refused; a disabled identity is not signed in by a code', async () => {
      const addr = email('signedin');
      const id = await createIdentity(addr);
      const session = await login(addr, PASSWORD);
      const flow = await s.publicApi.get('/self-service/recovery/api');
      const res = await s.publicApi.post(`/self-service/recovery?flow=${flow.body.id}`, { method: 'code', email: addr }, { headers: { 'x-session-token': session.body.session_token } });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.id, 'session_already_available');
      const init = await s.publicApi.get('/self-service/recovery/api', { headers: { 'x-session-token': session.body.session_token } });
      assert.equal(init.status, 400);
      assert.equal(init.body.error.id, 'session_already_available');

      const admin = await s.adminApi.post('/admin/recovery/code', { identity_id: id, flow_type: 'api' });
      const cur = await s.adminApi.get(`/admin/identities/${id}`);
      await s.adminApi.put(`/admin/identities/${id}`, { schema_id: 'default', traits: cur.body.traits, state: 'inactive' });
      const flowId = new URL(admin.body.recovery_link).searchParams.get('flow')!;
      const used = await s.publicApi.post(`/self-service/recovery?flow=${flowId}`, { method: 'code', code: admin.body.recovery_code }, { unchecked: true });
      assert.equal(used.status, 303);
      const next = new URL(used.headers.get('location')!);
      const fresh = await s.publicApi.get(next.pathname + next.search);
      assert.deepEqual(messageIds(fresh.body), [4000001]);
    });

    test('an expired flow answers 410 with a replacement (API) and a new flow (browser)', async () => {
      const addr = email('expired');
      await createIdentity(addr);
      const flow = await s.publicApi.get('/self-service/recovery/api');
      const stored = (await s.registry.persister.flows.getFlow(flow.body.id, 'recovery'))!;
      stored.expires_at = new Date(Date.now() - 60_000);
      await s.registry.persister.flows.updateFlow(stored);
      const res = await s.publicApi.post(`/self-service/recovery?flow=${flow.body.id}`, { method: 'code', email: addr });
      assert.equal(res.status, 410);
      assert.equal(res.body.error.id, 'self_service_flow_expired');
      const next = await s.publicApi.get(`/self-service/recovery/flows?id=${res.body.use_flow_id}`);
      assert.deepEqual(messageIds(next.body), [4060005]);

      // A browser is sent to a new flow carrying the same message.
      const b = new TestBrowser();
      const init = await b.get(`${s.publicUrl}self-service/recovery/browser`);
      const flowId = new URL(init.location!).searchParams.get('flow')!;
      const bf = await b.get(`${s.publicUrl}self-service/recovery/flows?id=${flowId}`, { accept: 'application/json' });
      const old = (await s.registry.persister.flows.getFlow(flowId, 'recovery'))!;
      old.expires_at = new Date(Date.now() - 60_000);
      await s.registry.persister.flows.updateFlow(old);
      const csrf = bf.body.ui.nodes.find((n: { attributes: { name: string } }) => n.attributes.name === 'csrf_token').attributes.value;
      const posted = await b.postForm(`${s.publicUrl}self-service/recovery?flow=${flowId}`, { csrf_token: csrf, method: 'code', email: addr });
      assert.equal(posted.status, 303);
      const replacement = new URL(posted.location!).searchParams.get('flow')!;
      assert.notEqual(replacement, flowId);
      const shown = await b.get(`${s.publicUrl}self-service/recovery/flows?id=${replacement}`, { accept: 'application/json' });
      assert.deepEqual(messageIds(shown.body), [4060005]);
    });
  });
}
