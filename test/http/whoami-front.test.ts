import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { testDatabases, type TestDatabase } from '../testkit/databases.js';
import { startTestServer, type TestServer } from '../testkit/server.js';

const PASSWORD = 'a sufficiently long passphrase 42';
const HEADERS = ['content-type', 'cache-control', 'x-kratos-authenticated-identity-id', 'content-length'];

for (const factory of testDatabases()) {
  describe(`whoami answered in front of the request pipeline on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    const lines: Array<Record<string, unknown>> = [];
    before(async () => {
      db = await factory.create();
      const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
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

    async function signUp(): Promise<{ token: string; sessionId: string; identityId: string }> {
      const flow = await s.publicApi.get('/self-service/registration/api');
      const email = `front-${Math.random().toString(36).slice(2, 8)}@example.com`;
      const res = await s.publicApi.post(`/self-service/registration?flow=${flow.body.id}`, { method: 'password', traits: { email }, password: PASSWORD });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return { token: res.body.session_token, sessionId: res.body.session.id, identityId: res.body.identity.id };
    }

    async function raw(path: string, headers: Record<string, string>) {
      const res = await fetch(`${s.publicUrl.replace(/\/$/, '')}${path}`, { headers });
      return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
    }

    async function counter(name: string, labels: string): Promise<number> {
      const text = await (await fetch(`${s.adminUrl}metrics/prometheus`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.split(',').every((p) => l.includes(p)));
      return line ? Number(line.split(' ').pop()) : 0;
    }

    test('the usual check gets the same answer and headers as the route, its request line and its metrics', async () => {
      const { token, identityId } = await signUp();
      const viaRoute = await raw('/sessions/whoami?', { 'x-session-token': token });
      const checksBefore = await counter('tessera_session_checks_total', 'result="active"');
      const requestsBefore = await counter('http_requests_total', 'endpoint="/sessions/whoami",code="200",method="get"');
      lines.length = 0;
      const front = await raw('/sessions/whoami', { 'x-session-token': token });
      assert.equal(front.status, 200);
      assert.equal(viaRoute.status, 200);
      assert.deepEqual(front.body, viaRoute.body, 'the same bytes');
      for (const h of HEADERS) assert.equal(front.headers.get(h), viaRoute.headers.get(h), h);
      assert.equal(front.headers.get('x-kratos-authenticated-identity-id'), identityId);
      assert.equal(await counter('tessera_session_checks_total', 'result="active"'), checksBefore + 1);
      assert.equal(await counter('http_requests_total', 'endpoint="/sessions/whoami",code="200",method="get"'), requestsBefore + 1);
      const line = lines.find((l) => l.msg === 'request' && l.url === '/sessions/whoami');
      assert.ok(line, 'a request line');
      assert.equal(line.api, 'public');
      assert.equal(line.status, 200);
      assert.equal(line.method, 'GET');
      assert.match(String(line.reqId), /^req-w/, 'written by the front, not the pipeline');
      assert.equal(JSON.stringify(line).includes(token), false, 'the token is not logged');
    });

    test('a revoked session, an unknown token and no token get the route’s error envelope', async () => {
      const { token, sessionId } = await signUp();
      assert.equal((await raw('/sessions/whoami', { 'x-session-token': token })).status, 200);
      assert.equal((await s.adminApi.delete(`/admin/sessions/${sessionId}`)).status, 204);
      const revoked = await s.publicApi.get('/sessions/whoami', { headers: { 'x-session-token': token } });
      assert.equal(revoked.status, 401);
      assert.equal(revoked.body.error.code, 401);
      assert.match(revoked.body.error.reason, /No valid session credentials/);
      const unknown = await s.publicApi.get('/sessions/whoami', { headers: { 'x-session-token': 'ory_st_unknown' } });
      assert.equal(unknown.status, 401);
      assert.match(unknown.body.error.reason, /No valid session credentials/);
      const none = await s.publicApi.get('/sessions/whoami');
      assert.equal(none.status, 401);
    });
  });
}
