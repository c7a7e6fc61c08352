import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { testDatabases, type TestDatabase } from '../testkit/databases.js';
import { startTestServer, type TestServer } from '../testkit/server.js';
import { scrape, sumOf } from '../testkit/prometheus.js';
import { VERSION } from '../../src/lib/version.js';

const PASSWORD = 'a sufficiently long passphrase 42';
const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;

for (const factory of testDatabases()) {
  describe(`metrics and audit events on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    const lines: string[] = [];
    const audit = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.audit === true);
    const metricsUrl = () => `${s.adminUrl}metrics/prometheus`;

    before(async () => {
      db = await factory.create();
      // Logging at error: audit lines are still written (at info), nothing else is.
      const logger = pino({ level: 'error' }, { write: (l: string) => void lines.push(l) });
      s = await startTestServer({
        dsn: db.dsn,
        logger,
        config: {
          selfservice: {
            methods: { password: { config: { haveibeenpwned_enabled: false } } },
            flows: { registration: { after: { password: { hooks: [{ hook: 'session' }] } } } },
          },
        },
      });
    });
    after(async () => {
      await s?.close();
      await db?.drop();
    });

    async function register(traits: Record<string, unknown>, password = PASSWORD) {
      const flow = await s.publicApi.get('/self-service/registration/api');
      return s.publicApi.post(`/self-service/registration?flow=${flow.body.id}`, { method: 'password', traits, password });
    }
    async function login(identifier: string, password: string) {
      const flow = await s.publicApi.get('/self-service/login/api');
      return s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'password', identifier, password });
    }

    test('Kratos http_* metrics with their labels, and Tessera counters that move with the requests', async () => {
      const before = await scrape(metricsUrl());
      const addr = email('m');
      assert.equal((await register({ email: addr })).status, 200);
      assert.equal((await register({ email: 'not-an-email' }, 'short')).status, 400);
      const ok = await login(addr, PASSWORD);
      assert.equal(ok.status, 200);
      assert.equal((await login(addr, 'not the password at all')).status, 400);
      const token = ok.body.session_token as string;
      for (let i = 0; i < 3; i++) assert.equal((await s.publicApi.get('/sessions/whoami', { headers: { 'x-session-token': token } })).status, 200);
      assert.equal((await s.publicApi.get('/sessions/whoami')).status, 401);
      const created = await s.adminApi.post('/admin/identities', { traits: { email: email('admin') } });
      assert.equal((await s.adminApi.delete(`/admin/identities/${created.body.id}`)).status, 204);

      const after = await scrape(metricsUrl());
      const c = { app: 'kratos', version: VERSION };
      const delta = (name: string, match: Record<string, string>) => sumOf(after, name, match) - sumOf(before, name, match);
      // Kratos's names, label names and values: lower-case method, status code, route with {param}.
      assert.equal(delta('http_requests_total', { ...c, code: '200', method: 'get', endpoint: '/sessions/whoami' }), 3);
      assert.equal(delta('http_requests_total', { ...c, code: '401', method: 'get', endpoint: '/sessions/whoami' }), 1);
      assert.equal(delta('http_requests_total', { ...c, code: '204', method: 'delete', endpoint: '/admin/identities/{param}' }), 1);
      assert.equal(delta('http_requests_statuses_total', { ...c, method: 'GET', status_bucket: '2xx' }) >= 5, true);
      assert.equal(delta('http_requests_duration_seconds_count', { ...c, code: '200', method: 'post', endpoint: '/self-service/login' }), 1);
      assert.equal(delta('http_response_time_seconds_count', { ...c, endpoint: '/self-service/login' }), 2);
      assert.ok(delta('http_response_size_bytes_sum', { ...c, code: '200', method: 'get' }) > 0);
      assert.ok(delta('http_requests_size_bytes_sum', { ...c, code: '200', method: 'post' }) > 0);
      const whoamiSeries = after.find((x) => x.name === 'http_requests_total' && x.labels.endpoint === '/sessions/whoami');
      assert.deepEqual(Object.keys(whoamiSeries!.labels).sort(), ['app', 'buildTime', 'code', 'endpoint', 'hash', 'method', 'version']);
      assert.ok(after.some((x) => x.name === 'http_response_time_seconds_bucket' && x.labels.le === '+Inf'));

      assert.equal(delta('tessera_auth_events_total', { flow: 'registration', method: 'password', result: 'success' }), 1);
      assert.equal(delta('tessera_auth_events_total', { flow: 'registration', method: 'password', result: 'failure' }), 1);
      assert.equal(delta('tessera_auth_events_total', { flow: 'login', method: 'password', result: 'success' }), 1);
      assert.equal(delta('tessera_auth_events_total', { flow: 'login', method: 'password', result: 'failure' }), 1);
      assert.equal(delta('tessera_session_checks_total', { result: 'active' }), 3);
      assert.equal(delta('tessera_session_checks_total', { result: 'unauthorized' }), 1);
      assert.ok(delta('tessera_password_hashing_seconds_count', { algorithm: 'argon2' }) >= 1);
      // Process and runtime metrics, as Kratos exposes Go's.
      assert.ok(after.some((x) => x.name === 'process_cpu_user_seconds_total'));
      assert.ok(after.some((x) => x.name === 'nodejs_eventloop_lag_seconds'));
    });

    test('the metrics are on the admin port only (also under /admin), never on the public one', async () => {
      assert.ok((await scrape(`${s.adminUrl}admin/metrics/prometheus`)).length > 0);
      // Not an operation of api.json on the public API: only the status is checked.
      const res = await s.publicApi.get('/metrics/prometheus', { unchecked: true });
      assert.equal(res.status, 404);
    });

    test('one audit line per security event, with the client address and no secrets', async () => {
      lines.length = 0;
      const addr = email('audit');
      const reg = await register({ email: addr });
      const ok = await login(addr, PASSWORD);
      await login(addr, 'wrong password entirely 1');
      const token = ok.body.session_token as string;
      assert.equal((await s.publicApi.delete('/self-service/logout/api', { body: { session_token: token } })).status, 204);
      const created = await s.adminApi.post('/admin/identities', { traits: { email: email('adm') } });
      await s.adminApi.patch(`/admin/identities/${created.body.id}`, [{ op: 'replace', path: '/state', value: 'inactive' }]);
      await s.adminApi.delete(`/admin/identities/${created.body.id}`);

      const events = audit();
      const byName = (n: string) => events.filter((e) => e.event === n);
      const [registered] = byName('RegistrationSucceeded');
      assert.equal(registered!.identity_id, reg.body.identity.id);
      assert.equal(registered!.session_id, reg.body.session.id);
      assert.equal(registered!.method, 'password');
      assert.equal(registered!.flow_type, 'api');
      assert.equal(registered!.client_ip, '127.0.0.1');
      const [signedIn] = byName('LoginSucceeded');
      assert.equal(signedIn!.identity_id, reg.body.identity.id);
      assert.equal(signedIn!.session_id, ok.body.session.id);
      assert.equal(signedIn!.method, 'password');
      assert.equal(typeof signedIn!.user_agent, 'string');
      const [failed] = byName('LoginFailed');
      assert.equal(failed!.method, 'password');
      assert.equal(failed!.reason, 4000006);
      assert.equal(failed!.identity_id, undefined);
      assert.deepEqual(byName('SessionRevoked').map((e) => [e.session_id, e.actor]), [[ok.body.session.id, 'self']]);
      assert.deepEqual(byName('IdentityCreated').map((e) => [e.identity_id, e.actor]), [[created.body.id, 'admin']]);
      assert.deepEqual(byName('IdentityUpdated').map((e) => [e.identity_id, e.change]), [[created.body.id, ['/state']]]);
      assert.deepEqual(byName('IdentityDeleted').map((e) => e.identity_id), [created.body.id]);
      assert.equal(events.length, 7, events.map((e) => e.event).join(', '));
      // Nothing else reaches the log at level error, and no audit line carries a secret.
      assert.equal(lines.length, events.length);
      const all = lines.join('\n');
      for (const secret of [PASSWORD, 'wrong password entirely 1', token, addr]) assert.equal(all.includes(secret), false, `log contains ${secret}`);
    });
  });
}
