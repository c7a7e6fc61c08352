import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { fixture, startTestServer, type TestServer } from '../../testkit/server.js';
import { TestBrowser, messageIds } from '../../testkit/browser.js';
import { TestMailbox, codeIn, mailboxConfig, runCourier } from '../../testkit/mailbox.js';
import { SmsGateway, newPhone, smsChannel, smsCode } from '../../testkit/sms-gateway.js';
import { ok, sdkClients, type SdkClients } from '../sdk/sdk-kit.js';

const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const PASSWORD = 'a sufficiently long passphrase 42';
const NEW_PASSWORD = 'another quite long passphrase 77';
const UI = 'http://127.0.0.1:4455';

type Node = { type: string; attributes: { name?: string; type?: string; value?: unknown }; meta: { label?: { id: number } }; messages: Array<{ id: number }> };
type FlowBody = { id: string; state: string; ui: { nodes: Node[]; messages?: Array<{ id: number; text: string }> } };
/** What a client can see of a flow besides its id and times: state, messages, node shapes. */
const shape = (f: FlowBody) => ({
  state: f.state,
  messages: (f.ui.messages ?? []).map((m) => m.id),
  nodes: f.ui.nodes.map((n) => [n.type, n.attributes.name, n.attributes.type, n.meta.label?.id]),
});
const node = (f: FlowBody, name: string) => f.ui.nodes.find((n) => n.attributes.name === name)!;

for (const factory of testDatabases()) {
  describe(`recovery and verification by SMS code on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let linkServer: TestServer;
    let mailbox: TestMailbox;
    let gateway: SmsGateway;
    let sdk: SdkClients;
    let stopCourier: () => Promise<void>;

    /** The suite's configuration; `verificationUse` picks the verification method. */
    const config = (verificationUse: 'code' | 'link') => ({
      ...mailboxConfig(mailbox),
      // Three messages of one kind per recipient and hour: the per-recipient limit is reachable in a test.
      courier: { ...mailboxConfig(mailbox).courier, channels: [smsChannel(gateway)], rate_limit: { max_messages: 3, window: '1h' } },
      identity: { default_schema_id: 'phone', schemas: [{ id: 'phone', url: `file://${fixture('phone.schema.json')}` }] },
      selfservice: {
        default_browser_return_url: `${UI}/`,
        methods: { password: { config: { haveibeenpwned_enabled: false } }, code: { enabled: true } },
        flows: {
          // Unknown addresses are notified where that is possible (by email): phone numbers still get nothing.
          recovery: { enabled: true, use: 'code', notify_unknown_recipients: true },
          verification: { enabled: true, use: verificationUse, notify_unknown_recipients: true, ui_url: `${UI}/verification` },
          settings: { ui_url: `${UI}/settings` },
          registration: { after: { password: { hooks: [{ hook: 'session' }] } } },
        },
      },
    });

    before(async () => {
      db = await factory.create();
      mailbox = await new TestMailbox().start();
      gateway = await new SmsGateway().start();
      s = await startTestServer({ dsn: db.dsn, config: config('code') });
      // The same database and courier, verification by link: links go by email only.
      linkServer = await startTestServer({ dsn: db.dsn, config: config('link') });
      sdk = sdkClients(s);
      stopCourier = runCourier(s);
    });
    after(async () => {
      await stopCourier?.();
      await Promise.all([s?.close(), linkServer?.close()]);
      await gateway?.stop();
      await mailbox?.stop();
      await db?.drop();
    });

    async function createIdentity(traits: { email: string; phone?: string }) {
      const res = await s.adminApi.post('/admin/identities', { schema_id: 'phone', traits, credentials: { password: { config: { password: PASSWORD } } } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    }
    async function login(identifier: string, password: string) {
      const flow = await s.publicApi.get('/self-service/login/api');
      return s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'password', identifier, password });
    }
    async function requestRecovery(typed: string) {
      const flow = await s.publicApi.get('/self-service/recovery/api');
      assert.equal(flow.status, 200);
      const sent = await s.publicApi.post(`/self-service/recovery?flow=${flow.body.id}`, { method: 'code', email: typed });
      return { flowId: flow.body.id as string, sent };
    }
    const recover = (flowId: string, code: string, unchecked = false) =>
      s.publicApi.post(`/self-service/recovery?flow=${flowId}`, { method: 'code', code }, unchecked ? { unchecked: true } : {});
    const verify = (flowId: string, body: Record<string, unknown>) => s.publicApi.post(`/self-service/verification?flow=${flowId}`, body);
    const identity = async (id: string) => (await s.adminApi.get(`/admin/identities/${id}`)).body as { verifiable_addresses: Array<{ value: string; via: string; verified: boolean; status: string }> };
    const verified = async (id: string) => Object.fromEntries((await identity(id)).verifiable_addresses.map((a) => [a.via, a.verified]));
    const queued = async (to: string) => (await s.adminApi.get(`/admin/courier/messages?recipient=${encodeURIComponent(to)}`)).body as Array<{ type: string; status: string; template_type: string }>;
    /** Lets the courier worker deliver whatever was queued, so "nothing arrived" means nothing was sent. */
    const settle = () => new Promise((r) => setTimeout(r, 400));
    /** Time passes for one flow's codes (the clock is the only thing faked). */
    async function expireCodes(flowId: string) {
      const d = s.registry.database;
      await d.db.updateTable('selfservice_codes').set({ expires_at: d.dialect.toTime(new Date(Date.now() - 1000)) as never }).where('flow_id', '=', flowId).execute();
    }

    test('recovery: a number typed in another format gets the code by SMS only; privileged session, new password, number verified', async () => {
      const addr = email('rec');
      const p = newPhone();
      const id = await createIdentity({ email: addr, phone: p.typed });

      const flow = await s.publicApi.get('/self-service/recovery/api');
      // With an SMS channel the address input takes either kind of address.
      assert.equal(node(flow.body, 'email').attributes.type, 'text');
      assert.equal(node(flow.body, 'email').meta.label?.id, 1070018);

      const typed = p.typed.replace('+49 ', '+49-').replace(/ /g, '');
      const sent = await s.publicApi.post(`/self-service/recovery?flow=${flow.body.id}`, { method: 'code', email: typed });
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
      assert.equal(sent.body.state, 'sent_email');
      assert.deepEqual(messageIds(sent.body), [1060004]);
      assert.equal(sent.body.ui.messages[0].context.masked_address, `${p.e164.slice(0, 3)}****${p.e164.slice(-2)}`);
      assert.deepEqual(sent.body.ui.nodes.map((n: Node) => n.attributes.name), ['csrf_token', 'code', 'method', 'method', 'email']);

      const sms = await gateway.waitFor(p.e164);
      assert.match(sms.body, /recovery code/);
      assert.match(sms.body, /@127\.0\.0\.1 #\d{6}/, 'the WebOTP line names the domain the flow was started at');
      const code = smsCode(sms);
      assert.ok(!JSON.stringify(sent.body).includes(code), 'the code never appears in a response');
      const messages = await queued(p.e164);
      assert.deepEqual(messages.map((m) => [m.type, m.template_type]), [['phone', 'recovery_code_valid']]);

      const done = await recover(flow.body.id, code);
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.state, 'passed_challenge');
      const [setToken, settings] = done.body.continue_with;
      assert.equal(setToken.action, 'set_ory_session_token');
      assert.equal(settings.action, 'show_settings_ui');
      const headers = { 'x-session-token': setToken.ory_session_token };
      const who = await s.publicApi.get('/sessions/whoami', { headers });
      assert.equal(who.body.identity.id, id);
      assert.equal(who.body.authentication_methods[0].method, 'code_recovery');

      const changed = await s.publicApi.post(`/self-service/settings?flow=${settings.flow.id}`, { method: 'password', password: NEW_PASSWORD }, { headers });
      assert.equal(changed.status, 200, JSON.stringify(changed.body));
      assert.equal((await login(addr, PASSWORD)).status, 400);
      assert.equal((await login(addr, NEW_PASSWORD)).status, 200);
      assert.deepEqual(await verified(id), { email: false, sms: true }, 'receiving the code proved the number, and only the number');

      await settle();
      assert.equal(mailbox.received.filter((m) => m.to === addr).length, 0, 'nothing went by email');
      assert.equal(gateway.to(p.e164).length, 1);
    });

    test('recovery: an email address still gets the code by email, never by SMS', async () => {
      const addr = email('mail');
      const p = newPhone();
      const id = await createIdentity({ email: addr, phone: p.e164 });
      const { flowId, sent } = await requestRecovery(addr.toUpperCase());
      assert.deepEqual(messageIds(sent.body), [1060003]);
      const done = await recover(flowId, codeIn(await mailbox.waitFor(addr)));
      assert.equal(done.body.state, 'passed_challenge');
      assert.deepEqual(await verified(id), { email: true, sms: false });
      await settle();
      assert.equal(gateway.to(p.e164).length, 0);
    });

    test('recovery: an unknown number gets the answer a known one gets, and no message on any channel', async () => {
      const known = newPhone();
      await createIdentity({ email: email('known'), phone: known.e164 });
      const unknown = newPhone();
      const k = await requestRecovery(known.typed);
      const u = await requestRecovery(unknown.typed);
      assert.equal(k.sent.status, u.sent.status);
      assert.deepEqual(shape(u.sent.body), shape(k.sent.body));
      assert.deepEqual(Object.keys(u.sent.body).sort(), Object.keys(k.sent.body).sort());
      await gateway.waitFor(known.e164);
      await settle();
      assert.equal(gateway.to(unknown.e164).length, 0);
      assert.deepEqual(await queued(unknown.e164), [], 'not even an "invalid" message: there is none for SMS');
      // The stand-in code recovers nothing.
      const res = await recover(u.flowId, '123456');
      assert.deepEqual(messageIds(res.body), [4060006]);
    });

    test('recovery: text that is neither an email address nor a phone number is a 400 on the field', async () => {
      const { sent } = await requestRecovery('12');
      assert.equal(sent.status, 400);
      assert.deepEqual(messageIds(sent.body, 'email'), [4000041]);
      assert.equal(node(sent.body, 'email').attributes.value, '12');
      const bad = await requestRecovery('not an address@');
      assert.equal(bad.sent.status, 400);
      assert.deepEqual(messageIds(bad.sent.body, 'email'), [4000040]);
    });

    test('recovery: wrong codes then the flow is spent after five; an expired code starts over', async () => {
      const p = newPhone();
      await createIdentity({ email: email('wrong'), phone: p.e164 });
      const { flowId } = await requestRecovery(p.typed);
      const code = smsCode(await gateway.waitFor(p.e164));
      const wrong = code === '000000' ? '111111' : '000000';
      for (let i = 0; i < 5; i++) {
        const res = await recover(flowId, wrong);
        assert.equal(res.status, 200);
        assert.deepEqual(messageIds(res.body), [4060006]);
      }
      const spent = await recover(flowId, code, true);
      assert.equal(spent.status, 303, 'the sixth submission is refused, the right code included');
      const next = new URL(spent.headers.get('location')!);
      const fresh = await s.publicApi.get(next.pathname + next.search);
      assert.notEqual(fresh.body.id, flowId);
      assert.equal(fresh.body.state, 'choose_method');

      const later = await requestRecovery(p.typed);
      const laterCode = smsCode(await gateway.waitFor(p.e164, 2));
      await expireCodes(later.flowId);
      const expired = await recover(later.flowId, laterCode, true);
      assert.equal(expired.status, 303);
      const retry = new URL(expired.headers.get('location')!);
      assert.deepEqual(messageIds((await s.publicApi.get(retry.pathname + retry.search)).body), [4060005]);
    });

    test('recovery: the per-recipient limit suppresses the fourth SMS with the same answer, and voids the earlier codes', async () => {
      const p = newPhone();
      await createIdentity({ email: email('limit'), phone: p.e164 });
      const flow = await s.publicApi.get('/self-service/recovery/api');
      const answers = [];
      for (let i = 0; i < 4; i++) {
        const res = await s.publicApi.post(`/self-service/recovery?flow=${flow.body.id}`, { method: 'code', email: p.typed });
        answers.push([res.status, shape(res.body)]);
      }
      assert.deepEqual(answers[3], answers[0]);
      await gateway.waitFor(p.e164, 3);
      await settle();
      assert.equal(gateway.to(p.e164).length, 3);
      assert.deepEqual((await queued(p.e164)).map((m) => m.status).filter((x) => x === 'abandoned'), ['abandoned']);
      for (const sms of gateway.to(p.e164)) {
        const res = await recover(flow.body.id, smsCode(sms));
        assert.deepEqual(messageIds(res.body), [4060006]);
      }
    });

    test('recovery in a browser: CSRF-checked form posts, the code by SMS, the settings UI', async () => {
      const p = newPhone();
      await createIdentity({ email: email('browser'), phone: p.e164 });
      const b = new TestBrowser();
      const init = await b.get(`${s.publicUrl}self-service/recovery/browser`);
      assert.equal(init.status, 303);
      const flowId = new URL(init.location!).searchParams.get('flow')!;
      const flow = await b.get(`${s.publicUrl}self-service/recovery/flows?id=${flowId}`);
      const csrf = node(flow.body, 'csrf_token').attributes.value as string;
      const sent = await b.postForm(`${s.publicUrl}self-service/recovery?flow=${flowId}`, { csrf_token: csrf, method: 'code', email: p.typed });
      assert.equal(sent.status, 303);
      const done = await b.postForm(`${s.publicUrl}self-service/recovery?flow=${flowId}`, { csrf_token: csrf, method: 'code', code: smsCode(await gateway.waitFor(p.e164)) });
      assert.equal(done.status, 303);
      assert.match(done.location!, new RegExp(`^${UI}/settings\\?flow=`));
    });

    test('verification after sign-up: the number gets an SMS code, the email address an email; the code verifies the number only', async () => {
      const addr = email('signup');
      const p = newPhone();
      const flow = (await s.publicApi.get('/self-service/registration/api')).body;
      const reg = await s.publicApi.post(`/self-service/registration?flow=${flow.id}`, { method: 'password', traits: { email: addr, phone: p.typed }, password: PASSWORD });
      assert.equal(reg.status, 200, JSON.stringify(reg.body));
      const entries = reg.body.continue_with.filter((c: { action: string }) => c.action === 'show_verification_ui');
      assert.deepEqual(entries.map((c: { flow: { verifiable_address: string } }) => c.flow.verifiable_address).sort(), [addr, p.e164].sort());
      const forPhone = entries.find((c: { flow: { verifiable_address: string } }) => c.flow.verifiable_address === p.e164);
      const vflow = await s.publicApi.get(`/self-service/verification/flows?id=${forPhone.flow.id}`);
      assert.equal(vflow.body.state, 'sent_email');
      assert.deepEqual(messageIds(vflow.body), [1080004]);

      const sms = await gateway.waitFor(p.e164);
      assert.match(sms.body, /verification code/);
      await mailbox.waitFor(addr);
      const wrong = await verify(forPhone.flow.id, { method: 'code', code: smsCode(sms) === '000000' ? '111111' : '000000' });
      assert.deepEqual(messageIds(wrong.body), [4070006]);
      const done = await verify(forPhone.flow.id, { method: 'code', code: smsCode(sms) });
      assert.equal(done.status, 200);
      assert.equal(done.body.state, 'passed_challenge');
      assert.deepEqual(messageIds(done.body), [1080005]);
      assert.deepEqual(await verified(reg.body.identity.id), { email: false, sms: true });
      const addresses = (await identity(reg.body.identity.id)).verifiable_addresses;
      assert.equal(addresses.find((a) => a.via === 'sms')!.status, 'completed');
      await settle();
      assert.equal(mailbox.received.filter((m) => m.to === p.e164 || m.to === p.typed).length, 0);
      assert.equal(gateway.to(addr).length, 0);
    });

    test('verification after a settings change: the new number gets an SMS code that verifies it', async () => {
      const addr = email('settings');
      const id = await createIdentity({ email: addr });
      const session = await login(addr, PASSWORD);
      const headers = { 'x-session-token': session.body.session_token };
      const p = newPhone();
      const flow = await s.publicApi.get('/self-service/settings/api', { headers });
      const saved = await s.publicApi.post(`/self-service/settings?flow=${flow.body.id}`, { method: 'profile', traits: { email: addr, phone: p.typed } }, { headers });
      assert.equal(saved.status, 200, JSON.stringify(saved.body));
      const entry = saved.body.continue_with.find((c: { action: string }) => c.action === 'show_verification_ui');
      assert.equal(entry.flow.verifiable_address, p.e164);
      const done = await verify(entry.flow.id, { method: 'code', code: smsCode(await gateway.waitFor(p.e164)) });
      assert.equal(done.body.state, 'passed_challenge');
      assert.deepEqual(await verified(id), { email: false, sms: true });
    });

    test('verification started by the user: known and unknown numbers answer alike; only the known one gets an SMS; expired codes fail', async () => {
      const p = newPhone();
      const id = await createIdentity({ email: email('user'), phone: p.e164 });
      const start = async (typed: string) => {
        const flow = await s.publicApi.get('/self-service/verification/api');
        assert.equal(node(flow.body, 'email').attributes.type, 'text');
        return { id: flow.body.id as string, sent: await verify(flow.body.id, { method: 'code', email: typed }) };
      };
      const known = await start(p.typed.replace(/ /g, ''));
      const unknownPhone = newPhone();
      const unknown = await start(unknownPhone.typed);
      assert.equal(known.sent.status, 200);
      assert.equal(unknown.sent.status, known.sent.status);
      assert.deepEqual(messageIds(known.sent.body), [1080004]);
      assert.deepEqual(shape(unknown.sent.body), shape(known.sent.body));

      const sms = await gateway.waitFor(p.e164);
      await settle();
      assert.deepEqual(await queued(unknownPhone.e164), [], 'an unknown number is not sent anything, not even with notify_unknown_recipients');
      assert.deepEqual(messageIds((await verify(unknown.id, { method: 'code', code: smsCode(sms) })).body), [4070006]);

      await expireCodes(known.id);
      assert.deepEqual(messageIds((await verify(known.id, { method: 'code', code: smsCode(sms) })).body), [4070006]);
      assert.deepEqual(await verified(id), { email: false, sms: false });

      const again = await start(p.e164);
      const done = await verify(again.id, { method: 'code', code: smsCode(await gateway.waitFor(p.e164, 2)) });
      assert.equal(done.body.state, 'passed_challenge');
      assert.deepEqual(await verified(id), { email: false, sms: true });
    });

    test('verification by link: phone numbers get no flow and no message; email addresses get their link', async () => {
      const addr = email('link');
      const p = newPhone();
      const flow = (await linkServer.publicApi.get('/self-service/registration/api')).body;
      const reg = await linkServer.publicApi.post(`/self-service/registration?flow=${flow.id}`, { method: 'password', traits: { email: addr, phone: p.typed }, password: PASSWORD });
      assert.equal(reg.status, 200, JSON.stringify(reg.body));
      const entries = reg.body.continue_with.filter((c: { action: string }) => c.action === 'show_verification_ui');
      assert.deepEqual(entries.map((c: { flow: { verifiable_address: string } }) => c.flow.verifiable_address), [addr]);
      await mailbox.waitFor(addr);

      // Asked for by the user, the number gets the answer an unknown address gets, and nothing is sent.
      const vflow = (await linkServer.publicApi.get('/self-service/verification/api')).body;
      const sent = await linkServer.publicApi.post(`/self-service/verification?flow=${vflow.id}`, { method: 'link', email: p.typed });
      assert.equal(sent.status, 200);
      assert.deepEqual(messageIds(sent.body), [1080001]);
      await settle();
      assert.deepEqual(await queued(p.e164), []);
      assert.equal(gateway.to(p.e164).length, 0);
      const phone = (await identity(reg.body.identity.id)).verifiable_addresses.find((a) => a.via === 'sms')!;
      assert.deepEqual([phone.value, phone.verified, phone.status], [p.e164, false, 'pending']);
    });

    test('@ory/client: recovery and verification by phone number', async () => {
      const addr = email('sdk');
      const p = newPhone();
      const id = await createIdentity({ email: addr, phone: p.e164 });

      const rflow = (await ok(sdk.frontend.createNativeRecoveryFlow(), 'public')).data;
      const rsent = await ok(sdk.frontend.updateRecoveryFlow({ flow: rflow.id, updateRecoveryFlowBody: { method: 'code', email: p.typed } }), 'public');
      assert.equal(rsent.data.state, 'sent_email');
      const rcode = smsCode(await gateway.waitFor(p.e164));
      const recovered = await ok(sdk.frontend.updateRecoveryFlow({ flow: rflow.id, updateRecoveryFlowBody: { method: 'code', code: rcode } }), 'public');
      assert.equal(recovered.data.state, 'passed_challenge');
      const token = recovered.data.continue_with?.find((c) => c.action === 'set_ory_session_token');
      assert.ok(token && token.action === 'set_ory_session_token');
      assert.equal((await ok(sdk.frontend.toSession({ xSessionToken: token.ory_session_token }), 'public')).data.identity?.id, id);

      // The recovery proved the number; a second number added in settings is verified through the SDK.
      const other = newPhone();
      const settings = (await ok(sdk.frontend.createNativeSettingsFlow({ xSessionToken: token.ory_session_token }), 'public')).data;
      const saved = await ok(
        sdk.frontend.updateSettingsFlow({ flow: settings.id, xSessionToken: token.ory_session_token, updateSettingsFlowBody: { method: 'profile', traits: { email: addr, phone: other.typed } } }),
        'public',
      );
      assert.equal(saved.data.state, 'success');
      const vflow = (await ok(sdk.frontend.createNativeVerificationFlow(), 'public')).data;
      const vsent = await ok(sdk.frontend.updateVerificationFlow({ flow: vflow.id, updateVerificationFlowBody: { method: 'code', email: other.typed } }), 'public');
      assert.equal(vsent.data.state, 'sent_email');
      // Two messages: the one the settings change sent and the one this flow asked for; the latest code counts here.
      const vcode = smsCode(await gateway.waitFor(other.e164, 2));
      const done = await ok(sdk.frontend.updateVerificationFlow({ flow: vflow.id, updateVerificationFlowBody: { method: 'code', code: vcode } }), 'public');
      assert.equal(done.data.state, 'passed_challenge');
      assert.deepEqual(await verified(id), { email: false, sms: true });
      assert.equal((await identity(id)).verifiable_addresses.find((a) => a.value === other.e164)?.verified, true);
    });
  });
}
