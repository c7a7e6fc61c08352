// selfservice.methods.code.config.missing_credential_fallback_enabled: identities without a code
// credential (imported, or created before their schema marked a trait as a code identifier) can
// still get codes, at their own addresses: as a second factor to a verified address, and for
// passwordless sign-in at the verifiable address their identifier names.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from '../../testkit/databases.js';
import { fixture } from '../../testkit/server.js';
import { codeIn, mailboxConfig, mailSuite, type MailSuite, type TestMailbox } from '../../testkit/mailbox.js';
import { messageIds } from '../../testkit/browser.js';

const PASSWORD = 'a sufficiently long passphrase 42';
const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const auth = (token: string) => ({ headers: { 'x-session-token': token } });

/** Password sign-in and the code method; the schema marks the email as a password identifier only (no code identifier). */
function config(mailbox: TestMailbox, code: Record<string, unknown>) {
  return {
    ...mailboxConfig(mailbox),
    identity: { default_schema_id: 'plain', schemas: [{ id: 'plain', url: `file://${fixture('default.schema.json')}` }] },
    session: { whoami: { required_aal: 'highest_available' } },
    selfservice: {
      methods: {
        password: { config: { haveibeenpwned_enabled: false } },
        code: { enabled: true, config: { missing_credential_fallback_enabled: true }, ...code },
      },
    },
  };
}

/** An identity as an import creates it: a password, an address (verified or not), no code credential. */
async function imported(suite: MailSuite, prefix: string, verified: boolean) {
  const addr = email(prefix);
  const res = await suite.s.adminApi.post('/admin/identities', {
    traits: { email: addr },
    credentials: { password: { config: { password: PASSWORD } } },
    verifiable_addresses: [{ value: addr, via: 'email', verified, status: verified ? 'completed' : 'pending' }],
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.credentials?.code, undefined);
  return { addr, id: res.body.id as string };
}

async function passwordLogin(suite: MailSuite, addr: string): Promise<string> {
  const flow = await suite.s.publicApi.get('/self-service/login/api');
  const res = await suite.s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'password', identifier: addr, password: PASSWORD });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.session_token as string;
}

for (const factory of testDatabases()) {
  describe(`code fallback for identities without a code credential, as a second factor, on ${factory.name}`, () => {
    let suite: MailSuite;
    mailSuite(factory, (mailbox) => config(mailbox, { mfa_enabled: true }), (x) => (suite = x));

    test('a verified address takes the code and makes the session aal2; whoami asks for it', async () => {
      const u = await imported(suite, 'mfa', true);
      const token = await passwordLogin(suite, u.addr);
      const before = await suite.s.publicApi.get('/sessions/whoami', { ...auth(token), unchecked: true });
      assert.equal(before.status, 403, 'a verified address is a second factor the identity has');
      assert.equal(before.body.error.id, 'session_aal2_required');

      const flow = await suite.s.publicApi.get('/self-service/login/api?aal=aal2', auth(token));
      assert.equal(flow.status, 200);
      const buttons = flow.body.ui.nodes.filter((n: { attributes: { name?: string } }) => n.attributes.name === 'address');
      assert.deepEqual(buttons.map((n: { attributes: { value: string } }) => n.attributes.value), [u.addr]);

      const sent = await suite.s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { address: u.addr }, auth(token));
      assert.equal(sent.status, 400, JSON.stringify(sent.body));
      assert.equal(sent.body.state, 'sent_email');
      await suite.mailbox.waitFor(u.addr);
      const code = codeIn(suite.mailbox.received.filter((m) => m.to === u.addr).at(-1)!);
      const done = await suite.s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'code', code }, auth(token));
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.session.authenticator_assurance_level, 'aal2');
      assert.equal((await suite.s.publicApi.get('/sessions/whoami', auth(token))).status, 200);
    });

    test('an unverified address is no second factor: nothing offered, nothing sent, whoami passes at aal1', async () => {
      const u = await imported(suite, 'unverified', false);
      const token = await passwordLogin(suite, u.addr);
      assert.equal((await suite.s.publicApi.get('/sessions/whoami', auth(token))).status, 200);
      // No second factor to offer: the step-up form cannot be made.
      const flow = await suite.s.publicApi.get('/self-service/login/api?aal=aal2', { ...auth(token), unchecked: true });
      assert.equal(flow.status, 400);
      assert.match(flow.body.error.reason, /No authentication methods are available/);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(suite.mailbox.received.filter((m) => m.to === u.addr).length, 0);
    });
  });

  describe(`code fallback for identities without a code credential, passwordless, on ${factory.name}`, () => {
    let suite: MailSuite;
    mailSuite(factory, (mailbox) => config(mailbox, { passwordless_enabled: true }), (x) => (suite = x));

    async function sendCode(identifier: string) {
      const flow = await suite.s.publicApi.get('/self-service/login/api');
      const sent = await suite.s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'code', identifier });
      return { flow: flow.body, sent };
    }

    test('the identifier names a verifiable address of the identity: the code goes there and signs in', async () => {
      const u = await imported(suite, 'pwless', false);
      const { flow, sent } = await sendCode(u.addr);
      assert.equal(sent.status, 400, JSON.stringify(sent.body));
      assert.equal(sent.body.state, 'sent_email');
      await suite.mailbox.waitFor(u.addr);
      const code = codeIn(suite.mailbox.received.filter((m) => m.to === u.addr).at(-1)!);
      const done = await suite.s.publicApi.post(`/self-service/login?flow=${flow.id}`, { method: 'code', identifier: u.addr, code });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.session.identity.id, u.id);
      assert.deepEqual(done.body.session.authentication_methods.map((m: { method: string }) => m.method), ['code']);
      // The code reached the address, so it is verified now.
      assert.equal(done.body.session.identity.verifiable_addresses[0].verified, true);
    });

    test('an unknown identifier gets the same answer and no mail', async () => {
      const u = await imported(suite, 'known', false);
      const known = await sendCode(u.addr);
      const nobody = email('nobody');
      const unknown = await sendCode(nobody);
      assert.equal(unknown.sent.status, known.sent.status);
      assert.deepEqual(messageIds(unknown.sent.body), messageIds(known.sent.body));
      await suite.mailbox.waitFor(u.addr);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(suite.mailbox.received.filter((m) => m.to === nobody).length, 0);
    });
  });
}
