import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { TestBrowser, nodeValue } from '../../testkit/browser.js';
import { startOAuth2Upstream, type OAuth2Upstream } from '../../testkit/oauth2-upstream.js';
import { startOidcProvider, type TestOidcProvider } from '../../testkit/oidc-provider.js';

const UI = 'http://127.0.0.1:4455';
const CIPHER_KEY = 'an-aes-key-of-32-characters-0123';
const TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
const APPLE_TEAM = 'TEAM123456';
const APPLE_KEY_ID = 'KEY1234567';
const apple = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

// Email as the trait, the provider's verdict on it as a verified address, the subject's source in the metadata.
const MAPPER = `
local claims = std.extVar('claims');
{
  identity: {
    traits: { [if std.objectHas(claims, 'email') then 'email' else null]: claims.email },
    metadata_public: { nickname: std.get(claims, 'nickname', 'none'), iss: claims.iss },
    verified_addresses: if std.objectHas(claims, 'email_verified') && claims.email_verified then [{ via: 'email', value: claims.email }] else [],
  },
}
`;
const mapperUrl = `base64://${Buffer.from(MAPPER).toString('base64')}`;
const unique = (n: string) => `${n}-${Math.random().toString(36).slice(2, 10)}`;

for (const factory of testDatabases()) {
  describe(`social sign-in with named providers on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let up: OAuth2Upstream;
    let op: TestOidcProvider;
    const pub = (p: string) => `${s.publicUrl}${p.replace(/^\//, '')}`;

    before(async () => {
      db = await factory.create();
      up = await startOAuth2Upstream();
      op = await startOidcProvider();
      up.issuers.add(`${up.url}/${TENANT}/v2.0`);
      up.issuers.add(`${up.url}/apple`);
      const common = { mapper_url: mapperUrl };
      s = await startTestServer({
        dsn: db.dsn,
        oidcUpstreams: {
          github: { web: up.url, api: up.url },
          spotify: { accounts: up.url, api: up.url },
          yandex: { oauth: up.url, login: up.url, avatars: 'https://avatars.example' },
          dingtalk: { login: up.url, api: up.url },
          x: { api: up.url },
          microsoft: { login: up.url, graph: up.url },
          apple: { issuer: `${up.url}/apple` },
        },
        config: {
          ciphers: { algorithm: 'aes' },
          secrets: { cipher: [CIPHER_KEY] },
          selfservice: {
            default_browser_return_url: `${UI}/welcome`,
            methods: {
              oidc: {
                enabled: true,
                config: {
                  providers: [
                    { ...common, id: 'gh', provider: 'github', label: 'GitHub', client_id: 'gh-client', client_secret: up.clientSecret, scope: ['user:email'] },
                    { ...common, id: 'x', provider: 'x', client_id: 'x-consumer-key', client_secret: up.clientSecret, scope: ['email'] },
                    { ...common, id: 'ding', provider: 'dingtalk', client_id: 'ding-client', client_secret: up.clientSecret },
                    { ...common, id: 'ya', provider: 'yandex', client_id: 'ya-client', client_secret: up.clientSecret },
                    { ...common, id: 'spot', provider: 'spotify', client_id: 'spot-client', client_secret: up.clientSecret, scope: ['user-read-email'] },
                    { ...common, id: 'ms', provider: 'microsoft', microsoft_tenant: 'common', subject_source: 'me', client_id: 'ms-client', client_secret: up.clientSecret, scope: ['email'] },
                    {
                      ...common, id: 'apple', provider: 'apple', client_id: 'com.example.web', scope: ['email'],
                      apple_team_id: APPLE_TEAM, apple_private_key_id: APPLE_KEY_ID, apple_private_key: apple.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
                      additional_id_token_audiences: ['com.example.ios'],
                    },
                    // Google with its issuer replaced by the test provider's (issuer_url), as a private deployment would.
                    { ...common, id: 'google', provider: 'google', client_id: op.clientId, client_secret: op.clientSecret, issuer_url: op.issuer, scope: ['email', 'offline_access'], additional_id_token_audiences: ['ios.example.app'] },
                  ],
                },
              },
            },
            flows: {
              registration: { ui_url: `${UI}/registration`, after: { oidc: { hooks: [{ hook: 'session' }] } } },
              login: { ui_url: `${UI}/login` },
              error: { ui_url: `${UI}/error` },
            },
          },
        },
      });
      op.register([`${s.publicUrl}self-service/methods/oidc/callback/google`]);
    });
    after(async () => {
      await s?.close();
      await up?.close();
      await op?.close();
      await db?.drop();
    });

    const identityOf = (provider: string, subject: string) => s.registry.persister.identities.findByCredentialsIdentifier('oidc', `${provider}:${subject}`);

    async function startFlow(b: TestBrowser, kind: 'login' | 'registration') {
      const init = await b.get(pub(`/self-service/${kind}/browser`));
      const id = new URL(init.location!).searchParams.get('flow')!;
      return (await b.request('GET', pub(`/self-service/${kind}/flows?id=${id}`), { headers: { accept: 'application/json' } })).body;
    }

    /** Presses the provider's button, lets the upstream consent, and brings the browser back to the callback. */
    async function signUpWith(b: TestBrowser, provider: string) {
      const flow = await startFlow(b, 'registration');
      const res = await b.postForm(flow.ui.action, { csrf_token: String(nodeValue(flow, 'csrf_token')), provider });
      assert.equal(res.status, 303, JSON.stringify(res.body));
      const auth = new URL(res.location!);
      const consent = await fetch(auth, { redirect: 'manual' });
      if (consent.status === 200) return { auth, consent: (await consent.json()) as { form_post: string; fields: Record<string, string> } };
      assert.equal(consent.status, 302);
      const done = await b.get(consent.headers.get('location')!);
      return { auth, done };
    }

    test('github: the code is exchanged, /user and /user/emails give the subject and the verified primary address', async () => {
      const id = Math.floor(Math.random() * 1e9);
      const email = `${unique('octo')}@example.com`;
      up.next = {
        user: { id, login: 'octocat', name: 'Mona', avatar_url: 'https://avatars.example/1', html_url: 'https://github.example/octocat', email: 'public@example.com' },
        emails: [{ email: 'other@example.com', primary: false, verified: true }, { email, primary: true, verified: true }],
        scope: 'user:email',
      };
      const b = new TestBrowser();
      const { auth, done } = await signUpWith(b, 'gh');
      assert.equal(`${auth.origin}${auth.pathname}`, `${up.url}/login/oauth/authorize`);
      assert.equal(auth.searchParams.get('scope'), 'user:email');
      assert.equal(auth.searchParams.get('code_challenge'), null, 'no PKCE without an issuer to discover it from (auto)');
      assert.equal(done!.status, 303, JSON.stringify(done!.body));
      const me = await b.request('GET', pub('/sessions/whoami'), { headers: { accept: 'application/json' } });
      assert.equal(me.status, 200);
      assert.equal(me.body.identity.traits.email, email);
      assert.deepEqual(me.body.identity.metadata_public, { nickname: 'octocat', iss: `${up.url}/login/oauth/access_token` });
      assert.equal(me.body.identity.verifiable_addresses[0].verified, true);
      assert.ok(await identityOf('gh', String(id)));
      const grant = up.grants.at(-1)!;
      assert.equal(grant.token!.get('client_id'), 'gh-client');
    });

    test('github: a configured scope the user did not grant ends the sign-in without an identity', async () => {
      const id = Math.floor(Math.random() * 1e9);
      up.next = { user: { id, login: 'partial' }, emails: [{ email: `${unique('p')}@example.com`, primary: true, verified: true }], scope: 'read:user' };
      const b = new TestBrowser();
      const { done } = await signUpWith(b, 'gh');
      assert.equal(done!.status, 303);
      assert.equal(new URL(done!.location!).pathname, '/error');
      const err = (await b.get(pub(`/self-service/errors?id=${new URL(done!.location!).searchParams.get('id')}`))).body.error;
      assert.match(err.reason, /permissions were not granted/);
      assert.equal(await identityOf('gh', String(id)), null);
    });

    test('spotify: the user comes from /v1/me, an unverified address stays unverified', async () => {
      const sub = unique('spotify-user');
      const email = `${sub}@example.com`;
      up.next = { user: { id: sub, display_name: 'DJ', email, images: [{ url: 'https://img.example/dj' }] }, scope: 'user-read-email' };
      const b = new TestBrowser();
      const { done } = await signUpWith(b, 'spot');
      assert.equal(done!.status, 303, JSON.stringify(done!.body));
      const stored = await identityOf('spot', sub);
      assert.ok(stored);
      assert.equal(stored.traits.email, email);
      assert.equal(stored.verifiable_addresses[0]!.verified, false);
    });

    test('yandex: the user comes from /info with Yandex\'s OAuth header, not a token in the URL', async () => {
      const sub = unique('ya');
      up.next = { user: { id: sub, default_email: `${sub}@example.com`, first_name: 'Ivan', default_avatar_id: '123', is_avatar_empty: false } };
      const b = new TestBrowser();
      const { done } = await signUpWith(b, 'ya');
      assert.equal(done!.status, 303, JSON.stringify(done!.body));
      const stored = await identityOf('ya', sub);
      assert.ok(stored);
      assert.deepEqual(stored.metadata_public, { nickname: 'none', iss: 'https://login.yandex.ru/info' });
    });

    test('dingtalk: the code goes to its JSON token endpoint, the user comes with its own token header', async () => {
      const openId = unique('ding');
      up.next = { user: { openId, nick: 'Lin', email: `${openId}@example.com` } };
      const b = new TestBrowser();
      const { auth, done } = await signUpWith(b, 'ding');
      assert.equal(auth.searchParams.get('prompt'), 'consent');
      assert.equal(done!.status, 303, JSON.stringify(done!.body));
      const stored = await identityOf('ding', openId);
      assert.ok(stored);
      assert.deepEqual(stored.metadata_public, { nickname: 'Lin', iss: `${up.url}/v1.0/contact/users/me` });
    });

    test('x: OAuth 1.0a, every request signed; the callback URL carries the state, the user comes from verify_credentials with the email', async () => {
      const idStr = String(Math.floor(Math.random() * 1e12));
      up.next = { user: { id_str: idStr, name: 'Jack', screen_name: 'jack', email: `${idStr}@example.com`, profile_image_url_https: 'https://pbs.example/jack.png' } };
      const b = new TestBrowser();
      const { auth, done } = await signUpWith(b, 'x');
      assert.equal(`${auth.origin}${auth.pathname}`, `${up.url}/oauth/authenticate`);
      assert.equal(done!.status, 303, JSON.stringify(done!.body));
      const stored = await identityOf('x', idStr);
      assert.ok(stored);
      assert.equal(stored.traits.email, `${idStr}@example.com`);
      assert.equal(stored.verifiable_addresses[0]!.verified, false, 'X does not say the address is verified');
    });

    test('x: a user who denies the request ends on the error page without an identity', async () => {
      const b = new TestBrowser();
      const flow = await startFlow(b, 'registration');
      const res = await b.postForm(flow.ui.action, { csrf_token: String(nodeValue(flow, 'csrf_token')), provider: 'x' });
      const auth = new URL(res.location!);
      const denied = new URL((await fetch(auth, { redirect: 'manual' })).headers.get('location')!);
      denied.searchParams.delete('oauth_verifier');
      denied.searchParams.set('denied', denied.searchParams.get('oauth_token')!);
      const back = await b.get(denied.toString());
      assert.equal(back.status, 303);
      assert.equal(new URL(back.location!).pathname, '/error');
      const err = (await b.get(pub(`/self-service/errors?id=${new URL(back.location!).searchParams.get('id')}`))).body.error;
      assert.match(err.reason, /denied the request/);
    });

    test('microsoft: the ID token is checked against the user\'s tenant, the subject comes from Graph /me (subject_source: me)', async () => {
      const graphId = unique('graph');
      const email = `${graphId}@example.com`;
      up.next = {
        me: { id: graphId },
        idToken: (nonce) => ({ iss: `${up.url}/${TENANT}/v2.0`, aud: 'ms-client', sub: 'pairwise-subject', tid: TENANT, nonce, email, email_verified: true }),
      };
      const b = new TestBrowser();
      const { auth, done } = await signUpWith(b, 'ms');
      assert.equal(`${auth.origin}${auth.pathname}`, `${up.url}/common/oauth2/v2.0/authorize`);
      assert.deepEqual(auth.searchParams.get('scope')!.split(' ').sort(), ['email', 'openid']);
      assert.equal(done!.status, 303, JSON.stringify(done!.body));
      assert.ok(await identityOf('ms', graphId), 'the Graph id is the subject');
      assert.equal(await identityOf('ms', 'pairwise-subject'), null);

      // A token for another client is refused, and nothing is created.
      const other = unique('graph');
      up.next = { me: { id: other }, idToken: (nonce) => ({ iss: `${up.url}/${TENANT}/v2.0`, aud: 'someone-else', sub: 'x', tid: TENANT, nonce, email: `${other}@example.com` }) };
      const refused = await signUpWith(new TestBrowser(), 'ms');
      assert.equal(new URL(refused.done!.location!).pathname, '/error');
      assert.equal(await identityOf('ms', other), null);
    });

    test('apple: the client secret is an ES256 JWT from the team key; the form-post callback and the name Apple posts complete the sign-up', async () => {
      const sub = unique('apple');
      const email = `${sub}@privaterelay.example`;
      let secretSeen = '';
      up.checkClient = async (body) => {
        secretSeen = body.get('client_secret') ?? '';
        const { payload } = await jwtVerify(secretSeen, apple.publicKey, { issuer: APPLE_TEAM, subject: 'com.example.web', audience: 'https://appleid.apple.com', algorithms: ['ES256'] });
        return typeof payload.exp === 'number' && payload.exp - Math.floor(Date.now() / 1000) <= 300;
      };
      up.next = { idToken: (nonce) => ({ iss: `${up.url}/apple`, aud: 'com.example.web', sub, nonce, email, email_verified: 'true' }) };
      try {
        const b = new TestBrowser();
        const { auth, consent } = await signUpWith(b, 'apple');
        assert.equal(auth.searchParams.get('response_mode'), 'form_post', 'Apple sends name and email only by form post');
        assert.ok(consent);
        const posted = await b.postForm(consent.form_post, { ...consent.fields, user: JSON.stringify({ name: { firstName: 'Tim', lastName: 'Apple' } }) });
        assert.equal(posted.status, 303);
        const back = new URL(posted.location!, s.publicUrl);
        assert.equal(back.searchParams.get('code'), consent.fields.code);
        const done = await b.get(back.toString());
        assert.equal(done.status, 303, JSON.stringify(done.body));
        assert.equal(decodeProtectedHeader(secretSeen).kid, APPLE_KEY_ID);
        const stored = await identityOf('apple', sub);
        assert.ok(stored);
        assert.equal(stored.verifiable_addresses[0]!.verified, true, 'Apple writes email_verified as a string');
      } finally {
        up.checkClient = async (body) => body.get('client_secret') === up.clientSecret;
      }
    });

    test('google through its issuer: offline_access becomes access_type=offline; sign-up completes with the ID token checked', async () => {
      const sub = unique('g');
      op.accounts.set(sub, { email: `${sub}@example.com`, email_verified: true });
      op.signInAs(sub);
      const b = new TestBrowser();
      const flow = await startFlow(b, 'registration');
      const res = await b.postForm(flow.ui.action, { csrf_token: String(nodeValue(flow, 'csrf_token')), provider: 'google' });
      const auth = new URL(res.location!);
      assert.equal(auth.origin, op.issuer);
      assert.equal(auth.searchParams.get('access_type'), 'offline');
      assert.deepEqual(auth.searchParams.get('scope')!.split(' ').sort(), ['email', 'openid']);
      let next = auth.toString();
      for (let hops = 0; hops < 10 && !next.startsWith(s.publicUrl); hops++) {
        const r = await b.request('GET', next, { unchecked: true });
        next = new URL(r.location!, next).toString();
      }
      const done = await b.get(next);
      assert.equal(done.status, 303, JSON.stringify(done.body));
      assert.ok(await identityOf('google', sub));
    });

    describe('native sign-in with an ID token (API flows)', () => {
      const idToken = (claims: Record<string, unknown>) =>
        op.signIdToken({ iss: op.issuer, aud: op.clientId, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 300, ...claims });
      const submit = async (kind: 'login' | 'registration', body: Record<string, unknown>) => {
        const flow = await s.publicApi.get(`/self-service/${kind}/api`);
        return s.publicApi.post(`/self-service/${kind}?flow=${flow.body.id}`, { method: 'oidc', ...body }, { unchecked: true });
      };

      test('registration, then login, with an ID token for the client id or an additional audience, the nonce matching', async () => {
        const sub = unique('native');
        const email = `${sub}@example.com`;
        const reg = await submit('registration', { provider: 'google', id_token: await idToken({ sub, email, email_verified: true, nonce: 'n-1' }), id_token_nonce: 'n-1' });
        assert.equal(reg.status, 200, JSON.stringify(reg.body));
        assert.equal(reg.body.identity.traits.email, email);
        assert.ok(reg.body.session_token);
        const stored = await identityOf('google', sub);
        assert.ok(stored);

        const login = await submit('login', { provider: 'google', id_token: await idToken({ sub, aud: 'ios.example.app', nonce: 'n-2' }), id_token_nonce: 'n-2' });
        assert.equal(login.status, 200, JSON.stringify(login.body));
        assert.equal(login.body.session.identity.id, stored.id);
        assert.equal(login.body.session.authentication_methods[0].method, 'oidc');
      });

      test('a login with an unknown subject continues as a registration, as Kratos does', async () => {
        const sub = unique('native-new');
        const res = await submit('login', { provider: 'google', id_token: await idToken({ sub, email: `${sub}@example.com` }) });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.ok(await identityOf('google', sub));
      });

      for (const [name, claims, nonce, pattern] of [
        ['another audience', { aud: 'not-us' }, 'n', /audience/],
        ['an expired token', { exp: Math.floor(Date.now() / 1000) - 600, iat: Math.floor(Date.now() / 1000) - 900 }, 'n', /expired/],
        ['a wrong nonce', {}, 'other', /nonce does not match/],
        ['a token with a nonce but none submitted', {}, '', /No nonce was provided/],
        ['another issuer', { iss: 'https://evil.example' }, 'n', /could not be verified/],
      ] as const) {
        test(`${name} is refused with a 400 and creates nothing`, async () => {
          const sub = unique('bad');
          const res = await submit('registration', { provider: 'google', id_token: await idToken({ sub, email: `${sub}@example.com`, nonce: 'n', ...claims }), id_token_nonce: nonce });
          assert.equal(res.status, 400, JSON.stringify(res.body));
          assert.match(JSON.stringify(res.body), pattern);
          assert.equal(await identityOf('google', sub), null);
        });
      }

      test('a token signed by another key is refused; a provider without native sign-in says so', async () => {
        const sub = unique('forged');
        const other = await startOidcProvider();
        try {
          const forged = await other.signIdToken({ iss: op.issuer, aud: op.clientId, sub, exp: Math.floor(Date.now() / 1000) + 300, nonce: 'n' });
          const res = await submit('registration', { provider: 'google', id_token: forged, id_token_nonce: 'n' });
          assert.equal(res.status, 400);
          assert.equal(await identityOf('google', sub), null);
        } finally {
          await other.close();
        }
        const gh = await submit('login', { provider: 'gh', id_token: 'x.y.z' });
        assert.equal(gh.status, 400);
        assert.match(gh.body.error.reason, /does not support id_token verification/);
      });
    });
  });
}
