import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { TestBrowser, messageIds, nodeValue, type BrowserResponse } from '../../testkit/browser.js';
import { startOidcProvider, type TestOidcProvider } from '../../testkit/oidc-provider.js';

const UI = 'http://127.0.0.1:4455';
const CIPHER_KEY = 'an-aes-key-of-32-characters-0123';
const PASSWORD = 'a sufficiently long passphrase 42';

// The claims mapper of the docs: email and first name as traits, the provider's verdict on the
// email as a verified address, something in each metadata.
const MAPPER = `
local claims = std.extVar('claims');
{
  identity: {
    traits: {
      [if std.objectHas(claims, 'email') then 'email' else null]: claims.email,
      [if std.objectHas(claims, 'given_name') then 'name' else null]: { first: claims.given_name },
    },
    metadata_public: { team: std.get(claims.raw_claims, 'department', 'none') },
    metadata_admin: { subject: claims.sub },
    verified_addresses: if std.objectHas(claims, 'email_verified') && claims.email_verified then [{ via: 'email', value: claims.email }] else [],
  },
}
`;

const unique = (n: string) => `${n}-${Math.random().toString(36).slice(2, 10)}`;

for (const factory of testDatabases()) {
  describe(`social sign-in with a generic OpenID provider on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let op: TestOidcProvider;
    const pub = (p: string) => `${s.publicUrl}${p.replace(/^\//, '')}`;

    before(async () => {
      db = await factory.create();
      op = await startOidcProvider();
      s = await startTestServer({
        dsn: db.dsn,
        config: {
          ciphers: { algorithm: 'aes' },
          secrets: { cipher: [CIPHER_KEY] },
          selfservice: {
            default_browser_return_url: `${UI}/welcome`,
            allowed_return_urls: [`${UI}/app`],
            methods: {
              password: { config: { haveibeenpwned_enabled: false } },
              oidc: {
                enabled: true,
                config: {
                  providers: [
                    {
                      id: 'local',
                      provider: 'generic',
                      label: 'Local Provider',
                      client_id: op.clientId,
                      client_secret: op.clientSecret,
                      issuer_url: op.issuer,
                      mapper_url: `base64://${Buffer.from(MAPPER).toString('base64')}`,
                      scope: ['email', 'profile'],
                    },
                  ],
                },
              },
            },
            flows: {
              login: { ui_url: `${UI}/login` },
              registration: { ui_url: `${UI}/registration`, after: { oidc: { hooks: [{ hook: 'session' }] } } },
              error: { ui_url: `${UI}/error` },
              settings: { ui_url: `${UI}/settings` },
            },
          },
        },
      });
      op.register([`${s.publicUrl}self-service/methods/oidc/callback/local`]);
    });
    after(async () => {
      await s?.close();
      await op?.close();
      await db?.drop();
    });

    const identityOf = (subject: string) => s.registry.persister.identities.findByCredentialsIdentifier('oidc', `local:${subject}`);

    function account(claims: Record<string, unknown> = {}): { subject: string; email: string } {
      const subject = unique('sub');
      const email = `${subject}@example.com`;
      op.accounts.set(subject, { email, email_verified: true, given_name: 'Ada', department: 'engines', ...claims });
      return { subject, email };
    }

    async function startFlow(b: TestBrowser, kind: 'login' | 'registration', query = '') {
      const init = await b.get(pub(`/self-service/${kind}/browser${query}`));
      assert.equal(init.status, 303);
      const id = new URL(init.location!).searchParams.get('flow')!;
      return (await b.request('GET', pub(`/self-service/${kind}/flows?id=${id}`), { headers: { accept: 'application/json' } })).body;
    }

    /** Submits the provider button and follows the provider's redirects up to (not into) Tessera's callback. */
    async function toProvider(b: TestBrowser, flow: { ui: { action: string } }, extra: Record<string, string> = {}): Promise<URL> {
      const res = await b.postForm(flow.ui.action, { csrf_token: String(nodeValue(flow as never, 'csrf_token')), provider: 'local', ...extra });
      assert.equal(res.status, 303, JSON.stringify(res.body));
      const auth = new URL(res.location!);
      assert.equal(auth.origin, op.issuer);
      return auth;
    }

    async function throughProvider(b: TestBrowser, auth: URL): Promise<URL> {
      let next = auth.toString();
      for (let hops = 0; hops < 10; hops++) {
        const res = await b.request('GET', next, { unchecked: true });
        assert.ok(res.status === 302 || res.status === 303, `provider answered ${res.status}: ${String(res.body).slice(0, 300)}`);
        const to = new URL(res.location!, next);
        if (to.toString().startsWith(s.publicUrl)) return to;
        next = to.toString();
      }
      throw new Error('the provider did not send the browser back');
    }

    async function signInWithProvider(b: TestBrowser, kind: 'login' | 'registration', subject: string, query = ''): Promise<{ callback: URL; done: BrowserResponse }> {
      op.signInAs(subject);
      const flow = await startFlow(b, kind, query);
      const callback = await throughProvider(b, await toProvider(b, flow));
      const done = await b.get(callback.toString());
      return { callback, done };
    }

    async function whoami(b: TestBrowser) {
      return b.request('GET', pub('/sessions/whoami'), { headers: { accept: 'application/json' } });
    }

    async function errorShown(b: TestBrowser, res: BrowserResponse) {
      assert.equal(res.status, 303);
      const u = new URL(res.location!);
      assert.equal(`${u.origin}${u.pathname}`, `${UI}/error`);
      return (await b.get(pub(`/self-service/errors?id=${u.searchParams.get('id')}`))).body.error;
    }

    test('the forms offer one button per provider, as Kratos v1.3 draws them', async () => {
      const b = new TestBrowser();
      const reg = await startFlow(b, 'registration');
      const button = reg.ui.nodes.find((n: { attributes: { name: string } }) => n.attributes.name === 'provider');
      assert.deepEqual(
        { group: button.group, type: button.attributes.type, value: button.attributes.value, label: button.meta.label },
        { group: 'oidc', type: 'submit', value: 'local', label: { id: 1040002, text: 'Sign up with Local Provider', type: 'info', context: { provider: 'Local Provider', provider_id: 'local' } } },
      );
      const login = await startFlow(b, 'login');
      const lb = login.ui.nodes.find((n: { attributes: { name: string } }) => n.attributes.name === 'provider');
      assert.equal(lb.meta.label.id, 1010002);
      assert.equal(lb.meta.label.text, 'Sign in with Local Provider');
    });

    test('sign-up: state, nonce and PKCE go to the provider; the callback creates the identity from the mapper and signs it in', async () => {
      const b = new TestBrowser();
      const { subject, email } = account();
      op.signInAs(subject);
      const flow = await startFlow(b, 'registration', `?return_to=${encodeURIComponent(`${UI}/app/home`)}`);
      const auth = await toProvider(b, flow);
      assert.equal(auth.searchParams.get('redirect_uri'), `${s.publicUrl}self-service/methods/oidc/callback/local`);
      assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
      assert.ok((auth.searchParams.get('state') ?? '').length > 40);
      assert.ok((auth.searchParams.get('nonce') ?? '').length > 20);
      assert.deepEqual(new Set(auth.searchParams.get('scope')!.split(' ')), new Set(['openid', 'email', 'profile']));

      const callback = await throughProvider(b, auth);
      assert.equal(callback.pathname, '/self-service/methods/oidc/callback/local');
      const done = await b.get(callback.toString());
      assert.equal(done.status, 303, JSON.stringify(done.body));
      assert.equal(done.location, `${UI}/app/home`);

      const me = await whoami(b);
      assert.equal(me.status, 200);
      assert.equal(me.body.identity.traits.email, email);
      assert.deepEqual(me.body.identity.traits.name, { first: 'Ada' });
      assert.deepEqual(me.body.identity.metadata_public, { team: 'engines' });
      assert.equal(me.body.authentication_methods[0].method, 'oidc');
      assert.equal(me.body.authentication_methods[0].provider, 'local');
      const address = me.body.identity.verifiable_addresses.find((a: { value: string }) => a.value === email);
      assert.equal(address.verified, true, 'the address the provider verified is stored verified');
      assert.equal(address.status, 'completed');

      const stored = await identityOf(subject);
      assert.ok(stored);
      assert.deepEqual(stored.metadata_admin, { subject });
      const withCreds = await s.registry.persister.identities.getIdentity(stored.id, { withCredentials: true });
      const oidc = withCreds!.credentials.oidc!;
      assert.deepEqual(oidc.identifiers, [`local:${subject}`]);
      const entry = (oidc.config.providers as Array<Record<string, string>>)[0]!;
      assert.equal(entry.subject, subject);
      assert.equal(entry.provider, 'local');
      for (const t of ['initial_id_token', 'initial_access_token'] as const) {
        assert.match(entry[t]!, /^[0-9a-f]+$/, `${t} is stored as AES-GCM ciphertext`);
        const clear = s.registry.cipher.decrypt(entry[t]!);
        assert.ok(clear.length > 10 && !entry[t]!.includes(Buffer.from(clear).toString('hex')));
      }
      assert.equal(s.registry.cipher.decrypt(entry.initial_id_token!).split('.').length, 3, 'the ID token decrypts to a JWT');

      // The admin API shows them decrypted with include_credential=oidc, as Kratos does.
      const admin = await s.adminApi.request('GET', `/admin/identities/${stored.id}?include_credential=oidc`);
      assert.equal(admin.status, 200);
      const shown = admin.body.credentials.oidc.config.providers[0];
      assert.equal(shown.subject, subject);
      assert.equal(shown.initial_access_token, s.registry.cipher.decrypt(entry.initial_access_token!));
      assert.equal(shown.initial_id_token.split('.').length, 3);
      const plain = await s.adminApi.request('GET', `/admin/identities/${stored.id}`);
      assert.equal(JSON.stringify(plain.body).includes(shown.initial_access_token), false, 'never without include_credential');
    });

    test('sign-in: a known subject signs in to its identity; the same account is not created twice', async () => {
      const { subject } = account();
      const first = await signInWithProvider(new TestBrowser(), 'registration', subject);
      assert.equal(first.done.status, 303);
      const created = await identityOf(subject);

      const b = new TestBrowser();
      const { done } = await signInWithProvider(b, 'login', subject);
      assert.equal(done.status, 303, JSON.stringify(done.body));
      assert.equal(done.location, `${UI}/welcome`);
      const me = await whoami(b);
      assert.equal(me.body.identity.id, created!.id);

      // A sign-up with a subject that already has an identity signs in instead (as Kratos).
      const again = new TestBrowser();
      const viaRegistration = await signInWithProvider(again, 'registration', subject);
      assert.equal(viaRegistration.done.status, 303);
      assert.equal((await whoami(again)).body.identity.id, created!.id);
    });

    test('sign-in with an unknown subject continues as a sign-up (as Kratos), keeping return_to', async () => {
      const { subject, email } = account();
      const b = new TestBrowser();
      const { done } = await signInWithProvider(b, 'login', subject, `?return_to=${encodeURIComponent(`${UI}/app/next`)}`);
      assert.equal(done.status, 303, JSON.stringify(done.body));
      assert.equal(done.location, `${UI}/app/next`);
      const me = await whoami(b);
      assert.equal(me.status, 200);
      assert.equal(me.body.identity.traits.email, email);
      assert.equal((await identityOf(subject))!.id, me.body.identity.id);
    });

    test('a mapper that leaves a required trait out sends the user to the sign-up form; the typed trait completes it', async () => {
      const subject = unique('noemail');
      op.accounts.set(subject, { given_name: 'Grace' });
      const b = new TestBrowser();
      const { done } = await signInWithProvider(b, 'registration', subject);
      assert.equal(done.status, 303);
      const u = new URL(done.location!);
      assert.equal(`${u.origin}${u.pathname}`, `${UI}/registration`);
      const flow = (await b.request('GET', pub(`/self-service/registration/flows?id=${u.searchParams.get('flow')}`), { headers: { accept: 'application/json' } })).body;
      assert.deepEqual(messageIds(flow, 'traits.email'), [4000002]);
      assert.equal(nodeValue(flow, 'traits.name.first'), 'Grace');
      const names = flow.ui.nodes.map((n: { attributes: { name: string } }) => n.attributes.name);
      assert.ok(!names.includes('password'), 'only the traits and the provider are asked for');
      const cont = flow.ui.nodes.find((n: { attributes: { name: string } }) => n.attributes.name === 'provider');
      assert.equal(cont.meta.label.id, 1040003);
      assert.equal(await identityOf(subject), null, 'no identity yet');
      assert.equal((await whoami(b)).status, 401);

      const email = `${subject}@example.com`;
      const callback = await throughProvider(b, await toProvider(b, flow, { 'traits.email': email, 'traits.name.first': 'Grace' }));
      const finished = await b.get(callback.toString());
      assert.equal(finished.status, 303, JSON.stringify(finished.body));
      const me = await whoami(b);
      assert.equal(me.body.identity.traits.email, email);
      const address = me.body.identity.verifiable_addresses.find((a: { value: string }) => a.value === email);
      assert.equal(address.verified, false, 'an address the user typed is not verified by the provider');
    });

    test('a tampered state is refused without signing anyone in or creating anything', async () => {
      const { subject } = account();
      op.signInAs(subject);
      const b = new TestBrowser();
      const flow = await startFlow(b, 'registration');
      const callback = await throughProvider(b, await toProvider(b, flow));
      const tampered = new URL(callback);
      const state = tampered.searchParams.get('state')!;
      tampered.searchParams.set('state', state.slice(0, -2) + (state.endsWith('AA') ? 'BB' : 'AA'));
      const err = await errorShown(b, await b.get(tampered.toString()));
      assert.equal(err.code, 400);
      assert.match(err.reason, /state/);
      assert.equal(await identityOf(subject), null);

      // Another browser cannot bring the genuine callback either: the state belongs to the browser that left.
      const stranger = new TestBrowser();
      const foreign = await errorShown(stranger, await stranger.get(callback.toString()));
      assert.equal(foreign.code, 400);
      assert.equal(await identityOf(subject), null);
    });

    test('a replayed callback is refused and creates no second identity', async () => {
      const { subject } = account();
      const b = new TestBrowser();
      const { callback, done } = await signInWithProvider(b, 'registration', subject);
      assert.equal(done.status, 303);
      const created = await identityOf(subject);
      assert.ok(created);
      const replay = await errorShown(b, await b.get(callback.toString()));
      assert.equal(replay.code, 400);
      const again = await s.registry.persister.identities.findByCredentialsIdentifier('oidc', `local:${subject}`);
      assert.equal(again!.id, created.id);
    });

    for (const [name, tamper, pattern] of [
      ['an ID token with the wrong nonce', (c: Record<string, unknown>) => ({ ...c, nonce: 'not-the-nonce-tessera-sent' }), /nonce/],
      ['an ID token for another audience', (c: Record<string, unknown>) => ({ ...c, aud: 'another-client' }), /aud/],
      ['an expired ID token', (c: Record<string, unknown>) => ({ ...c, iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 }), /exp/],
    ] as const) {
      test(`${name} is refused without creating anything`, async () => {
        const { subject } = account();
        const b = new TestBrowser();
        op.tamperIdToken = tamper;
        try {
          const { done } = await signInWithProvider(b, 'registration', subject);
          const err = await errorShown(b, done);
          assert.equal(err.code, 400);
          assert.match(err.reason, pattern);
        } finally {
          op.tamperIdToken = null;
        }
        assert.equal(await identityOf(subject), null);
        assert.equal((await whoami(b)).status, 401);
      });
    }

    async function passwordAccount(email: string) {
      const res = await s.adminApi.request('POST', '/admin/identities', { body: { schema_id: 'default', traits: { email }, credentials: { password: { config: { password: PASSWORD } } } } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    }

    test('account linking: a sign-up whose address has an account becomes a login that links the provider (1010016)', async () => {
      const { subject, email } = account();
      const ownerId = await passwordAccount(email);
      const other = `${unique('other')}@example.com`;
      await passwordAccount(other);

      const b = new TestBrowser();
      const { done } = await signInWithProvider(b, 'registration', subject);
      assert.equal(done.status, 303, JSON.stringify(done.body));
      const u = new URL(done.location!);
      assert.equal(`${u.origin}${u.pathname}`, `${UI}/login`);
      const flow = (await b.request('GET', pub(`/self-service/login/flows?id=${u.searchParams.get('flow')}`), { headers: { accept: 'application/json' } })).body;
      assert.deepEqual(messageIds(flow), [1010016]);
      const message = flow.ui.messages[0];
      assert.equal(message.context.duplicate_identifier, email);
      assert.equal(message.context.provider, 'Local Provider');
      assert.deepEqual(message.context.available_credential_types, ['password']);
      const identifier = flow.ui.nodes.find((n: { attributes: { name: string } }) => n.attributes.name === 'identifier');
      assert.deepEqual([identifier.attributes.type, identifier.attributes.value], ['hidden', email]);
      assert.ok(!flow.ui.nodes.some((n: { attributes: { name: string; value: string } }) => n.attributes.name === 'provider' && n.attributes.value === 'local'), 'the provider just used is not offered again');
      const submit = flow.ui.nodes.find((n: { attributes: { name: string; value: string } }) => n.attributes.name === 'method' && n.attributes.value === 'password');
      // Kratos relabels only "Sign in" (1010001) and "Sign in with …" (1010002); the password button keeps 1010022.
      assert.equal(submit.meta.label.id, 1010022);
      assert.equal(await identityOf(subject), null, 'no second account');
      assert.equal((await whoami(b)).status, 401);

      // Signing in to another account does not take the provider.
      const csrf = String(nodeValue(flow, 'csrf_token'));
      const wrong = await b.postForm(flow.ui.action, { csrf_token: csrf, method: 'password', identifier: other, password: PASSWORD });
      assert.equal(wrong.status, 303);
      const shown = (await b.request('GET', pub(`/self-service/login/flows?id=${flow.id}`), { headers: { accept: 'application/json' } })).body;
      assert.deepEqual(messageIds(shown), [4010009]);
      assert.equal((await whoami(b)).status, 401);
      assert.equal(await identityOf(subject), null);

      const ok = await b.postForm(flow.ui.action, { csrf_token: csrf, method: 'password', identifier: email, password: PASSWORD });
      assert.equal(ok.status, 303);
      assert.equal(ok.location, `${UI}/welcome`);
      assert.equal((await whoami(b)).body.identity.id, ownerId);
      assert.equal((await identityOf(subject))!.id, ownerId, 'the provider is linked to the existing account');

      // From now on the provider signs in to that account.
      const later = new TestBrowser();
      const again = await signInWithProvider(later, 'login', subject);
      assert.equal(again.done.status, 303);
      assert.equal((await whoami(later)).body.identity.id, ownerId);
    });

    async function settingsFlow(b: TestBrowser) {
      const init = await b.get(pub('/self-service/settings/browser'));
      assert.equal(init.status, 303);
      const id = new URL(init.location!).searchParams.get('flow')!;
      return (await b.request('GET', pub(`/self-service/settings/flows?id=${id}`), { headers: { accept: 'application/json' } })).body;
    }
    const nodeNamed = (flow: { ui: { nodes: Array<{ attributes: { name: string; value: unknown }; meta: { label?: { id: number } } }> } }, name: string, value: string) =>
      flow.ui.nodes.find((n) => n.attributes.name === name && n.attributes.value === value);

    test('settings: link a provider to a password account, then unlink it; the last way to sign in cannot be unlinked', async () => {
      const { subject, email } = account({ email: `${unique('linker')}@example.org` });
      const ownerEmail = `${unique('owner')}@example.com`;
      const ownerId = await passwordAccount(ownerEmail);
      const b = new TestBrowser();
      const login = await startFlow(b, 'login');
      const signedIn = await b.postForm(login.ui.action, { csrf_token: String(nodeValue(login, 'csrf_token')), method: 'password', identifier: ownerEmail, password: PASSWORD });
      assert.equal(signedIn.status, 303);

      let flow = await settingsFlow(b);
      assert.equal(nodeNamed(flow, 'link', 'local')?.meta.label?.id, 1050002);
      assert.equal(nodeNamed(flow, 'unlink', 'local'), undefined);
      op.signInAs(subject);
      const res = await b.postForm(flow.ui.action, { csrf_token: String(nodeValue(flow, 'csrf_token')), link: 'local' });
      assert.equal(res.status, 303, JSON.stringify(res.body));
      const callback = await throughProvider(b, new URL(res.location!));
      const linked = await b.get(callback.toString());
      assert.equal(linked.status, 303, JSON.stringify(linked.body));
      assert.equal((await identityOf(subject))!.id, ownerId);
      const shown = (await b.request('GET', pub(`/self-service/settings/flows?id=${flow.id}`), { headers: { accept: 'application/json' } })).body;
      assert.equal(shown.state, 'success');

      flow = await settingsFlow(b);
      assert.equal(nodeNamed(flow, 'unlink', 'local')?.meta.label?.id, 1050003);
      const unlinked = await b.postForm(flow.ui.action, { csrf_token: String(nodeValue(flow, 'csrf_token')), unlink: 'local' });
      assert.equal(unlinked.status, 303);
      assert.equal(await identityOf(subject), null);
      void email;

      // An identity that signs in only through the provider keeps it.
      const solo = account();
      const sb = new TestBrowser();
      assert.equal((await signInWithProvider(sb, 'registration', solo.subject)).done.status, 303);
      const soloFlow = await settingsFlow(sb);
      assert.equal(nodeNamed(soloFlow, 'unlink', 'local'), undefined, 'no unlink button for the last way to sign in');
      const refused = await sb.postForm(soloFlow.ui.action, { csrf_token: String(nodeValue(soloFlow, 'csrf_token')), unlink: 'local' });
      assert.equal(refused.status, 303);
      const after = (await sb.request('GET', pub(`/self-service/settings/flows?id=${soloFlow.id}`), { headers: { accept: 'application/json' } })).body;
      assert.deepEqual(messageIds(after), [4000001]);
      assert.match(after.ui.messages[0].text, /last remaining first factor/);
      assert.ok(await identityOf(solo.subject));
    });

    test('settings: a provider account that signs in to another identity is not linked', async () => {
      const taken = account();
      assert.equal((await signInWithProvider(new TestBrowser(), 'registration', taken.subject)).done.status, 303);
      const takenBy = (await identityOf(taken.subject))!.id;
      const ownerEmail = `${unique('owner')}@example.com`;
      await passwordAccount(ownerEmail);
      const b = new TestBrowser();
      const login = await startFlow(b, 'login');
      await b.postForm(login.ui.action, { csrf_token: String(nodeValue(login, 'csrf_token')), method: 'password', identifier: ownerEmail, password: PASSWORD });
      const flow = await settingsFlow(b);
      op.signInAs(taken.subject);
      const res = await b.postForm(flow.ui.action, { csrf_token: String(nodeValue(flow, 'csrf_token')), link: 'local' });
      const back = await b.get((await throughProvider(b, new URL(res.location!))).toString());
      assert.equal(back.status, 303);
      const shown = (await b.request('GET', pub(`/self-service/settings/flows?id=${flow.id}`), { headers: { accept: 'application/json' } })).body;
      assert.deepEqual(messageIds(shown), [4000027]);
      assert.equal((await identityOf(taken.subject))!.id, takenBy);
    });

    test('a SPA gets 422 browser_location_change_required with the provider URL', async () => {
      const b = new TestBrowser({ spa: true });
      const flow = (await b.get(pub('/self-service/login/browser'))).body;
      const res = await b.postJson(flow.ui.action, { csrf_token: String(nodeValue(flow, 'csrf_token')), method: 'oidc', provider: 'local' });
      assert.equal(res.status, 422);
      assert.equal(res.body.error.id, 'browser_location_change_required');
      assert.equal(new URL(res.body.redirect_browser_to).origin, op.issuer);
      assert.ok(b.cookies.has('ory_kratos_continuity'));
    });

    for (const kind of ['registration', 'login'] as const) {
      test(`a native app (${kind} API flow with return_session_token_exchange_code): 422 with the provider URL, the browser returns to return_to with code, the app exchanges both codes for its session`, async () => {
        const { subject } = account();
        op.signInAs(subject);
        const returnTo = `${UI}/app/native-${kind}`;
        const created = await s.publicApi.get(`/self-service/${kind}/api?return_session_token_exchange_code=true&return_to=${encodeURIComponent(returnTo)}`);
        assert.equal(created.status, 200);
        const initCode = created.body.session_token_exchange_code as string;
        assert.ok(initCode);
        const started = await s.publicApi.post(`/self-service/${kind}?flow=${created.body.id}`, { method: 'oidc', provider: 'local' });
        assert.equal(started.status, 422, JSON.stringify(started.body));
        assert.equal(started.body.error.id, 'browser_location_change_required');
        const auth = new URL(started.body.redirect_browser_to);
        assert.equal(auth.origin, op.issuer);

        // The app opens a browser, which has none of the app's cookies.
        const b = new TestBrowser();
        const callback = await throughProvider(b, auth);
        const done = await b.get(callback.toString());
        assert.equal(done.status, 303, JSON.stringify(done.body));
        const back = new URL(done.location!);
        assert.equal(`${back.origin}${back.pathname}`, returnTo);
        const code = back.searchParams.get('code');
        assert.ok(code && code.length >= 32);
        assert.equal(b.cookies.size === 0 || ![...b.cookies.keys()].some((k) => k.startsWith('ory_kratos_session')), true, 'the browser gets no session: the app does');

        const exchanged = await s.publicApi.get(`/sessions/token-exchange?init_code=${initCode}&return_to_code=${code}`);
        assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
        const me = await s.publicApi.get('/sessions/whoami', { headers: { 'x-session-token': exchanged.body.session_token } });
        assert.equal(me.status, 200);
        assert.equal(me.body.identity.id, (await identityOf(subject))!.id);
        const again = await s.publicApi.get(`/sessions/token-exchange?init_code=${initCode}&return_to_code=${code}`);
        assert.equal(again.status, 404, 'an exchange works once');
      });
    }

    test('an unknown provider and an API flow are refused with a 400', async () => {
      const b = new TestBrowser({ spa: true });
      const flow = (await b.get(pub('/self-service/login/browser'))).body;
      const res = await b.postJson(flow.ui.action, { csrf_token: String(nodeValue(flow, 'csrf_token')), provider: 'nope' });
      assert.equal(res.status, 400);
      assert.match(res.body.error.reason, /"nope" is unknown/);

      const api = await s.publicApi.get('/self-service/login/api');
      const submitted = await fetch(api.body.ui.action, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ method: 'oidc', provider: 'local' }) });
      assert.equal(submitted.status, 400);
    });
  });
}
