import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Secret, TOTP } from 'otpauth';
import { testDatabases, type TestDatabase } from '../testkit/databases.js';
import { startTestServer, type TestServer } from '../testkit/server.js';
import { TestBrowser, type BrowserResponse } from '../testkit/browser.js';

const PASSWORD = 'a sufficiently long passphrase 42';
const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#96;/g, '`').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The forms of a page with their group, action and the values of their inputs. */
function forms(page: string): Array<{ action: string; group: string; fields: Record<string, string>; html: string }> {
  const out = [];
  for (const m of page.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const fields: Record<string, string> = {};
    for (const i of m[2]!.matchAll(/<input\b([^>]*)>/g)) {
      const name = /name="([^"]*)"/.exec(i[1]!)?.[1];
      if (name) fields[unescape(name)] = unescape(/value="([^"]*)"/.exec(i[1]!)?.[1] ?? '');
    }
    out.push({ action: unescape(/action="([^"]*)"/.exec(m[1]!)?.[1] ?? ''), group: /data-group="([^"]*)"/.exec(m[1]!)?.[1] ?? '', fields, html: m[0] });
  }
  return out;
}

const code = (secret: string, offsetSteps = 0) =>
  new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: Date.now() + offsetSteps * 30_000 });

for (const factory of testDatabases()) {
  describe(`built-in UI with second factors on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    const ui = (p = '') => `${s.publicUrl}ui${p}`;

    async function follow(b: TestBrowser, url: string): Promise<BrowserResponse<string> & { url: string }> {
      let current = url;
      for (let i = 0; i < 8; i++) {
        const r = await b.get<string>(current);
        if (r.status < 300 || r.status >= 400 || !r.location) return { ...r, url: current };
        current = new URL(r.location, current).toString();
      }
      throw new Error(`too many redirects from ${url}`);
    }

    before(async () => {
      db = await factory.create();
      s = await startTestServer({
        dsn: db.dsn,
        config: {
          dev: true,
          secrets: { default: ['test-secret-please-change-0123456789'] },
          selfservice: {
            methods: { password: { config: { haveibeenpwned_enabled: false } }, totp: { enabled: true, config: { issuer: 'Tessera UI' } }, lookup_secret: { enabled: true } },
          },
        },
      });
    });
    after(async () => {
      await s?.close();
      await db?.drop();
    });

    test('link an authenticator app on the settings page, then sign in with it as the second factor', async () => {
      const b = new TestBrowser();
      const addr = email('ui-totp');
      const reg = await follow(b, ui('/registration'));
      const rf = forms(reg.body).find((f) => f.group === 'password')!;
      assert.equal((await b.postForm(rf.action, { ...rf.fields, 'traits.email': addr, 'traits.name.first': 'Ada', password: PASSWORD, method: 'password' })).status, 303);

      const settings = await follow(b, ui('/settings'));
      assert.equal(settings.status, 200);
      const totp = forms(settings.body).find((f) => f.group === 'totp')!;
      assert.ok(totp, 'a form for the authenticator app');
      assert.match(totp.html, /<img id="totp_qr" src="data:image\/png;base64,[A-Za-z0-9+/=]+" alt="Authenticator app QR code" width="256" height="256">/);
      const secret = /<div class="node-text" id="totp_secret_key">[\s\S]*?data-message-id="1050006">([A-Z2-7]+)<\/p>/.exec(totp.html)?.[1];
      assert.ok(secret, totp.html);
      assert.match(totp.html, /<input type="text" id="[^"]+" name="totp_code"[^>]* required/);
      const linked = await b.postForm(totp.action, { ...totp.fields, totp_code: code(secret), method: 'totp' });
      assert.equal(linked.status, 303);
      const after = await follow(b, linked.location!);
      assert.match(after.body, /data-message-id="1050001"/, 'saved');
      assert.match(after.body, /name="totp_unlink" value="true"[^>]*>Unlink TOTP Authenticator App<\/button>/);
      assert.ok(!after.body.includes(secret), 'the secret is not shown again');

      // Backup codes are listed after "generate", then confirmed.
      const lookup = forms(after.body).find((f) => f.group === 'lookup_secret')!;
      const generated = await b.postForm(lookup.action, { ...lookup.fields, lookup_secret_regenerate: 'true' });
      assert.equal(generated.status, 303);
      const codesPage = await follow(b, generated.location!);
      const codes = [...codesPage.body.matchAll(/<li><code>([a-z0-9]{8})<\/code><\/li>/g)].map((m) => m[1]);
      assert.equal(codes.length, 12, codesPage.body);
      const confirm = forms(codesPage.body).find((f) => f.group === 'lookup_secret')!;
      assert.match(confirm.html, /name="lookup_secret_confirm" value="true"[^>]*>Confirm backup recovery codes<\/button>/);
      assert.equal((await b.postForm(confirm.action, { ...confirm.fields, lookup_secret_confirm: 'true' })).status, 303);

      // Another browser: password first, then the UI shows the second-factor form.
      const c = new TestBrowser();
      const login = await follow(c, ui('/login'));
      const lf = forms(login.body).find((f) => f.group === 'password')!;
      const first = await c.postForm(lf.action, { ...lf.fields, identifier: addr, password: PASSWORD, method: 'password' });
      assert.equal(first.status, 303);
      assert.match(first.location!, /\/self-service\/login\/browser\?aal=aal2/);
      const stepUp = await follow(c, first.location!);
      assert.equal(stepUp.status, 200);
      assert.equal(new URL(stepUp.url).pathname, '/ui/login');
      const groups = forms(stepUp.body).map((f) => f.group);
      assert.deepEqual(groups, ['totp', 'lookup_secret']);
      const tf = forms(stepUp.body).find((f) => f.group === 'totp')!;
      const done = await c.postForm(tf.action, { ...tf.fields, totp_code: code(secret, 1), method: 'totp' });
      assert.equal(done.status, 303);
      const me = await c.request('GET', `${s.publicUrl}sessions/whoami`, { headers: { accept: 'application/json' } });
      assert.equal(me.status, 200);
      assert.equal(me.body.authenticator_assurance_level, 'aal2');
    });
  });
}
