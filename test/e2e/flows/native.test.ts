import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hash as bcryptHash } from '@node-rs/bcrypt';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { messageIds } from '../../testkit/browser.js';

const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const PASSWORD = 'a sufficiently long passphrase 42';

for (const factory of testDatabases()) {
  describe(`native (API) registration and login on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    before(async () => {
      db = await factory.create();
      s = await startTestServer({
        dsn: db.dsn,
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
      assert.equal(flow.status, 200);
      return s.publicApi.post(`/self-service/registration?flow=${flow.body.id}`, { method: 'password', traits, password });
    }

    async function login(identifier: string, password: string, headers: Record<string, string> = {}) {
      const flow = await s.publicApi.get('/self-service/login/api', { headers });
      if (flow.status !== 200) return flow;
      return s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'password', identifier, password }, { headers });
    }

    test('registration form is built from the identity schema', async () => {
      const flow = await s.publicApi.get('/self-service/registration/api');
      const names = flow.body.ui.nodes.map((n: { attributes: { name: string } }) => n.attributes.name);
      assert.deepEqual(names, ['csrf_token', 'traits.email', 'password', 'traits.name.first', 'traits.name.last', 'traits.age', 'method']);
      const emailNode = flow.body.ui.nodes[1];
      assert.equal(emailNode.attributes.type, 'email');
      assert.equal(emailNode.attributes.required, true);
      assert.equal(emailNode.meta.label.text, 'E-Mail');
      assert.equal(flow.body.state, 'choose_method');
      assert.equal(flow.body.ui.action, `${s.publicUrl}self-service/registration?flow=${flow.body.id}`);
      const fetched = await s.publicApi.get(`/self-service/registration/flows?id=${flow.body.id}`);
      assert.equal(fetched.body.id, flow.body.id);
    });

    test('registers, signs in with the session hook, and whoami works with the token', async () => {
      const addr = email('reg');
      const res = await register({ email: addr, name: { first: 'Reg' } });
      assert.equal(res.status, 200);
      assert.equal(res.body.identity.traits.email, addr);
      assert.match(res.body.session_token, /^ory_st_/);
      assert.deepEqual(res.body.continue_with, [{ action: 'set_ory_session_token', ory_session_token: res.body.session_token }]);
      const me = await s.publicApi.get('/sessions/whoami', { headers: { 'x-session-token': res.body.session_token } });
      assert.equal(me.body.identity.id, res.body.identity.id);
    });

    test('validation failures come back as the flow with messages on the nodes (400)', async () => {
      const bad = await register({ email: 'not-an-email' }, 'short');
      assert.equal(bad.status, 400);
      assert.ok(messageIds(bad.body, 'traits.email').length > 0);
      assert.equal(bad.body.ui.nodes.find((n: { attributes: { name: string } }) => n.attributes.name === 'traits.email').attributes.value, 'not-an-email');
      const short = await register({ email: email('short') }, 'short');
      assert.deepEqual(messageIds(short.body, 'password'), [4000032]);
      assert.equal(short.body.ui.nodes.find((n: { attributes: { name: string } }) => n.attributes.name === 'password').attributes.value, undefined);
      const addr = email('similar');
      const similar = await register({ email: addr }, addr.toUpperCase());
      assert.deepEqual(messageIds(similar.body, 'password'), [4000031]);
      const missing = await register({}, '');
      assert.deepEqual(messageIds(missing.body, 'traits.email'), [4000002]);
      assert.deepEqual(messageIds(missing.body, 'password'), [4000002]);
      const noMethod = await s.publicApi.get('/self-service/registration/api');
      const unknown = await s.publicApi.post(`/self-service/registration?flow=${noMethod.body.id}`, { method: 'carrier-pigeon' });
      assert.equal(unknown.status, 400);
      assert.deepEqual(messageIds(unknown.body), [4010003]);
    });

    test('a duplicate identifier is a clean message; 50 parallel sign-ups of one email make one identity', async () => {
      const addr = email('dup');
      assert.equal((await register({ email: addr })).status, 200);
      const again = await register({ email: addr.toUpperCase() });
      assert.equal(again.status, 400);
      assert.deepEqual(messageIds(again.body), [4000007]);

      const racing = email('race');
      const flows = await Promise.all(Array.from({ length: 50 }, () => s.publicApi.get('/self-service/registration/api')));
      const results = await Promise.all(
        flows.map((f) => s.publicApi.post(`/self-service/registration?flow=${f.body.id}`, { method: 'password', traits: { email: racing }, password: PASSWORD })),
      );
      assert.equal(results.filter((r) => r.status === 200).length, 1);
      for (const r of results.filter((x) => x.status !== 200)) {
        assert.equal(r.status, 400);
        assert.deepEqual(messageIds(r.body), [4000007]);
      }
      const found = await s.adminApi.get(`/admin/identities?credentials_identifier=${encodeURIComponent(racing)}`);
      assert.equal(found.body.length, 1);
      // The winner's flow is stored completed, without the password; the losers' were given back.
      const passwordValue = (f: { ui: { nodes: { attributes: { name: string; value?: unknown } }[] } }) => f.ui.nodes.find((n) => n.attributes.name === 'password')?.attributes.value;
      const winner = await s.publicApi.get(`/self-service/registration/flows?id=${flows[results.findIndex((r) => r.status === 200)]!.body.id}`);
      assert.equal(winner.body.state, 'passed_challenge');
      assert.equal(passwordValue(winner.body), undefined);
      const loser = await s.publicApi.get(`/self-service/registration/flows?id=${flows[results.findIndex((r) => r.status !== 200)]!.body.id}`);
      assert.notEqual(loser.body.state, 'passed_challenge');
      assert.equal(passwordValue(loser.body), undefined);
    });

    test('login: unknown identifier and wrong password get the same answer; success issues a token', async () => {
      const addr = email('login');
      await register({ email: addr });
      const wrong = await login(addr, 'not the password at all');
      const unknown = await login(email('nobody'), 'not the password at all');
      for (const r of [wrong, unknown]) {
        assert.equal(r.status, 400);
        assert.deepEqual(messageIds(r.body), [4000006]);
        assert.equal(r.body.ui.nodes.find((n: { attributes: { name: string } }) => n.attributes.name === 'password').attributes.value, undefined);
      }
      assert.equal(JSON.stringify(wrong.body.ui.messages), JSON.stringify(unknown.body.ui.messages));
      const ok = await login(`  ${addr.toUpperCase()} `, PASSWORD);
      assert.equal(ok.status, 200);
      assert.equal(ok.body.session.identity.traits.email, addr);
      assert.equal(ok.body.session.authentication_methods[0].method, 'password');

      const already = await s.publicApi.get('/self-service/login/api', { headers: { 'x-session-token': ok.body.session_token } });
      assert.equal(already.status, 400);
      assert.equal(already.body.error.id, 'session_already_available');
      const refresh = await s.publicApi.get('/self-service/login/api?refresh=true', { headers: { 'x-session-token': ok.body.session_token } });
      assert.equal(refresh.status, 200);
      assert.equal(refresh.body.refresh, true);
      const refreshed = await s.publicApi.post(`/self-service/login?flow=${refresh.body.id}`, { method: 'password', identifier: addr, password: PASSWORD }, { headers: { 'x-session-token': ok.body.session_token } });
      assert.equal(refreshed.status, 200);
      assert.equal(refreshed.body.session.id, ok.body.session.id);
      assert.ok(new Date(refreshed.body.session.authenticated_at) > new Date(ok.body.session.authenticated_at));
    });

    test('parallel submissions of one login flow sign in once; the completed flow keeps no password', async () => {
      const addr = email('parallel');
      const registered = await register({ email: addr });
      const sessionsOf = async () => (await s.adminApi.get(`/admin/identities/${registered.body.identity.id}/sessions`)).body.length as number;
      const before = await sessionsOf();
      const flow = await s.publicApi.get('/self-service/login/api');
      const results = await Promise.all(
        Array.from({ length: 4 }, () => s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'password', identifier: addr, password: PASSWORD })),
      );
      assert.equal(results.filter((r) => r.status === 200).length, 1, JSON.stringify(results.map((r) => r.status)));
      for (const r of results.filter((x) => x.status !== 200)) {
        assert.equal(r.status, 400);
        assert.match(r.body.error.reason, /already been completed/);
      }
      assert.equal(await sessionsOf(), before + 1);
      const stored = await s.publicApi.get(`/self-service/login/flows?id=${flow.body.id}`);
      assert.equal(stored.status, 200);
      assert.equal(stored.body.state, 'passed_challenge');
      assert.equal(stored.body.ui.nodes.find((n: { attributes: { name: string } }) => n.attributes.name === 'password').attributes.value, undefined);
    });

    test('a completed flow cannot sign in again; missing fields are node messages', async () => {
      const addr = email('once');
      await register({ email: addr });
      const flow = await s.publicApi.get('/self-service/login/api');
      const first = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'password', identifier: addr, password: PASSWORD });
      assert.equal(first.status, 200);
      const replay = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'password', identifier: addr, password: PASSWORD });
      assert.equal(replay.status, 400);
      assert.match(replay.body.error.reason, /already been completed/);
      const empty = await login('', '');
      assert.deepEqual(messageIds(empty.body, 'identifier'), [4000002]);
      assert.deepEqual(messageIds(empty.body, 'password'), [4000002]);
    });

    test('imported hashes verify and are upgraded to the configured hasher at first login', async () => {
      const addr = email('import');
      const hashed = await bcryptHash('imported secret 123', 4);
      const created = await s.adminApi.post('/admin/identities', { traits: { email: addr }, credentials: { password: { config: { hashed_password: hashed } } } });
      assert.equal((await login(addr, 'wrong')).status, 400);
      assert.equal((await login(addr, 'imported secret 123')).status, 200);
      const after = await s.adminApi.get(`/admin/identities/${created.body.id}?include_credential=password`);
      assert.match(after.body.credentials.password.config.hashed_password, /^\$argon2id\$/);
      assert.equal((await login(addr, 'imported secret 123')).status, 200);
    });

    test('inactive identities cannot sign in', async () => {
      const addr = email('inactive');
      const created = await s.adminApi.post('/admin/identities', { traits: { email: addr }, state: 'inactive', credentials: { password: { config: { password: PASSWORD } } } });
      const res = await login(addr, PASSWORD);
      assert.notEqual(res.status, 200);
      assert.ok(res.status >= 400 && res.status < 500);
      void created;
    });

    test('an expired flow answers 410 with a fresh flow to use', async () => {
      const flow = await s.publicApi.get('/self-service/login/api');
      const stored = (await s.registry.persister.flows.getFlow(flow.body.id, 'login'))!;
      stored.expires_at = new Date(Date.now() - 60_000);
      await s.registry.persister.flows.updateFlow(stored);
      const res = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'password', identifier: 'x@example.com', password: 'y' });
      assert.equal(res.status, 410);
      assert.equal(res.body.error.id, 'self_service_flow_expired');
      const fresh = await s.publicApi.get(`/self-service/login/flows?id=${res.body.use_flow_id}`);
      assert.equal(fresh.status, 200);
      assert.deepEqual(messageIds(fresh.body), [4010001]);
      const read = await s.publicApi.get(`/self-service/login/flows?id=${flow.body.id}`);
      assert.equal(read.status, 410);
    });

    test('API flows refuse browsers; unknown flows and bad bodies are 4xx', async () => {
      const flow = await s.publicApi.get('/self-service/login/api');
      const fromBrowser = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'password', identifier: 'a', password: 'b' }, { headers: { origin: 'https://evil.example' } });
      assert.equal(fromBrowser.status, 400);
      assert.equal((await s.publicApi.post('/self-service/login?flow=00000000-0000-4000-8000-000000000000', { method: 'password' })).status, 404);
      assert.equal((await s.publicApi.post('/self-service/login?flow=nope', { method: 'password' })).status, 404);
      const malformed = await s.publicApi.request('POST', `/self-service/login?flow=${flow.body.id}`, { rawBody: '{"method":', headers: { 'content-type': 'application/json' } });
      assert.equal(malformed.status, 400);
      const wrongType = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'password', identifier: ['a'], password: 1 });
      assert.equal(wrongType.status, 400);
      const huge = await s.publicApi.request('POST', `/self-service/registration?flow=${flow.body.id}`, { rawBody: JSON.stringify({ method: 'password', password: 'x'.repeat(2 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } });
      assert.equal(huge.status, 413);
    });

    test('native logout ends the session', async () => {
      const addr = email('logout');
      const reg = await register({ email: addr });
      const token = reg.body.session_token;
      assert.equal((await s.publicApi.request('DELETE', '/self-service/logout/api', { body: { session_token: token } })).status, 204);
      assert.equal((await s.publicApi.get('/sessions/whoami', { headers: { 'x-session-token': token } })).status, 401);
      assert.equal((await s.publicApi.request('DELETE', '/self-service/logout/api', { body: { session_token: token } })).status, 403);
      assert.equal((await s.publicApi.request('DELETE', '/self-service/logout/api', { body: {} })).status, 400);
    });
  });
}
