import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { fixture, startTestServer, type TestServer } from '../../testkit/server.js';
import { TestBrowser, messageIds, nodeValue } from '../../testkit/browser.js';
import { TestMailbox, codeIn, mailboxConfig, runCourier } from '../../testkit/mailbox.js';

const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const UI = 'http://127.0.0.1:4455';
/** Messages of one template to one recipient per hour (low, so the limit test reaches it). */
const PER_RECIPIENT = 3;
const otherThan = (code: string) => (code === '000000' ? '111111' : '000000');

type Node = { type: string; group: string; attributes: { name?: string; type?: string; value?: unknown } };
type FlowBody = { id: string; state: string; ui: { action: string; nodes: Node[]; messages?: Array<{ id: number }> } };
/** What a client sees of a form: each node's group, name, type and value (the CSRF token aside). */
const shape = (f: FlowBody, hideValues: string[] = []) =>
  f.ui.nodes
    .filter((n) => n.attributes.name !== 'csrf_token')
    .map((n) => `${n.group}:${n.attributes.name}:${n.attributes.type}${n.attributes.value !== undefined && !hideValues.includes(n.attributes.name ?? '') ? `=${String(n.attributes.value)}` : ''}`);

for (const factory of testDatabases()) {
  describe(`passwordless sign-up and sign-in by email code on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let mailbox: TestMailbox;
    let stopCourier: () => Promise<void>;
    const pub = (p: string) => `${s.publicUrl}${p.replace(/^\//, '')}`;

    before(async () => {
      db = await factory.create();
      mailbox = await new TestMailbox().start();
      s = await startTestServer({
        dsn: db.dsn,
        config: {
          ...mailboxConfig(mailbox),
          courier: { ...mailboxConfig(mailbox).courier, rate_limit: { max_messages: PER_RECIPIENT, window: '1h' } },
          ui: { enabled: true },
          identity: { default_schema_id: 'code', schemas: [{ id: 'code', url: `file://${fixture('code.schema.json')}` }] },
          selfservice: {
            default_browser_return_url: `${UI}/welcome`,
            methods: { password: { config: { haveibeenpwned_enabled: false } }, code: { enabled: true, passwordless_enabled: true } },
            flows: {
              login: { ui_url: `${UI}/login` },
              registration: { ui_url: `${UI}/registration`, after: { code: { hooks: [{ hook: 'session' }] } } },
              verification: { enabled: true, use: 'code' },
              error: { ui_url: `${UI}/error` },
            },
          },
        },
      });
      stopCourier = runCourier(s);
    });
    after(async () => {
      await stopCourier?.();
      await s?.close();
      await mailbox?.stop();
      await db?.drop();
    });

    const mailsTo = (addr: string) => mailbox.received.filter((m) => m.to === addr);
    /** Waits for the `n`-th mail to an address (1-based). */
    async function nthMail(addr: string, n: number) {
      await mailbox.waitFor(addr, () => mailsTo(addr).length >= n);
      return mailsTo(addr)[n - 1]!;
    }

    async function register(addr: string) {
      const flow = await s.publicApi.get('/self-service/registration/api');
      const sent = await s.publicApi.post(`/self-service/registration?flow=${flow.body.id}`, { method: 'code', traits: { email: addr, name: 'Ada' } });
      assert.equal(sent.status, 400, JSON.stringify(sent.body));
      const code = codeIn(await nthMail(addr, 1));
      const done = await s.publicApi.post(`/self-service/registration?flow=${flow.body.id}`, { method: 'code', code, traits: { email: addr, name: 'Ada' } });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      return done.body;
    }

    async function startLogin(identifier: string) {
      const flow = await s.publicApi.get('/self-service/login/api');
      const sent = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'code', identifier });
      return { flowId: flow.body.id as string, sent };
    }

    test('API sign-up: traits, a code by email, then the identity with its address verified and a session', async () => {
      const flow = await s.publicApi.get('/self-service/registration/api');
      assert.equal(flow.status, 200);
      const names = shape(flow.body);
      // Password and code sign-up share the trait inputs (default group), as Kratos's node upsert makes them.
      assert.deepEqual(names.filter((n) => n.includes(':traits.email:')), ['default:traits.email:email']);
      assert.ok(names.includes('code:method:submit=code'), names.join());
      const codeButton = flow.body.ui.nodes.find((n: Node) => n.group === 'code' && n.attributes.name === 'method');
      assert.equal(codeButton.meta.label.id, 1040006);

      const addr = email('signup');
      const sent = await s.publicApi.post(`/self-service/registration?flow=${flow.body.id}`, { method: 'code', traits: { email: addr, name: 'Ada' } });
      assert.equal(sent.status, 400, JSON.stringify(sent.body));
      assert.equal(sent.body.state, 'sent_email');
      assert.equal(sent.body.active, 'code');
      assert.deepEqual(messageIds(sent.body), [1040005]);
      assert.deepEqual(shape(sent.body), [
        `default:traits.email:hidden=${addr}`,
        'default:traits.name:hidden=Ada',
        'default:traits.phone:hidden',
        'code:method:hidden=code',
        'code:code:text',
        'code:method:submit=code',
        'code:resend:submit=code',
      ]);
      const mail = await nthMail(addr, 1);
      assert.match(mail.subject, /sign-up code/);
      const code = codeIn(mail);

      const wrong = await s.publicApi.post(`/self-service/registration?flow=${flow.body.id}`, { method: 'code', code: otherThan(code) });
      assert.equal(wrong.status, 400);
      assert.deepEqual(messageIds(wrong.body), [4040003]);
      const changed = await s.publicApi.post(`/self-service/registration?flow=${flow.body.id}`, { method: 'code', code, traits: { email: email('other'), name: 'Ada' } });
      assert.equal(changed.status, 400);
      assert.deepEqual(messageIds(changed.body), [4000036], 'the traits the code was sent for are the ones registered');

      const done = await s.publicApi.post(`/self-service/registration?flow=${flow.body.id}`, { method: 'code', code, traits: { email: addr, name: 'Ada' } });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.identity.traits.email, addr);
      assert.equal(done.body.identity.verifiable_addresses[0].verified, true);
      assert.equal(done.body.identity.verifiable_addresses[0].status, 'completed');
      assert.equal(done.body.session.authentication_methods[0].method, 'code');
      const who = await s.publicApi.get('/sessions/whoami', { headers: { 'x-session-token': done.body.session_token } });
      assert.equal(who.status, 200);
      assert.equal(who.body.authenticator_assurance_level, 'aal1');

      // The address is proven already: no verification message follows, and the code is spent.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(mailsTo(addr).length, 1);
      const replay = await s.publicApi.post(`/self-service/registration?flow=${flow.body.id}`, { method: 'code', code }, { unchecked: true });
      assert.equal(replay.status, 400);
      assert.equal(replay.body.error.reason, 'The flow has already been completed. Start a new flow.');
    });

    test('API sign-in: identifier, code by email, session; wrong, reused and foreign codes are refused', async () => {
      const addr = email('signin');
      const registered = await register(addr);

      const flow = await s.publicApi.get('/self-service/login/api');
      const first = shape(flow.body);
      assert.equal(first.filter((n) => n.startsWith('default:identifier:')).length, 1, 'password and code share one identifier input');
      assert.ok(first.includes('code:method:submit=code'), first.join());
      assert.ok(first.includes('password:method:submit=password'), first.join());

      // Case and spaces do not matter for an email identifier.
      const sent = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'code', identifier: `  ${addr.toUpperCase()} ` });
      assert.equal(sent.status, 400, JSON.stringify(sent.body));
      assert.equal(sent.body.state, 'sent_email');
      assert.deepEqual(messageIds(sent.body), [1010014]);
      assert.deepEqual(shape(sent.body, ['identifier']), ['default:identifier:hidden', 'code:method:hidden=code', 'code:code:text', 'code:method:submit=code', 'code:resend:submit=code']);
      const code = codeIn(await nthMail(addr, 2));

      // A second flow for the same address: its code is bound to it, the first flow's code is not.
      const other = await startLogin(addr);
      const otherCode = codeIn(await nthMail(addr, 3));
      const foreign = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'code', code: otherCode === code ? otherThan(code) : otherCode });
      assert.equal(foreign.status, 400);
      assert.deepEqual(messageIds(foreign.body), [4010008]);
      const wrong = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'code', code: otherThan(code) });
      assert.deepEqual(messageIds(wrong.body), [4010008]);

      const done = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'code', code, identifier: addr });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.session.identity.id, registered.identity.id);
      assert.deepEqual(done.body.session.authentication_methods.map((m: { method: string; aal: string }) => [m.method, m.aal]), [['code', 'aal1']]);
      const reused = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'code', code }, { unchecked: true });
      assert.equal(reused.status, 400);
      assert.ok(reused.body.error, 'a completed flow signs nobody in again');
      // The other flow's code still works in its own flow only.
      const otherDone = await s.publicApi.post(`/self-service/login?flow=${other.flowId}`, { method: 'code', code: otherCode });
      assert.equal(otherDone.status, 200);
    });

    test('refresh=true: the signed-in user confirms who they are with a code to their own address', async () => {
      const addr = email('refresh');
      const registered = await register(addr);
      const token = { 'x-session-token': registered.session_token as string };
      const flow = await s.publicApi.get('/self-service/login/api?refresh=true', { headers: token });
      assert.equal(flow.status, 200);
      assert.equal(nodeValue(flow.body, 'identifier'), addr, 'the identifier is the signed-in user\'s own');
      const sent = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'code', identifier: addr }, { headers: token });
      assert.equal(sent.status, 400);
      const code = codeIn(await nthMail(addr, 2));
      const done = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'code', code }, { headers: token });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.session.id, registered.session.id, 'the same session, refreshed');
      assert.deepEqual(done.body.session.authentication_methods.map((m: { method: string }) => m.method), ['code', 'code']);
    });

    test('an unknown identifier gets the same answer as a known one, and no message', async () => {
      const known = email('known');
      await register(known);
      const unknown = email('nobody');
      const a = await startLogin(known);
      const b = await startLogin(unknown);
      assert.equal(b.sent.status, a.sent.status);
      assert.equal(b.sent.body.state, a.sent.body.state);
      assert.deepEqual(messageIds(b.sent.body), messageIds(a.sent.body));
      assert.deepEqual(shape(b.sent.body, ['identifier']), shape(a.sent.body, ['identifier']));
      for (const code of ['123456', '000000']) {
        const res = await s.publicApi.post(`/self-service/login?flow=${b.flowId}`, { method: 'code', code });
        assert.equal(res.status, 400);
        assert.deepEqual(messageIds(res.body), [4010008]);
      }
      await nthMail(known, 2);
      const queued = await s.adminApi.get(`/admin/courier/messages?recipient=${encodeURIComponent(unknown)}`);
      assert.equal(queued.status, 200);
      assert.deepEqual(queued.body, [], 'nothing is sent to an address nobody has');
      assert.equal(mailsTo(unknown).length, 0);
    });

    test('five submissions per code; the sixth is refused, and a resent code works', async () => {
      const addr = email('tries');
      await register(addr);
      const { flowId } = await startLogin(addr);
      const code = codeIn(await nthMail(addr, 2));
      for (let i = 0; i < 5; i++) {
        const res = await s.publicApi.post(`/self-service/login?flow=${flowId}`, { method: 'code', code: otherThan(code) });
        assert.equal(res.status, 400);
        assert.deepEqual(messageIds(res.body), [4010008], `attempt ${i + 1}`);
      }
      const sixth = await s.publicApi.post(`/self-service/login?flow=${flowId}`, { method: 'code', code });
      assert.equal(sixth.status, 400);
      assert.deepEqual(messageIds(sixth.body), [4000001], 'the right code, sixth time, is refused');
      assert.equal(sixth.body.state, 'sent_email');

      const resent = await s.publicApi.post(`/self-service/login?flow=${flowId}`, { method: 'code', resend: 'code', identifier: String(nodeValue(sixth.body, 'identifier')) });
      assert.equal(resent.status, 400);
      assert.equal(resent.body.state, 'sent_email');
      assert.deepEqual(messageIds(resent.body), [1010014]);
      const fresh = codeIn(await nthMail(addr, 3));
      const old = await s.publicApi.post(`/self-service/login?flow=${flowId}`, { method: 'code', code });
      if (fresh !== code) assert.deepEqual(messageIds(old.body), [4010008], 'the resent code replaced the old one');
      const done = await s.publicApi.post(`/self-service/login?flow=${flowId}`, { method: 'code', code: fresh });
      assert.equal(done.status, 200, JSON.stringify(done.body));
    });

    test('an expired code is refused', async () => {
      const addr = email('expired');
      await register(addr);
      const lifespan = s.registry.config.values.selfservice.methods.code.config;
      const before = lifespan.lifespan;
      lifespan.lifespan = '1s';
      let flowId: string;
      try {
        ({ flowId } = await startLogin(addr));
      } finally {
        lifespan.lifespan = before;
      }
      const code = codeIn(await nthMail(addr, 2));
      await new Promise((r) => setTimeout(r, 1500));
      const late = await s.publicApi.post(`/self-service/login?flow=${flowId}`, { method: 'code', code });
      assert.equal(late.status, 400);
      assert.deepEqual(messageIds(late.body), [4010008]);
    });

    test('no code exists once the per-recipient courier limit suppresses its message', async () => {
      const addr = email('limit');
      await register(addr); // message 1 of registration_code
      const { flowId } = await startLogin(addr); // login_code 1
      for (let i = 2; i <= PER_RECIPIENT + 1; i++) {
        const res = await s.publicApi.post(`/self-service/login?flow=${flowId}`, { method: 'code', resend: 'code', identifier: addr });
        assert.equal(res.status, 400);
        assert.deepEqual(messageIds(res.body), [1010014], 'the answer does not change when the limit is reached');
      }
      const last = codeIn(await nthMail(addr, 1 + PER_RECIPIENT));
      const live = await s.registry.persister.secrets.activeSecretsForFlow(flowId, 'login_code');
      assert.equal(live.length, 0, 'the suppressed resend voided the older codes and issued none');
      const res = await s.publicApi.post(`/self-service/login?flow=${flowId}`, { method: 'code', code: last });
      assert.deepEqual(messageIds(res.body), [4010008]);
      const abandoned = await s.adminApi.get(`/admin/courier/messages?recipient=${encodeURIComponent(addr)}&status=abandoned`);
      assert.equal(abandoned.body.length, 1);
    });

    test('browser flows: CSRF enforced, code step shown by the UI, session cookie at the end', async () => {
      const addr = email('browser');
      await register(addr);
      const b = new TestBrowser();
      const init = await b.get(pub('/self-service/login/browser'));
      assert.equal(init.status, 303);
      const id = new URL(init.location!).searchParams.get('flow')!;
      const flow = await b.request('GET', pub(`/self-service/login/flows?id=${id}`), { headers: { accept: 'application/json' } });
      const csrf = String(nodeValue(flow.body, 'csrf_token'));

      const forged = await b.request('POST', flow.body.ui.action, { form: { method: 'code', identifier: addr }, headers: { accept: 'application/json' } });
      assert.equal(forged.status, 403);
      assert.equal(forged.body.error.id, 'security_csrf_violation');
      assert.equal(mailsTo(addr).length, 1, 'a forged request sends nothing');

      const sent = await b.postForm(flow.body.ui.action, { csrf_token: csrf, method: 'code', identifier: addr });
      assert.equal(sent.status, 303);
      assert.equal(sent.location, `${UI}/login?flow=${id}`);
      const shown = await b.request('GET', pub(`/self-service/login/flows?id=${id}`), { headers: { accept: 'application/json' } });
      assert.equal(shown.body.state, 'sent_email');
      assert.ok(nodeValue(shown.body, 'csrf_token'), 'the code form carries the CSRF token');

      // The built-in UI renders the code step from the nodes.
      const page = await b.get(pub(`/ui/login?flow=${id}`));
      assert.equal(page.status, 200);
      assert.match(page.body, /name="code"/);
      assert.match(page.body, /autocomplete="one-time-code"/);
      assert.match(page.body, /name="resend" value="code" formnovalidate/, 'resending is not held up by the empty code input');

      const code = codeIn(await nthMail(addr, 2));
      const done = await b.postForm(flow.body.ui.action, { csrf_token: String(nodeValue(shown.body, 'csrf_token')), method: 'code', identifier: addr, code });
      assert.equal(done.status, 303);
      assert.equal(done.location, `${UI}/welcome`);
      const me = await b.request('GET', pub('/sessions/whoami'), { headers: { accept: 'application/json' } });
      assert.equal(me.status, 200);
      assert.equal(me.body.identity.traits.email, addr);
    });

    test('browser sign-up by code through form posts', async () => {
      const b = new TestBrowser();
      const init = await b.get(pub('/self-service/registration/browser'));
      const id = new URL(init.location!).searchParams.get('flow')!;
      const flow = await b.request('GET', pub(`/self-service/registration/flows?id=${id}`), { headers: { accept: 'application/json' } });
      const addr = email('browser-signup');
      const sent = await b.postForm(flow.body.ui.action, { csrf_token: String(nodeValue(flow.body, 'csrf_token')), method: 'code', 'traits.email': addr, 'traits.name': 'Grace' });
      assert.equal(sent.status, 303);
      const shown = await b.request('GET', pub(`/self-service/registration/flows?id=${id}`), { headers: { accept: 'application/json' } });
      assert.equal(shown.body.state, 'sent_email');
      const code = codeIn(await nthMail(addr, 1));
      // The form posts back the hidden traits with the code, as a browser would.
      const form: Record<string, string> = { code };
      for (const n of shown.body.ui.nodes as Node[]) if (n.attributes.type === 'hidden' && n.attributes.name) form[n.attributes.name] = String(n.attributes.value ?? '');
      const done = await b.postForm(flow.body.ui.action, form);
      assert.equal(done.status, 303, JSON.stringify(done.body));
      assert.equal(done.location, `${UI}/welcome`);
      const me = await b.request('GET', pub('/sessions/whoami'), { headers: { accept: 'application/json' } });
      assert.equal(me.body.identity.traits.name, 'Grace');
      assert.equal(me.body.identity.verifiable_addresses[0].verified, true);
    });
  });
}

describe('passwordless codes under the brute-force limiter', () => {
  const factory = testDatabases()[0]!;
  let db: TestDatabase;
  let s: TestServer;
  let mailbox: TestMailbox;
  let stopCourier: () => Promise<void>;

  before(async () => {
    db = await factory.create();
    mailbox = await new TestMailbox().start();
    s = await startTestServer({
      dsn: db.dsn,
      config: {
        ...mailboxConfig(mailbox),
        identity: { default_schema_id: 'code', schemas: [{ id: 'code', url: `file://${fixture('code.schema.json')}` }] },
        tessera: { brute_force: { one_time_codes: { max_checks: 4, window: '1h', max_active: 2, client_address: { max_sends: 4, window: '1h' } } }, trusted_proxies: ['127.0.0.1'] },
        selfservice: {
          methods: { password: { enabled: false }, code: { enabled: true, passwordless_enabled: true } },
          flows: { registration: { after: { code: { hooks: [{ hook: 'session' }] } } } },
        },
      },
    });
    stopCourier = runCourier(s);
  });
  after(async () => {
    await stopCourier?.();
    await s?.close();
    await mailbox?.stop();
    await db?.drop();
  });

  test('code requests are limited per client address, for known and unknown identifiers alike (429)', async () => {
    const addr = email('client');
    const fromClient = { headers: { 'x-forwarded-for': '203.0.113.7' } };
    const other = { headers: { 'x-forwarded-for': '198.51.100.9' } };
    const queuedFor = async (to: string) => (await s.adminApi.get(`/admin/courier/messages?recipient=${encodeURIComponent(to)}`)).body.length as number;
    const reg = await s.publicApi.get('/self-service/registration/api');
    await s.publicApi.post(`/self-service/registration?flow=${reg.body.id}`, { method: 'code', traits: { email: addr } }, other);
    const signedUp = await s.publicApi.post(`/self-service/registration?flow=${reg.body.id}`, { method: 'code', code: codeIn(await mailbox.waitFor(addr)) }, other);
    assert.equal(signedUp.status, 200);

    const flow = await s.publicApi.get('/self-service/login/api');
    for (const identifier of [email('client-unknown'), addr, email('client-unknown'), addr]) {
      const res = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'code', resend: 'code', identifier }, fromClient);
      assert.equal(res.status, 400);
      assert.deepEqual(messageIds(res.body), [1010014]);
    }
    const before = await queuedFor(addr);
    assert.equal(before, 3, 'the sign-up code and two sign-in codes');
    const over = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'code', resend: 'code', identifier: addr }, fromClient);
    assert.equal(over.status, 429);
    assert.ok(Number(over.headers.get('retry-after')) > 0);
    assert.match(over.body.error.reason, /Too many one-time codes/);
    assert.equal(await queuedFor(addr), before, 'the refused request queued nothing');
    // Another client is not affected.
    const elsewhere = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'code', resend: 'code', identifier: addr }, other);
    assert.equal(elsewhere.status, 400);
  });

  test('an address holds at most max_active codes, and its checks are counted across flows', async () => {
    const addr = email('limited');
    const mails = () => mailbox.received.filter((m) => m.to === addr);
    const nth = async (n: number) => {
      await mailbox.waitFor(addr, () => mails().length >= n);
      return codeIn(mails()[n - 1]!);
    };
    const reg = await s.publicApi.get('/self-service/registration/api');
    await s.publicApi.post(`/self-service/registration?flow=${reg.body.id}`, { method: 'code', traits: { email: addr } });
    const done = await s.publicApi.post(`/self-service/registration?flow=${reg.body.id}`, { method: 'code', code: await nth(1) }); // check 1
    assert.equal(done.status, 200);

    const flows: string[] = [];
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const f = await s.publicApi.get('/self-service/login/api');
      await s.publicApi.post(`/self-service/login?flow=${f.body.id}`, { method: 'code', identifier: addr });
      flows.push(f.body.id);
      codes.push(await nth(2 + i));
    }
    // The third code voided the first: at most two are live for the address.
    // (A flow whose code was voided has nothing left to guess at; its submissions are not counted.)
    const voided = await s.publicApi.post(`/self-service/login?flow=${flows[0]}`, { method: 'code', code: codes[0] });
    assert.deepEqual(messageIds(voided.body), [4010008]);
    const wrong = await s.publicApi.post(`/self-service/login?flow=${flows[1]}`, { method: 'code', code: otherThan(codes[1]!) }); // check 2
    assert.deepEqual(messageIds(wrong.body), [4010008]);
    const right = await s.publicApi.post(`/self-service/login?flow=${flows[1]}`, { method: 'code', code: codes[1] }); // check 3
    assert.equal(right.status, 200, JSON.stringify(right.body));
    const wrongAgain = await s.publicApi.post(`/self-service/login?flow=${flows[2]}`, { method: 'code', code: otherThan(codes[2]!) }); // check 4
    assert.deepEqual(messageIds(wrongAgain.body), [4010008]);
    // A fifth check of codes sent to this address is refused before comparing, even with the right code.
    const over = await s.publicApi.post(`/self-service/login?flow=${flows[2]}`, { method: 'code', code: codes[2] });
    assert.equal(over.status, 400);
    assert.deepEqual(messageIds(over.body), [4000001]);
  });
});
