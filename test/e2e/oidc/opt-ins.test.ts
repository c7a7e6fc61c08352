import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { TestBrowser, messageIds, nodeValue } from '../../testkit/browser.js';
import { startOidcProvider, type TestOidcProvider } from '../../testkit/oidc-provider.js';

const UI = 'http://127.0.0.1:4455';
const PASSWORD = 'a sufficiently long passphrase 42';
const MAPPER = `
local claims = std.extVar('claims');
{
  identity: {
    traits: { email: claims.email },
    verified_addresses: if std.objectHas(claims, 'email_verified') && claims.email_verified then [{ via: 'email', value: claims.email }] else [],
  },
}
`;
const HOOK_BODY = `function(ctx) { email: ctx.identity.traits.email, flow: ctx.flow.type }`;
const unique = (n: string) => `${n}-${Math.random().toString(36).slice(2, 10)}`;

for (const factory of testDatabases()) {
  describe(`social sign-in opt-ins beyond Kratos (tessera.oidc.providers) on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let op: TestOidcProvider;
    let peer: Server;
    const hookCalls: Array<Record<string, unknown>> = [];
    const pub = (p: string) => `${s.publicUrl}${p.replace(/^\//, '')}`;

    before(async () => {
      db = await factory.create();
      op = await startOidcProvider();
      // Receives the login web hook.
      peer = createServer((req, res) => {
        let raw = '';
        req.on('data', (d) => (raw += d));
        req.on('end', () => {
          hookCalls.push(JSON.parse(raw) as Record<string, unknown>);
          res.writeHead(204);
          res.end();
        });
      });
      await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r));
      const peerUrl = `http://127.0.0.1:${(peer.address() as { port: number }).port}`;
      const provider = (id: string) => ({
        id, provider: 'generic', client_id: op.clientId, client_secret: op.clientSecret, issuer_url: op.issuer,
        mapper_url: `base64://${Buffer.from(MAPPER).toString('base64')}`, scope: ['email'],
      });
      s = await startTestServer({
        dsn: db.dsn,
        config: {
          ciphers: { algorithm: 'aes' },
          secrets: { cipher: ['an-aes-key-of-32-characters-0123'] },
          tessera: { oidc: { providers: { trusted: { link_verified_addresses: true, admin_link: true, login_hooks_on_sign_up: true } } } },
          selfservice: {
            default_browser_return_url: `${UI}/welcome`,
            methods: { password: { config: { haveibeenpwned_enabled: false } }, oidc: { enabled: true, config: { providers: [provider('trusted'), provider('plain')] } } },
            flows: {
              login: {
                ui_url: `${UI}/login`,
                after: { oidc: { hooks: [{ hook: 'web_hook', config: { url: `${peerUrl}/login`, method: 'POST', body: `base64://${Buffer.from(HOOK_BODY).toString('base64')}` } }] } },
              },
              registration: { ui_url: `${UI}/registration`, after: { oidc: { hooks: [{ hook: 'session' }] } } },
              error: { ui_url: `${UI}/error` },
            },
          },
        },
      });
      op.register(['trusted', 'plain'].map((id) => `${s.publicUrl}self-service/methods/oidc/callback/${id}`));
    });
    after(async () => {
      await s?.close();
      await op?.close();
      await new Promise<void>((r) => (peer ? peer.close(() => r()) : r()));
      await db?.drop();
    });

    const identityOf = (provider: string, subject: string) => s.registry.persister.identities.findByCredentialsIdentifier('oidc', `${provider}:${subject}`);
    const whoami = (b: TestBrowser) => b.request('GET', pub('/sessions/whoami'), { headers: { accept: 'application/json' } });

    async function account(email: string, verified: boolean): Promise<string> {
      const res = await s.adminApi.request('POST', '/admin/identities', {
        body: {
          schema_id: 'default',
          traits: { email },
          credentials: { password: { config: { password: PASSWORD } } },
          verifiable_addresses: [{ value: email, via: 'email', verified, status: verified ? 'completed' : 'pending' }],
        },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    }

    async function signUpWith(b: TestBrowser, provider: string, subject: string) {
      op.signInAs(subject);
      const init = await b.get(pub('/self-service/registration/browser'));
      const flow = (await b.request('GET', pub(`/self-service/registration/flows?id=${new URL(init.location!).searchParams.get('flow')}`), { headers: { accept: 'application/json' } })).body;
      const res = await b.postForm(flow.ui.action, { csrf_token: String(nodeValue(flow, 'csrf_token')), provider });
      let next = res.location!;
      for (let hops = 0; hops < 10 && !next.startsWith(s.publicUrl); hops++) {
        const r = await b.request('GET', next, { unchecked: true });
        next = new URL(r.location!, next).toString();
      }
      return b.get(next);
    }

    test('link_verified_addresses: both sides verified the address, so the provider is linked and the user signed in at once', async () => {
      const subject = unique('sub');
      const email = `${subject}@example.com`;
      op.accounts.set(subject, { email, email_verified: true });
      const ownerId = await account(email, true);
      const b = new TestBrowser();
      const done = await signUpWith(b, 'trusted', subject);
      assert.equal(done.status, 303, JSON.stringify(done.body));
      assert.equal(done.location, `${UI}/welcome`);
      const me = await whoami(b);
      assert.equal(me.body.identity.id, ownerId);
      assert.equal(me.body.authentication_methods[0].method, 'oidc');
      assert.equal((await identityOf('trusted', subject))!.id, ownerId);
    });

    test('link_verified_addresses: an account whose address is not verified gets Kratos\'s linking step instead', async () => {
      const subject = unique('sub');
      const email = `${subject}@example.com`;
      op.accounts.set(subject, { email, email_verified: true });
      await account(email, false);
      const b = new TestBrowser();
      const done = await signUpWith(b, 'trusted', subject);
      const u = new URL(done.location!);
      assert.equal(`${u.origin}${u.pathname}`, `${UI}/login`);
      const flow = (await b.request('GET', pub(`/self-service/login/flows?id=${u.searchParams.get('flow')}`), { headers: { accept: 'application/json' } })).body;
      assert.deepEqual(messageIds(flow), [1010016]);
      assert.equal(await identityOf('trusted', subject), null);
      assert.equal((await whoami(b)).status, 401);
    });

    test('link_verified_addresses: an address the provider did not verify, or a provider without the opt-in, gets the linking step', async () => {
      for (const [provider, verifiedByProvider] of [['trusted', false], ['plain', true]] as const) {
        const subject = unique('sub');
        const email = `${subject}@example.com`;
        op.accounts.set(subject, { email, email_verified: verifiedByProvider });
        await account(email, true);
        const b = new TestBrowser();
        const done = await signUpWith(b, provider, subject);
        assert.equal(new URL(done.location!).pathname, '/login', `${provider}, verified by provider: ${verifiedByProvider}`);
        assert.equal(await identityOf(provider, subject), null);
      }
    });

    test('login_hooks_on_sign_up: a first sign-in with an opted-in provider runs the login hooks too; other providers do not', async () => {
      const subject = unique('first');
      const email = `${subject}@example.com`;
      op.accounts.set(subject, { email, email_verified: true });
      const done = await signUpWith(new TestBrowser(), 'trusted', subject);
      assert.equal(done.status, 303, JSON.stringify(done.body));
      assert.deepEqual(hookCalls.filter((c) => c.email === email), [{ email, flow: 'browser' }]);

      const plainSubject = unique('first');
      const plainEmail = `${plainSubject}@example.com`;
      op.accounts.set(plainSubject, { email: plainEmail, email_verified: true });
      const plain = await signUpWith(new TestBrowser(), 'plain', plainSubject);
      assert.equal(plain.status, 303);
      assert.ok(await identityOf('plain', plainSubject));
      assert.equal(hookCalls.filter((c) => c.email === plainEmail).length, 0, 'a sign-up runs only the registration hooks, as in Kratos');

      // A later sign-in is a login: the login hook runs for either provider.
      await signUpWith(new TestBrowser(), 'plain', plainSubject);
      assert.equal(hookCalls.filter((c) => c.email === plainEmail).length, 1);
    });

    test('admin_link: an imported identity is linked to a provider subject and signs in with it', async () => {
      const subject = unique('imported');
      const email = `${subject}@example.com`;
      op.accounts.set(subject, { email, email_verified: false });
      const created = await s.adminApi.request('POST', '/admin/identities', { body: { schema_id: 'default', traits: { email } } });
      assert.equal(created.status, 201);
      const id = created.body.id as string;

      const linked = await s.adminApi.request('POST', `/admin/identities/${id}/credentials/oidc/link`, { body: { provider: 'trusted', subject } });
      assert.equal(linked.status, 200, JSON.stringify(linked.body));
      assert.equal(linked.body.id, id);
      const again = await s.adminApi.request('POST', `/admin/identities/${id}/credentials/oidc/link`, { body: { provider: 'trusted', subject } });
      assert.equal(again.status, 200, 'linking the same subject again changes nothing');

      const b = new TestBrowser();
      const done = await signUpWith(b, 'trusted', subject);
      assert.equal(done.status, 303, JSON.stringify(done.body));
      assert.equal((await whoami(b)).body.identity.id, id);
      const admin = await s.adminApi.request('GET', `/admin/identities/${id}?include_credential=oidc`);
      assert.deepEqual(admin.body.credentials.oidc.identifiers, [`trusted:${subject}`]);
    });

    test('admin_link refuses what it must: another identity\'s subject, a second subject, a provider without the opt-in, bad input, an unknown identity', async () => {
      const a = await s.adminApi.request('POST', '/admin/identities', { body: { schema_id: 'default', traits: { email: `${unique('a')}@example.com` } } });
      const bId = (await s.adminApi.request('POST', '/admin/identities', { body: { schema_id: 'default', traits: { email: `${unique('b')}@example.com` } } })).body.id;
      const subject = unique('taken');
      const link = (id: string, body: unknown) => s.adminApi.request('POST', `/admin/identities/${id}/credentials/oidc/link`, { body });
      assert.equal((await link(a.body.id, { provider: 'trusted', subject })).status, 200);
      const taken = await link(bId, { provider: 'trusted', subject });
      assert.equal(taken.status, 409);
      assert.match(taken.body.error.reason, /another identity/);
      assert.equal((await link(a.body.id, { provider: 'trusted', subject: unique('second') })).status, 409);
      const plain = await link(bId, { provider: 'plain', subject: unique('x') });
      assert.equal(plain.status, 400);
      assert.match(plain.body.error.reason, /admin_link/);
      assert.equal((await link(bId, { provider: 'nope', subject: 'x' })).status, 400);
      assert.equal((await link(bId, { provider: 'trusted', subject: '' })).status, 400);
      assert.equal((await link(bId, { provider: 'trusted', subject: 'x'.repeat(256) })).status, 400);
      assert.equal((await link('7b5b5a52-59d7-4f2b-a2b8-2a5c8e3b0f11', { provider: 'trusted', subject: 'x' })).status, 404);
      assert.equal(await identityOf('trusted', subject).then((i) => i?.id), a.body.id);
    });
  });
}
