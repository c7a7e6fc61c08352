import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { TestBrowser, messageIds, nodeValue, type BrowserResponse } from '../../testkit/browser.js';
import { startOAuth2Upstream, type OAuth2Upstream } from '../../testkit/oauth2-upstream.js';

// The social sign-in provider types named.test.ts does not cover, each against a loopback stand-in
// answering what the provider's own API answers (paths, field names, token responses), with the
// sign-up, a later sign-in, the claims the mapper received and the provider's own failure modes.

const UI = 'http://127.0.0.1:4455';
const CIPHER_KEY = 'an-aes-key-of-32-characters-0123';

// The mapper keeps every standard claim it received (not raw_claims) in the admin metadata, so a test
// sees exactly what the provider type handed over; the address is verified only when the provider says so.
const MAPPER = `
local claims = std.extVar('claims');
{
  identity: {
    traits: { [if std.objectHas(claims, 'email') then 'email' else null]: claims.email },
    metadata_admin: {
      claims: { [k]: claims[k] for k in std.objectFields(claims) if k != 'raw_claims' },
      raw: std.objectFields(claims.raw_claims),
    },
    verified_addresses: if std.objectHas(claims, 'email_verified') && claims.email_verified then [{ via: 'email', value: claims.email }] else [],
  },
}
`;
const mapperUrl = `base64://${Buffer.from(MAPPER).toString('base64')}`;
const unique = (n: string) => `${n}-${Math.random().toString(36).slice(2, 10)}`;
const numericId = () => String(Math.floor(Math.random() * 1e12) + 1e12);

interface StoredIdentity {
  id: string;
  traits: Record<string, unknown>;
  metadata_admin?: unknown;
  verifiable_addresses?: Array<{ value: string; verified: boolean }>;
}

for (const factory of testDatabases()) {
  describe(`social sign-in with the remaining provider types on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let up: OAuth2Upstream;
    const pub = (p: string) => `${s.publicUrl}${p.replace(/^\//, '')}`;
    const upstreamPath = (p: string) => `${up.url}${p}`;

    before(async () => {
      db = await factory.create();
      up = await startOAuth2Upstream();
      // GitLab announces PKCE in its discovery document; netID and LinkedIn are OpenID providers with discovery.
      up.issuers.add(`${up.url}/gitlab`);
      up.issuers.add(`${up.url}/linkedin`);
      up.issuers.add(`${up.url}/netid`);
      const p = (id: string, provider: string, extra: Record<string, unknown> = {}) =>
        ({ id, provider, client_id: `${id}-client`, client_secret: up.clientSecret, mapper_url: mapperUrl, ...extra });
      s = await startTestServer({
        dsn: db.dsn,
        oidcUpstreams: {
          'github-app': { web: up.url, api: up.url },
          discord: { api: `${up.url}/discord`, cdn: 'https://cdn.example' },
          slack: { web: `${up.url}/slack`, api: `${up.url}/slack/api` },
          facebook: { web: `${up.url}/fb`, graph: `${up.url}/graph` },
          patreon: { web: `${up.url}/patreon` },
          vk: { oauth: `${up.url}/vk`, api: `${up.url}/vkapi` },
          lark: { passport: `${up.url}/lark` },
          linkedin: { web: `${up.url}/li`, api: `${up.url}/liapi` },
          linkedin_v2: { issuer: `${up.url}/linkedin` },
          netid: { issuer: `${up.url}/netid` },
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
                    p('gha', 'github-app'),
                    p('gitlab', 'gitlab', { issuer_url: `${up.url}/gitlab`, scope: ['read_user', 'openid', 'email'] }),
                    p('auth0', 'auth0', { issuer_url: `${up.url}/auth0`, scope: ['openid', 'email', 'profile'] }),
                    p('discord', 'discord', { scope: ['identify', 'email'] }),
                    p('slack', 'slack', { scope: ['identity.basic', 'identity.email'] }),
                    p('fb', 'facebook', { scope: ['email', 'public_profile'] }),
                    p('patreon', 'patreon', { scope: ['identity', 'identity[email]'] }),
                    p('vk', 'vk', { scope: ['email'] }),
                    p('lark', 'lark'),
                    p('sf', 'salesforce', { issuer_url: `${up.url}/sf`, scope: ['openid', 'email', 'profile'] }),
                    p('li', 'linkedin', { scope: ['r_liteprofile', 'r_emailaddress'] }),
                    p('li2', 'linkedin_v2', { scope: ['email', 'profile'] }),
                    p('netid', 'netid', { scope: ['email', 'profile'] }),
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
    });
    after(async () => {
      await s?.close();
      await up?.close();
      await db?.drop();
    });

    const identityOf = (provider: string, subject: string) =>
      s.registry.persister.identities.findByCredentialsIdentifier('oidc', `${provider}:${subject}`) as Promise<StoredIdentity | null>;
    const claimsOf = (i: StoredIdentity) => (i.metadata_admin as { claims: Record<string, unknown>; raw: string[] }).claims;
    const rawKeysOf = (i: StoredIdentity) => (i.metadata_admin as { claims: Record<string, unknown>; raw: string[] }).raw;

    async function startFlow(b: TestBrowser, kind: 'login' | 'registration', query = '') {
      const init = await b.get(pub(`/self-service/${kind}/browser${query}`));
      const id = new URL(init.location!).searchParams.get('flow')!;
      return (await b.request('GET', pub(`/self-service/${kind}/flows?id=${id}`), { headers: { accept: 'application/json' } })).body;
    }

    /** Presses the provider's button in a new flow, lets the upstream consent, and brings the browser back to the callback. */
    async function viaProvider(b: TestBrowser, kind: 'login' | 'registration', provider: string, query = ''): Promise<{ auth: URL; done: BrowserResponse }> {
      const flow = await startFlow(b, kind, query);
      const res = await b.postForm(flow.ui.action, { csrf_token: String(nodeValue(flow, 'csrf_token')), provider });
      assert.equal(res.status, 303, JSON.stringify(res.body));
      const auth = new URL(res.location!);
      const consent = await fetch(auth, { redirect: 'manual' });
      assert.equal(consent.status, 302, await consent.text());
      const done = await b.get(consent.headers.get('location')!);
      return { auth, done };
    }

    async function whoami(b: TestBrowser) {
      return b.request('GET', pub('/sessions/whoami'), { headers: { accept: 'application/json' }, unchecked: true });
    }

    /** Signs up with the provider (new browser), then signs in again in another browser: both end signed in as the same identity. */
    async function signUpThenIn(provider: string, subject: string): Promise<{ stored: StoredIdentity; auth: URL }> {
      const b = new TestBrowser();
      const { auth, done } = await viaProvider(b, 'registration', provider);
      assert.equal(done.status, 303, JSON.stringify(done.body));
      assert.equal(done.location, `${UI}/welcome`);
      const stored = await identityOf(provider, subject);
      assert.ok(stored, `an identity for ${provider}:${subject}`);
      const me = await whoami(b);
      assert.equal(me.status, 200);
      assert.equal(me.body.identity.id, stored.id);

      const again = new TestBrowser();
      const login = await viaProvider(again, 'login', provider);
      assert.equal(login.done.status, 303, JSON.stringify(login.done.body));
      const back = await whoami(again);
      assert.equal(back.status, 200);
      assert.equal(back.body.identity.id, stored.id, 'the sign-in finds the identity the sign-up created');
      assert.equal(back.body.authentication_methods[0].method, 'oidc');
      return { stored, auth };
    }

    /** The callback ended on the error page: the error shown there, and no session. */
    async function errorShown(b: TestBrowser, done: BrowserResponse) {
      assert.equal(done.status, 303, JSON.stringify(done.body));
      const u = new URL(done.location!);
      assert.equal(`${u.origin}${u.pathname}`, `${UI}/error`);
      const shown = await b.get(pub(`/self-service/errors?id=${u.searchParams.get('id')}`));
      assert.equal(shown.status, 200);
      assert.equal((await whoami(b)).status, 401);
      return shown.body.error as { code: number; reason: string; message: string };
    }

    const verifiedOf = (i: StoredIdentity) => i.verifiable_addresses?.map((a) => a.verified);

    describe('github-app', () => {
      test('the user from /user, the address from /user/emails (always asked, the last one without a primary), unverified as GitHub says', async () => {
        const id = Number(numericId());
        const email = `${unique('gha')}@example.com`;
        up.next = {
          user: { id, login: 'hubot', name: 'Hubot', blog: 'https://hubot.example', avatar_url: 'https://avatars.example/u/1', html_url: 'https://github.example/hubot', updated_at: '2024-01-02T03:04:05Z' },
          emails: [{ email: 'old@example.com', primary: false, verified: true }, { email, primary: false, verified: false }],
        };
        const { stored, auth } = await signUpThenIn('gha', String(id));
        assert.equal(`${auth.origin}${auth.pathname}`, upstreamPath('/login/oauth/authorize'));
        assert.equal(auth.searchParams.get('scope'), null, 'a GitHub App asks for no scope');
        assert.deepEqual(claimsOf(stored), {
          iss: upstreamPath('/login/oauth/access_token'),
          sub: String(id),
          name: 'Hubot',
          nickname: 'hubot',
          website: 'https://hubot.example',
          picture: 'https://avatars.example/u/1',
          profile: 'https://github.example/hubot',
          updated_at: 1704164645,
          email,
          email_verified: false,
        });
        assert.deepEqual(verifiedOf(stored), [false]);
      });

      test('the verified primary address is stored verified', async () => {
        const id = Number(numericId());
        const email = `${unique('gha')}@example.com`;
        up.next = { user: { id, login: 'mona' }, emails: [{ email, primary: true, verified: true }, { email: 'other@example.com', primary: false, verified: false }] };
        const { stored } = await signUpThenIn('gha', String(id));
        assert.equal(claimsOf(stored).email, email);
        assert.deepEqual(verifiedOf(stored), [true]);
      });

      test('an app without the email permission (403 on /user/emails) ends on the error page without an identity', async () => {
        const id = Number(numericId());
        up.next = { user: { id, login: 'noperm' }, api: { '/user/emails': { status: 403, body: { message: 'Resource not accessible by integration' } } } };
        const b = new TestBrowser();
        const { done } = await viaProvider(b, 'registration', 'gha');
        const err = await errorShown(b, done);
        assert.equal(err.code, 502);
        assert.match(err.reason, /\/user\/emails answered with status 403/);
        assert.equal(await identityOf('gha', String(id)), null);
      });
    });

    describe('gitlab', () => {
      test('PKCE from the instance\'s discovery document; the user from /oauth/userinfo, the instance as issuer; an unverified address stays unverified', async () => {
        const sub = numericId();
        const email = `${unique('gl')}@example.com`;
        up.next = {
          api: {
            '/gitlab/oauth/userinfo': {
              body: { sub, name: 'Tanuki', nickname: 'tanuki', preferred_username: 'tanuki', email, email_verified: false, website: 'https://t.example', profile: 'https://gitlab.example/tanuki', picture: 'https://gitlab.example/a.png', groups: ['devs'] },
            },
          },
        };
        const { stored, auth } = await signUpThenIn('gitlab', sub);
        assert.equal(`${auth.origin}${auth.pathname}`, upstreamPath('/gitlab/oauth/authorize'));
        assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
        assert.ok(up.grants.at(-1)!.token!.get('code_verifier'), 'the verifier went to /oauth/token (the upstream checked it)');
        assert.equal(auth.searchParams.get('scope'), 'read_user openid email');
        assert.deepEqual(claimsOf(stored), {
          iss: upstreamPath('/gitlab'),
          sub,
          name: 'Tanuki',
          nickname: 'tanuki',
          preferred_username: 'tanuki',
          email,
          email_verified: false,
          website: 'https://t.example',
          profile: 'https://gitlab.example/tanuki',
          picture: 'https://gitlab.example/a.png',
        });
        assert.ok(rawKeysOf(stored).includes('groups'), 'the whole answer reaches the mapper as raw_claims');
        assert.deepEqual(verifiedOf(stored), [false]);
        assert.equal(up.calls.at(-1)!.headers.authorization?.startsWith('Bearer '), true);
      });

      test('an expired token at /oauth/userinfo (401) ends on the error page without an identity', async () => {
        up.next = { api: { '/gitlab/oauth/userinfo': { status: 401, body: { error: 'invalid_token' } } } };
        const b = new TestBrowser();
        const { done } = await viaProvider(b, 'registration', 'gitlab');
        const err = await errorShown(b, done);
        assert.equal(err.code, 502);
      });
    });

    describe('auth0', () => {
      test('the user from the tenant\'s /userinfo; updated_at as a date becomes seconds; a verified address is stored verified', async () => {
        const sub = unique('auth0|user');
        const email = `${unique('a0')}@example.com`;
        up.next = {
          api: { '/auth0/userinfo': { body: { sub, name: 'Zero', nickname: 'zero', picture: 'https://s.gravatar.example/z.png', email, email_verified: true, updated_at: '2023-05-06T07:08:09.000Z' } } },
        };
        const { stored, auth } = await signUpThenIn('auth0', sub);
        assert.equal(`${auth.origin}${auth.pathname}`, upstreamPath('/auth0/authorize'));
        assert.equal(up.grants.at(-1)!.token!.get('client_id'), 'auth0-client');
        assert.deepEqual(claimsOf(stored), {
          iss: upstreamPath('/auth0'),
          sub,
          name: 'Zero',
          nickname: 'zero',
          picture: 'https://s.gravatar.example/z.png',
          email,
          email_verified: true,
          updated_at: 1683356889,
        });
        assert.deepEqual(verifiedOf(stored), [true]);
      });

      test('a token endpoint refusing the client (403 unauthorized_client) is a 400 on the error page, naming only the OAuth error', async () => {
        up.next = { tokenAnswer: { status: 403, body: { error: 'unauthorized_client', error_description: 'secret detail of the tenant' } } };
        const b = new TestBrowser();
        const { done } = await viaProvider(b, 'registration', 'auth0');
        const err = await errorShown(b, done);
        assert.equal(err.code, 400);
        assert.match(err.reason, /refused the authorization code \(unauthorized_client\)/);
        assert.doesNotMatch(JSON.stringify(err), /secret detail/);
      });
    });

    describe('discord', () => {
      test('the user from /users/@me of the v9 API; the uploaded avatar on the CDN; verified as Discord says; prompt=none', async () => {
        const id = numericId();
        const email = `${unique('dc')}@example.com`;
        up.next = {
          scope: 'identify email',
          api: { '/discord/users/@me': { body: { id, username: 'nelly', discriminator: '1337', avatar: 'a_8342729096ea3675442027381ff50dfe', email, verified: true, locale: 'en-US', mfa_enabled: false } } },
        };
        const { stored, auth } = await signUpThenIn('discord', id);
        assert.equal(`${auth.origin}${auth.pathname}`, upstreamPath('/discord/oauth2/authorize'));
        assert.equal(auth.searchParams.get('prompt'), 'none');
        assert.deepEqual(claimsOf(stored), {
          iss: upstreamPath('/discord/oauth2/'),
          sub: id,
          name: 'nelly#1337',
          nickname: 'nelly',
          preferred_username: 'nelly',
          picture: `https://cdn.example/avatars/${id}/a_8342729096ea3675442027381ff50dfe.gif`,
          email,
          email_verified: true,
          locale: 'en-US',
        });
        assert.deepEqual(verifiedOf(stored), [true]);
      });

      test('a user without an avatar gets Discord\'s default one; an unverified address stays unverified; a re-authentication asks for consent', async () => {
        const id = '80351110224678912';
        const email = `${unique('dc')}@example.com`;
        up.next = { scope: 'identify email', api: { '/discord/users/@me': { body: { id, username: 'newname', discriminator: '0', avatar: null, email, verified: false } } } };
        const b = new TestBrowser();
        const { done } = await viaProvider(b, 'registration', 'discord');
        assert.equal(done.status, 303, JSON.stringify(done.body));
        const stored = (await identityOf('discord', id))!;
        // (80351110224678912 >> 22) % 6 = 5: the default avatar of the unique-username era.
        assert.equal(claimsOf(stored).picture, 'https://cdn.example/embed/avatars/5.png');
        assert.equal(claimsOf(stored).email_verified, false);
        assert.deepEqual(verifiedOf(stored), [false]);
        const refresh = await startFlow(b, 'login', '?refresh=true');
        const res = await b.postForm(refresh.ui.action, { csrf_token: String(nodeValue(refresh, 'csrf_token')), provider: 'discord' });
        assert.equal(res.status, 303);
        assert.equal(new URL(res.location!).searchParams.get('prompt'), 'consent');
      });

      test('a configured scope Discord did not grant ends the sign-in without an identity', async () => {
        const id = numericId();
        up.next = { scope: 'identify', api: { '/discord/users/@me': { body: { id, username: 'x', discriminator: '1', email: `${id}@example.com`, verified: true } } } };
        const callsBefore = up.calls.length;
        const b = new TestBrowser();
        const { done } = await viaProvider(b, 'registration', 'discord');
        const err = await errorShown(b, done);
        assert.equal(err.code, 400);
        assert.match(err.reason, /permissions were not granted/);
        assert.equal(await identityOf('discord', id), null);
        assert.equal(up.calls.length, callsBefore, 'the user is not even read');
      });
    });

    describe('slack', () => {
      test('the user from users.identity; Slack\'s addresses are confirmed, so verified; the team reaches the mapper', async () => {
        const sub = unique('U');
        const email = `${unique('sl')}@example.com`;
        up.next = {
          scope: 'identity.basic,identity.email',
          tokenExtra: { ok: true, team: { id: 'T0001' } },
          api: { '/slack/api/users.identity': { body: { ok: true, user: { name: 'Sonny', id: sub, email, image_512: 'https://slack.example/512.png' }, team: { id: 'T0001' } } } },
        };
        const { stored, auth } = await signUpThenIn('slack', sub);
        assert.equal(`${auth.origin}${auth.pathname}`, upstreamPath('/slack/oauth/authorize'));
        assert.equal(up.grants.at(-1)!.token!.get('grant_type'), 'authorization_code');
        assert.deepEqual(claimsOf(stored), {
          iss: 'https://slack.com/oauth/',
          sub,
          name: 'Sonny',
          preferred_username: 'Sonny',
          nickname: 'Sonny',
          email,
          email_verified: true,
          picture: 'https://slack.example/512.png',
          team: 'T0001',
        });
        assert.deepEqual(verifiedOf(stored), [true]);
      });

      test('Slack\'s {ok:false} answers (HTTP 200) from users.identity and oauth.access end on the error page; a scope missing from the comma-separated grant too', async () => {
        const sub = unique('U');
        up.next = { scope: 'identity.basic,identity.email', api: { '/slack/api/users.identity': { body: { ok: false, error: 'invalid_auth' } } } };
        const b = new TestBrowser();
        const err = await errorShown(b, (await viaProvider(b, 'registration', 'slack')).done);
        assert.equal(err.code, 502);
        assert.match(err.reason, /invalid_auth/);

        up.next = { scope: 'identity.basic', api: { '/slack/api/users.identity': { body: { ok: true, user: { id: sub, name: 'n', email: `${sub}@example.com` }, team: { id: 'T' } } } } };
        const b2 = new TestBrowser();
        const missing = await errorShown(b2, (await viaProvider(b2, 'registration', 'slack')).done);
        assert.match(missing.reason, /permissions were not granted/);
        assert.equal(await identityOf('slack', sub), null);

        // oauth.access refusing the code answers HTTP 200 with {ok:false, error}: a refused code, a 400.
        up.next = { tokenAnswer: { status: 200, body: { ok: false, error: 'invalid_code' } } };
        const b3 = new TestBrowser();
        const refused = await errorShown(b3, (await viaProvider(b3, 'registration', 'slack')).done);
        assert.equal(refused.code, 400);
        assert.match(refused.reason, /refused the authorization code \(invalid_code\)/);
      });
    });

    describe('facebook', () => {
      test('the user from the Graph /me with appsecret_proof; the address Facebook gives is confirmed, so verified', async () => {
        const id = numericId();
        const email = `${unique('fb')}@example.com`;
        up.next = {
          api: {
            '/graph/me': {
              body: { id, name: 'Mark Z', first_name: 'Mark', last_name: 'Z', email, picture: { data: { height: 50, is_silhouette: false, url: 'https://fb.example/p.jpg', width: 50 } }, birthday: '05/14/1984', gender: 'male' },
            },
          },
        };
        const { stored, auth } = await signUpThenIn('fb', id);
        assert.equal(`${auth.origin}${auth.pathname}`, upstreamPath('/fb/dialog/oauth'));
        const call = up.calls.filter((c) => c.path === '/graph/me').at(-1)!;
        const token = call.headers.authorization!.replace(/^Bearer /, '');
        assert.equal(call.query.get('appsecret_proof'), createHmac('sha256', up.clientSecret).update(token).digest('hex'));
        assert.equal(call.query.get('fields'), 'id,name,first_name,last_name,middle_name,email,picture,birthday,gender');
        assert.deepEqual(claimsOf(stored), {
          iss: upstreamPath('/graph/me'),
          sub: id,
          name: 'Mark Z',
          given_name: 'Mark',
          family_name: 'Z',
          nickname: 'Mark Z',
          preferred_username: 'Mark Z',
          picture: 'https://fb.example/p.jpg',
          email,
          email_verified: true,
          gender: 'male',
          birthdate: '05/14/1984',
        });
        assert.deepEqual(verifiedOf(stored), [true]);
      });

      test('a user who declined the email permission is not verified and is sent to the sign-up form for the missing address', async () => {
        const id = numericId();
        up.next = { api: { '/graph/me': { body: { id, name: 'No Mail', first_name: 'No', last_name: 'Mail' } } } };
        const b = new TestBrowser();
        const { done } = await viaProvider(b, 'registration', 'fb');
        assert.equal(done.status, 303);
        const u = new URL(done.location!);
        assert.equal(`${u.origin}${u.pathname}`, `${UI}/registration`);
        const flow = (await b.request('GET', pub(`/self-service/registration/flows?id=${u.searchParams.get('flow')}`), { headers: { accept: 'application/json' } })).body;
        assert.deepEqual(messageIds(flow, 'traits.email'), [4000002]);
        assert.equal(await identityOf('fb', id), null);
      });
    });

    describe('patreon', () => {
      test('the user from /api/oauth2/v2/identity (JSON:API); no word on verification, so unverified; prompt=none', async () => {
        const id = numericId();
        const email = `${unique('pt')}@example.com`;
        up.next = {
          api: {
            '/patreon/api/oauth2/v2/identity': {
              body: { data: { id, type: 'user', attributes: { email, first_name: 'Pat', last_name: 'Ron', full_name: 'Pat Ron', image_url: 'https://c8.patreon.example/u.png', url: 'https://www.patreon.example/pat' } }, links: { self: 'x' } },
            },
          },
        };
        const { stored, auth } = await signUpThenIn('patreon', id);
        assert.equal(`${auth.origin}${auth.pathname}`, upstreamPath('/patreon/oauth2/authorize'));
        assert.equal(auth.searchParams.get('prompt'), 'none');
        assert.equal(auth.searchParams.get('scope'), 'identity identity[email]');
        const call = up.calls.filter((c) => c.path === '/patreon/api/oauth2/v2/identity').at(-1)!;
        assert.equal(call.query.get('fields[user]'), 'first_name,last_name,url,full_name,email,image_url');
        assert.deepEqual(claimsOf(stored), {
          iss: 'https://www.patreon.com/',
          sub: id,
          name: 'Pat Ron',
          email,
          given_name: 'Pat',
          family_name: 'Ron',
          last_name: 'Ron',
          picture: 'https://c8.patreon.example/u.png',
        });
        assert.deepEqual(verifiedOf(stored), [false]);
      });

      test('an identity answer without a user id ends on the error page without an identity', async () => {
        up.next = { api: { '/patreon/api/oauth2/v2/identity': { body: { errors: [{ code: 1, detail: 'no user' }] } } } };
        const b = new TestBrowser();
        const err = await errorShown(b, (await viaProvider(b, 'registration', 'patreon')).done);
        assert.equal(err.code, 502);
        assert.match(err.reason, /did not say who the user is/);
      });
    });

    describe('vk', () => {
      test('the user from users.get (token in the URL, v=5.103), the address from the token response; never verified', async () => {
        const id = Number(numericId().slice(0, 9));
        const email = `${unique('vk')}@example.com`;
        up.next = {
          tokenExtra: { email, user_id: id, expires_in: 86400 },
          api: { '/vkapi/method/users.get': { body: { response: [{ id, first_name: 'Pavel', last_name: 'D', nickname: '', photo_200: 'https://vk.example/200.jpg', sex: 2, bdate: '10.10.1984', can_access_closed: true, is_closed: false }] } } },
        };
        const { stored, auth } = await signUpThenIn('vk', String(id));
        assert.equal(`${auth.origin}${auth.pathname}`, upstreamPath('/vk/authorize'));
        const call = up.calls.filter((c) => c.path === '/vkapi/method/users.get').at(-1)!;
        assert.equal(call.query.get('v'), '5.103');
        assert.equal(call.query.get('fields'), 'photo_200,nickname,bdate,sex');
        assert.equal(call.query.get('access_token'), call.headers.authorization!.replace(/^Bearer /, ''));
        assert.deepEqual(claimsOf(stored), {
          iss: 'https://api.vk.com/method/users.get',
          sub: String(id),
          given_name: 'Pavel',
          family_name: 'D',
          picture: 'https://vk.example/200.jpg',
          email,
          gender: 'male',
          birthdate: '10.10.1984',
        });
        assert.deepEqual(verifiedOf(stored), [false]);
      });

      test('VK\'s error envelope (HTTP 200, no user) ends on the error page', async () => {
        up.next = { api: { '/vkapi/method/users.get': { body: { error: { error_code: 5, error_msg: 'User authorization failed: invalid access_token (4).' } } } } };
        const b = new TestBrowser();
        const err = await errorShown(b, (await viaProvider(b, 'registration', 'vk')).done);
        assert.equal(err.code, 502);
        assert.match(err.reason, /VK did not return a user/);
      });
    });

    describe('lark', () => {
      test('the user from the passport /userinfo: open_id is the subject, the mobile the phone number; not verified', async () => {
        const openId = unique('ou');
        const email = `${unique('lark')}@example.com`;
        up.next = {
          api: {
            '/lark/suite/passport/oauth/userinfo': {
              body: { sub: 'tenant-sub', name: 'Li Lei', picture: 'https://lark.example/p', open_id: openId, union_id: 'on_1', en_name: 'Li', tenant_key: 'tk', avatar_url: 'https://lark.example/a', avatar_thumb: 'https://lark.example/t', email, user_id: 'u1', mobile: '+8613800000000' },
            },
          },
        };
        const { stored, auth } = await signUpThenIn('lark', openId);
        assert.equal(`${auth.origin}${auth.pathname}`, upstreamPath('/lark/suite/passport/oauth/authorize'));
        assert.equal(up.grants.at(-1)!.token!.get('client_secret'), up.clientSecret, 'client credentials in the body, as Lark wants them');
        assert.deepEqual(claimsOf(stored), {
          iss: upstreamPath('/lark/suite/passport/oauth/userinfo'),
          sub: openId,
          name: 'Li Lei',
          nickname: 'Li Lei',
          picture: 'https://lark.example/a',
          email,
          phone_number: '+8613800000000',
        });
        assert.deepEqual(verifiedOf(stored), [false]);
        assert.equal(await identityOf('lark', 'tenant-sub'), null, 'open_id, not sub, is the subject');
      });

      test('a failing userinfo (500) ends on the error page', async () => {
        up.next = { api: { '/lark/suite/passport/oauth/userinfo': { status: 500, body: { code: 20001, msg: 'internal' } } } };
        const b = new TestBrowser();
        const err = await errorShown(b, (await viaProvider(b, 'registration', 'lark')).done);
        assert.equal(err.code, 502);
      });
    });

    describe('salesforce', () => {
      test('the user from /services/oauth2/userinfo of the instance; updated_at as seconds; verified as Salesforce says', async () => {
        const sub = `https://login.salesforce.example/id/00Dx0000000A/${unique('005')}`;
        const email = `${unique('sf')}@example.com`;
        up.next = {
          api: {
            '/sf/services/oauth2/userinfo': {
              body: {
                sub, user_id: '005x', organization_id: '00Dx', preferred_username: 'sam@sf.example', nickname: 'sam', name: 'Sam Force', email, email_verified: true,
                given_name: 'Sam', family_name: 'Force', zoneinfo: 'America/Los_Angeles', photos: { picture: 'https://sf.example/p' }, picture: 'https://sf.example/p', profile: 'https://sf.example/005x',
                locale: 'en_US', active: true, user_type: 'STANDARD', updated_at: '2023-08-24T12:34:56Z',
              },
            },
          },
        };
        const { stored, auth } = await signUpThenIn('sf', sub);
        assert.equal(`${auth.origin}${auth.pathname}`, upstreamPath('/sf/services/oauth2/authorize'));
        assert.deepEqual(claimsOf(stored), {
          iss: upstreamPath('/sf'),
          sub,
          name: 'Sam Force',
          given_name: 'Sam',
          family_name: 'Force',
          nickname: 'sam',
          preferred_username: 'sam@sf.example',
          profile: 'https://sf.example/005x',
          picture: 'https://sf.example/p',
          email,
          email_verified: true,
          zoneinfo: 'America/Los_Angeles',
          locale: 'en_US',
          updated_at: 1692880496,
        });
        assert.deepEqual(verifiedOf(stored), [true]);
      });

      test('an unverified address stays unverified', async () => {
        const sub = `https://login.salesforce.example/id/00Dx/${unique('005')}`;
        const email = `${unique('sf')}@example.com`;
        up.next = { api: { '/sf/services/oauth2/userinfo': { body: { sub, email, email_verified: false } } } };
        const { stored } = await signUpThenIn('sf', sub);
        assert.deepEqual(verifiedOf(stored), [false]);
      });
    });

    describe('linkedin (the older sign-in)', () => {
      const profile = (id: string) => ({
        id,
        localizedFirstName: 'Reid',
        localizedLastName: 'H',
        profilePicture: {
          displayImage: 'urn:li:digitalmediaAsset:C4',
          'displayImage~': { elements: [100, 200, 400, 800].map((px) => ({ identifiers: [{ identifier: `https://media.example/${px}.jpg`, identifierType: 'EXTERNAL_URL' }] })) },
        },
      });

      test('the profile from /v2/me, the address from /v2/emailAddress; the third picture size; not verified', async () => {
        const id = unique('li');
        const email = `${id}@example.com`;
        up.next = {
          api: {
            '/liapi/v2/me': { body: profile(id) },
            '/liapi/v2/emailAddress': { body: { elements: [{ handle: 'urn:li:emailAddress:1', 'handle~': { emailAddress: email } }] } },
          },
        };
        const { stored, auth } = await signUpThenIn('li', id);
        assert.equal(`${auth.origin}${auth.pathname}`, upstreamPath('/li/oauth/v2/authorization'));
        assert.equal(up.grants.at(-1)!.token!.get('client_id'), 'li-client', 'the code went to /oauth/v2/accessToken');
        assert.equal(up.calls.filter((c) => c.path === '/liapi/v2/emailAddress').at(-1)!.query.get('q'), 'members');
        assert.deepEqual(claimsOf(stored), {
          iss: 'https://login.linkedin.com/',
          sub: id,
          email,
          given_name: 'Reid',
          last_name: 'H',
          picture: 'https://media.example/400.jpg',
        });
        assert.deepEqual(verifiedOf(stored), [false]);
      });

      test('a refused /v2/emailAddress (403, r_emailaddress not granted) ends on the error page without an identity', async () => {
        const id = unique('li');
        up.next = { api: { '/liapi/v2/me': { body: profile(id) }, '/liapi/v2/emailAddress': { status: 403, body: { serviceErrorCode: 100, message: 'Not enough permissions', status: 403 } } } };
        const b = new TestBrowser();
        const err = await errorShown(b, (await viaProvider(b, 'registration', 'li')).done);
        assert.equal(err.code, 502);
        assert.equal(await identityOf('li', id), null);
      });
    });

    describe('linkedin_v2 and netid (OpenID Connect with the user info)', () => {
      const oidc = (issuerPath: string, clientId: string, sub: string, userinfo: Record<string, unknown>, idExtra: Record<string, unknown> = {}) => {
        up.next = {
          idToken: (nonce) => ({ iss: upstreamPath(issuerPath), aud: clientId, sub, nonce, ...idExtra }),
          api: { [`${issuerPath}/userinfo`]: { body: userinfo } },
        };
      };

      test('linkedin_v2: the ID token checked, the user info added; LinkedIn\'s locale object becomes "en-US"; verified as LinkedIn says', async () => {
        const sub = unique('li2');
        const email = `${sub}@example.com`;
        oidc('/linkedin', 'li2-client', sub, { sub, name: 'Ada L', given_name: 'Ada', family_name: 'L', picture: 'https://media.example/ada.jpg', locale: { country: 'US', language: 'en' }, email, email_verified: true });
        const { stored, auth } = await signUpThenIn('li2', sub);
        assert.equal(`${auth.origin}${auth.pathname}`, upstreamPath('/linkedin/auth/authorize'));
        assert.deepEqual(auth.searchParams.get('scope')!.split(' ').sort(), ['email', 'openid', 'profile']);
        assert.ok(auth.searchParams.get('nonce'));
        const claims = claimsOf(stored);
        assert.equal(claims.iss, upstreamPath('/linkedin'));
        assert.equal(claims.sub, sub);
        assert.equal(claims.email, email);
        assert.equal(claims.email_verified, true);
        assert.equal(claims.name, 'Ada L');
        assert.equal(claims.picture, 'https://media.example/ada.jpg');
        assert.equal(claims.locale, 'en-US');
        assert.deepEqual(verifiedOf(stored), [true]);
      });

      test('linkedin_v2: an ID token for another client is refused without an identity', async () => {
        const sub = unique('li2');
        oidc('/linkedin', 'li2-client', sub, { sub, email: `${sub}@example.com` }, { aud: 'another-client' });
        const b = new TestBrowser();
        const err = await errorShown(b, (await viaProvider(b, 'registration', 'li2')).done);
        assert.equal(err.code, 400);
        assert.equal(await identityOf('li2', sub), null);
      });

      test('netid: the claims from the broker\'s user info, the subject from the ID token; an unverified address stays unverified', async () => {
        const sub = unique('netid');
        const email = `${sub}@example.com`;
        oidc('/netid', 'netid-client', sub, { sub, email, email_verified: false, given_name: 'Nina', family_name: 'Net', birthdate: '1990-01-01', gender: 'female' });
        const { stored, auth } = await signUpThenIn('netid', sub);
        assert.equal(`${auth.origin}${auth.pathname}`, upstreamPath('/netid/auth/authorize'));
        assert.ok(auth.searchParams.get('scope')!.split(' ').includes('openid'));
        const claims = claimsOf(stored);
        assert.equal(claims.iss, upstreamPath('/netid'));
        assert.equal(claims.sub, sub);
        assert.equal(claims.email, email);
        assert.equal(claims.email_verified, false);
        assert.equal(claims.given_name, 'Nina');
        assert.equal(claims.birthdate, '1990-01-01');
        assert.deepEqual(verifiedOf(stored), [false]);
        assert.equal(up.grants.at(-1)!.token!.get('code_verifier') !== null, true, 'PKCE, as the broker announces S256');
      });

      test('netid: user info about another subject than the ID token is not used; nothing is created', async () => {
        const sub = unique('netid');
        oidc('/netid', 'netid-client', sub, { sub: 'someone-else', email: `${sub}@example.com`, email_verified: true });
        const b = new TestBrowser();
        const err = await errorShown(b, (await viaProvider(b, 'registration', 'netid')).done);
        assert.equal(err.code, 400);
        assert.match(err.reason, /sub \(Subject\) claim mismatch/);
        assert.equal(await identityOf('netid', sub), null);
        assert.equal(await identityOf('netid', 'someone-else'), null);
      });
    });
  });
}
