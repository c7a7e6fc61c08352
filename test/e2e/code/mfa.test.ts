// A one-time code as the second factor (selfservice.methods.code.mfa_enabled): password first, then
// a code by email or by SMS to an address of the signed-in identity makes the session aal2.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, sqliteDatabase, type TestDatabase } from '../../testkit/databases.js';
import { fixture, startTestServer, type TestServer } from '../../testkit/server.js';
import { TestBrowser, messageIds, nodeValue } from '../../testkit/browser.js';
import { TestMailbox, codeIn, mailboxConfig, runCourier } from '../../testkit/mailbox.js';
import { SmsGateway, smsChannel, smsCode } from '../../testkit/sms-gateway.js';

const PASSWORD = 'a sufficiently long passphrase 42';
const UI = 'http://127.0.0.1:4455';
const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;
/** A German mobile number, new for each test, in E.164. */
const phone = () => `+49170${String(Math.floor(1_000_000 + Math.random() * 8_999_999))}`;
const otherThan = (code: string) => (code === '000000' ? '111111' : '000000');

type Node = { type: string; group: string; attributes: { name?: string; type?: string; value?: unknown }; messages: Array<{ id: number }>; meta: { label?: { id: number; text: string; context?: Record<string, unknown> } } };
type FlowBody = { id: string; state: string; ui: { action: string; nodes: Node[]; messages?: Array<{ id: number }> } };
/** What a client sees of a form: each node's group, name, type and value (the CSRF token aside). */
const shape = (f: FlowBody) =>
  f.ui.nodes.filter((n) => n.attributes.name !== 'csrf_token').map((n) => `${n.group}:${n.attributes.name}:${n.attributes.type}${n.attributes.value !== undefined ? `=${String(n.attributes.value)}` : ''}`);
const methods = (session: { authentication_methods: Array<{ method: string; aal: string }> }) => session.authentication_methods.map((m) => `${m.method}:${m.aal}`);

/** The server configuration of these suites: password sign-in, codes as a second factor, mail and SMS. */
function mfaConfig(mailbox: TestMailbox, gateway: SmsGateway, extra: { code?: Record<string, unknown>; tessera?: Record<string, unknown> } = {}) {
  return {
    ...mailboxConfig(mailbox),
    courier: { ...mailboxConfig(mailbox).courier, channels: [smsChannel(gateway)] },
    identity: {
      default_schema_id: 'code',
      schemas: [
        { id: 'code', url: `file://${fixture('code.schema.json')}` },
        { id: 'plain', url: `file://${fixture('default.schema.json')}` },
      ],
    },
    // Second factors are counted per account; no delays before the fifth failure here.
    tessera: { brute_force: { login: { delay_after: 50 } }, ...extra.tessera },
    selfservice: {
      default_browser_return_url: `${UI}/welcome`,
      methods: { password: { config: { haveibeenpwned_enabled: false } }, code: { enabled: true, mfa_enabled: true, ...extra.code } },
      flows: {
        login: { ui_url: `${UI}/login` },
        settings: { ui_url: `${UI}/settings` },
        registration: { ui_url: `${UI}/registration`, after: { password: { hooks: [{ hook: 'session' }] } } },
        error: { ui_url: `${UI}/error` },
      },
    },
  };
}

for (const factory of testDatabases()) {
  describe(`a one-time code as the second factor on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let mailbox: TestMailbox;
    let gateway: SmsGateway;
    let stopCourier: () => Promise<void>;
    const pub = (p: string) => `${s.publicUrl}${p.replace(/^\//, '')}`;
    const auth = (token: string) => ({ headers: { 'x-session-token': token } });

    before(async () => {
      db = await factory.create();
      mailbox = await new TestMailbox().start();
      gateway = await new SmsGateway().start();
      s = await startTestServer({ dsn: db.dsn, config: mfaConfig(mailbox, gateway) });
      stopCourier = runCourier(s);
    });
    after(async () => {
      await stopCourier?.();
      await s?.close();
      await gateway?.stop();
      await mailbox?.stop();
      await db?.drop();
    });

    const mailsTo = (addr: string) => mailbox.received.filter((m) => m.to === addr);
    const smsTo = (to: string) => gateway.received.filter((m) => m.to === to);
    async function nthMail(addr: string, n: number) {
      await mailbox.waitFor(addr, () => mailsTo(addr).length >= n);
      return mailsTo(addr)[n - 1]!;
    }

    /** Signs up with a password (email and phone, both code addresses); returns the aal1 session token. */
    async function signUp(prefix: string) {
      const addr = email(prefix);
      const tel = phone();
      const flow = await s.publicApi.get('/self-service/registration/api');
      const res = await s.publicApi.post(`/self-service/registration?flow=${flow.body.id}`, { method: 'password', traits: { email: addr, phone: tel }, password: PASSWORD });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.session.authenticator_assurance_level, 'aal1');
      return { addr, tel, token: res.body.session_token as string, id: res.body.identity.id as string };
    }

    async function aal2Flow(token: string): Promise<FlowBody> {
      const flow = await s.publicApi.get('/self-service/login/api?aal=aal2', auth(token));
      assert.equal(flow.status, 200, JSON.stringify(flow.body));
      return flow.body;
    }

    /** Chooses an address on an aal2 flow as its button does (only `address` is posted). */
    async function choose(flowId: string, token: string, address: string) {
      return s.publicApi.post(`/self-service/login?flow=${flowId}`, { address }, auth(token));
    }

    test('password, then a code by email: the address buttons, the code step, an aal2 session', async () => {
      const u = await signUp('mail');
      // highest_available: the identity has code addresses, so whoami wants the second factor.
      const before = await s.publicApi.get('/sessions/whoami', { ...auth(u.token), unchecked: true });
      assert.equal(before.status, 403);
      assert.equal(before.body.error.id, 'session_aal2_required');
      assert.match(before.body.redirect_browser_to, /\/self-service\/login\/browser\?aal=aal2/);
      const settingsBefore = await s.publicApi.get('/self-service/settings/api', { ...auth(u.token), unchecked: true });
      assert.equal(settingsBefore.status, 403, 'settings (required_aal highest_available) want the code too');
      assert.equal(settingsBefore.body.error.id, 'session_aal2_required');

      const flow = await aal2Flow(u.token);
      assert.equal((flow as unknown as { requested_aal: string }).requested_aal, 'aal2');
      assert.deepEqual(messageIds(flow), [1010004]);
      // One button per address, phone numbers first; no identifier, no password.
      assert.deepEqual(shape(flow), [`code:address:submit=${u.tel}`, `code:address:submit=${u.addr}`]);
      const labels = flow.ui.nodes.filter((n) => n.attributes.name === 'address').map((n) => n.meta.label);
      assert.deepEqual(labels.map((l) => [l?.id, l?.text, l?.context]), [
        [1010023, `Send code to ${u.tel}`, { address: u.tel, channel: 'sms' }],
        [1010023, `Send code to ${u.addr}`, { address: u.addr, channel: 'email' }],
      ]);

      const sent = await choose(flow.id, u.token, u.addr);
      assert.equal(sent.status, 400, JSON.stringify(sent.body));
      assert.equal(sent.body.state, 'sent_email');
      assert.equal(sent.body.active, 'code');
      assert.deepEqual(messageIds(sent.body), [1010014]);
      assert.deepEqual(shape(sent.body), [`code:identifier:hidden=${u.addr}`, 'code:method:hidden=code', 'code:code:text', 'code:method:submit=code', 'code:resend:submit=code']);
      const mail = await nthMail(u.addr, 1);
      assert.match(mail.subject, /sign-in code/);
      const code = codeIn(mail);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(smsTo(u.tel).length, 0, 'an email address gets no SMS');

      const missing = await s.publicApi.post(`/self-service/login?flow=${flow.id}`, { method: 'code', code: '' }, auth(u.token));
      assert.equal(missing.status, 400);
      assert.deepEqual(messageIds(missing.body, 'code'), [4000002]);
      const wrong = await s.publicApi.post(`/self-service/login?flow=${flow.id}`, { method: 'code', code: otherThan(code) }, auth(u.token));
      assert.equal(wrong.status, 400);
      assert.deepEqual(messageIds(wrong.body), [4010008]);

      const done = await s.publicApi.post(`/self-service/login?flow=${flow.id}`, { method: 'code', code, identifier: u.addr }, auth(u.token));
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.session.authenticator_assurance_level, 'aal2');
      assert.deepEqual(methods(done.body.session), ['password:aal1', 'code:aal2']);
      assert.equal(done.body.session.identity.verifiable_addresses.find((a: { via: string }) => a.via === 'email').verified, true, 'the code proved the address');

      const after = await s.publicApi.get('/sessions/whoami', auth(u.token));
      assert.equal(after.status, 200);
      assert.equal(after.body.authenticator_assurance_level, 'aal2');
      assert.deepEqual(methods(after.body), ['password:aal1', 'code:aal2']);
      const settings = await s.publicApi.get('/self-service/settings/api', auth(u.token));
      assert.equal(settings.status, 200, 'settings (required_aal highest_available) are open at aal2');

      const reused = await s.publicApi.post(`/self-service/login?flow=${flow.id}`, { method: 'code', code }, { ...auth(u.token), unchecked: true });
      assert.equal(reused.status, 400);
      assert.ok(reused.body.error, 'the completed flow signs nobody in again');
      const again = await aal2Flow(u.token).catch(() => null);
      assert.equal(again, null, 'an aal2 session asking for aal2 again is told it has it');
    });

    test('password, then a code by SMS: the code goes to the phone only', async () => {
      const u = await signUp('sms');
      const flow = await aal2Flow(u.token);
      // @ory/client-style body: method and address; the number typed with spaces is the same address.
      const sent = await s.publicApi.post(`/self-service/login?flow=${flow.id}`, { method: 'code', address: `${u.tel.slice(0, 3)} ${u.tel.slice(3, 6)} ${u.tel.slice(6)}` }, auth(u.token));
      assert.equal(sent.status, 400, JSON.stringify(sent.body));
      assert.deepEqual(messageIds(sent.body), [1010014]);
      assert.equal(nodeValue(sent.body, 'identifier'), u.tel);
      const sms = await gateway.waitFor(u.tel);
      assert.match(sms.body, /sign-in code/);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(mailsTo(u.addr).length, 0, 'a phone number gets no email');
      const done = await s.publicApi.post(`/self-service/login?flow=${flow.id}`, { method: 'code', code: smsCode(sms) }, auth(u.token));
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.deepEqual(methods(done.body.session), ['password:aal1', 'code:aal2']);
      assert.equal(done.body.session.identity.verifiable_addresses.find((a: { via: string }) => a.via === 'sms').verified, true);
    });

    test('via=<trait> narrows the choice to that trait\'s address; a trait without one is a 400', async () => {
      const u = await signUp('via');
      const named = await s.adminApi.put(`/admin/identities/${u.id}`, { schema_id: 'code', state: 'active', traits: { email: u.addr, phone: u.tel, name: 'Ada' } });
      assert.equal(named.status, 200, JSON.stringify(named.body));
      const byMail = await s.publicApi.get('/self-service/login/api?aal=aal2&via=email', auth(u.token));
      assert.equal(byMail.status, 200, JSON.stringify(byMail.body));
      assert.deepEqual(shape(byMail.body), [`code:address:submit=${u.addr}`]);
      const byPhone = await s.publicApi.get('/self-service/login/api?aal=aal2&via=phone', auth(u.token));
      assert.deepEqual(shape(byPhone.body), [`code:address:submit=${u.tel}`]);
      const missing = await s.publicApi.get('/self-service/login/api?aal=aal2&via=doesnt_exist', auth(u.token));
      assert.equal(missing.status, 400);
      assert.equal(missing.body.error.reason, 'No value found for trait doesnt_exist in the current identity.');
      const notAnAddress = await s.publicApi.get('/self-service/login/api?aal=aal2&via=name', auth(u.token));
      assert.equal(notAnAddress.status, 400);
      assert.match(notAnAddress.body.error.reason, /You can only reference a trait that matches/);
    });

    test('an address that is not the signed-in identity\'s own is refused and gets nothing', async () => {
      const u = await signUp('own');
      const other = await signUp('other');
      const flow = await aal2Flow(u.token);
      for (const address of [other.addr, other.tel, email('nobody')]) {
        const res = await choose(flow.id, u.token, address);
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.deepEqual(messageIds(res.body), [4000035]);
        assert.equal(res.body.state, 'choose_method');
      }
      const resend = await s.publicApi.post(`/self-service/login?flow=${flow.id}`, { method: 'code', resend: 'code', identifier: other.addr }, auth(u.token));
      assert.deepEqual(messageIds(resend.body), [4000035]);
      await new Promise((r) => setTimeout(r, 300));
      for (const to of [other.addr, other.tel]) {
        const queued = await s.adminApi.get(`/admin/courier/messages?recipient=${encodeURIComponent(to)}`);
        assert.deepEqual(queued.body, [], `nothing queued for ${to}`);
      }
    });

    test('codes are bound to their flow, expire, and take five submissions at most', async () => {
      const u = await signUp('bound');
      const a = await aal2Flow(u.token);
      await choose(a.id, u.token, u.addr);
      const codeA = codeIn(await nthMail(u.addr, 1));
      const b = await aal2Flow(u.token);
      await choose(b.id, u.token, u.addr);
      const codeB = codeIn(await nthMail(u.addr, 2));
      const foreign = await s.publicApi.post(`/self-service/login?flow=${b.id}`, { method: 'code', code: codeA === codeB ? otherThan(codeB) : codeA }, auth(u.token));
      assert.equal(foreign.status, 400);
      assert.deepEqual(messageIds(foreign.body), [4010008], 'another flow\'s code');

      // Flow b has taken one submission; four more wrong ones, then the right one is the sixth.
      for (let i = 2; i <= 5; i++) {
        const res = await s.publicApi.post(`/self-service/login?flow=${b.id}`, { method: 'code', code: otherThan(codeB) }, auth(u.token));
        assert.deepEqual(messageIds(res.body), [4010008], `submission ${i}`);
      }
      const sixth = await s.publicApi.post(`/self-service/login?flow=${b.id}`, { method: 'code', code: codeB }, auth(u.token));
      assert.equal(sixth.status, 400);
      assert.deepEqual(messageIds(sixth.body), [4000001], 'the right code, sixth time, is refused');
      const still = await s.publicApi.get('/sessions/whoami', { ...auth(u.token), unchecked: true });
      assert.equal(still.status, 403);

      // A resent code replaces the spent one.
      const resent = await s.publicApi.post(`/self-service/login?flow=${b.id}`, { method: 'code', resend: 'code', identifier: String(nodeValue(sixth.body, 'identifier')) }, auth(u.token));
      assert.equal(resent.status, 400);
      assert.deepEqual(messageIds(resent.body), [1010014]);
      const fresh = codeIn(await nthMail(u.addr, 3));
      const done = await s.publicApi.post(`/self-service/login?flow=${b.id}`, { method: 'code', code: fresh }, auth(u.token));
      assert.equal(done.status, 200, JSON.stringify(done.body));

      // Flow a's code is still its own; the session is aal2 already, so a new one is needed for expiry.
      const v = await signUp('expiry');
      const conf = s.registry.config.values.selfservice.methods.code.config;
      const lifespan = conf.lifespan;
      conf.lifespan = '1s';
      let flowId: string;
      try {
        flowId = (await aal2Flow(v.token)).id;
        await choose(flowId, v.token, v.addr);
      } finally {
        conf.lifespan = lifespan;
      }
      const late = codeIn(await nthMail(v.addr, 1));
      await new Promise((r) => setTimeout(r, 1500));
      const expired = await s.publicApi.post(`/self-service/login?flow=${flowId}`, { method: 'code', code: late }, auth(v.token));
      assert.equal(expired.status, 400);
      assert.deepEqual(messageIds(expired.body), [4010008]);
    });

    test('a code is no first factor: the aal1 form offers none and takes none', async () => {
      const u = await signUp('first');
      const flow = await s.publicApi.get('/self-service/login/api');
      assert.equal(flow.status, 200);
      assert.ok(!flow.body.ui.nodes.some((n: Node) => n.group === 'code'), shape(flow.body).join());
      const res = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'code', identifier: u.addr });
      assert.equal(res.status, 400);
      assert.deepEqual(messageIds(res.body), [4010002]);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(mailsTo(u.addr).length, 0);
      const registration = await s.publicApi.get('/self-service/registration/api');
      assert.ok(!registration.body.ui.nodes.some((n: Node) => n.group === 'code'), 'no sign-up by code either');
    });

    test('an identity without a code address (a verifiable email that is no code identifier) has no second factor to give: aal1 is its highest', async () => {
      const addr = email('plain');
      const created = await s.adminApi.post('/admin/identities', {
        schema_id: 'plain',
        traits: { email: addr, name: { first: 'Ada' } },
        credentials: { password: { config: { password: PASSWORD } } },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const flow = await s.publicApi.get('/self-service/login/api');
      const login = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'password', identifier: addr, password: PASSWORD });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      const me = await s.publicApi.get('/sessions/whoami', auth(login.body.session_token));
      assert.equal(me.status, 200);
      assert.equal(me.body.authenticator_assurance_level, 'aal1');
      const stepUp = await s.publicApi.get('/self-service/login/api?aal=aal2', { ...auth(login.body.session_token), unchecked: true });
      assert.equal(stepUp.status, 400, 'no method can give this identity aal2');
    });

    test('the addresses offered follow the traits: a removed address is gone, and with none left no code is asked for', async () => {
      const u = await signUp('change');
      const onlyMail = await s.adminApi.put(`/admin/identities/${u.id}`, { schema_id: 'code', state: 'active', traits: { email: u.addr } });
      assert.equal(onlyMail.status, 200, JSON.stringify(onlyMail.body));
      assert.deepEqual(shape(await aal2Flow(u.token)), [`code:address:submit=${u.addr}`]);
      const sms = await choose((await aal2Flow(u.token)).id, u.token, u.tel);
      assert.deepEqual(messageIds(sms.body), [4000035], 'the removed number gets no code');

      const plain = await s.adminApi.put(`/admin/identities/${u.id}`, { schema_id: 'plain', state: 'active', traits: { email: u.addr } });
      assert.equal(plain.status, 200, JSON.stringify(plain.body));
      const full = await s.adminApi.get(`/admin/identities/${u.id}?include_credential=code`);
      assert.deepEqual(full.body.credentials.code?.config?.addresses ?? [], [], 'the code credential lists no address any more');
      const me = await s.publicApi.get('/sessions/whoami', auth(u.token));
      assert.equal(me.status, 200, 'no second factor is available, so aal1 is the highest');
    });

    test('browser: password, redirected to the aal2 form, address button and code by form posts, CSRF enforced', async () => {
      const u = await signUp('browser');
      const b = new TestBrowser();
      const init = await b.get(pub('/self-service/login/browser'));
      const id = new URL(init.location!).searchParams.get('flow')!;
      const form = await b.request('GET', pub(`/self-service/login/flows?id=${id}`), { headers: { accept: 'application/json' } });
      const first = await b.postForm(form.body.ui.action, { csrf_token: String(nodeValue(form.body, 'csrf_token')), method: 'password', identifier: u.addr, password: PASSWORD });
      assert.equal(first.status, 303);
      assert.match(first.location!, /\/self-service\/login\/browser\?aal=aal2/, 'the session lacks the factor whoami requires');

      const stepUp = await b.get(first.location!);
      assert.equal(stepUp.status, 303);
      const flowId = new URL(stepUp.location!).searchParams.get('flow')!;
      const shown = await b.request('GET', pub(`/self-service/login/flows?id=${flowId}`), { headers: { accept: 'application/json' } });
      assert.deepEqual(shape(shown.body), [`code:address:submit=${u.tel}`, `code:address:submit=${u.addr}`]);

      const forged = await b.request('POST', shown.body.ui.action, { form: { address: u.addr }, headers: { accept: 'application/json' } });
      assert.equal(forged.status, 403);
      assert.equal(forged.body.error.id, 'security_csrf_violation');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(mailsTo(u.addr).length, 0, 'a forged request sends nothing');

      const chosen = await b.postForm(shown.body.ui.action, { csrf_token: String(nodeValue(shown.body, 'csrf_token')), address: u.addr });
      assert.equal(chosen.status, 303);
      assert.equal(chosen.location, `${UI}/login?flow=${flowId}`);
      const codeStep = await b.request('GET', pub(`/self-service/login/flows?id=${flowId}`), { headers: { accept: 'application/json' } });
      assert.equal(codeStep.body.state, 'sent_email');
      const code = codeIn(await nthMail(u.addr, 1));
      const form2: Record<string, string> = { code };
      for (const n of codeStep.body.ui.nodes as Node[]) if (n.attributes.type === 'hidden' && n.attributes.name) form2[n.attributes.name] = String(n.attributes.value ?? '');
      const done = await b.postForm(codeStep.body.ui.action, form2);
      assert.equal(done.status, 303, JSON.stringify(done.body));
      assert.equal(done.location, `${UI}/welcome`);
      const me = await b.request('GET', pub('/sessions/whoami'), { headers: { accept: 'application/json' } });
      assert.equal(me.status, 200);
      assert.equal(me.body.authenticator_assurance_level, 'aal2');
    });
  });
}

describe('codes as a second factor: switches and send limits', () => {
  const factory = sqliteDatabase();
  let mailbox: TestMailbox;
  let gateway: SmsGateway;
  before(async () => {
    mailbox = await new TestMailbox().start();
    gateway = await new SmsGateway().start();
  });
  after(async () => {
    await gateway?.stop();
    await mailbox?.stop();
  });

  async function withServer(config: Record<string, unknown>, fn: (s: TestServer) => Promise<void>) {
    const db = await factory.create();
    const s = await startTestServer({ dsn: db.dsn, config });
    const stop = runCourier(s);
    try {
      await fn(s);
    } finally {
      await stop();
      await s.close();
      await db.drop();
    }
  }

  async function passwordUser(s: TestServer) {
    const addr = email('switch');
    const flow = await s.publicApi.get('/self-service/registration/api');
    const res = await s.publicApi.post(`/self-service/registration?flow=${flow.body.id}`, { method: 'password', traits: { email: addr, phone: phone() }, password: PASSWORD });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return { addr, token: res.body.session_token as string };
  }

  test('with mfa_enabled off, an identity with code addresses has no second factor (whoami passes at aal1)', async () => {
    const config = mfaConfig(mailbox, gateway, { code: { mfa_enabled: false } });
    await withServer(config, async (s) => {
      const u = await passwordUser(s);
      const me = await s.publicApi.get('/sessions/whoami', { headers: { 'x-session-token': u.token } });
      assert.equal(me.status, 200);
      assert.equal(me.body.authenticator_assurance_level, 'aal1');
      const settings = await s.publicApi.get('/self-service/settings/api', { headers: { 'x-session-token': u.token } });
      assert.equal(settings.status, 200, 'settings open at aal1 too');
      const stepUp = await s.publicApi.get('/self-service/login/api?aal=aal2', { headers: { 'x-session-token': u.token }, unchecked: true });
      assert.equal(stepUp.status, 400, 'no second factor is offered');
    });
  });

  test('with passwordless_enabled instead, codes are a first factor and still no second one', async () => {
    const config = mfaConfig(mailbox, gateway, { code: { mfa_enabled: false, passwordless_enabled: true } });
    await withServer(config, async (s) => {
      const u = await passwordUser(s);
      const me = await s.publicApi.get('/sessions/whoami', { headers: { 'x-session-token': u.token } });
      assert.equal(me.status, 200, 'a code address is no second factor when codes are a first factor');
      assert.equal((await s.publicApi.get('/self-service/settings/api', { headers: { 'x-session-token': u.token } })).status, 200);
      const flow = await s.publicApi.get('/self-service/login/api');
      assert.ok(flow.body.ui.nodes.some((n: Node) => n.group === 'code' && n.attributes.name === 'method'), 'sign-in by code is offered');
    });
  });

  test('second-factor code sends count against the per-client limit (429 beyond), like sign-in codes', async () => {
    const config = mfaConfig(mailbox, gateway, {
      tessera: { brute_force: { login: { delay_after: 50 }, one_time_codes: { client_address: { max_sends: 2, window: '1h' } } }, trusted_proxies: ['127.0.0.1'] },
    });
    await withServer(config, async (s) => {
      const u = await passwordUser(s);
      const client = { 'x-session-token': u.token, 'x-forwarded-for': '203.0.113.9' };
      const flow = await s.publicApi.get('/self-service/login/api?aal=aal2', { headers: client });
      for (let i = 0; i < 2; i++) {
        const res = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'code', resend: 'code', address: u.addr }, { headers: client });
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.deepEqual(messageIds(res.body), [1010014]);
      }
      const queued = async () => (await s.adminApi.get(`/admin/courier/messages?recipient=${encodeURIComponent(u.addr)}`)).body.length as number;
      assert.equal(await queued(), 2);
      const over = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'code', resend: 'code', address: u.addr }, { headers: client });
      assert.equal(over.status, 429);
      assert.match(over.body.error.reason, /Too many one-time codes/);
      assert.equal(await queued(), 2, 'the refused request queued nothing');
    });
  });
});
