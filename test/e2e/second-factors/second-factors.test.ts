import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Secret, TOTP } from 'otpauth';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { TestBrowser, messageIds, nodeValue } from '../../testkit/browser.js';

const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const PASSWORD = 'a sufficiently long passphrase 42';
const UI = 'http://127.0.0.1:4455';

type Node = { type: string; group: string; attributes: Record<string, any>; messages: Array<{ id: number }> };
type FlowJson = { id: string; ui: { action: string; nodes: Node[]; messages?: Array<{ id: number }> }; [k: string]: any };

const textNode = (flow: FlowJson, id: string) => flow.ui.nodes.find((n) => n.type === 'text' && n.attributes.id === id);
const groupNames = (flow: FlowJson, group: string) => flow.ui.nodes.filter((n) => n.group === group).map((n) => n.attributes.name ?? n.attributes.id);

/** The code an authenticator app shows for `secret`, `offsetSteps` 30-second steps from now. */
function totpCode(secret: string, offsetSteps = 0): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: Date.now() + offsetSteps * 30_000 });
}

for (const factory of testDatabases()) {
  describe(`second factors (TOTP, backup codes) and AAL on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    const pub = (p: string) => `${s.publicUrl}${p.replace(/^\//, '')}`;
    const auth = (token: string) => ({ headers: { 'x-session-token': token } });

    before(async () => {
      db = await factory.create();
      s = await startTestServer({
        dsn: db.dsn,
        config: {
          // Lock an account after four failed sign-ins (no delays before that, so the test is quick).
          tessera: { brute_force: { login: { delay_after: 50, lockout_after: 4 } } },
          selfservice: {
            default_browser_return_url: `${UI}/welcome`,
            methods: {
              password: { config: { haveibeenpwned_enabled: false } },
              totp: { enabled: true, config: { issuer: 'Tessera Test' } },
              lookup_secret: { enabled: true },
            },
            flows: {
              login: { ui_url: `${UI}/login` },
              settings: { ui_url: `${UI}/settings` },
              registration: { ui_url: `${UI}/registration`, after: { password: { hooks: [{ hook: 'session' }] } } },
              error: { ui_url: `${UI}/error` },
            },
          },
        },
      });
    });
    after(async () => {
      await s?.close();
      await db?.drop();
    });

    async function apiUser(prefix: string) {
      const addr = email(prefix);
      const flow = await s.publicApi.get('/self-service/registration/api');
      const res = await s.publicApi.post(`/self-service/registration?flow=${flow.body.id}`, { method: 'password', traits: { email: addr, name: { first: 'Ada' } }, password: PASSWORD });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return { addr, token: res.body.session_token as string, id: res.body.identity.id as string };
    }

    /** A first-factor (aal1) sign-in through the native API. */
    async function passwordLogin(addr: string): Promise<string> {
      const flow = await s.publicApi.get('/self-service/login/api');
      const res = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'password', identifier: addr, password: PASSWORD });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.session.authenticator_assurance_level, 'aal1');
      return res.body.session_token;
    }

    async function settingsFlow(token: string): Promise<FlowJson> {
      const flow = await s.publicApi.get('/self-service/settings/api', auth(token));
      assert.equal(flow.status, 200, JSON.stringify(flow.body));
      return flow.body;
    }

    /** Links an authenticator app through the settings API; returns its base32 secret. */
    async function enrolTotp(token: string): Promise<string> {
      const flow = await settingsFlow(token);
      const secret = textNode(flow, 'totp_secret_key')!.attributes.text.context.secret as string;
      const res = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { method: 'totp', totp_code: totpCode(secret) }, auth(token));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return secret;
    }

    async function aal2Flow(token: string): Promise<FlowJson> {
      const flow = await s.publicApi.get('/self-service/login/api?aal=aal2', auth(token));
      assert.equal(flow.status, 200, JSON.stringify(flow.body));
      assert.equal(flow.body.requested_aal, 'aal2');
      return flow.body;
    }

    test('TOTP: enrol in settings (QR PNG, secret, code), step up to aal2, each code once, unlink', async () => {
      const u = await apiUser('totp');
      const flow = await settingsFlow(u.token);
      assert.deepEqual(groupNames(flow, 'totp'), ['totp_qr', 'totp_secret_key', 'totp_code', 'method']);
      const qr = flow.ui.nodes.find((n) => n.attributes.id === 'totp_qr')!;
      assert.equal(qr.type, 'img');
      assert.equal(qr.attributes.width, 256);
      assert.match(qr.attributes.src, /^data:image\/png;base64,/);
      const png = Buffer.from(qr.attributes.src.slice('data:image/png;base64,'.length), 'base64');
      assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
      const secretNode = textNode(flow, 'totp_secret_key')!;
      const secret = secretNode.attributes.text.context.secret as string;
      assert.equal(secretNode.attributes.text.id, 1050006);
      assert.equal(secretNode.attributes.text.text, secret);
      assert.equal(Buffer.from(secret.replace(/=+$/, ''), 'utf8').length, 32, '160 bits in base32');

      const wrong = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { method: 'totp', totp_code: '000000' === totpCode(secret) ? '111111' : '000000' }, auth(u.token));
      assert.equal(wrong.status, 400);
      assert.deepEqual(messageIds(wrong.body, 'totp_code'), [4000008]);
      const missing = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { method: 'totp', totp_code: '' }, auth(u.token));
      assert.deepEqual(messageIds(missing.body, 'totp_code'), [4000002]);

      const enrolCode = totpCode(secret);
      const ok = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { method: 'totp', totp_code: enrolCode }, auth(u.token));
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.state, 'success');
      assert.deepEqual(groupNames(ok.body, 'totp'), ['totp_unlink']);
      assert.equal(ok.body.identity.credentials, undefined, 'no credentials in a settings flow');
      assert.ok(!JSON.stringify(ok.body).includes(secret), 'the secret is not shown once linked');

      // Enrolling proved the factor: this session is aal2 now, as in Kratos.
      const me = await s.publicApi.get('/sessions/whoami', auth(u.token));
      assert.equal(me.status, 200);
      assert.equal(me.body.authenticator_assurance_level, 'aal2');
      assert.deepEqual(me.body.authentication_methods.map((m: { method: string; aal: string }) => `${m.method}:${m.aal}`), ['password:aal1', 'totp:aal2']);
      assert.ok(!JSON.stringify(me.body).includes(secret));

      // The admin API shows Kratos's credential only when asked to.
      const plain = await s.adminApi.get(`/admin/identities/${u.id}`);
      assert.deepEqual(plain.body.credentials.totp.identifiers, [u.id]);
      assert.equal(plain.body.credentials.totp.config, undefined);
      const full = await s.adminApi.get(`/admin/identities/${u.id}?include_credential=totp`);
      const url = new URL(full.body.credentials.totp.config.totp_url);
      assert.equal(url.protocol, 'otpauth:');
      assert.equal(url.searchParams.get('secret'), secret);
      assert.equal(url.searchParams.get('issuer'), 'Tessera Test');
      assert.match(decodeURIComponent(url.pathname), /^\/\/?Tessera Test:/);

      // Submitting the method again while linked changes nothing.
      const relinkFlow = await settingsFlow(u.token);
      const noop = await s.publicApi.post(`/self-service/settings?flow=${relinkFlow.id}`, { method: 'totp', totp_code: '123456' }, auth(u.token));
      assert.equal(noop.status, 200, JSON.stringify(noop.body));
      const still = await s.adminApi.get(`/admin/identities/${u.id}?include_credential=totp`);
      assert.equal(still.body.credentials.totp.config.totp_url, full.body.credentials.totp.config.totp_url);

      // A new first-factor session is aal1; whoami and settings require the second factor.
      const token2 = await passwordLogin(u.addr);
      const denied = await s.publicApi.get('/sessions/whoami', auth(token2));
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error.id, 'session_aal2_required');
      assert.equal(denied.headers.get('x-kratos-authenticated-identity-id'), null);
      assert.ok(!JSON.stringify(denied.body).includes(u.addr), 'no identity data before the second factor');
      const stepUp = new URL(denied.body.redirect_browser_to);
      assert.equal(stepUp.pathname, '/self-service/login/browser');
      assert.equal(stepUp.searchParams.get('aal'), 'aal2');
      assert.equal(denied.body.error.details.redirect_browser_to, denied.body.redirect_browser_to);
      const settingsDenied = await s.publicApi.get('/self-service/settings/api', auth(token2));
      assert.equal(settingsDenied.status, 403);
      assert.equal(settingsDenied.body.error.id, 'session_aal2_required');

      // The step-up form offers the second factor only.
      const login = await aal2Flow(token2);
      assert.deepEqual(groupNames(login, 'totp'), ['totp_code', 'method']);
      assert.equal(groupNames(login, 'password').length, 0);
      const bad = await s.publicApi.post(`/self-service/login?flow=${login.id}`, { method: 'totp', totp_code: 'abcdef' }, auth(token2));
      assert.equal(bad.status, 400);
      assert.deepEqual(messageIds(bad.body), [4000008]);
      // The code used at enrolment is spent.
      const reused = await s.publicApi.post(`/self-service/login?flow=${login.id}`, { method: 'totp', totp_code: enrolCode }, auth(token2));
      assert.equal(reused.status, 400);
      assert.deepEqual(messageIds(reused.body), [4000008]);
      const nextCode = totpCode(secret, 1);
      const stepped = await s.publicApi.post(`/self-service/login?flow=${login.id}`, { method: 'totp', totp_code: nextCode }, auth(token2));
      assert.equal(stepped.status, 200, JSON.stringify(stepped.body));
      assert.equal(stepped.body.session.authenticator_assurance_level, 'aal2');
      assert.deepEqual(stepped.body.session.authentication_methods.map((m: { method: string; aal: string }) => `${m.method}:${m.aal}`), ['password:aal1', 'totp:aal2']);
      assert.equal((await s.publicApi.get('/sessions/whoami', auth(token2))).status, 200);

      // The same code cannot step up another session, nor can an earlier one.
      const token3 = await passwordLogin(u.addr);
      const again = await aal2Flow(token3);
      for (const code of [nextCode, enrolCode, totpCode(secret, -1)]) {
        const r = await s.publicApi.post(`/self-service/login?flow=${again.id}`, { method: 'totp', totp_code: code }, auth(token3));
        assert.equal(r.status, 400, `code ${code} must be refused`);
      }
      assert.equal((await s.publicApi.get('/sessions/whoami', auth(token3))).status, 403);

      // aal=aal2 needs a session; an aal2 session asking again is told it is signed in.
      const anonymous = await s.publicApi.get('/self-service/login/api?aal=aal2');
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.body.error.id, 'session_aal1_required');
      assert.equal((await s.publicApi.get('/self-service/login/api?aal=aal2', auth(token2))).body.error.id, 'session_already_available');

      // Unlink from the aal2 session; the identity no longer needs aal2.
      const unlinkFlow = await settingsFlow(token2);
      // Another (aal1) session of the identity may not read or submit it; the step-up returns to it.
      const foreign = await s.publicApi.get(`/self-service/settings/flows?id=${unlinkFlow.id}`, auth(token3));
      assert.equal(foreign.status, 403);
      assert.equal(foreign.body.error.id, 'session_aal2_required');
      assert.equal(new URL(foreign.body.redirect_browser_to).searchParams.get('return_to'), pub(`/self-service/settings?flow=${unlinkFlow.id}`));
      const foreignPost = await s.publicApi.post(`/self-service/settings?flow=${unlinkFlow.id}`, { method: 'totp', totp_unlink: true }, auth(token3));
      assert.equal(foreignPost.status, 403);
      assert.equal(foreignPost.body.error.id, 'session_aal2_required');
      const unlinked = await s.publicApi.post(`/self-service/settings?flow=${unlinkFlow.id}`, { method: 'totp', totp_unlink: true }, auth(token2));
      assert.equal(unlinked.status, 200, JSON.stringify(unlinked.body));
      assert.deepEqual(groupNames(unlinked.body, 'totp'), ['totp_qr', 'totp_secret_key', 'totp_code', 'method']);
      assert.equal((await s.adminApi.get(`/admin/identities/${u.id}`)).body.credentials.totp, undefined);
      assert.equal((await s.publicApi.get('/sessions/whoami', auth(token3))).status, 200, 'aal1 is the highest available again');
    });

    test('TOTP: wrong codes count towards the account lockout, which answers like a wrong code', async () => {
      const u = await apiUser('lock');
      const secret = await enrolTotp(u.token);
      const token2 = await passwordLogin(u.addr);
      const flow = await aal2Flow(token2);
      const wrongCode = totpCode(secret, 1) === '123456' ? '654321' : '123456';
      for (let i = 0; i < 4; i++) {
        const r = await s.publicApi.post(`/self-service/login?flow=${flow.id}`, { method: 'totp', totp_code: wrongCode }, auth(token2));
        assert.equal(r.status, 400);
        assert.deepEqual(messageIds(r.body), [4000008]);
      }
      const locked = await s.publicApi.post(`/self-service/login?flow=${flow.id}`, { method: 'totp', totp_code: totpCode(secret, 1) }, auth(token2));
      assert.equal(locked.status, 400, 'a locked account refuses even the right code');
      assert.deepEqual(messageIds(locked.body), [4000008]);
      assert.equal((await s.publicApi.get('/sessions/whoami', auth(token2))).status, 403);

      // The lockout admin API shows the second-factor counter under the identity id and clears it.
      const lock = await s.adminApi.get(`/admin/identities/${u.id}/lockout`, { unchecked: true });
      assert.equal(lock.status, 200);
      assert.equal(lock.body.locked, true);
      assert.equal((await s.adminApi.delete(`/admin/identities/${u.id}/lockout`, { unchecked: true })).status, 204);
      const unlocked = await s.publicApi.post(`/self-service/login?flow=${flow.id}`, { method: 'totp', totp_code: totpCode(secret, 1) }, auth(token2));
      assert.equal(unlocked.status, 200, JSON.stringify(unlocked.body));
      assert.equal(unlocked.body.session.authenticator_assurance_level, 'aal2');
    });

    test('backup codes: generate, confirm (stored as digests and sealed), reveal, each usable once as a second factor, disable', async () => {
      const u = await apiUser('lookup');
      const flow = await settingsFlow(u.token);
      assert.deepEqual(groupNames(flow, 'lookup_secret'), ['lookup_secret_regenerate']);
      const early = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { method: 'lookup_secret', lookup_secret_confirm: true }, auth(u.token));
      assert.equal(early.status, 400, 'nothing to confirm before codes were generated');

      const shown = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { method: 'lookup_secret', lookup_secret_regenerate: true }, auth(u.token));
      assert.equal(shown.status, 200, JSON.stringify(shown.body));
      assert.deepEqual(groupNames(shown.body, 'lookup_secret'), ['lookup_secret_codes', 'lookup_secret_confirm']);
      const list = textNode(shown.body, 'lookup_secret_codes')!.attributes.text;
      assert.equal(list.id, 1050015);
      const codes = (list.context.secrets as Array<{ id: number; context: { secret: string } }>).map((c) => c.context.secret);
      assert.equal(codes.length, 12);
      for (const c of codes) assert.match(c, /^[a-z0-9]{8}$/);
      assert.equal(list.text, codes.join(', '));

      const saved = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { method: 'lookup_secret', lookup_secret_confirm: true }, auth(u.token));
      assert.equal(saved.status, 200, JSON.stringify(saved.body));
      assert.equal(saved.body.state, 'success');
      assert.deepEqual(groupNames(saved.body, 'lookup_secret'), ['lookup_secret_reveal', 'lookup_secret_disable']);
      assert.ok(!codes.some((c) => JSON.stringify(saved.body).includes(c)), 'codes are not shown again until revealed');

      // Kratos's credential shape, with digests (what sign-in checks) and sealed codes (what reveal opens).
      const full = await s.adminApi.get(`/admin/identities/${u.id}?include_credential=lookup_secret`);
      const stored = full.body.credentials.lookup_secret.config.recovery_codes as Array<{ code: string; sealed: string }>;
      assert.equal(stored.length, 12);
      for (const c of stored) {
        assert.match(c.code, /^hmac-sha256:[0-9a-f]{64}$/);
        assert.match(c.sealed, /^aes-256-gcm:[0-9a-f]+$/);
      }
      const rows = await s.registry.database.db.selectFrom('identity_credentials').select('config').where('identity_id', '=', u.id).execute();
      assert.ok(!rows.some((r) => codes.some((c) => String(r.config).includes(c))), 'no code in the clear in the database');

      const revealedCodes = async (token: string) => {
        const f = await settingsFlow(token);
        const r = await s.publicApi.post(`/self-service/settings?flow=${f.id}`, { method: 'lookup_secret', lookup_secret_reveal: true }, auth(token));
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.deepEqual(groupNames(r.body, 'lookup_secret'), ['lookup_secret_codes', 'lookup_secret_disable', 'lookup_secret_regenerate']);
        const text = textNode(r.body, 'lookup_secret_codes')!.attributes.text;
        assert.equal(text.id, 1050015);
        return text.context.secrets as Array<{ id: number; context: { secret?: string; used_at?: string } }>;
      };
      assert.deepEqual((await revealedCodes(u.token)).map((c) => c.context.secret), codes, 'reveal shows the confirmed codes');

      // Showing codes needs a recent sign-in, as changing them does.
      const session = (await s.publicApi.get('/sessions/whoami', auth(u.token))).body;
      const aged = (await s.registry.persister.sessions.getSession(session.id))!;
      aged.authenticated_at = new Date(Date.now() - 2 * 3600_000);
      await s.registry.persister.sessions.updateSession(aged);
      const oldFlow = await settingsFlow(u.token);
      const refused = await s.publicApi.post(`/self-service/settings?flow=${oldFlow.id}`, { method: 'lookup_secret', lookup_secret_reveal: true }, auth(u.token));
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.id, 'session_refresh_required');
      assert.ok(!codes.some((c) => JSON.stringify(refused.body).includes(c)));
      const refusedRegenerate = await s.publicApi.post(`/self-service/settings?flow=${oldFlow.id}`, { method: 'lookup_secret', lookup_secret_regenerate: true }, auth(u.token));
      assert.equal(refusedRegenerate.status, 403);
      const stillHidden = await s.publicApi.get(`/self-service/settings/flows?id=${oldFlow.id}`, auth(u.token));
      assert.ok(!codes.some((c) => JSON.stringify(stillHidden.body).includes(c)), 'the refused flow holds no code');

      const token2 = await passwordLogin(u.addr);
      assert.equal((await s.publicApi.get('/sessions/whoami', auth(token2))).status, 403);
      const login = await aal2Flow(token2);
      assert.deepEqual(groupNames(login, 'lookup_secret'), ['lookup_secret', 'method']);
      const wrong = await s.publicApi.post(`/self-service/login?flow=${login.id}`, { method: 'lookup_secret', lookup_secret: 'zzzzzzzz' }, auth(token2));
      assert.equal(wrong.status, 400);
      assert.deepEqual(messageIds(wrong.body), [4000016]);
      const ok = await s.publicApi.post(`/self-service/login?flow=${login.id}`, { method: 'lookup_secret', lookup_secret: codes[0] }, auth(token2));
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.session.authenticator_assurance_level, 'aal2');
      assert.equal(ok.body.session.authentication_methods.at(-1).method, 'lookup_secret');

      const token3 = await passwordLogin(u.addr);
      const again = await aal2Flow(token3);
      const used = await s.publicApi.post(`/self-service/login?flow=${again.id}`, { method: 'lookup_secret', lookup_secret: codes[0] }, auth(token3));
      assert.equal(used.status, 400);
      assert.deepEqual(messageIds(used.body), [4000012]);
      // Two sessions racing with the same fresh code: exactly one wins.
      const token4 = await passwordLogin(u.addr);
      const other = await aal2Flow(token4);
      const race = await Promise.all([
        s.publicApi.post(`/self-service/login?flow=${again.id}`, { method: 'lookup_secret', lookup_secret: codes[1] }, auth(token3)),
        s.publicApi.post(`/self-service/login?flow=${other.id}`, { method: 'lookup_secret', lookup_secret: codes[1] }, auth(token4)),
      ]);
      assert.deepEqual(race.map((r) => r.status).sort(), [200, 400]);
      const after = await s.adminApi.get(`/admin/identities/${u.id}?include_credential=lookup_secret`);
      assert.equal((after.body.credentials.lookup_secret.config.recovery_codes as Array<{ used_at?: string }>).filter((c) => c.used_at).length, 2);
      // Used codes are revealed as used (1050014), the others as they are.
      const revealed = await revealedCodes(token2);
      assert.deepEqual(revealed.map((c) => c.id), codes.map((_, i) => (i < 2 ? 1050014 : 1050009)));
      assert.deepEqual(revealed.slice(2).map((c) => c.context.secret), codes.slice(2));
      assert.ok(revealed.slice(0, 2).every((c) => c.context.secret === undefined && typeof c.context.used_at === 'string'));

      const disableFlow = await settingsFlow(token2);
      const disabled = await s.publicApi.post(`/self-service/settings?flow=${disableFlow.id}`, { method: 'lookup_secret', lookup_secret_disable: true }, auth(token2));
      assert.equal(disabled.status, 200, JSON.stringify(disabled.body));
      assert.deepEqual(groupNames(disabled.body, 'lookup_secret'), ['lookup_secret_regenerate']);
      assert.equal((await s.adminApi.get(`/admin/identities/${u.id}`)).body.credentials.lookup_secret, undefined);
    });

    test('browser: enrol TOTP with CSRF, sign in again, the login goes on to the aal2 step-up', async () => {
      const b = new TestBrowser();
      const addr = email('browser');
      const reg = await b.get(pub('/self-service/registration/browser'), { accept: 'text/html' });
      const regFlow = await b.request('GET', pub(`/self-service/registration/flows?id=${new URL(reg.location!).searchParams.get('flow')}`), { headers: { accept: 'application/json' } });
      const signedUp = await b.postForm(regFlow.body.ui.action, { csrf_token: String(nodeValue(regFlow.body, 'csrf_token')), method: 'password', 'traits.email': addr, 'traits.name.first': 'Bea', password: PASSWORD });
      assert.equal(signedUp.status, 303);

      const init = await b.get(pub('/self-service/settings/browser'), { accept: 'text/html' });
      assert.equal(init.status, 303);
      const flowId = new URL(init.location!).searchParams.get('flow')!;
      const flow = (await b.request('GET', pub(`/self-service/settings/flows?id=${flowId}`), { headers: { accept: 'application/json' } })).body as FlowJson;
      const secret = textNode(flow, 'totp_secret_key')!.attributes.text.context.secret as string;
      const noCsrf = await b.postForm(flow.ui.action, { method: 'totp', totp_code: totpCode(secret) });
      assert.equal(noCsrf.status, 303);
      assert.match(noCsrf.location!, new RegExp(`^${UI}/error\\?id=`));
      const linked = await b.postForm(flow.ui.action, { csrf_token: String(nodeValue(flow, 'csrf_token')), method: 'totp', totp_code: totpCode(secret) });
      assert.equal(linked.status, 303);
      assert.equal(linked.location, `${UI}/settings?flow=${flowId}`);

      // A new browser signs in with the password and is sent on to the second factor.
      const c = new TestBrowser();
      const li = await c.get(pub(`/self-service/login/browser?return_to=${encodeURIComponent(`${UI}/welcome`)}`), { accept: 'text/html' });
      const loginFlow = (await c.request('GET', pub(`/self-service/login/flows?id=${new URL(li.location!).searchParams.get('flow')}`), { headers: { accept: 'application/json' } })).body as FlowJson;
      const first = await c.postForm(loginFlow.ui.action, { csrf_token: String(nodeValue(loginFlow, 'csrf_token')), method: 'password', identifier: addr, password: PASSWORD });
      assert.equal(first.status, 303);
      const stepUpUrl = new URL(first.location!);
      assert.equal(stepUpUrl.pathname, '/self-service/login/browser');
      assert.equal(stepUpUrl.searchParams.get('aal'), 'aal2');
      assert.equal(stepUpUrl.searchParams.get('return_to'), `${UI}/welcome`);
      const whoamiAal1 = await c.request('GET', pub('/sessions/whoami'), { headers: { accept: 'application/json' } });
      assert.equal(whoamiAal1.status, 403);
      assert.equal(whoamiAal1.body.error.id, 'session_aal2_required');
      // Settings in a browser without the second factor: sent to the step-up login.
      const settingsAal1 = await c.get(pub('/self-service/settings/browser'), { accept: 'text/html' });
      assert.equal(settingsAal1.status, 303);
      assert.equal(new URL(settingsAal1.location!).searchParams.get('aal'), 'aal2');
      // The step-up it points at accepts its return_to and will come back to settings.
      const settingsStepUp = await c.get(settingsAal1.location!, { accept: 'text/html' });
      assert.equal(settingsStepUp.status, 303, JSON.stringify(settingsStepUp.body));
      const settingsStepUpFlow = await c.request('GET', pub(`/self-service/login/flows?id=${new URL(settingsStepUp.location!).searchParams.get('flow')}`), { headers: { accept: 'application/json' } });
      assert.equal(settingsStepUpFlow.body.return_to, pub('/self-service/settings/browser'));

      const second = await c.get(stepUpUrl.toString(), { accept: 'text/html' });
      assert.equal(second.status, 303);
      const aal2 = (await c.request('GET', pub(`/self-service/login/flows?id=${new URL(second.location!).searchParams.get('flow')}`), { headers: { accept: 'application/json' } })).body as FlowJson;
      assert.equal(aal2.requested_aal, 'aal2');
      assert.deepEqual(groupNames(aal2, 'totp'), ['totp_code', 'method']);
      const done = await c.postForm(aal2.ui.action, { csrf_token: String(nodeValue(aal2, 'csrf_token')), method: 'totp', totp_code: totpCode(secret, 1) });
      assert.equal(done.status, 303);
      assert.equal(done.location, `${UI}/welcome`);
      const me = await c.request('GET', pub('/sessions/whoami'), { headers: { accept: 'application/json' } });
      assert.equal(me.status, 200);
      assert.equal(me.body.authenticator_assurance_level, 'aal2');
    });

    test('SPA: the first factor answers 422 browser_location_change_required towards the step-up; settings JSON is 403', async () => {
      const u = await apiUser('spa');
      await enrolTotp(u.token);
      const spa = new TestBrowser({ spa: true });
      const flow = await spa.get(pub('/self-service/login/browser'));
      assert.equal(flow.status, 200);
      const first = await spa.postJson(flow.body.ui.action, { csrf_token: String(nodeValue(flow.body, 'csrf_token')), method: 'password', identifier: u.addr, password: PASSWORD });
      assert.equal(first.status, 422, JSON.stringify(first.body));
      assert.equal(first.body.error.id, 'browser_location_change_required');
      assert.equal(new URL(first.body.redirect_browser_to).searchParams.get('aal'), 'aal2');
      const settings = await spa.get(pub('/self-service/settings/browser'));
      assert.equal(settings.status, 403);
      assert.equal(settings.body.error.id, 'session_aal2_required');
      // With required_aal aal1 nothing would stop the session; here the step-up completes it.
      const stepUp = await spa.get(pub('/self-service/login/browser?aal=aal2'));
      assert.equal(stepUp.status, 200);
      assert.deepEqual(groupNames(stepUp.body, 'totp'), ['totp_code', 'method']);
    });
  });
}

describe('required_aal: aal1 lets an aal1 session of an identity with TOTP use whoami and settings', () => {
  let db: TestDatabase;
  let s: TestServer;
  before(async () => {
    db = await testDatabases()[0]!.create();
    s = await startTestServer({
      dsn: db.dsn,
      config: {
        session: { whoami: { required_aal: 'aal1' } },
        selfservice: {
          methods: { password: { config: { haveibeenpwned_enabled: false } }, totp: { enabled: true } },
          flows: { settings: { required_aal: 'aal1' }, registration: { after: { password: { hooks: [{ hook: 'session' }] } } } },
        },
      },
    });
  });
  after(async () => {
    await s?.close();
    await db?.drop();
  });

  test('whoami 200 at aal1, settings flow created', async () => {
    const addr = email('aal1');
    const reg = await s.publicApi.get('/self-service/registration/api');
    const signedUp = await s.publicApi.post(`/self-service/registration?flow=${reg.body.id}`, { method: 'password', traits: { email: addr, name: { first: 'Ada' } }, password: PASSWORD });
    const token = signedUp.body.session_token as string;
    const flow = await s.publicApi.get('/self-service/settings/api', { headers: { 'x-session-token': token } });
    const secret = textNode(flow.body, 'totp_secret_key')!.attributes.text.context.secret as string;
    const linked = await s.publicApi.post(`/self-service/settings?flow=${flow.body.id}`, { method: 'totp', totp_code: totpCode(secret) }, { headers: { 'x-session-token': token } });
    assert.equal(linked.status, 200);
    // The issuer defaults to the public URL's host.
    const full = await s.adminApi.get(`/admin/identities/${signedUp.body.identity.id}?include_credential=totp`);
    assert.equal(new URL(full.body.credentials.totp.config.totp_url).searchParams.get('issuer'), '127.0.0.1');

    const login = await s.publicApi.get('/self-service/login/api');
    const aal1 = await s.publicApi.post(`/self-service/login?flow=${login.body.id}`, { method: 'password', identifier: addr, password: PASSWORD });
    const headers = { 'x-session-token': aal1.body.session_token as string };
    const me = await s.publicApi.get('/sessions/whoami', { headers });
    assert.equal(me.status, 200);
    assert.equal(me.body.authenticator_assurance_level, 'aal1');
    assert.equal((await s.publicApi.get('/self-service/settings/api', { headers })).status, 200);
  });
});
