import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { testDatabases, type TestDatabase } from '../testkit/databases.js';
import { startTestServer, type TestServer } from '../testkit/server.js';
import { TestBrowser, type BrowserResponse } from '../testkit/browser.js';
import { createCourierWorker } from '../../src/courier/setup.js';
import { createDevMailboxChannel } from '../../src/courier/channels/dev-mailbox.js';
import { DevMailboxPersister } from '../../src/persistence/dev-mailbox-persister.js';

const PASSWORD = 'a sufficiently long passphrase 42';
const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;

const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#96;/g, '`').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The forms of a page: action, data-group and the inputs' names and values (hidden ones included). */
function forms(page: string): Array<{ action: string; group: string; fields: Record<string, string>; html: string }> {
  const out = [];
  for (const m of page.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const attrs = m[1]!;
    const action = unescape(/action="([^"]*)"/.exec(attrs)?.[1] ?? '');
    const group = /data-group="([^"]*)"/.exec(attrs)?.[1] ?? '';
    const fields: Record<string, string> = {};
    for (const i of m[2]!.matchAll(/<input\b([^>]*)>/g)) {
      const name = /name="([^"]*)"/.exec(i[1]!)?.[1];
      if (name) fields[unescape(name)] = unescape(/value="([^"]*)"/.exec(i[1]!)?.[1] ?? '');
    }
    out.push({ action, group, fields, html: m[0] });
  }
  return out;
}

function assertSecurityHeaders(r: BrowserResponse, publicUrl: string, what: string): void {
  const csp = r.headers.get('content-security-policy') ?? '';
  assert.ok(csp.includes("default-src 'none'"), `${what}: CSP ${csp}`);
  assert.ok(csp.includes("frame-ancestors 'none'"), `${what}: CSP ${csp}`);
  assert.ok(csp.includes("base-uri 'none'"), `${what}: CSP ${csp}`);
  assert.ok(csp.includes(`form-action 'self' ${publicUrl}`), `${what}: CSP ${csp}`);
  assert.ok(!csp.includes('script-src'), `${what}: no scripts are shipped`);
  assert.equal(r.headers.get('x-frame-options'), 'DENY', what);
  assert.equal(r.headers.get('referrer-policy'), 'no-referrer', what);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff', what);
}

for (const factory of testDatabases()) {
  describe(`built-in UI on ${factory.name}`, () => {
    let db: TestDatabase;
    let prodDb: TestDatabase;
    let s: TestServer;
    let prod: TestServer;
    const ui = (p = '') => `${s.publicUrl}ui${p}`;

    /** GETs a URL and follows redirects on the public origin, as a browser does. */
    async function follow(b: TestBrowser, url: string, limit = 8): Promise<BrowserResponse<string> & { url: string }> {
      let current = url;
      for (let i = 0; i < limit; i++) {
        const r = await b.get<string>(current);
        if (r.status < 300 || r.status >= 400 || !r.location) return { ...r, url: current };
        const next = new URL(r.location, current).toString();
        if (!next.startsWith(s.publicUrl)) return { ...r, url: current };
        current = next;
      }
      throw new Error(`too many redirects from ${url}`);
    }

    async function signUp(b: TestBrowser, addr: string, first = 'Ada') {
      const page = await follow(b, ui('/registration'));
      assert.equal(page.status, 200);
      const f = forms(page.body).find((x) => x.group === 'password')!;
      const res = await b.postForm(f.action, { ...f.fields, 'traits.email': addr, 'traits.name.first': first, password: PASSWORD, method: 'password' });
      assert.equal(res.status, 303, String(res.body));
      return res;
    }

    /** Runs a courier worker with the dev mailbox channel until a mail to `to` is in the mailbox. */
    async function deliverTo(to: string, subject: RegExp = /./) {
      const store = new DevMailboxPersister(s.registry.database.db, s.registry.database.dialect);
      const { worker, channels } = createCourierWorker(s.registry.config, s.registry.persister.courier, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), [createDevMailboxChannel(store)]);
      await channels.start();
      worker.start();
      try {
        const deadline = Date.now() + 10_000;
        for (;;) {
          const m = (await store.list()).find((x) => x.recipient === to && subject.test(x.subject));
          if (m) return m;
          assert.ok(Date.now() < deadline, `a mail to ${to} reached the dev mailbox`);
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        await worker.stop();
        await channels.close();
      }
    }

    before(async () => {
      db = await factory.create();
      prodDb = await factory.create();
      const common = {
        secrets: { default: ['test-secret-please-change-0123456789'], cipher: ['0123456789abcdef0123456789abcdef'] },
        selfservice: { methods: { password: { config: { haveibeenpwned_enabled: false } } } },
      };
      // Dev mode fills in the UI's flow URLs from the public base URL and turns the UI on.
      s = await startTestServer({ dsn: db.dsn, config: { ...common, dev: true } });
      prod = await startTestServer({ dsn: prodDb.dsn, config: { ...common, ui: { enabled: true } } });
    });
    after(async () => {
      await s?.close();
      await prod?.close();
      await db?.drop();
      await prodDb?.drop();
    });

    test('the login page without a flow goes through the API and comes back with one; the form is complete', async () => {
      const b = new TestBrowser();
      const first = await b.get(ui('/login?return_to=' + encodeURIComponent(ui('/'))));
      assert.equal(first.status, 303);
      const init = new URL(first.location!);
      assert.equal(init.toString().split('?')[0], `${s.publicUrl}self-service/login/browser`);
      assert.equal(init.searchParams.get('return_to'), ui('/'));
      const back = await b.get(init.toString());
      assert.equal(back.status, 303);
      const flowUrl = new URL(back.location!);
      assert.equal(flowUrl.pathname, '/ui/login');
      assert.ok(flowUrl.searchParams.get('flow'));

      const page = await b.get<string>(flowUrl.toString());
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      assertSecurityHeaders(page, s.publicUrl, 'login page');
      const [f] = forms(page.body);
      assert.equal(f!.group, 'password');
      assert.equal(f!.action, `${s.publicUrl}self-service/login?flow=${flowUrl.searchParams.get('flow')}`);
      assert.ok(f!.fields.csrf_token && f!.fields.csrf_token.length > 20, 'csrf token in a hidden input');
      assert.match(f!.html, /<form class="flow-form" id="login-password" data-group="password" action="[^"]+" method="POST">/);
      for (const name of ['identifier', 'password']) {
        const id = new RegExp(`<input[^>]*id="([^"]+)" name="${name}"`).exec(f!.html)?.[1];
        assert.ok(id, `input ${name}`);
        assert.match(f!.html, new RegExp(`<label for="${id}">[^<]+</label>`), `label for ${name}`);
      }
      assert.match(f!.html, /<button type="submit" class="button" id="[^"]+" name="method" value="password">Sign in with password<\/button>/);
      assert.match(page.body, /<html lang="en">/);
    });

    test('a wrong password sends the browser back to the page, which announces the error', async () => {
      const b = new TestBrowser();
      const addr = email('wrong');
      await signUp(b, addr);
      const anon = new TestBrowser();
      const page = await follow(anon, ui('/login'));
      const f = forms(page.body)[0]!;
      const res = await anon.postForm(f.action, { ...f.fields, identifier: addr, password: 'not the password at all', method: 'password' });
      assert.equal(res.status, 303);
      assert.ok(res.location!.startsWith(ui('/login?flow=')), res.location!);
      const again = await anon.get<string>(res.location!);
      assert.equal(again.status, 200);
      assert.match(again.body, /<p class="msg msg-error" role="alert" data-message-id="4000006">The provided credentials are invalid, check for spelling mistakes in your password or username, email address, or phone number.<\/p>/);
      // The identifier the user typed is kept; the password never is.
      assert.equal(forms(again.body)[0]!.fields.identifier, addr);
      assert.equal(forms(again.body)[0]!.fields.password, '');
    });

    test('a validation error sits under its input, tied to it with aria-describedby', async () => {
      const b = new TestBrowser();
      const page = await follow(b, ui('/registration'));
      const f = forms(page.body)[0]!;
      const res = await b.postForm(f.action, { ...f.fields, 'traits.email': 'not-an-email', password: PASSWORD, method: 'password' });
      assert.equal(res.status, 303);
      const again = await b.get<string>(res.location!);
      const input = /<input type="email" id="([^"]+)" name="traits.email"[^>]*aria-describedby="([^"]+)" aria-invalid="true">/.exec(again.body);
      assert.ok(input, again.body);
      assert.match(again.body, new RegExp(`<p class="msg msg-error" id="${input![2]}" role="alert" data-message-id="4000001">`));
    });

    test('sign-up leads to a home page that shows the email, escapes traits and lists other sessions', async () => {
      const b = new TestBrowser();
      const addr = email('home');
      await signUp(b, addr, '<script>alert(1)</script>');
      const home = await b.get<string>(ui('/'));
      assert.equal(home.status, 200);
      assertSecurityHeaders(home, s.publicUrl, 'home');
      assert.ok(home.body.includes(`<dt>E-Mail</dt><dd data-trait="email">${addr}</dd>`), 'traits are labelled with their schema titles');
      assert.ok(home.body.includes('<dt>First name</dt><dd data-trait="name.first">&lt;script&gt;alert(1)&lt;/script&gt;</dd>'));
      assert.ok(!home.body.includes('<script>alert(1)'));
      assert.match(home.body, /<a id="logout" href="http:\/\/127\.0\.0\.1:\d+\/self-service\/logout\?token=/);

      // A second sign-in of the same person shows up as another session, which can be revoked.
      const other = new TestBrowser();
      const lp = await follow(other, ui('/login'));
      const lf = forms(lp.body)[0]!;
      assert.equal((await other.postForm(lf.action, { ...lf.fields, identifier: addr, password: PASSWORD, method: 'password' })).status, 303);
      const withOther = await b.get<string>(ui('/'));
      const revoke = forms(withOther.body).find((x) => x.action === '/ui/sessions/revoke');
      assert.ok(revoke, 'a revoke form');
      // Without the page's token the request is refused.
      const forged = await b.postForm(ui('/sessions/revoke'), { session_id: revoke!.fields.session_id!, csrf_token: 'forged' });
      assert.equal(forged.status, 403);
      // Nor from another site, even with the token.
      const crossSite = await b.postForm(ui('/sessions/revoke'), revoke!.fields, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
      assert.equal(crossSite.status, 403);
      assertSecurityHeaders(crossSite, s.publicUrl, 'refused revoke');
      assert.equal((await other.get<string>(ui('/'))).body.includes(addr), true);
      // A browser's own post carries Origin "null" under the no-referrer policy.
      const ok = await b.postForm(ui('/sessions/revoke'), revoke!.fields, { origin: 'null', 'sec-fetch-site': 'same-origin' });
      assert.equal(ok.status, 303);
      assert.equal(ok.location, '/ui/?notice=revoked');
      const after = await b.get<string>(ui(ok.location!.slice(3)));
      assert.match(after.body, /role="status">The session was revoked\./);
      const signedOut = await other.get<string>(ui('/'));
      assert.match(signedOut.body, /You are not signed in\./);
    });

    test('the settings page renders for a signed-in user, and changes the password', async () => {
      const b = new TestBrowser();
      const addr = email('settings');
      await signUp(b, addr);
      const first = await b.get(ui('/settings'));
      assert.equal(first.status, 303);
      assert.equal(first.location, `${s.publicUrl}self-service/settings/browser`);
      const page = await follow(b, ui('/settings'));
      assert.equal(page.status, 200);
      assert.ok(page.url.startsWith(ui('/settings?flow=')), page.url);
      assertSecurityHeaders(page, s.publicUrl, 'settings');
      const f = forms(page.body);
      assert.deepEqual(
        f.map((x) => x.group),
        ['profile', 'password'],
      );
      assert.equal(f[0]!.fields['traits.email'], addr);
      assert.match(page.body, /<h2 id="settings-password-title">Password<\/h2><form [^>]*aria-labelledby="settings-password-title">/);

      const changed = await b.postForm(f[1]!.action, { ...f[1]!.fields, password: 'another long passphrase 43', method: 'password' });
      assert.equal(changed.status, 303);
      const shown = await b.get<string>(changed.location!);
      assert.match(shown.body, /role="status" data-message-id="1050001">Your changes have been saved!<\/p>/);

      // The new password signs in.
      const other = new TestBrowser();
      const lf = forms((await follow(other, ui('/login'))).body)[0]!;
      const login = await other.postForm(lf.action, { ...lf.fields, identifier: addr, password: 'another long passphrase 43', method: 'password' });
      assert.equal(login.status, 303);
      assert.ok((await other.get<string>(ui('/'))).body.includes(addr));

      // Without a session the API sends the browser to sign in first.
      const anon = await follow(new TestBrowser(), ui('/settings'));
      assert.equal(anon.status, 200);
      assert.ok(anon.url.startsWith(ui('/login?flow=')), anon.url);
    });

    test('recovery and verification pages render their flows; unknown flows start over', async () => {
      const b = new TestBrowser();
      for (const kind of ['recovery', 'verification'] as const) {
        const page = await follow(b, ui(`/${kind}`));
        assert.equal(page.status, 200, kind);
        assert.ok(page.url.startsWith(ui(`/${kind}?flow=`)));
        assertSecurityHeaders(page, s.publicUrl, kind);
        const f = forms(page.body);
        assert.ok(f.length >= 1 && f[0]!.fields.csrf_token, kind);
        assert.match(page.body, /<input type="email" id="[^"]+" name="email"/);
      }
      const unknown = await b.get(ui('/login?flow=00000000-0000-4000-8000-000000000000'));
      assert.equal(unknown.status, 303);
      assert.equal(unknown.location, `${s.publicUrl}self-service/login/browser`);
    });

    test('the error page shows a stored error; an unknown one is a 404 page', async () => {
      const b = new TestBrowser();
      const missing = await b.get<string>(ui('/error?id=00000000-0000-4000-8000-000000000000'));
      assert.equal(missing.status, 404);
      assertSecurityHeaders(missing, s.publicUrl, 'error page');
      // A browser posting to a flow without its CSRF cookie lands on the error UI.
      const page = await follow(b, ui('/login'));
      const f = forms(page.body)[0]!;
      const stranger = new TestBrowser();
      const res = await stranger.postForm(f.action, { ...f.fields, identifier: 'a@example.com', password: 'x', method: 'password' });
      assert.equal(res.status, 303);
      assert.ok(res.location!.startsWith(ui('/error?id=')), res.location!);
      const shown = await stranger.get<string>(res.location!);
      assert.equal(shown.status, 200);
      assert.match(shown.body, /data-error-id="security_csrf_violation"/);
      assert.match(shown.body, /role="alert"/);
    });

    test('recover the account through the pages: the code arrives in the dev mailbox; then sign out', async () => {
      const addr = email('recover');
      await signUp(new TestBrowser(), addr);
      const b = new TestBrowser();
      const page = await follow(b, ui('/recovery'));
      const f = forms(page.body)[0]!;
      assert.equal(f.group, 'code');
      const sent = await b.postForm(f.action, { ...f.fields, email: addr, method: 'code' });
      assert.equal(sent.status, 303);
      const codePage = await b.get<string>(sent.location!);
      assert.match(codePage.body, /data-message-id="1060003"/);
      const mail = await deliverTo(addr, /recover/i);
      const code = /\b(\d{6})\b/.exec(mail.text)![1]!;
      const cf = forms(codePage.body)[0]!;
      const done = await b.postForm(cf.action, { ...cf.fields, code, method: 'code' });
      assert.equal(done.status, 303);
      // Recovered: signed in, and sent to the settings page of the flow recovery opened.
      assert.ok(done.location!.startsWith(ui('/settings?flow=')), done.location!);
      assert.ok((await b.get<string>(ui('/'))).body.includes(addr));

      // Signing out through the home page's link ends the session.
      const home = await b.get<string>(ui('/'));
      const logout = /<a id="logout" href="([^"]+)"/.exec(home.body)![1]!.replace(/&amp;/g, '&');
      assert.equal((await b.get(logout)).status, 303);
      assert.match((await b.get<string>(ui('/'))).body, /You are not signed in\./);
    });

    test('the stylesheet is served from the UI with the same headers', async () => {
      const r = await new TestBrowser().get<string>(ui('/static/style.css'));
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /text\/css/);
      assert.ok(r.body.includes(':focus-visible'));
      assertSecurityHeaders(r, s.publicUrl, 'stylesheet');
    });

    test('the dev mailbox lists an email the courier delivered, with clickable links and a locked-down HTML view', async () => {
      const addr = email('mail');
      await s.registry.courier.queueEmail(addr, 'verification_code_valid', {
        VerificationCode: '123456',
        VerificationURL: `${s.publicUrl}self-service/verification?flow=x&code=123456`,
        Identity: { id: 'x', traits: { email: addr } },
        ExpiresInMinutes: 15,
        RequestURL: ui('/verification'),
      });
      const store = new DevMailboxPersister(s.registry.database.db, s.registry.database.dialect);
      const { worker, channels } = createCourierWorker(s.registry.config, s.registry.persister.courier, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), [createDevMailboxChannel(store)]);
      await channels.start();
      worker.start();
      try {
        const deadline = Date.now() + 10_000;
        while (!(await store.list()).some((m) => m.recipient === addr)) {
          assert.ok(Date.now() < deadline, 'the courier delivered to the dev mailbox');
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        await worker.stop();
        await channels.close();
      }
      const b = new TestBrowser();
      const list = await b.get<string>(ui('/mailbox'));
      assert.equal(list.status, 200);
      assertSecurityHeaders(list, s.publicUrl, 'mailbox');
      const row = new RegExp(`<tr data-mail-id="([^"]+)">(?:(?!<tr).)*?<td>${addr.replace(/[.]/g, '\\.')}</td><td><a href="(/ui/mailbox/[^"]+)">`).exec(list.body);
      assert.ok(row, list.body);
      const one = await b.get<string>(ui(row![2]!.slice(3)));
      assert.equal(one.status, 200);
      assert.match(one.body, /<pre id="mail-text">[\s\S]*123456[\s\S]*<\/pre>/);
      assert.match(one.body, /<a href="http:\/\/127\.0\.0\.1:\d+\/self-service\/verification\?flow=x&amp;code=123456" rel="noreferrer">/);
      const htmlView = await b.get<string>(ui(`/mailbox/${row![1]}/html`));
      assert.equal(htmlView.status, 200);
      const csp = htmlView.headers.get('content-security-policy') ?? '';
      assert.ok(csp.startsWith("default-src 'none'; style-src 'unsafe-inline'; img-src data:"), csp);
      assert.equal(htmlView.headers.get('x-frame-options'), 'DENY');
      assert.ok(htmlView.body.includes('123456'), 'the code is in the HTML part');
      assert.equal((await b.get(ui('/mailbox/00000000-0000-4000-8000-000000000000'))).status, 404);
    });

    test('outside dev mode the UI works but the mailbox does not exist', async () => {
      const b = new TestBrowser();
      const home = await b.get<string>(`${prod.publicUrl}ui/`);
      assert.equal(home.status, 200);
      const unknown = await b.get<string>(`${prod.publicUrl}ui/no/such/page`);
      assert.equal(unknown.status, 404);
      assert.match(unknown.body, /<h1>Not found<\/h1>/);
      assertSecurityHeaders(unknown, prod.publicUrl, 'unknown UI page');
      for (const p of ['ui/mailbox', 'ui/mailbox/00000000-0000-4000-8000-000000000000', 'ui/mailbox/00000000-0000-4000-8000-000000000000/html']) {
        assert.equal((await b.request('GET', `${prod.publicUrl}${p}`, { unchecked: true })).status, 404, p);
      }
    });
  });
}
