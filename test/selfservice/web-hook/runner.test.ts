import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { sqliteDatabase, type TestDatabase } from '../../testkit/databases.js';
import { assertMatchesSchema } from '../../testkit/openapi.js';
import { Database } from '../../../src/persistence/database.js';
import { SqlWebHookDeliveryPersister } from '../../../src/persistence/web-hook-delivery-persister.js';
import { KratosError } from '../../../src/errors/kratos-error.js';
import { ConfigError } from '../../../src/config/config-error.js';
import { REASON_IMPROPER, REASON_UNREACHABLE, type WebHookConfig, type WebHookEvent } from '../../../src/selfservice/hooks/web-hook/index.js';
import { b64, hookContext, Peer, webHooks } from './helpers.js';

const ECHO = b64('function(ctx) ctx');

async function rejects(p: Promise<unknown>, code: number): Promise<KratosError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof KratosError, `expected a KratosError, got ${String(err)}`);
    assert.equal(err.code, code);
    assertMatchesSchema('errorGeneric', JSON.parse(JSON.stringify(err.toEnvelope())));
    return err;
  }
  assert.fail(`expected a ${code}`);
}

describe('web hook runner (blocking calls)', () => {
  let tdb: TestDatabase;
  let db: Database;
  let queue: SqlWebHookDeliveryPersister;
  const peer = new Peer();

  before(async () => {
    tdb = await sqliteDatabase().create();
    db = new Database(tdb.dsn);
    await db.migrate();
    queue = new SqlWebHookDeliveryPersister(db.db, db.dialect);
    await peer.start();
  });
  after(async () => {
    await peer.stop();
    await db?.close();
    await tdb?.drop();
  });

  const hook = (extra: Partial<WebHookConfig> = {}): WebHookConfig => ({ url: `${peer.url}/hook`, method: 'POST', body: ECHO, ...extra });

  test('the Jsonnet body sees flow (with transient_payload), identity, session and the request; only allow-listed headers pass', async () => {
    const wh = await webHooks(queue);
    peer.received.length = 0;
    peer.handler = (_r, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ignored":true}');
    const identity = { id: '0d4b1d44-52e7-4c28-a3f2-0b7f39b8a8a4', traits: { email: 'ada@example.com' } };
    const session = { id: 'a9d1f7a6-2f65-4bfb-9d45-5f6f8c0e0d11', active: true };
    const res = await wh.runner.run(hook(), hookContext({ identity, session }));
    assert.deepEqual(res, { kind: 'ok' });
    assert.equal(peer.received.length, 1);
    const got = peer.received[0]!;
    assert.equal(got.method, 'POST');
    assert.equal(got.url, '/hook');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.match(String(got.headers['ory-webhook-request-id']), /^[0-9a-f-]{36}$/);
    const ctx = JSON.parse(got.body);
    // Jsonnet prints fields sorted.
    assert.deepEqual(Object.keys(ctx), ['flow', 'identity', 'request_cookies', 'request_headers', 'request_method', 'request_url', 'session']);
    assert.deepEqual(ctx.flow.transient_payload, { plan: 'pro' });
    assert.equal(ctx.identity.id, identity.id);
    assert.equal(ctx.session.id, session.id);
    assert.deepEqual(ctx.request_headers, { 'User-Agent': ['test-agent/1.0'], 'Accept-Language': ['de-CH'], 'Sec-Ch-Ua-Platform': ['"Linux"'] });
    assert.equal(ctx.request_method, 'POST');
    assert.equal(ctx.request_url, hookContext().request.url);
    assert.deepEqual(ctx.request_cookies, { csrf_token: 'abc' });
    await wh.close();
  });

  test('without identity and session (before hooks) the keys are absent; form bodies, file:// and legacy bare-path templates work', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wh-tpl-'));
    try {
      writeFileSync(join(dir, 'form.jsonnet'), 'function(ctx) { flow_id: ctx.flow.id, plan: ctx.flow.transient_payload.plan, has_identity: std.objectHas(ctx, "identity") }');
      const wh = await webHooks(queue);
      peer.received.length = 0;
      peer.handler = (_r, res) => void res.writeHead(204).end();
      const form = hook({ body: `file://${join(dir, 'form.jsonnet')}`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
      assert.deepEqual(await wh.runner.run(form, hookContext()), { kind: 'ok' });
      assert.equal(peer.received[0]!.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.deepEqual(Object.fromEntries(new URLSearchParams(peer.received[0]!.body)), { flow_id: hookContext().flow.id, plan: 'pro', has_identity: 'false' });
      const bare = hook({ body: join(dir, 'form.jsonnet') });
      assert.deepEqual(await wh.runner.run(bare, hookContext()), { kind: 'ok' });
      assert.equal(JSON.parse(peer.received[1]!.body).has_identity, false);
      await wh.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('api_key in a header and in a cookie, and basic auth, reach the peer', async () => {
    const wh = await webHooks(queue);
    peer.received.length = 0;
    peer.handler = (_r, res) => void res.writeHead(204).end();
    await wh.runner.run(hook({ auth: { type: 'api_key', config: { name: 'X-Api-Key', value: 'k-123', in: 'header' } } }), hookContext());
    await wh.runner.run(hook({ headers: { Cookie: 'a=b' }, auth: { type: 'api_key', config: { name: 'hook_key', value: 'k-456', in: 'cookie' } } }), hookContext());
    await wh.runner.run(hook({ auth: { type: 'basic_auth', config: { user: 'hooks', password: 'p@ss:word' } } }), hookContext());
    assert.equal(peer.received[0]!.headers['x-api-key'], 'k-123');
    assert.equal(peer.received[1]!.headers.cookie, 'a=b; hook_key=k-456');
    assert.equal(peer.received[2]!.headers.authorization, `Basic ${Buffer.from('hooks:p@ss:word').toString('base64')}`);
    // The browser's own credentials are never forwarded.
    assert.ok(peer.received.every((r) => !JSON.stringify(r.body).includes('do-not-forward') && !JSON.stringify(r.body).includes('secret-session')));
    await wh.close();
  });

  test('a peer slower than the deadline gives a 504 with the upstream reason', async () => {
    const wh = await webHooks(queue, { tessera: { web_hooks: { timeout: '150ms', delivery: { lease: '1s' } } } });
    peer.handler = (_r, res) => void setTimeout(() => res.writeHead(204).end(), 1000);
    const err = await rejects(wh.runner.run(hook(), hookContext()), 504);
    assert.equal(err.reason, REASON_UNREACHABLE);
    await wh.close();
  });

  test('a peer answering 500 is tried three times, then the call is a 502; 4xx without parse is a 502 at once', async () => {
    const events: WebHookEvent[] = [];
    const wh = await webHooks(queue, {}, { onEvent: (e) => events.push(e) });
    peer.received.length = 0;
    peer.handler = (_r, res) => void res.writeHead(500).end('boom');
    const err = await rejects(wh.runner.run(hook(), hookContext()), 502);
    assert.equal(err.reason, REASON_IMPROPER);
    assert.equal(peer.received.length, 3);
    // Each attempt carries its own request id.
    assert.equal(new Set(peer.received.map((r) => r.headers['ory-webhook-request-id'])).size, 3);
    assert.deepEqual(events.map((e) => e.name), ['WebhookDelivered', 'WebhookDelivered', 'WebhookDelivered', 'WebhookFailed']);

    peer.received.length = 0;
    peer.handler = (_r, res) => void res.writeHead(403).end('{"messages":[]}');
    await rejects(wh.runner.run(hook(), hookContext()), 502);
    assert.equal(peer.received.length, 1);

    // Nothing listening: three tries, then "could not be reached".
    const closed = new Peer();
    await closed.start();
    const url = `${closed.url}/hook`;
    await closed.stop();
    const gone = await rejects(wh.runner.run(hook({ url }), hookContext()), 504);
    assert.equal(gone.reason, REASON_UNREACHABLE);
    await wh.close();
  });

  test('parse: a refusal with messages interrupts the flow with field and form messages; without messages it is a 502', async () => {
    const wh = await webHooks(queue);
    peer.handler = (_r, res) =>
      void res.writeHead(422, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          messages: [
            { instance_ptr: '#/traits/email', messages: [{ id: 4000001, text: 'email is on the deny list', type: 'error', context: { value: 'x@example.com' } }] },
            { instance_ptr: '', messages: [{ id: 1234, text: 'please call support', type: 'validation' }] },
          ],
        }),
      );
    const res = await wh.runner.run(hook({ response: { parse: true } }), hookContext());
    assert.deepEqual(res, {
      kind: 'interrupt',
      messages: [
        { instancePtr: '#/traits/email', messages: [{ id: 4000001, text: 'email is on the deny list', type: 'error', context: { value: 'x@example.com' } }] },
        { instancePtr: '', messages: [{ id: 1234, text: 'please call support', type: 'info' }] },
      ],
    });
    // The deprecated can_interrupt means the same.
    assert.equal((await wh.runner.run(hook({ can_interrupt: true }), hookContext())).kind, 'interrupt');

    peer.handler = (_r, res) => void res.writeHead(400, { 'content-type': 'application/json' }).end('{"messages":[]}');
    await rejects(wh.runner.run(hook({ response: { parse: true } }), hookContext()), 502);
    peer.handler = (_r, res) => void res.writeHead(400).end('not json');
    await rejects(wh.runner.run(hook({ response: { parse: true } }), hookContext()), 502);
    await wh.close();
  });

  test('parse: 200 with an identity replaces the given fields; without identity, or 204, nothing changes', async () => {
    const wh = await webHooks(queue);
    const answer = {
      identity: {
        traits: { email: 'new@example.com' },
        schema_id: 'customer',
        state: 'inactive',
        verifiable_addresses: [{ value: 'new@example.com', via: 'email', verified: true, status: 'completed' }],
        recovery_addresses: [],
        metadata_public: { tier: 'gold' },
        metadata_admin: { crm_id: 42 },
      },
    };
    peer.handler = (_r, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    const res = await wh.runner.run(hook({ response: { parse: true } }), hookContext());
    assert.deepEqual(res, {
      kind: 'identity',
      patch: {
        traits: answer.identity.traits,
        schema_id: 'customer',
        state: 'inactive',
        verifiable_addresses: answer.identity.verifiable_addresses,
        metadata_public: { tier: 'gold' },
        metadata_admin: { crm_id: 42 },
      },
    });
    peer.handler = (_r, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"other":1}');
    assert.deepEqual(await wh.runner.run(hook({ response: { parse: true } }), hookContext()), { kind: 'ok' });
    peer.handler = (_r, res) => void res.writeHead(204).end();
    assert.deepEqual(await wh.runner.run(hook({ response: { parse: true } }), hookContext()), { kind: 'ok' });
    // Without parse the answer is not read.
    peer.handler = (_r, res) => void res.writeHead(200).end(JSON.stringify(answer));
    assert.deepEqual(await wh.runner.run(hook(), hookContext()), { kind: 'ok' });
    await wh.close();
  });

  test('error "cancel" in the template skips the call; other template errors are a 500', async () => {
    const wh = await webHooks(queue);
    peer.received.length = 0;
    const body = b64('function(ctx) if ctx.flow.transient_payload.plan == "pro" then error "cancel" else { id: ctx.flow.id }');
    assert.deepEqual(await wh.runner.run(hook({ body }), hookContext()), { kind: 'canceled' });
    assert.equal(peer.received.length, 0);
    await rejects(wh.runner.run(hook({ body: b64('function(ctx) error "broken"') }), hookContext()), 500);
    assert.equal(peer.received.length, 0);
    await wh.close();
  });

  test('with signing secrets every request carries Standard Webhooks headers that verify', async () => {
    const raw = Buffer.from('0123456789abcdef0123456789abcdef');
    const secrets = [`whsec_${raw.toString('base64')}`, 'an-older-secret-still-accepted'];
    const wh = await webHooks(queue, { tessera: { web_hooks: { signing_secrets: secrets } } });
    peer.received.length = 0;
    peer.handler = (_r, res) => void res.writeHead(204).end();
    await wh.runner.run(hook(), hookContext());
    const r = peer.received[0]!;
    const id = String(r.headers['webhook-id']);
    const ts = String(r.headers['webhook-timestamp']);
    assert.ok(Math.abs(Number(ts) - Date.now() / 1000) < 60);
    const sigs = String(r.headers['webhook-signature']).split(' ');
    const expect = (key: Buffer) => 'v1,' + createHmac('sha256', key).update(`${id}.${ts}.${r.body}`).digest('base64');
    assert.deepEqual(sigs, [expect(raw), expect(Buffer.from(secrets[1]!))]);
    // A tampered body does not verify.
    assert.notEqual(expect(raw), 'v1,' + createHmac('sha256', raw).update(`${id}.${ts}.${r.body}x`).digest('base64'));
    await wh.close();
  });

  test('private addresses are refused when disallowed, unless the URL is an exception; remote templates too', async () => {
    peer.received.length = 0;
    peer.handler = (req, res) => {
      if (req.url === '/body.jsonnet') return void res.writeHead(200).end('function(ctx) { remote: true }');
      res.writeHead(204).end();
    };
    const strict = await webHooks(queue, { clients: { http: { disallow_private_ip_ranges: true } } });
    await rejects(strict.runner.run(hook(), hookContext()), 500);
    assert.equal(peer.received.length, 0);
    await strict.close();

    const excepted = await webHooks(queue, {
      clients: { http: { disallow_private_ip_ranges: true, private_ip_exception_urls: [`${peer.url}/hook`] } },
    });
    assert.deepEqual(await excepted.runner.run(hook(), hookContext()), { kind: 'ok' });
    // The template's URL is not excepted: it is refused.
    await rejects(excepted.runner.run(hook({ body: `${peer.url}/body.jsonnet` }), hookContext()), 500);
    await excepted.close();

    const open = await webHooks(queue);
    assert.deepEqual(await open.runner.run(hook({ body: `${peer.url}/body.jsonnet` }), hookContext()), { kind: 'ok' });
    assert.deepEqual(JSON.parse(peer.received.at(-1)!.body), { remote: true });
    await open.close();
  });

  test('configurations that cannot work are refused at start with the key at fault', async () => {
    const flows = (cfg: Record<string, unknown>) => ({
      selfservice: { flows: { registration: { after: { password: { hooks: [{ hook: 'web_hook', config: { url: `${peer.url}/hook`, method: 'POST', body: ECHO, ...cfg } }] } } } } },
    });
    const refused = async (cfg: Record<string, unknown>, key: RegExp, message: RegExp) => {
      await assert.rejects(webHooks(queue, flows(cfg)), (err: unknown) => {
        assert.ok(err instanceof ConfigError, String(err));
        assert.match(err.issues[0]!.path, key);
        assert.match(err.issues[0]!.message, message);
        return true;
      });
    };
    await refused({ response: { ignore: true }, can_interrupt: true }, /after\.password\.hooks\[0\]\.config\.response\.ignore$/, /cannot be combined with can_interrupt/);
    await refused({ response: { ignore: true, parse: true } }, /response\.ignore$/, /cannot be combined with response\.parse/);
    await refused({ body: undefined }, /config\.body$/, /is required for method POST/);
    await refused({ url: 'ftp://example.com/x' }, /config\.url$/, /http/);
    await refused({ headers: { 'Content-Type': 'text/plain' } }, /Content-Type$/, /unsupported Content-Type/);
    await assert.rejects(webHooks(queue, { tessera: { web_hooks: { timeout: '1m', delivery: { lease: '1m' } } } }), /lease/);
    // TRACE carries no body, so none is needed.
    (await webHooks(queue, flows({ method: 'TRACE', body: undefined }))).close();
  });
});
