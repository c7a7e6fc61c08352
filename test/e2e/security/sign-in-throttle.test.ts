// Sign-in throttling and lockout, constant-shape answers, bcrypt's length limit and Host checks,
// against real servers and databases.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type ApiResponse, type TestServer } from '../../testkit/server.js';
import { assertMatchesApi, assertMatchesSchema } from '../../testkit/openapi.js';
import { compareTimings } from './timing.js';

const PASSWORD = 'a sufficiently long passphrase 42';
const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const noPwned = { methods: { password: { config: { haveibeenpwned_enabled: false } } } };

/** A flow answer without what differs from flow to flow (ids, tokens, times). */
function shape(res: ApiResponse): unknown {
  return JSON.parse(JSON.stringify(res.body, (k, v) => (['id', 'action', 'expires_at', 'issued_at', 'created_at', 'updated_at', 'request_url', 'value'].includes(k) && typeof v === 'string' ? '*' : v)));
}

async function createIdentity(s: TestServer, addr: string, password = PASSWORD): Promise<string> {
  const res = await s.adminApi.post('/admin/identities', { schema_id: 'default', traits: { email: addr }, credentials: { password: { config: { password } } } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id as string;
}

async function loginFlow(s: TestServer, headers: Record<string, string> = {}): Promise<string> {
  const flow = await s.publicApi.get('/self-service/login/api', { headers });
  assert.equal(flow.status, 200);
  return flow.body.id as string;
}

function submit(s: TestServer, flowId: string, identifier: string, password: string, headers: Record<string, string> = {}) {
  return s.publicApi.post(`/self-service/login?flow=${flowId}`, { method: 'password', identifier, password }, { headers });
}

async function login(s: TestServer, identifier: string, password: string, headers: Record<string, string> = {}) {
  return submit(s, await loginFlow(s, headers), identifier, password, headers);
}

/** A GET with a chosen Host header (fetch always sends the URL's own). */
function withHost(url: string, host: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host, accept: 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        const body = text ? JSON.parse(text) : undefined;
        assertMatchesApi({ method: 'GET', url, status: res.statusCode ?? 0, body, api: 'admin' });
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const messageIds = (res: ApiResponse) => (res.body.ui?.messages ?? []).map((m: { id: number }) => m.id);
const INVALID_CREDENTIALS = 4000006;

for (const factory of testDatabases()) {
  describe(`sign-in throttling and lockout on ${factory.name}`, () => {
    let db: TestDatabase;
    let capped: TestServer;
    let stepped: TestServer;
    before(async () => {
      db = await factory.create();
      // No delays before the hard cap: what is left to see is the cap itself under concurrency.
      capped = await startTestServer({
        dsn: db.dsn,
        config: { selfservice: noPwned, tessera: { brute_force: { login: { delay_after: 100, lockout_after: 100, max_failures: 100 }, client_address: { max_failures: 10_000 } } } },
      });
      // Short steps so the progressive delay and the temporary lockout can be watched (long enough for a loaded machine).
      stepped = await startTestServer({
        dsn: db.dsn,
        config: {
          selfservice: noPwned,
          tessera: { brute_force: { login: { delay_after: 2, delay: '4s', max_delay: '4s', lockout_after: 4, lockout_duration: '6s' }, client_address: { max_failures: 10_000 } } },
        },
      });
    });
    after(async () => {
      await capped?.close();
      await stepped?.close();
      await db?.drop();
    });

    test('200 parallel wrong passwords count exactly up to the hard cap; the right one is refused until an administrator clears the lockout', async () => {
      const addr = email('parallel');
      const id = await createIdentity(capped, addr);
      const flows = await Promise.all(Array.from({ length: 200 }, () => loginFlow(capped)));
      const answers = await Promise.all(flows.map((f, i) => submit(capped, f, addr, `wrong password number ${i}`)));
      for (const a of answers) {
        assert.equal(a.status, 400);
        assert.deepEqual(messageIds(a), [INVALID_CREDENTIALS]);
      }
      const state = await capped.adminApi.get(`/admin/identities/${id}/lockout`, { unchecked: true });
      assert.equal(state.status, 200);
      assert.deepEqual(state.body.identifiers.map((i: { failures: number }) => i.failures), [100], 'exactly 100 attempts were counted (and checked); the other 100 were refused unchecked');
      assert.equal(state.body.locked, true);
      assert.equal(state.body.identifiers[0].permanent, true);

      const locked = await login(capped, addr, PASSWORD);
      assert.equal(locked.status, 400, 'the right password is refused while locked');
      assert.deepEqual(shape(locked), shape(answers[0]!), 'a locked account answers exactly as a wrong password');

      const clear = await capped.adminApi.delete(`/admin/identities/${id}/lockout`, { unchecked: true });
      assert.equal(clear.status, 204);
      assert.equal((await capped.adminApi.get(`/admin/identities/${id}/lockout`, { unchecked: true })).body.locked, false);
      const ok = await login(capped, addr, PASSWORD);
      assert.equal(ok.status, 200);
      assert.ok(ok.body.session_token);
    });

    test('the lockout admin API answers 404 in the error envelope for unknown identities', async () => {
      for (const path of ['/admin/identities/00000000-0000-4000-8000-000000000000/lockout', '/admin/identities/not-a-uuid/lockout']) {
        const res = await capped.adminApi.get(path, { unchecked: true });
        assert.equal(res.status, 404);
        assertMatchesSchema('errorGeneric', res.body);
        assert.equal((await capped.adminApi.delete(path, { unchecked: true })).status, 404);
      }
    });

    test('progressive delay, then a temporary lockout; the right password works after the wait and clears the count', async () => {
      const addr = email('stepped');
      const id = await createIdentity(stepped, addr);
      const wrong = () => login(stepped, addr, 'not the password at all');
      assert.deepEqual(messageIds(await wrong()), [INVALID_CREDENTIALS]);
      assert.deepEqual(messageIds(await wrong()), [INVALID_CREDENTIALS]);
      // Two failures: the next attempt must wait 4s, and is refused unchecked before that.
      const early = await login(stepped, addr, PASSWORD);
      assert.equal(early.status, 400, 'refused during the delay although the password is right');
      assert.deepEqual(messageIds(early), [INVALID_CREDENTIALS]);
      await new Promise((r) => setTimeout(r, 4100));
      await wrong();
      await new Promise((r) => setTimeout(r, 4100));
      await wrong();
      // Four failures: locked for 6s.
      const state = await stepped.adminApi.get(`/admin/identities/${id}/lockout`, { unchecked: true });
      assert.equal(state.body.identifiers[0].failures, 4);
      assert.equal(state.body.locked, true);
      assert.equal(state.body.identifiers[0].permanent, false);
      assert.ok(Date.parse(state.body.identifiers[0].locked_until) > Date.now());
      assert.equal((await login(stepped, addr, PASSWORD)).status, 400, 'refused while locked');
      await new Promise((r) => setTimeout(r, Date.parse(state.body.identifiers[0].locked_until) - Date.now() + 100));
      const ok = await login(stepped, addr, PASSWORD);
      assert.equal(ok.status, 200, 'accepted after the lockout ran out');
      assert.equal((await stepped.adminApi.get(`/admin/identities/${id}/lockout`, { unchecked: true })).body.identifiers[0].failures, 0, 'a success resets the count');
    });

    test('unknown and known identifiers: same status, same body, comparable time', async () => {
      const known = await Promise.all(Array.from({ length: 4 }, (_, i) => email(`timing${i}`)).map(async (a) => (await createIdentity(capped, a), a)));
      const unknown = Array.from({ length: 4 }, (_, i) => email(`nobody${i}`));
      const first = [await login(capped, known[0]!, 'wrong password here'), await login(capped, unknown[0]!, 'wrong password here')];
      assert.equal(first[0]!.status, first[1]!.status);
      assert.deepEqual(shape(first[0]!), JSON.parse(JSON.stringify(shape(first[1]!)).replaceAll(unknown[0]!, known[0]!)));
      // 60 rounds × 4 accounts stays below the 100-failure cap of each account.
      const result = await compareTimings(60, async (round) => {
        const i = round % 4;
        const [fk, fu] = await Promise.all([loginFlow(capped), loginFlow(capped)]);
        const t0 = performance.now();
        assert.equal((await submit(capped, fk, known[i]!, `wrong ${round}`)).status, 400);
        const t1 = performance.now();
        assert.equal((await submit(capped, fu, unknown[i]!, `wrong ${round}`)).status, 400);
        return [t1 - t0, performance.now() - t1];
      });
      assert.ok(result.comparable, `known vs unknown sign-in times differ beyond noise: ${JSON.stringify(result)}`);
    });
  });

  describe(`per-address limit, bcrypt's length limit and Host checks on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let bcrypt: TestServer;
    before(async () => {
      db = await factory.create();
      s = await startTestServer({ dsn: db.dsn, config: { selfservice: noPwned, tessera: { brute_force: { client_address: { max_failures: 5 } }, trusted_proxies: ['127.0.0.1'] } } });
      bcrypt = await startTestServer({ dsn: db.dsn, config: { selfservice: noPwned, hashers: { algorithm: 'bcrypt', bcrypt: { cost: 4 } } } });
    });
    after(async () => {
      await s?.close();
      await bcrypt?.close();
      await db?.drop();
    });

    test('a client address over its limit gets 429 in the error envelope with Retry-After; other addresses are unaffected', async () => {
      const from = { 'x-forwarded-for': '198.51.100.7' };
      for (let i = 0; i < 5; i++) assert.equal((await login(s, email(`spray${i}`), 'some password', from)).status, 400);
      const limited = await login(s, email('spray-last'), 'some password', from);
      assert.equal(limited.status, 429);
      assertMatchesSchema('errorGeneric', limited.body);
      assert.equal(limited.body.error.code, 429);
      assert.ok(Number(limited.headers.get('retry-after')) > 0);
      // Behind the trusted proxy, another client is counted on its own.
      assert.equal((await login(s, email('other'), 'some password', { 'x-forwarded-for': '198.51.100.8' })).status, 400);
      // Successes are given back: a user behind a busy address is not blocked by its own sign-ins.
      const addr = email('fine');
      await createIdentity(s, addr);
      assert.equal((await login(s, addr, PASSWORD, { 'x-forwarded-for': '198.51.100.9' })).status, 200);
    });

    test('with bcrypt, an overlong password answers 400 with the same body for known and unknown identifiers', async () => {
      const addr = email('long');
      await createIdentity(bcrypt, addr);
      const long = 'x'.repeat(73);
      const known = await login(bcrypt, addr, long);
      const unknown = await login(bcrypt, email('nobody-long'), long);
      assert.equal(known.status, 400);
      assert.equal(unknown.status, 400);
      assert.deepEqual(messageIds(known), [INVALID_CREDENTIALS]);
      assert.deepEqual(messageIds(unknown), messageIds(known));
      assert.equal((await login(bcrypt, addr, PASSWORD)).status, 200);
    });

    test('the admin API refuses foreign Host headers; the public API answers 404 to admin paths', async () => {
      const foreign = await withHost(s.adminApi.url('/admin/identities'), 'attacker.example');
      assert.equal(foreign.status, 403);
      assertMatchesSchema('errorGeneric', foreign.body);
      const rebound = await withHost(s.adminApi.url('/admin/identities'), `attacker.example:${new URL(s.adminUrl).port}`);
      assert.equal(rebound.status, 403, 'a rebound DNS name with the right port is refused too');
      const port = new URL(s.adminUrl).port;
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) assert.equal((await withHost(s.adminApi.url('/admin/identities'), host)).status, 200, host);
      const onPublic = await s.publicApi.get('/admin/identities', { unchecked: true });
      assert.equal(onPublic.status, 404);
      assert.equal(onPublic.headers.get('location'), null);
      // CORS is off unless configured: no preflight answer grants another origin anything.
      const pre = await fetch(s.publicApi.url('/self-service/login/api'), { method: 'OPTIONS', headers: { origin: 'https://attacker.example', 'access-control-request-method': 'GET' } });
      assert.equal(pre.headers.get('access-control-allow-origin'), null);
    });
  });
}
