import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { sqliteDatabase, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { messageIds } from '../../testkit/browser.js';

const BREACHED = 'correct horse battery staple';

describe('login hooks, CORS and the breached-password check', () => {
  let db: TestDatabase;
  let s: TestServer;
  let pwned: Server;
  let rangeRequests: string[] = [];

  before(async () => {
    // A stand-in for the Pwned Passwords range API on loopback.
    const sha = createHash('sha1').update(BREACHED).digest('hex').toUpperCase();
    pwned = createServer((req, res) => {
      rangeRequests.push(req.url ?? '');
      const prefix = (req.url ?? '').split('/').pop();
      res.end(prefix === sha.slice(0, 5) ? `${sha.slice(5)}:12345\r\n0000000000000000000000000000000000A:0\r\n` : '');
    });
    await new Promise<void>((r) => pwned.listen(0, '127.0.0.1', r));
    const port = (pwned.address() as { port: number }).port;
    db = await sqliteDatabase().create();
    s = await startTestServer({
      dsn: db.dsn,
      config: {
        serve: { public: { cors: { enabled: true, allowed_origins: ['https://app.example.com', 'https://*.spa.example'], allow_credentials: true } } },
        selfservice: {
          methods: { password: { config: { haveibeenpwned_host: `http://127.0.0.1:${port}`, max_breaches: 0, ignore_network_errors: false } } },
          flows: { login: { after: { password: { hooks: [{ hook: 'revoke_active_sessions' }] } } } },
        },
      },
    });
  });
  after(async () => {
    await s?.close();
    await db?.drop();
    pwned?.close();
  });

  async function register(emailAddr: string, password: string) {
    const flow = await s.publicApi.get('/self-service/registration/api');
    return s.publicApi.post(`/self-service/registration?flow=${flow.body.id}`, { method: 'password', traits: { email: emailAddr }, password });
  }
  async function login(identifier: string, password: string) {
    const flow = await s.publicApi.get('/self-service/login/api');
    return s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'password', identifier, password });
  }

  test('a breached password is refused with its message; only a 5-character hash prefix leaves the server', async () => {
    rangeRequests = [];
    const res = await register('pwned@example.com', BREACHED);
    assert.equal(res.status, 400);
    assert.deepEqual(messageIds(res.body, 'password'), [4000034]);
    assert.equal(rangeRequests.length, 1);
    assert.match(rangeRequests[0]!, /^\/range\/[0-9A-F]{5}$/);
    assert.equal((await register('fine@example.com', 'an unbreached passphrase 987')).status, 200);
  });

  test('revoke_active_sessions ends the other sessions at login', async () => {
    await register('revoke@example.com', 'an unbreached passphrase 654');
    const first = await login('revoke@example.com', 'an unbreached passphrase 654');
    const second = await login('revoke@example.com', 'an unbreached passphrase 654');
    assert.equal(second.status, 200);
    assert.equal((await s.publicApi.get('/sessions/whoami', { headers: { 'x-session-token': first.body.session_token } })).status, 401);
    assert.equal((await s.publicApi.get('/sessions/whoami', { headers: { 'x-session-token': second.body.session_token } })).status, 200);
  });

  test('CORS answers allowed origins only, with credentials', async () => {
    for (const origin of ['https://app.example.com', 'https://shop.spa.example']) {
      const pre = await fetch(`${s.publicUrl}sessions/whoami`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } });
      assert.equal(pre.headers.get('access-control-allow-origin'), origin);
      assert.equal(pre.headers.get('access-control-allow-credentials'), 'true');
    }
    for (const origin of ['https://evil.example', 'https://spa.example.evil.com', 'https://a.b/c.spa.example']) {
      const pre = await fetch(`${s.publicUrl}sessions/whoami`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } });
      assert.equal(pre.headers.get('access-control-allow-origin'), null, origin);
    }
  });
});
