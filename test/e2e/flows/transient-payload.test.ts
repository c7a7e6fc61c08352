// `transient_payload` reaches the templates of the messages a submission sends (as Kratos's
// `.TransientPayload`): recovery, verification requests and the verification sent after sign-up.
// The subjects are rendered when the messages are queued, so they show what the template saw.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';

const PASSWORD = 'a sufficiently long passphrase 42';
const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const b64 = (s: string) => `base64://${Buffer.from(s).toString('base64')}`;
const subject = (what: string) => b64(`${what} for {{ with .TransientPayload }}{{ .app }}{{ else }}nobody{{ end }}`);

for (const factory of testDatabases()) {
  describe(`transient_payload in message templates on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    before(async () => {
      db = await factory.create();
      s = await startTestServer({
        dsn: db.dsn,
        config: {
          courier: {
            smtp: { connection_uri: 'smtp://127.0.0.1:9/' },
            templates: {
              recovery_code: { valid: { email: { subject: subject('Recovery') } }, invalid: { email: { subject: subject('Unknown recovery') } } },
              verification_code: { valid: { email: { subject: subject('Verification') } } },
            },
          },
          selfservice: {
            methods: { password: { config: { haveibeenpwned_enabled: false } }, code: { enabled: true } },
            flows: {
              recovery: { enabled: true, use: 'code', notify_unknown_recipients: true },
              verification: { enabled: true, use: 'code' },
              registration: { after: { password: { hooks: [{ hook: 'session' }] } } },
            },
          },
        },
      });
    });
    after(async () => {
      await s?.close();
      await db?.drop();
    });

    const subjects = async (to: string) =>
      (await s.registry.database.db.selectFrom('courier_messages').select(['template_type', 'subject']).where('recipient', '=', to).orderBy('created_at').execute()).map((m) => `${m.template_type}: ${m.subject}`);

    test('sign-up: the verification message sees the registration payload', async () => {
      const addr = email('signup');
      const flow = await s.publicApi.get('/self-service/registration/api');
      const res = await s.publicApi.post(`/self-service/registration?flow=${flow.body.id}`, { method: 'password', traits: { email: addr }, password: PASSWORD, transient_payload: { app: 'mobile' } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(await subjects(addr), ['verification_code_valid: Verification for mobile']);
    });

    test('recovery and verification requests, to known and unknown addresses, with and without a payload', async () => {
      const known = email('known');
      assert.equal((await s.adminApi.post('/admin/identities', { schema_id: 'default', traits: { email: known } })).status, 201);
      const unknown = email('unknown');
      const ask = async (kind: 'recovery' | 'verification', to: string, payload?: Record<string, unknown>) => {
        const flow = await s.publicApi.get(`/self-service/${kind}/api`);
        const res = await s.publicApi.post(`/self-service/${kind}?flow=${flow.body.id}`, { method: 'code', email: to, ...(payload ? { transient_payload: payload } : {}) });
        assert.equal(res.status, 200, JSON.stringify(res.body));
      };
      await ask('recovery', known, { app: 'web' });
      await ask('verification', known, { app: 'kiosk' });
      await ask('recovery', unknown, { app: 'cli' });
      await ask('recovery', known);
      assert.deepEqual(await subjects(known), ['recovery_code_valid: Recovery for web', 'verification_code_valid: Verification for kiosk', 'recovery_code_valid: Recovery for nobody']);
      assert.deepEqual(await subjects(unknown), ['recovery_code_invalid: Unknown recovery for cli']);
    });

    test('a transient_payload that is not an object is refused and sends nothing', async () => {
      const addr = email('bad');
      const flow = await s.publicApi.get('/self-service/recovery/api');
      const res = await s.publicApi.post(`/self-service/recovery?flow=${flow.body.id}`, { method: 'code', email: addr, transient_payload: 'text' });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.deepEqual(await subjects(addr), []);
    });
  });
}
