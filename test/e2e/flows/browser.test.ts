import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { TestBrowser, messageIds, nodeValue } from '../../testkit/browser.js';

const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const PASSWORD = 'a sufficiently long passphrase 42';
const UI = 'http://127.0.0.1:4455';

for (const factory of testDatabases()) {
  describe(`browser and SPA flows on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    const pub = (p: string) => `${s.publicUrl}${p.replace(/^\//, '')}`;

    before(async () => {
      db = await factory.create();
      s = await startTestServer({
        dsn: db.dsn,
        config: {
          selfservice: {
            default_browser_return_url: `${UI}/welcome`,
            allowed_return_urls: [`${UI}/app`, 'https://*.example.org/'],
            methods: { password: { config: { haveibeenpwned_enabled: false } } },
            flows: {
              login: { ui_url: `${UI}/login` },
              registration: { ui_url: `${UI}/registration`, after: { password: { hooks: [{ hook: 'session' }] } } },
              error: { ui_url: `${UI}/error` },
              logout: { after: { default_browser_return_url: `${UI}/bye` } },
            },
          },
        },
      });
    });
    after(async () => {
      await s?.close();
      await db?.drop();
    });

    /** Starts a browser flow the way a browser does: navigate, follow to the UI, read the flow as the UI would. */
    async function startFlow(b: TestBrowser, kind: 'login' | 'registration', query = '') {
      const init = await b.get(pub(`/self-service/${kind}/browser${query}`));
      assert.equal(init.status, 303, JSON.stringify(init.body));
      const location = new URL(init.location!);
      assert.equal(`${location.origin}${location.pathname}`, `${UI}/${kind}`);
      const id = location.searchParams.get('flow')!;
      const flow = await b.request('GET', pub(`/self-service/${kind}/flows?id=${id}`), { headers: { accept: 'application/json' } });
      assert.equal(flow.status, 200);
      return flow.body;
    }

    async function signUp(b: TestBrowser, addr: string) {
      const flow = await startFlow(b, 'registration');
      return b.postForm(flow.ui.action, { csrf_token: String(nodeValue(flow, 'csrf_token')), method: 'password', 'traits.email': addr, 'traits.name.first': 'Ada', 'traits.age': '36', password: PASSWORD });
    }

    test('browser sign-up: form post, session cookie, redirect to the default return URL', async () => {
      const b = new TestBrowser();
      const addr = email('browser');
      const res = await signUp(b, addr);
      assert.equal(res.status, 303);
      assert.equal(res.location, `${UI}/welcome`);
      const cookieLine = res.headers.getSetCookie().find((c) => c.startsWith('ory_kratos_session='))!;
      assert.match(cookieLine, /HttpOnly/i);
      assert.match(cookieLine, /Secure/i);
      assert.match(cookieLine, /SameSite=Lax/i);
      const me = await b.request('GET', pub('/sessions/whoami'), { headers: { accept: 'application/json' } });
      assert.equal(me.status, 200);
      assert.equal(me.body.identity.traits.email, addr);
      assert.equal(me.body.identity.traits.age, 36, 'form values are typed by the identity schema');

      // Signed in: starting another sign-up or sign-in just sends the browser on.
      const again = await b.get(pub('/self-service/login/browser'));
      assert.equal(again.status, 303);
      assert.equal(again.location, `${UI}/welcome`);
    });

    test('browser login failure goes back to the UI with the message on the flow; success honours return_to', async () => {
      const addr = email('login');
      await signUp(new TestBrowser(), addr);
      const b = new TestBrowser();
      const flow = await startFlow(b, 'login', `?return_to=${encodeURIComponent(`${UI}/app/settings`)}`);
      assert.equal(flow.return_to, `${UI}/app/settings`);
      const csrf = String(nodeValue(flow, 'csrf_token'));
      const bad = await b.postForm(flow.ui.action, { csrf_token: csrf, method: 'password', identifier: addr, password: 'wrong password' });
      assert.equal(bad.status, 303);
      assert.equal(bad.location, `${UI}/login?flow=${flow.id}`);
      const shown = await b.request('GET', pub(`/self-service/login/flows?id=${flow.id}`), { headers: { accept: 'application/json' } });
      assert.deepEqual(messageIds(shown.body), [4000006]);
      assert.equal(nodeValue(shown.body, 'identifier'), addr);
      const ok = await b.postForm(flow.ui.action, { csrf_token: csrf, method: 'password', identifier: addr, password: PASSWORD });
      assert.equal(ok.status, 303);
      assert.equal(ok.location, `${UI}/app/settings`);
    });

    test('CSRF: missing, wrong and foreign tokens are refused; reading a flow needs its cookie', async () => {
      const addr = email('csrf');
      await signUp(new TestBrowser(), addr);
      const victim = new TestBrowser();
      const flow = await startFlow(victim, 'login');

      // Without the CSRF cookie the flow cannot be read.
      const stranger = await fetch(pub(`/self-service/login/flows?id=${flow.id}`), { headers: { accept: 'application/json' } });
      assert.equal(stranger.status, 403);
      assert.equal(((await stranger.json()) as { error: { id: string } }).error.id, 'security_csrf_violation');

      // A browser submission without the token lands on the error page, which shows the CSRF error.
      const missing = await victim.postForm(flow.ui.action, { method: 'password', identifier: addr, password: PASSWORD });
      assert.equal(missing.status, 303);
      const errorUrl = new URL(missing.location!);
      assert.equal(`${errorUrl.origin}${errorUrl.pathname}`, `${UI}/error`);
      const shown = await victim.get(pub(`/self-service/errors?id=${errorUrl.searchParams.get('id')}`));
      assert.equal(shown.body.error.id, 'security_csrf_violation');
      assert.equal(shown.body.error.code, 403);

      const spaVictim = new TestBrowser({ spa: true });
      const spaFlow = (await spaVictim.get(pub('/self-service/login/browser'))).body;
      const wrong = await spaVictim.postJson(spaFlow.ui.action, { csrf_token: 'AAAA', method: 'password', identifier: addr, password: PASSWORD });
      assert.equal(wrong.status, 403);
      assert.equal(wrong.body.error.id, 'security_csrf_violation');

      // An attacker's own flow and token, posted with the victim's cookies (classic CSRF): refused.
      const attacker = new TestBrowser({ spa: true });
      const attackerFlow = (await attacker.get(pub('/self-service/login/browser'))).body;
      const forged = await spaVictim.postJson(attackerFlow.ui.action, { csrf_token: nodeValue(attackerFlow, 'csrf_token'), method: 'password', identifier: addr, password: PASSWORD });
      assert.equal(forged.status, 403);
      // The victim's flow replayed by another client with its own cookie: refused too.
      const replay = await attacker.postJson(spaFlow.ui.action, { csrf_token: nodeValue(spaFlow, 'csrf_token'), method: 'password', identifier: addr, password: PASSWORD });
      assert.equal(replay.status, 403);
      assert.equal((await spaVictim.get(pub('/sessions/whoami'))).status, 401);
    });

    test('return_to outside the allow list is refused and never redirected to', async () => {
      const b = new TestBrowser({ spa: true });
      for (const target of ['https://evil.example/', 'https://example.org.evil.example/', `${UI}/application`, 'javascript:alert(1)', '//evil.example/x']) {
        const res = await b.get(pub(`/self-service/login/browser?return_to=${encodeURIComponent(target)}`));
        assert.equal(res.status, 400, target);
        assert.equal(res.body.error.id, 'self_service_flow_return_to_forbidden');
      }
      const html = new TestBrowser();
      const res = await html.get(pub(`/self-service/login/browser?return_to=${encodeURIComponent('https://evil.example/')}`));
      assert.equal(res.status, 303);
      assert.ok(res.location!.startsWith(`${UI}/error?id=`), res.location!);
      const allowed = await b.get(pub(`/self-service/login/browser?return_to=${encodeURIComponent('https://shop.example.org/cart')}`));
      assert.equal(allowed.status, 200);
      assert.equal(allowed.body.return_to, 'https://shop.example.org/cart');
    });

    test('SPA mode: JSON instead of redirects, 400 flow on validation errors, cookies still set', async () => {
      const b = new TestBrowser({ spa: true });
      const flow = await b.get(pub('/self-service/registration/browser'));
      assert.equal(flow.status, 200);
      assert.equal(flow.body.type, 'browser');
      assert.ok(b.cookieNamed('csrf_token_'));
      const csrf = nodeValue(flow.body, 'csrf_token');
      const invalid = await b.postJson(flow.body.ui.action, { csrf_token: csrf, method: 'password', traits: { email: 'nope' }, password: PASSWORD });
      assert.equal(invalid.status, 400);
      assert.ok(messageIds(invalid.body, 'traits.email').length > 0);
      const addr = email('spa');
      const ok = await b.postJson(flow.body.ui.action, { csrf_token: csrf, method: 'password', traits: { email: addr }, password: PASSWORD });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.identity.traits.email, addr);
      assert.equal(ok.body.session_token, undefined, 'browser flows never hand out tokens');
      assert.ok(b.cookies.has('ory_kratos_session'));
      const already = await b.get(pub('/self-service/login/browser'));
      assert.equal(already.status, 400);
      assert.equal(already.body.error.id, 'session_already_available');
    });

    test('expired browser flows send the browser to a fresh flow with a message', async () => {
      const b = new TestBrowser();
      const flow = await startFlow(b, 'login');
      const stored = (await s.registry.persister.flows.getFlow(flow.id, 'login'))!;
      stored.expires_at = new Date(Date.now() - 1000);
      await s.registry.persister.flows.updateFlow(stored);
      const res = await b.postForm(flow.ui.action, { csrf_token: String(nodeValue(flow, 'csrf_token')), method: 'password', identifier: 'x@example.com', password: 'whatever' });
      assert.equal(res.status, 303);
      const fresh = new URL(res.location!).searchParams.get('flow')!;
      assert.notEqual(fresh, flow.id);
      const shown = await b.request('GET', pub(`/self-service/login/flows?id=${fresh}`), { headers: { accept: 'application/json' } });
      assert.deepEqual(messageIds(shown.body), [4010001]);
    });

    test('logout: the browser gets a logout URL, following it ends the session', async () => {
      const b = new TestBrowser();
      await signUp(b, email('bye'));
      const logout = await b.request('GET', pub('/self-service/logout/browser'), { headers: { accept: 'application/json' } });
      assert.equal(logout.status, 200);
      assert.match(logout.body.logout_token, /^ory_lo_/);
      const forged = await b.get(pub('/self-service/logout?token=ory_lo_forged'));
      assert.equal(forged.status, 303);
      assert.ok(forged.location!.startsWith(`${UI}/error?id=`));
      assert.equal((await b.request('GET', pub('/sessions/whoami'), { headers: { accept: 'application/json' } })).status, 200);
      const done = await b.get(logout.body.logout_url);
      assert.equal(done.status, 303);
      assert.equal(done.location, `${UI}/bye`);
      assert.equal((await b.request('GET', pub('/sessions/whoami'), { headers: { accept: 'application/json' } })).status, 401);
      assert.equal((await b.request('GET', pub('/self-service/logout/browser'), { headers: { accept: 'application/json' } })).status, 401);
    });
  });
}
