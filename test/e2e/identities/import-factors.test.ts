import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Secret, TOTP } from 'otpauth';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { nodeValue, TestBrowser } from '../../testkit/browser.js';
import { SoftAuthenticator } from '../../testkit/webauthn-authenticator.js';

const RP_ID = 'localhost';
const ORIGIN = 'http://localhost:4455';
const PASSWORD = 'a sufficiently long passphrase 42';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const totpCode = () => new TOTP({ secret: Secret.fromBase32(TOTP_SECRET), algorithm: 'SHA1', digits: 6, period: 30 }).generate();
const keyJson = (k: SoftAuthenticator, extra: Record<string, unknown> = {}) => ({
  id: k.credentialId.toString('base64'),
  public_key: k.cosePublicKeyBytes.toString('base64'),
  attestation_type: 'none',
  authenticator: { aaguid: Buffer.alloc(16).toString('base64'), sign_count: 0, clone_warning: false },
  display_name: 'imported',
  added_at: '2025-01-02T03:04:05Z',
  ...extra,
});

/**
 * Identity import with second factors and passkeys in Kratos's `identityWithCredentials` shapes:
 * each imported credential then signs in through the self-service flows, and the admin API
 * removes it again.
 */
for (const factory of testDatabases()) {
  describe(`Importing TOTP, backup codes, security keys and passkeys on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    const pub = (path: string) => new URL(path.replace(/^\//, ''), s.publicUrl).toString();
    const auth = (token: string) => ({ headers: { 'x-session-token': token } });

    before(async () => {
      db = await factory.create();
      s = await startTestServer({
        dsn: db.dsn,
        config: {
          // A first factor alone ends a sign-in here (the step-up path is the second-factor suites' subject).
          session: { whoami: { required_aal: 'aal1' } },
          selfservice: {
            methods: {
              password: { config: { haveibeenpwned_enabled: false } },
              totp: { enabled: true, config: { issuer: 'Tessera' } },
              lookup_secret: { enabled: true },
              webauthn: { enabled: true, config: { passwordless: false, rp: { id: RP_ID, display_name: 'Tessera Test', origins: [ORIGIN] } } },
              passkey: { enabled: true, config: { rp: { id: RP_ID, display_name: 'Tessera Test', origins: [ORIGIN] } } },
            },
          },
        },
      });
    });
    after(async () => {
      await s?.close();
      await db?.drop();
    });

    async function passwordLogin(addr: string): Promise<string> {
      const flow = await s.publicApi.get('/self-service/login/api');
      const res = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'password', identifier: addr, password: PASSWORD });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.session_token;
    }

    async function stepUp(addr: string, body: (flow: any) => Record<string, unknown>) {
      const token = await passwordLogin(addr);
      const flow = (await s.publicApi.get('/self-service/login/api?aal=aal2', auth(token))).body;
      return s.publicApi.post(`/self-service/login?flow=${flow.id}`, body(flow), auth(token));
    }

    test('an imported identity signs in with each imported credential, and the admin API removes them', async () => {
      const addr = email('import');
      const securityKey = new SoftAuthenticator('ES256', RP_ID, ORIGIN);
      const passkey = new SoftAuthenticator('EdDSA', RP_ID, ORIGIN);
      const handle = Buffer.from('imported-user-handle-0123456789');
      const created = await s.adminApi.post('/admin/identities', {
        schema_id: 'default',
        traits: { email: addr },
        credentials: {
          password: { config: { password: PASSWORD } },
          totp: { config: { totp_url: `otpauth://totp/Tessera:${encodeURIComponent(addr)}?secret=${TOTP_SECRET}&issuer=Tessera` } },
          lookup_secret: { config: { codes: [{ code: 'abcd1234' }, { code: 'used0000', used_at: '2025-01-01T00:00:00Z' }] } },
          webauthn: { config: { credentials: [keyJson(securityKey, { is_passwordless: false })], user_handle: Buffer.from('0123456789abcdef').toString('base64') } },
          // The user handle as api.json describes it: an array of byte values.
          passkey: { config: { credentials: [keyJson(passkey)], user_handle: [...handle] } },
        },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.id as string;
      assert.deepEqual(Object.keys(created.body.credentials).sort(), ['lookup_secret', 'passkey', 'password', 'totp', 'webauthn']);
      const full = (await s.adminApi.get(`/admin/identities/${id}?include_credential=passkey&include_credential=lookup_secret`)).body;
      assert.deepEqual(full.credentials.passkey.identifiers, [handle.toString('ascii')]);
      assert.equal(full.credentials.passkey.config.credentials[0].is_passwordless, true);
      const codes = full.credentials.lookup_secret.config.recovery_codes as Array<{ code: string; sealed?: string; used_at?: string | null }>;
      assert.ok(codes.every((c) => /^hmac-sha256:/.test(c.code)), 'imported backup codes are stored hashed');
      assert.ok(codes.every((c) => /^aes-256-gcm:/.test(c.sealed ?? '')), 'and sealed, so settings can reveal them');
      assert.ok(codes[1]!.used_at);

      // The passkey signs in on its own (a browser flow; the authenticator returns the imported user handle).
      const b = new TestBrowser({ spa: true });
      const flow = (await b.get(pub('/self-service/login/browser'))).body;
      const request = JSON.parse(String(nodeValue(flow, 'passkey_challenge')));
      const signedIn = await b.postJson(flow.ui.action, { csrf_token: String(nodeValue(flow, 'csrf_token')), passkey_login: JSON.stringify(passkey.assert(request, { userHandle: handle })) });
      assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
      assert.equal(signedIn.body.session.identity.id, id);

      // Each second factor steps a password session up to aal2.
      const totp = await stepUp(addr, () => ({ method: 'totp', totp_code: totpCode() }));
      assert.equal(totp.status, 200, JSON.stringify(totp.body));
      assert.equal(totp.body.session.authenticator_assurance_level, 'aal2');
      const lookup = await stepUp(addr, () => ({ method: 'lookup_secret', lookup_secret: 'abcd1234' }));
      assert.equal(lookup.status, 200, JSON.stringify(lookup.body));
      const usedBefore = await stepUp(addr, () => ({ method: 'lookup_secret', lookup_secret: 'used0000' }));
      assert.equal(usedBefore.status, 400, 'a code imported as used is spent');
      const key = await stepUp(addr, (f) => ({ webauthn_login: JSON.stringify(securityKey.assert(JSON.parse(String(nodeValue(f, 'webauthn_login_trigger'))))) }));
      assert.equal(key.status, 200, JSON.stringify(key.body));
      assert.equal(key.body.session.authentication_methods.at(-1).method, 'webauthn');

      for (const type of ['totp', 'lookup_secret', 'webauthn', 'passkey']) {
        assert.equal((await s.adminApi.delete(`/admin/identities/${id}/credentials/${type}`)).status, 204, type);
      }
      const after = (await s.adminApi.get(`/admin/identities/${id}`)).body;
      assert.deepEqual(Object.keys(after.credentials), ['password']);
      // The password is now the last way in: it stays.
      assert.equal((await s.adminApi.delete(`/admin/identities/${id}/credentials/password`)).status, 400);
    });

    test('the last way to sign in is not deleted; malformed imports are a 400 and create nothing', async () => {
      const passkey = new SoftAuthenticator('ES256', RP_ID, ORIGIN);
      const only = await s.adminApi.post('/admin/identities', {
        traits: { email: email('only') },
        credentials: { passkey: { config: { credentials: [keyJson(passkey)], user_handle: Buffer.from('only-passkey-handle').toString('base64') } } },
      });
      assert.equal(only.status, 201, JSON.stringify(only.body));
      assert.equal((await s.adminApi.delete(`/admin/identities/${only.body.id}/credentials/passkey`)).status, 400);

      const addr = email('bad');
      const bad: Array<[string, Record<string, unknown>]> = [
        ['passkey without user handle', { passkey: { config: { credentials: [keyJson(passkey)] } } }],
        ['passkey without keys', { passkey: { config: { credentials: [], user_handle: 'aGFuZGxl' } } }],
        ['key without public key', { webauthn: { config: { credentials: [{ id: 'AAEC' }] } } }],
        ['key with a malformed id', { webauthn: { config: { credentials: [{ id: '%%%', public_key: 'AAEC' }] } } }],
        ['TOTP without otpauth URL', { totp: { config: { totp_url: 'https://example.com/?secret=ABC' } } }],
        ['TOTP without secret', { totp: { config: { totp_url: 'otpauth://totp/x' } } }],
        ['backup codes without codes', { lookup_secret: { config: { codes: [] } } }],
      ];
      for (const [name, credentials] of bad) {
        const res = await s.adminApi.post('/admin/identities', { traits: { email: addr }, credentials });
        assert.equal(res.status, 400, `${name}: ${JSON.stringify(res.body)}`);
      }
      const found = await s.adminApi.get(`/admin/identities?credentials_identifier=${encodeURIComponent(addr)}`);
      assert.deepEqual(found.body, []);
    });
  });
}
