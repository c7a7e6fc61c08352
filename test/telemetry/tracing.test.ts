import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { testDatabases, type TestDatabase } from '../testkit/databases.js';
import { startTestServer, type TestServer } from '../testkit/server.js';
import { OtlpCollector, type ReceivedSpan } from '../testkit/otlp-collector.js';
import { startCourier } from '../../src/cli/courier.js';
import { loadConfig } from '../../src/config/index.js';

const PASSWORD = 'a sufficiently long passphrase 42';
const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const b64 = (s: string): string => 'base64://' + Buffer.from(s).toString('base64');
const SERVER = 2;
const CLIENT = 3;

for (const factory of testDatabases()) {
  describe(`traces over OTLP/HTTP on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let collector: OtlpCollector;
    let peer: Server;
    let peerUrl: string;
    const peerHeaders: Array<Record<string, unknown>> = [];

    before(async () => {
      collector = await new OtlpCollector().start();
      // The courier's HTTP email API, on loopback.
      peer = createServer((req, res) => {
        peerHeaders.push(req.headers);
        req.resume();
        req.on('end', () => res.writeHead(200).end('{}'));
      });
      await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
      peerUrl = `http://127.0.0.1:${(peer.address() as { port: number }).port}`;
      db = await factory.create();
      s = await startTestServer({
        dsn: db.dsn,
        config: {
          tracing: collector.config(),
          selfservice: {
            methods: { password: { config: { haveibeenpwned_enabled: false } } },
            flows: { registration: { after: { password: { hooks: [{ hook: 'session' }] } } } },
          },
          courier: { delivery_strategy: 'http', http: { request_config: { url: `${peerUrl}/mail`, body: b64('function(ctx) { to: ctx.recipient }') } }, worker: { pull_wait: '50ms' } },
        },
      });
    });
    after(async () => {
      await s?.close();
      await db?.drop();
      await collector?.stop();
      await new Promise<void>((resolve) => peer.close(() => resolve()));
    });

    const spansNamed = (name: string) => collector.spans.filter((x) => x.name === name);
    /** Flushes until the collector holds a span named `name` (a request's span ends just after its answer is sent). */
    async function received(name: string, count = 1): Promise<void> {
      const until = Date.now() + 15_000;
      for (;;) {
        await s.registry.tracing.flush();
        if (spansNamed(name).length >= count || Date.now() > until) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const childrenOf = (span: ReceivedSpan) => collector.spans.filter((x) => x.parentSpanId === span.spanId && x.traceId === span.traceId);

    test('request spans carry Kratos span events with identity and session ids; SQL spans are their children', async () => {
      const addr = email('t');
      const regFlow = await s.publicApi.get('/self-service/registration/api');
      const reg = await s.publicApi.post(`/self-service/registration?flow=${regFlow.body.id}`, { method: 'password', traits: { email: addr }, password: PASSWORD });
      assert.equal(reg.status, 200);
      const loginFlow = await s.publicApi.get('/self-service/login/api');
      const login = await s.publicApi.post(`/self-service/login?flow=${loginFlow.body.id}`, { method: 'password', identifier: addr, password: PASSWORD });
      assert.equal(login.status, 200);
      const bad = await s.publicApi.post(`/self-service/login?flow=${(await s.publicApi.get('/self-service/login/api')).body.id}`, { method: 'password', identifier: addr, password: 'wrong wrong wrong 1' });
      assert.equal(bad.status, 400);
      // The caller's W3C trace context is continued.
      const traceId = 'a3ce929d0e0e47364bf92f3577b34da6';
      const parentId = '00f067aa0ba902b7';
      const me = await s.publicApi.get('/sessions/whoami', { headers: { 'x-session-token': login.body.session_token, traceparent: `00-${traceId}-${parentId}-01` } });
      assert.equal(me.status, 200);
      await received('GET /sessions/whoami');

      assert.equal(collector.requests[0]!.path, '/v1/traces');
      const logins = spansNamed('POST /self-service/login');
      assert.equal(logins.length, 2);
      const ok = logins.find((x) => x.attributes['http.response.status_code'] === 200)!;
      assert.equal(ok.kind, SERVER);
      assert.equal(ok.resource['service.name'], 'tessera-test');
      assert.equal(ok.attributes['http.route'], '/self-service/login');
      const succeeded = ok.events.find((e) => e.name === 'LoginSucceeded')!;
      assert.equal(succeeded.attributes.IdentityID, reg.body.identity.id);
      assert.equal(succeeded.attributes.SessionID, login.body.session.id);
      assert.equal(succeeded.attributes.SelfServiceMethodUsed, 'password');
      assert.equal(succeeded.attributes.SelfServiceFlowType, 'api');
      assert.equal(succeeded.attributes['user.id'], reg.body.identity.id);
      assert.equal(succeeded.attributes.ClientIP, '127.0.0.1');
      assert.equal(ok.events.find((e) => e.name === 'SessionIssued')!.attributes.SessionID, login.body.session.id);
      const failed = logins.find((x) => x.attributes['http.response.status_code'] === 400)!;
      assert.deepEqual(failed.events.map((e) => e.name), ['LoginFailed']);

      const [registration] = spansNamed('POST /self-service/registration');
      assert.deepEqual(registration!.events.map((e) => e.name), ['SessionIssued', 'IdentityCreated', 'RegistrationSucceeded']);
      assert.equal(registration!.events[2]!.attributes.IdentityID, reg.body.identity.id);

      // SQL statements of the login are children of its span, with placeholders and no values.
      const sql = childrenOf(ok);
      assert.ok(sql.length >= 2, `login span has ${sql.length} children`);
      assert.ok(sql.every((x) => x.kind === CLIENT && typeof x.attributes['db.query.text'] === 'string' && x.attributes['db.system.name']));
      assert.ok(sql.some((x) => x.name === 'INSERT'));
      assert.equal(JSON.stringify(collector.spans).includes(addr), false, 'no span carries the email address');
      assert.equal(JSON.stringify(collector.spans).includes(PASSWORD), false);

      const [whoami] = spansNamed('GET /sessions/whoami');
      assert.equal(whoami!.traceId, traceId);
      assert.equal(whoami!.parentSpanId, parentId);
      assert.deepEqual(whoami!.events.map((e) => [e.name, e.attributes.SessionID]), [['SessionChecked', login.body.session.id]]);
    });

    test('a courier delivery is a span, and its outbound HTTP call a child span', async () => {
      const courier = startCourier(s.registry);
      try {
        const to = email('c');
        await s.registry.courier.queueEmail(to, 'stub', {});
        const until = Date.now() + 10_000;
        while (peerHeaders.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
        assert.equal(peerHeaders.length, 1);
      } finally {
        await courier.stop();
      }
      await received('courier.deliver email');
      const [delivery] = spansNamed('courier.deliver email');
      assert.ok(delivery, `spans: ${collector.spans.map((x) => x.name).join(', ')}`);
      assert.equal(delivery.attributes['courier.channel'], 'email');
      const [post] = childrenOf(delivery).filter((x) => x.name === 'POST');
      assert.equal(post!.kind, CLIENT);
      assert.equal(post!.attributes['url.full'], `${peerUrl}/mail`);
      assert.equal(post!.attributes['http.response.status_code'], 200);
      // Node 22 announces a request before writing its headers, so the trace context goes along;
      // Node 20 announces it after, so there the call is traced but the peer gets no traceparent.
      const propagates = Number(process.versions.node.split('.')[0]) >= 22;
      assert.equal(peerHeaders[0]!.traceparent, propagates ? `00-${post!.traceId}-${post!.spanId}-01` : undefined);
    });
  });
}

describe('tracing configuration', () => {
  const base = { dsn: 'sqlite://:memory:', identity: { schemas: [{ id: 'default', url: 'file:///dev/null' }] }, selfservice: { default_browser_return_url: 'http://127.0.0.1/' } };
  test('providers Tessera does not implement are refused at start with the key path', async () => {
    await assert.rejects(loadConfig({ env: {}, dev: false, overrides: { ...base, tracing: { provider: 'jaeger' } } }), /tracing\.provider|\/tracing\/provider/);
    await assert.rejects(loadConfig({ env: {}, dev: false, overrides: { ...base, tracing: { provider: 'otel', providers: { zipkin: {} } } } }), /zipkin/);
    await assert.rejects(loadConfig({ env: {}, dev: false, overrides: { ...base, tracing: { provider: 'otel', providers: { otlp: { server_url: 'http://x:4318/v1/traces' } } } } }), /server_url/);
  });
});
