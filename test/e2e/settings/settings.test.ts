import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { TestBrowser, messageIds, nodeValue } from '../../testkit/browser.js';
import { TestMailbox, codeIn, mailboxConfig, runCourier } from '../../testkit/mailbox.js';

const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const PASSWORD = 'a sufficiently long passphrase 42';
const NEW_PASSWORD = 'another quite long passphrase 77';
const UI = 'http://127.0.0.1:4455';

for (const factory of testDatabases()) {
  describe(`settings flow (profile and password) on ${factory.name}`, () => {
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
          selfservice: {
            default_browser_return_url: `${UI}/welcome`,
            allowed_return_urls: [`${UI}/app`],
            methods: { password: { config: { haveibeenpwned_enabled: false } } },
            flows: {
              login: { ui_url: `${UI}/login` },
              settings: { ui_url: `${UI}/settings` },
              registration: { ui_url: `${UI}/registration`, after: { password: { hooks: [{ hook: 'session' }] } } },
              error: { ui_url: `${UI}/error` },
              verification: { enabled: true, use: 'code', ui_url: `${UI}/verification` },
            },
          },
        },
      });
      stopCourier = runCourier(s);
    });
    after(async () => {
      await stopCourier?.();
      await mailbox?.stop();
      await s?.close();
      await db?.drop();
    });

    const auth = (token: string) => ({ headers: { 'x-session-token': token } });

    /** A new identity signed in through the native API: its session token and id. */
    async function apiUser(prefix: string) {
      const addr = email(prefix);
      const flow = await s.publicApi.get('/self-service/registration/api');
      const res = await s.publicApi.post(`/self-service/registration?flow=${flow.body.id}`, { method: 'password', traits: { email: addr, name: { first: 'Ada' } }, password: PASSWORD });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return { addr, token: res.body.session_token as string, id: res.body.identity.id as string, sessionId: res.body.session.id as string };
    }

    async function apiLogin(identifier: string, password: string, headers: Record<string, string> = {}, query = '') {
      const flow = await s.publicApi.get(`/self-service/login/api${query}`, { headers });
      assert.equal(flow.status, 200, JSON.stringify(flow.body));
      return s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'password', identifier, password }, { headers });
    }

    /** Makes a session look as if it signed in two hours ago (no longer privileged). */
    async function ageSession(sessionId: string) {
      const session = (await s.registry.persister.sessions.getSession(sessionId))!;
      session.authenticated_at = new Date(Date.now() - 2 * 3600_000);
      await s.registry.persister.sessions.updateSession(session);
    }

    async function apiSettingsFlow(token: string) {
      const flow = await s.publicApi.get('/self-service/settings/api', auth(token));
      assert.equal(flow.status, 200, JSON.stringify(flow.body));
      return flow.body;
    }

    /** A browser signed up with the session hook; returns it with its address and session id. */
    async function browserUser(prefix: string, spa = false) {
      const b = new TestBrowser({ spa });
      const addr = email(prefix);
      const init = await b.get(pub('/self-service/registration/browser'), { accept: 'text/html' });
      const id = new URL(init.location!).searchParams.get('flow')!;
      const flow = await b.request('GET', pub(`/self-service/registration/flows?id=${id}`), { headers: { accept: 'application/json' } });
      const res = await b.postForm(flow.body.ui.action, { csrf_token: String(nodeValue(flow.body, 'csrf_token')), method: 'password', 'traits.email': addr, 'traits.name.first': 'Bea', password: PASSWORD }, { accept: 'text/html' });
      assert.equal(res.status, 303);
      const me = await b.request('GET', pub('/sessions/whoami'), { headers: { accept: 'application/json' } });
      return { b, addr, sessionId: me.body.id as string, identityId: me.body.identity.id as string };
    }

    /** Starts a browser settings flow as a browser navigates, and reads it as the UI would. */
    async function browserSettingsFlow(b: TestBrowser, query = '') {
      const init = await b.get(pub(`/self-service/settings/browser${query}`), { accept: 'text/html' });
      assert.equal(init.status, 303, JSON.stringify(init.body));
      const location = new URL(init.location!);
      assert.equal(`${location.origin}${location.pathname}`, `${UI}/settings`);
      const flow = await b.request('GET', pub(`/self-service/settings/flows?id=${location.searchParams.get('flow')}`), { headers: { accept: 'application/json' } });
      assert.equal(flow.status, 200, JSON.stringify(flow.body));
      return flow.body;
    }

    test('without a session: API 401 session_inactive, browsers are sent to sign in, SPAs get 401', async () => {
      const api = await s.publicApi.get('/self-service/settings/api');
      assert.equal(api.status, 401);
      assert.equal(api.body.error.id, 'session_inactive');

      const b = new TestBrowser();
      const nav = await b.get(pub(`/self-service/settings/browser?return_to=${encodeURIComponent(`${UI}/app/profile`)}`));
      assert.equal(nav.status, 303);
      const to = new URL(nav.location!);
      assert.equal(to.pathname, '/self-service/login/browser');
      assert.equal(to.searchParams.get('return_to'), `${UI}/app/profile`);

      const spa = await new TestBrowser({ spa: true }).get(pub('/self-service/settings/browser'));
      assert.equal(spa.status, 401);
      assert.equal(spa.body.error.id, 'session_inactive');

      const read = await s.publicApi.get(`/self-service/settings/flows?id=${crypto.randomUUID()}`);
      assert.equal(read.status, 401);
    });

    test('the form: CSRF, the traits with their values, profile and password groups with Save buttons', async () => {
      const u = await apiUser('form');
      const flow = await apiSettingsFlow(u.token);
      assert.equal(flow.state, 'show_form');
      assert.equal(flow.identity.id, u.id);
      assert.equal(flow.identity.traits.email, u.addr);
      assert.equal(flow.identity.credentials, undefined, 'no credentials in the public flow');
      assert.equal(flow.ui.action, `${s.publicUrl}self-service/settings?flow=${flow.id}`);
      const names = flow.ui.nodes.map((n: { group: string; attributes: { name: string } }) => `${n.group}:${n.attributes.name}`);
      assert.deepEqual(names, ['default:csrf_token', 'profile:traits.email', 'profile:traits.name.first', 'profile:traits.name.last', 'profile:traits.age', 'profile:method', 'password:password', 'password:method']);
      assert.equal(nodeValue(flow, 'traits.email'), u.addr);
      assert.equal(nodeValue(flow, 'traits.name.first'), 'Ada');
      const buttons = flow.ui.nodes.filter((n: { attributes: { name: string } }) => n.attributes.name === 'method');
      assert.deepEqual(buttons.map((n: { attributes: { value: string }; meta: { label: { id: number } } }) => [n.attributes.value, n.meta.label.id]), [['profile', 1070003], ['password', 1070003]]);
      const pw = flow.ui.nodes.find((n: { attributes: { name: string } }) => n.attributes.name === 'password');
      assert.equal(pw.attributes.autocomplete, 'new-password');
      const again = await s.publicApi.get(`/self-service/settings/flows?id=${flow.id}`, auth(u.token));
      assert.equal(again.status, 200);
      assert.equal(again.body.id, flow.id);
    });

    test('API: changing the name is saved with the success message; invalid traits get messages', async () => {
      const u = await apiUser('name');
      const flow = await apiSettingsFlow(u.token);
      const res = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { method: 'profile', traits: { email: u.addr, name: { first: 'Grace', last: 'Hopper' } } }, auth(u.token));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.state, 'success');
      assert.deepEqual(messageIds(res.body), [1050001]);
      assert.equal(nodeValue(res.body, 'traits.name.first'), 'Grace');
      assert.equal(res.body.identity.traits.name.last, 'Hopper');
      const stored = await s.adminApi.get(`/admin/identities/${u.id}`);
      assert.deepEqual(stored.body.traits.name, { first: 'Grace', last: 'Hopper' });

      const bad = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { method: 'profile', traits: { email: u.addr, age: -4 } }, auth(u.token));
      assert.equal(bad.status, 400);
      assert.equal(bad.body.state, 'show_form');
      assert.equal(messageIds(bad.body, 'traits.age').length, 1);
      assert.equal(nodeValue(bad.body, 'traits.age'), -4);
      const unchanged = await s.adminApi.get(`/admin/identities/${u.id}`);
      assert.equal(unchanged.body.traits.age, undefined);

      const none = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { method: 'profile' }, auth(u.token));
      assert.equal(none.status, 400);
      const unknown = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { method: 'nope' }, auth(u.token));
      assert.equal(unknown.status, 400);
    });

    test('API: a new email with a fresh session is saved unverified; with an old session a refresh is required first', async () => {
      const u = await apiUser('mail');
      const flow = await apiSettingsFlow(u.token);
      const fresh = email('mail-new');
      const res = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { method: 'profile', traits: { email: fresh } }, auth(u.token));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const stored = await s.adminApi.get(`/admin/identities/${u.id}`);
      assert.equal(stored.body.traits.email, fresh);
      assert.deepEqual(stored.body.verifiable_addresses.map((a: { value: string; verified: boolean }) => [a.value, a.verified]), [[fresh, false]]);
      assert.equal((await apiLogin(fresh, PASSWORD)).status, 200, 'the new address is the login identifier');
      // The new address is sent a verification code, and the client is told where to enter it.
      const verify = res.body.continue_with.find((c: { action: string }) => c.action === 'show_verification_ui');
      assert.equal(verify.flow.verifiable_address, fresh);
      const code = codeIn(await mailbox.waitFor(fresh));
      const verified = await s.publicApi.post(`/self-service/verification?flow=${verify.flow.id}`, { method: 'code', code });
      assert.equal(verified.status, 200, JSON.stringify(verified.body));
      assert.equal(verified.body.state, 'passed_challenge');
      assert.equal((await s.adminApi.get(`/admin/identities/${u.id}`)).body.verifiable_addresses[0].verified, true);

      await ageSession(u.sessionId);
      const later = email('mail-later');
      const refused = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { method: 'profile', traits: { email: later } }, auth(u.token));
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.id, 'session_refresh_required');
      const to = new URL(refused.body.redirect_browser_to);
      assert.equal(to.pathname, '/self-service/login/browser');
      assert.equal(to.searchParams.get('refresh'), 'true');
      assert.equal(to.searchParams.get('return_to'), `${s.publicUrl}self-service/settings?flow=${flow.id}`);
      assert.equal((await s.adminApi.get(`/admin/identities/${u.id}`)).body.traits.email, fresh);

      // A name change touches nothing protected: an old session may make it.
      const name = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { method: 'profile', traits: { email: fresh, name: { first: 'Old' } } }, auth(u.token));
      assert.equal(name.status, 200);

      const refreshed = await apiLogin(fresh, PASSWORD, { 'x-session-token': u.token }, '?refresh=true');
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
      const resubmitted = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { method: 'profile', traits: { email: later } }, auth(u.token));
      assert.equal(resubmitted.status, 200);
      assert.equal((await s.adminApi.get(`/admin/identities/${u.id}`)).body.traits.email, later);
    });

    test('API: changing the password (privileged), the policy, the same password, and sessions staying', async () => {
      const u = await apiUser('pw');
      const other = await apiLogin(u.addr, PASSWORD);
      const flow = await apiSettingsFlow(u.token);

      const weak = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { method: 'password', password: 'short' }, auth(u.token));
      assert.equal(weak.status, 400);
      assert.equal(messageIds(weak.body, 'password').length, 1);
      assert.equal(nodeValue(weak.body, 'password'), undefined, 'a password is never echoed');
      const same = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { method: 'password', password: PASSWORD }, auth(u.token));
      assert.equal(same.status, 400);
      assert.deepEqual(messageIds(same.body, 'password'), [4000039]);
      const empty = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { method: 'password', password: '' }, auth(u.token));
      assert.equal(empty.status, 400);

      const ok = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { method: 'password', password: NEW_PASSWORD }, auth(u.token));
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.deepEqual(messageIds(ok.body), [1050001]);
      assert.equal((await apiLogin(u.addr, PASSWORD)).status, 400, 'the old password no longer works');
      assert.equal((await apiLogin(u.addr, NEW_PASSWORD)).status, 200);
      assert.equal((await s.publicApi.get('/sessions/whoami', auth(u.token))).status, 200, 'the current session stays');
      assert.equal((await s.publicApi.get('/sessions/whoami', auth(other.body.session_token))).status, 200, 'other sessions stay without the hook');

      await ageSession(u.sessionId);
      const old = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { method: 'password', password: 'yet another long passphrase 99' }, auth(u.token));
      assert.equal(old.status, 403);
      assert.equal(old.body.error.id, 'session_refresh_required');
      assert.equal((await apiLogin(u.addr, NEW_PASSWORD)).status, 200, 'nothing changed');
    });

    test('the revoke_active_sessions hook ends the other sessions, not the current one', async () => {
      const settings = s.registry.config.values.selfservice.flows.settings;
      const previous = settings.after;
      settings.after = { ...previous, password: { hooks: [{ hook: 'revoke_active_sessions' }] } } as typeof previous;
      try {
        const u = await apiUser('revoke');
        const other = await apiLogin(u.addr, PASSWORD);
        const flow = await apiSettingsFlow(u.token);
        const ok = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { method: 'password', password: NEW_PASSWORD }, auth(u.token));
        assert.equal(ok.status, 200);
        assert.equal((await s.publicApi.get('/sessions/whoami', auth(u.token))).status, 200);
        assert.equal((await s.publicApi.get('/sessions/whoami', auth(other.body.session_token))).status, 401);
      } finally {
        settings.after = previous;
      }
    });

    test("another user's flow is a 403; an expired flow is a 410 pointing at a new flow", async () => {
      const a = await apiUser('owner');
      const b = await apiUser('intruder');
      const flow = await apiSettingsFlow(a.token);
      const read = await s.publicApi.get(`/self-service/settings/flows?id=${flow.id}`, auth(b.token));
      assert.equal(read.status, 403);
      assert.equal(read.body.error.id, 'security_identity_mismatch');
      const post = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { method: 'profile', traits: { email: b.addr, name: { first: 'Mallory' } } }, auth(b.token));
      assert.equal(post.status, 403);
      assert.equal(post.body.error.id, 'security_identity_mismatch');
      assert.equal((await s.adminApi.get(`/admin/identities/${a.id}`)).body.traits.name.first, 'Ada');

      const stored = (await s.registry.persister.flows.getFlow(flow.id, 'settings'))!;
      stored.expires_at = new Date(Date.now() - 60_000);
      await s.registry.persister.flows.updateFlow(stored);
      const expiredRead = await s.publicApi.get(`/self-service/settings/flows?id=${flow.id}`, auth(a.token));
      assert.equal(expiredRead.status, 410);
      assert.equal((await s.publicApi.get(`/self-service/settings/flows?id=${flow.id}`, auth(b.token))).status, 403);
      const expired = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { method: 'profile', traits: { email: a.addr, name: { first: 'Late' } } }, auth(a.token));
      assert.equal(expired.status, 410);
      assert.equal(expired.body.error.id, 'self_service_flow_expired');
      const replacement = await s.publicApi.get(`/self-service/settings/flows?id=${expired.body.use_flow_id}`, auth(a.token));
      assert.equal(replacement.status, 200);
      assert.deepEqual(messageIds(replacement.body), [4050001]);
      assert.equal((await s.adminApi.get(`/admin/identities/${a.id}`)).body.traits.name.first, 'Ada');
    });

    test('browser: form posts save and show the settings UI again; CSRF is required', async () => {
      const { b, identityId } = await browserUser('browser');
      const flow = await browserSettingsFlow(b);
      const csrf = String(nodeValue(flow, 'csrf_token'));
      const res = await b.postForm(flow.ui.action, { csrf_token: csrf, method: 'profile', 'traits.email': String(nodeValue(flow, 'traits.email')), 'traits.name.first': 'Form', 'traits.age': '41' });
      assert.equal(res.status, 303);
      assert.equal(res.location, `${UI}/settings?flow=${flow.id}`);
      const shown = await b.request('GET', pub(`/self-service/settings/flows?id=${flow.id}`), { headers: { accept: 'application/json' } });
      assert.equal(shown.body.state, 'success');
      assert.deepEqual(messageIds(shown.body), [1050001]);
      assert.equal(nodeValue(shown.body, 'traits.age'), 41, 'form values are typed by the schema');

      const noCsrf = await b.postForm(flow.ui.action, { method: 'profile', 'traits.email': String(nodeValue(flow, 'traits.email')), 'traits.name.first': 'Forged' });
      assert.equal(noCsrf.status, 303);
      assert.match(noCsrf.location!, new RegExp(`^${UI}/error\\?id=`));
      const spa = await b.postJson(flow.ui.action, { method: 'profile', csrf_token: 'wrong', traits: { email: String(nodeValue(flow, 'traits.email')), name: { first: 'Forged' } } }, { accept: 'application/json' });
      assert.equal(spa.status, 403);
      assert.equal(spa.body.error.id, 'security_csrf_violation');
      assert.equal((await s.adminApi.get(`/admin/identities/${identityId}`)).body.traits.name.first, 'Form');

      const invalid = await b.postForm(flow.ui.action, { csrf_token: csrf, method: 'profile', 'traits.email': 'not an email' });
      assert.equal(invalid.status, 303);
      assert.equal(invalid.location, `${UI}/settings?flow=${flow.id}`);
      const withMessages = await b.request('GET', pub(`/self-service/settings/flows?id=${flow.id}`), { headers: { accept: 'application/json' } });
      assert.equal(messageIds(withMessages.body, 'traits.email').length, 1);

      // Signed out, the browser is sent to sign in; a JSON client gets 401.
      const signedOut = new TestBrowser();
      for (const [k, v] of b.cookies) if (!k.startsWith('ory_kratos_session')) signedOut.cookies.set(k, v);
      const anonymous = await signedOut.postForm(flow.ui.action, { csrf_token: csrf, method: 'profile', 'traits.email': String(nodeValue(flow, 'traits.email')), 'traits.name.first': 'Anon' });
      assert.equal(anonymous.status, 303);
      assert.equal(new URL(anonymous.location!).pathname, '/self-service/login/browser');
      const anonymousJson = await signedOut.postJson(flow.ui.action, { csrf_token: csrf, method: 'profile', traits: { email: String(nodeValue(flow, 'traits.email')) } }, { accept: 'application/json' });
      assert.equal(anonymousJson.status, 401);
      assert.equal((await s.adminApi.get(`/admin/identities/${identityId}`)).body.traits.name.first, 'Form');

      const wellKnown = await b.get(pub('/.well-known/change-password'));
      assert.equal(wellKnown.status, 303);
      assert.equal(wellKnown.location, `${UI}/settings`);

      const back = await browserSettingsFlow(b, `?return_to=${encodeURIComponent(`${UI}/app/done`)}`);
      const done = await b.postForm(back.ui.action, { csrf_token: String(nodeValue(back, 'csrf_token')), method: 'profile', 'traits.email': String(nodeValue(back, 'traits.email')), 'traits.name.first': 'Back' });
      assert.equal(done.status, 303);
      assert.equal(done.location, `${UI}/app/done`);
    });

    test('browser: a protected change with an old session goes through a refresh login and is applied on return', async () => {
      const { b, addr, sessionId, identityId } = await browserUser('continuity');
      const flow = await browserSettingsFlow(b);
      await ageSession(sessionId);
      const next = email('continuity-new');
      const res = await b.postForm(flow.ui.action, { csrf_token: String(nodeValue(flow, 'csrf_token')), method: 'profile', 'traits.email': next, 'traits.name.first': 'Bea' });
      assert.equal(res.status, 303);
      const login = new URL(res.location!);
      assert.equal(login.pathname, '/self-service/login/browser');
      assert.equal(login.searchParams.get('refresh'), 'true');
      assert.equal((await s.adminApi.get(`/admin/identities/${identityId}`)).body.traits.email, addr, 'not applied yet');

      // The refresh login, as the login UI does it.
      const init = await b.get(login.toString());
      assert.equal(init.status, 303);
      const loginFlowId = new URL(init.location!).searchParams.get('flow')!;
      const loginFlow = await b.request('GET', pub(`/self-service/login/flows?id=${loginFlowId}`), { headers: { accept: 'application/json' } });
      const signedIn = await b.postForm(loginFlow.body.ui.action, { csrf_token: String(nodeValue(loginFlow.body, 'csrf_token')), method: 'password', identifier: addr, password: PASSWORD });
      assert.equal(signedIn.status, 303);
      assert.equal(signedIn.location, `${s.publicUrl}self-service/settings?flow=${flow.id}`);

      const resumed = await b.get(signedIn.location!);
      assert.equal(resumed.status, 303);
      assert.equal(resumed.location, `${UI}/settings?flow=${flow.id}`);
      const stored = await s.adminApi.get(`/admin/identities/${identityId}`);
      assert.equal(stored.body.traits.email, next);
      assert.deepEqual(stored.body.verifiable_addresses.map((a: { value: string; verified: boolean }) => [a.value, a.verified]), [[next, false]]);
      assert.match(codeIn(await mailbox.waitFor(next)), /^\d{6}$/, 'the new address is sent a verification code');
      const shown = await b.request('GET', pub(`/self-service/settings/flows?id=${flow.id}`), { headers: { accept: 'application/json' } });
      assert.equal(shown.status, 200, JSON.stringify(shown.body));
      assert.equal(shown.body.state, 'success');
      assert.equal(nodeValue(shown.body, 'traits.email'), next);

      // Coming back again applies nothing twice.
      const again = await b.get(signedIn.location!);
      assert.equal(again.status, 303);
      assert.equal(again.location, `${UI}/settings?flow=${flow.id}`);
    });

    test('browser: a password change waits for the refresh login too, keeping only its hash', async () => {
      const { b, addr, sessionId } = await browserUser('pwcont');
      const flow = await browserSettingsFlow(b);
      await ageSession(sessionId);
      const res = await b.postForm(flow.ui.action, { csrf_token: String(nodeValue(flow, 'csrf_token')), method: 'password', password: NEW_PASSWORD });
      assert.equal(res.status, 303);
      const stored = (await s.registry.persister.flows.getFlow(flow.id, 'settings'))!;
      assert.doesNotMatch(JSON.stringify(stored), new RegExp(NEW_PASSWORD), 'the clear-text password is not stored');
      const login = new URL(res.location!);
      const init = await b.get(login.toString());
      const loginFlowId = new URL(init.location!).searchParams.get('flow')!;
      const loginFlow = await b.request('GET', pub(`/self-service/login/flows?id=${loginFlowId}`), { headers: { accept: 'application/json' } });
      const signedIn = await b.postForm(loginFlow.body.ui.action, { csrf_token: String(nodeValue(loginFlow.body, 'csrf_token')), method: 'password', identifier: addr, password: PASSWORD });
      const resumed = await b.get(signedIn.location!);
      assert.equal(resumed.status, 303);
      assert.equal((await apiLogin(addr, NEW_PASSWORD)).status, 200);
      assert.equal((await apiLogin(addr, PASSWORD)).status, 400);
    });

    test('SPA: JSON answers, session_refresh_required with redirect_browser_to, continue_with on success', async () => {
      const { b, sessionId } = await browserUser('spa', true);
      const init = await b.get(pub('/self-service/settings/browser'));
      assert.equal(init.status, 200);
      const flow = init.body;
      const csrf = String(nodeValue(flow, 'csrf_token'));
      const ok = await b.postJson(flow.ui.action, { csrf_token: csrf, method: 'profile', traits: { email: nodeValue(flow, 'traits.email'), name: { first: 'Spa' } } });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.state, 'success');
      assert.deepEqual(ok.body.continue_with, [{ action: 'redirect_browser_to', redirect_browser_to: `${UI}/settings?flow=${flow.id}` }]);

      await ageSession(sessionId);
      const refused = await b.postJson(flow.ui.action, { csrf_token: csrf, method: 'password', password: NEW_PASSWORD });
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.id, 'session_refresh_required');
      assert.match(refused.body.redirect_browser_to, /\/self-service\/login\/browser\?refresh=true&return_to=/);
    });
  });
}
