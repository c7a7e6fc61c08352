import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { messageIds } from '../../testkit/browser.js';

/** What a hook peer received. */
interface Call {
  path: string;
  body: Record<string, any>;
  headers: IncomingMessage['headers'];
}

// One Jsonnet body for every hook: the ids the hook sees, the traits, the payload and the request.
const BODY = `function(ctx) {
  flow_id: ctx.flow.id,
  identity_id: if std.objectHas(ctx, 'identity') && ctx.identity != null then ctx.identity.id else null,
  session_id: if std.objectHas(ctx, 'session') && ctx.session != null then ctx.session.id else null,
  email: if std.objectHas(ctx, 'identity') && ctx.identity != null then ctx.identity.traits.email else null,
  payload: if std.objectHas(ctx.flow, 'transient_payload') then ctx.flow.transient_payload else null,
  user_agent: if std.objectHas(ctx.request_headers, 'User-Agent') then ctx.request_headers['User-Agent'][0] else null,
  has_cookie_header: std.objectHas(ctx.request_headers, 'Cookie'),
  request_method: ctx.request_method,
}`;
const body = `base64://${Buffer.from(BODY).toString('base64')}`;

for (const dbDef of testDatabases()) {
  describe(`web hooks in the flows on ${dbDef.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let peer: Server;
    let calls: Call[] = [];
    let peerUrl = '';

    before(async () => {
      peer = createServer((req, res) => {
        let raw = '';
        req.on('data', (d) => (raw += d));
        req.on('end', () => {
          const b = raw ? (JSON.parse(raw) as Record<string, any>) : {};
          calls.push({ path: req.url ?? '', body: b, headers: req.headers });
          const email = String(b.email ?? '');
          const json = (status: number, value: unknown) => {
            res.writeHead(status, { 'content-type': 'application/json' });
            res.end(JSON.stringify(value));
          };
          if (req.url === '/registration-pre' || req.url === '/settings-pre') {
            if (email.startsWith('field-')) return json(400, { messages: [{ instance_ptr: '#/traits/email', messages: [{ id: 4000001, text: 'This address is on the deny list.', type: 'error' }] }] });
            if (email.startsWith('form-')) return json(400, { messages: [{ instance_ptr: '#/', messages: [{ id: 4000001, text: 'Sign-ups are closed today.', type: 'error' }] }] });
            if (email.startsWith('patch-')) return json(200, { identity: { traits: { email, name: { first: 'Patched' } }, metadata_public: { source: 'hook' }, metadata_admin: { checked: true } } });
            if (email.startsWith('slow-')) return setTimeout(() => json(204, {}), 2500);
            if (email.startsWith('bad-')) return json(500, { oops: true });
          }
          res.writeHead(204);
          res.end();
        });
      });
      await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r));
      peerUrl = `http://127.0.0.1:${(peer.address() as { port: number }).port}`;
      const hook = (path: string, extra: Record<string, unknown> = {}) => ({ hook: 'web_hook', config: { url: `${peerUrl}${path}`, method: 'POST', body, ...extra } });
      db = await dbDef.create();
      s = await startTestServer({
        dsn: db.dsn,
        config: {
          tessera: { web_hooks: { timeout: '1s', delivery: { initial_backoff: '100ms', max_backoff: '1s', lease: '5s', pull_wait: '100ms' } } },
          selfservice: {
            flows: {
              login: {
                before: { hooks: [hook('/login-before')] },
                after: { password: { hooks: [hook('/login-after')] } },
              },
              registration: {
                after: {
                  password: {
                    hooks: [hook('/registration-pre', { response: { parse: true } }), { hook: 'session' }, hook('/registration-post'), hook('/registration-async', { response: { ignore: true } })],
                  },
                },
              },
              settings: { after: { profile: { hooks: [hook('/settings-pre', { response: { parse: true } }), hook('/settings-post')] } } },
            },
          },
        },
      });
    });
    after(async () => {
      await s?.close();
      await db?.drop();
      peer?.close();
    });

    const register = async (email: string, extra: Record<string, unknown> = {}) => {
      const flow = await s.publicApi.get('/self-service/registration/api');
      const res = await s.publicApi.post(`/self-service/registration?flow=${flow.body.id}`, { method: 'password', traits: { email }, password: 'a long and unique passphrase 42', ...extra });
      return { flow: flow.body, res };
    };
    const identityByEmail = async (email: string) => (await s.adminApi.get(`/admin/identities?credentials_identifier=${encodeURIComponent(email)}`)).body as Array<Record<string, any>>;
    const only = (path: string) => calls.filter((c) => c.path === path);

    test('registration: the hooks see the real identity and session ids that end up stored, and the transient payload', async () => {
      calls = [];
      const { flow, res } = await register('ids@example.com', { transient_payload: { invite: 'abc' } });
      assert.equal(res.status, 200);
      const identityId = res.body.identity.id as string;
      const sessionId = res.body.session.id as string;
      const [pre] = only('/registration-pre');
      assert.equal(pre!.body.identity_id, identityId, 'pre-persist hook sees the id the identity is stored with');
      assert.equal(pre!.body.session_id, null, 'no session exists before the identity');
      assert.equal(pre!.body.flow_id, flow.id);
      assert.deepEqual(pre!.body.payload, { invite: 'abc' });
      const [post] = only('/registration-post');
      assert.equal(post!.body.identity_id, identityId);
      assert.equal(post!.body.session_id, sessionId, 'post-persist hook sees the issued session');
      assert.equal((await s.publicApi.get('/sessions/whoami', { headers: { 'x-session-token': res.body.session_token } })).body.id, sessionId);
      // emit_analytics_event (default true): each delivery is counted.
      const metrics = await fetch(new URL('metrics/prometheus', s.adminUrl));
      assert.match(await metrics.text(), /tessera_webhook_deliveries_total\{[^}]*result="success"[^}]*\} [1-9]/);
    });

    test('registration: a parse hook refuses with a field message or a form message, and nothing is stored', async () => {
      const field = await register('field-deny@example.com');
      assert.equal(field.res.status, 400);
      assert.deepEqual(messageIds(field.res.body, 'traits.email'), [4000001]);
      assert.equal(field.res.body.ui.nodes.find((n: any) => n.attributes.name === 'traits.email').messages[0].text, 'This address is on the deny list.');
      const form = await register('form-closed@example.com');
      assert.equal(form.res.status, 400);
      assert.deepEqual(messageIds(form.res.body), [4000001]);
      assert.deepEqual(await identityByEmail('field-deny@example.com'), []);
      assert.deepEqual(await identityByEmail('form-closed@example.com'), []);
      // The refused flow can still be completed once the hook agrees.
      const retry = await s.publicApi.post(`/self-service/registration?flow=${field.flow.id}`, { method: 'password', traits: { email: 'later@example.com' }, password: 'a long and unique passphrase 42' });
      assert.equal(retry.status, 200);
    });

    test('registration: a parse hook replaces traits and metadata before the identity is stored', async () => {
      const { res } = await register('patch-me@example.com');
      assert.equal(res.status, 200);
      const [stored] = await identityByEmail('patch-me@example.com');
      assert.deepEqual(stored!.traits, { email: 'patch-me@example.com', name: { first: 'Patched' } });
      assert.deepEqual(stored!.metadata_public, { source: 'hook' });
      assert.deepEqual(stored!.metadata_admin, { checked: true });
      assert.equal(stored!.id, res.body.identity.id);
    });

    test('registration: a hook that times out is a 504, one that answers badly a 502, and nothing is stored', async () => {
      const slow = await register('slow-hook@example.com');
      assert.equal(slow.res.status, 504);
      assert.equal(slow.res.body.error.code, 504);
      assert.match(slow.res.body.error.reason, /could not be reached/);
      const bad = await register('bad-hook@example.com');
      assert.equal(bad.res.status, 502);
      assert.match(bad.res.body.error.reason, /responded improperly/);
      assert.deepEqual(await identityByEmail('slow-hook@example.com'), []);
      assert.deepEqual(await identityByEmail('bad-hook@example.com'), []);
    });

    test('registration: a background hook is delivered through the queue and listed on the admin API', async () => {
      calls = [];
      const { res } = await register('async@example.com');
      assert.equal(res.status, 200);
      for (let i = 0; i < 100 && only('/registration-async').length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      const [delivered] = only('/registration-async');
      assert.equal(delivered!.body.identity_id, res.body.identity.id);
      const list = await s.adminApi.get('/admin/web-hooks/deliveries', { unchecked: true });
      assert.equal(list.status, 200);
      assert.ok((list.body as Array<{ status: string }>).some((d) => d.status === 'delivered'));
    });

    test('login: before hooks run at flow creation; after hooks see the session id whoami then reports', async () => {
      await register('login-hooks@example.com');
      calls = [];
      const flow = await s.publicApi.get('/self-service/login/api', { headers: { 'user-agent': 'hook-test/1.0' } });
      assert.equal(only('/login-before')[0]!.body.flow_id, flow.body.id);
      assert.equal(only('/login-before')[0]!.body.user_agent, 'hook-test/1.0');
      const res = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'password', identifier: 'login-hooks@example.com', password: 'a long and unique passphrase 42', transient_payload: { device: 'x' } });
      assert.equal(res.status, 200);
      const [afterCall] = only('/login-after');
      assert.equal(afterCall!.body.session_id, res.body.session.id);
      assert.equal(afterCall!.body.identity_id, res.body.session.identity.id);
      assert.deepEqual(afterCall!.body.payload, { device: 'x' });
      assert.equal(afterCall!.body.has_cookie_header, false, 'only allow-listed headers reach the template');
      assert.equal(afterCall!.body.request_method, 'POST');
    });

    test('settings: a parse hook can refuse a profile change; an accepted one reaches the post-persist hook', async () => {
      const { res } = await register('settings-hooks@example.com');
      const token = res.body.session_token as string;
      const auth = { headers: { 'x-session-token': token } };
      const flow = await s.publicApi.get('/self-service/settings/api', auth);
      const refused = await s.publicApi.post(`/self-service/settings?flow=${flow.body.id}`, { method: 'profile', traits: { email: 'field-new@example.com' } }, auth);
      assert.equal(refused.status, 400);
      assert.deepEqual(messageIds(refused.body, 'traits.email'), [4000001]);
      assert.deepEqual(await identityByEmail('field-new@example.com'), []);
      calls = [];
      const ok = await s.publicApi.post(`/self-service/settings?flow=${flow.body.id}`, { method: 'profile', traits: { email: 'settings-hooks@example.com', name: { first: 'Ada' } } }, auth);
      assert.equal(ok.status, 200);
      assert.equal(only('/settings-post')[0]!.body.identity_id, res.body.identity.id);
    });
  });
}
