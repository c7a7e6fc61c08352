import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { LoginFlow } from '@ory/client';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { TestBrowser, messageIds, nodeValue } from '../../testkit/browser.js';
import { fails, findNode, formMessageIds, ok, sdkClients } from '../sdk/sdk-kit.js';

const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const PASSWORD = 'a sufficiently long passphrase 42';
const UI = 'http://127.0.0.1:4455';

type Node = { type: string; group: string; attributes: Record<string, unknown> & { name?: string }; messages: Array<{ id: number }>; meta: { label?: { id: number } } };
type FlowBody = { id: string; active?: string; state: string; ui: { action: string; nodes: Node[]; messages?: Array<{ id: number }> } };

/** A node as a row: group, name, type, value, required, label id, message ids. */
const row = (n: Node) =>
  [n.group, n.attributes.name, n.attributes.type, n.attributes.value === undefined ? '-' : JSON.stringify(n.attributes.value), n.attributes.required ? 'required' : '-', n.meta.label?.id ?? '-', n.messages.map((m) => m.id).join(',') || '-'].join(' ');
const rows = (flow: FlowBody) => flow.ui.nodes.map(row);

/**
 * What a client can see of a flow, without what differs between any two flows (ids, times, the
 * CSRF token) or what the user typed: two of these being equal means the answers tell nothing apart.
 */
function observable(flow: FlowBody & Record<string, unknown>) {
  const nodes = flow.ui.nodes.map((n) => ({ ...n, attributes: { ...n.attributes, value: n.attributes.name === 'identifier' || n.attributes.name === 'csrf_token' ? '<x>' : n.attributes.value } }));
  const { id, expires_at, issued_at, created_at, updated_at, request_url, ...rest } = flow;
  void [id, expires_at, issued_at, created_at, updated_at, request_url];
  return { ...rest, ui: { ...flow.ui, action: '<action>', nodes } };
}

for (const factory of testDatabases()) {
  describe(`identifier-first login (selfservice.flows.login.style: identifier_first) on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let known: string;
    const pub = (p: string) => `${s.publicUrl}${p.replace(/^\//, '')}`;

    before(async () => {
      db = await factory.create();
      s = await startTestServer({
        dsn: db.dsn,
        config: {
          selfservice: {
            default_browser_return_url: `${UI}/welcome`,
            methods: {
              password: { config: { haveibeenpwned_enabled: false } },
              code: { passwordless_enabled: true },
              // Never contacted: only its button is looked at.
              oidc: { enabled: true, config: { providers: [{ id: 'corp', provider: 'generic', label: 'Corp', client_id: 'c', client_secret: 's', issuer_url: 'http://127.0.0.1:9/', mapper_url: `base64://${Buffer.from('local claims = std.extVar("claims"); { identity: { traits: { email: claims.email } } }').toString('base64')}` }] } },
            },
            flows: { login: { style: 'identifier_first', ui_url: `${UI}/login` }, error: { ui_url: `${UI}/error` } },
          },
        },
      });
      known = email('known');
      const created = await s.adminApi.post('/admin/identities', { schema_id: 'default', traits: { email: known }, credentials: { password: { config: { password: PASSWORD } } } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    });
    after(async () => {
      await s?.close();
      await db?.drop();
    });

    const newFlow = async (query = '', headers: Record<string, string> = {}) => {
      const flow = await s.publicApi.get(`/self-service/login/api${query}`, { headers });
      assert.equal(flow.status, 200, JSON.stringify(flow.body));
      return flow.body as FlowBody & Record<string, unknown>;
    };
    const submit = (flow: FlowBody, body: Record<string, unknown>) => s.publicApi.post(`/self-service/login?flow=${flow.id}`, body);

    test('the first screen asks for the identifier alone', async () => {
      const flow = await newFlow();
      // Kratos's login order: groups it does not list (identifier_first) come first.
      // Social sign-in buttons are on the first screen too.
      assert.deepEqual(rows(flow), [
        'identifier_first identifier text "" required 1070002 -',
        'identifier_first method submit "identifier_first" - 1070009 -',
        'oidc provider submit "corp" - 1010002 -',
        'default csrf_token hidden "" required - -',
      ]);
      assert.equal((flow.ui.nodes[0]!.meta.label as { text?: string }).text, 'E-Mail');
    });

    test('a known and an unknown identifier get the same next screen: status, nodes, messages', async () => {
      const a = await newFlow();
      const b = await newFlow();
      const [knownRes, unknownRes] = await Promise.all([submit(a, { method: 'identifier_first', identifier: known }), submit(b, { method: 'identifier_first', identifier: email('nobody') })]);
      assert.equal(knownRes.status, 400);
      assert.equal(unknownRes.status, 400);
      assert.deepEqual(observable(knownRes.body), observable(unknownRes.body));
      assert.deepEqual(rows(knownRes.body), [
        `identifier_first identifier hidden "${known}" required 1070002 -`,
        'oidc provider submit "corp" - 1010002 -',
        'default csrf_token hidden "" required - -',
        'code method submit "code" - 1010015 -',
        'password password password - required 1070001 -',
        'password method submit "password" - 1010022 -',
      ]);
      assert.deepEqual(messageIds(knownRes.body), []);
      assert.equal(knownRes.body.active, 'identifier_first');
      assert.equal(knownRes.body.state, 'choose_method');
      // The stored flow reads back as the answer showed it.
      const read = await s.publicApi.get(`/self-service/login/flows?id=${a.id}`);
      assert.deepEqual(rows(read.body), rows(knownRes.body));
    });

    test('then the password signs in; a wrong one, or an unknown identifier, is the same invalid-credentials answer', async () => {
      const flow = await newFlow();
      const next = await submit(flow, { method: 'identifier_first', identifier: known });
      const wrong = await submit(next.body, { method: 'password', identifier: known, password: 'not the password at all' });
      assert.equal(wrong.status, 400);
      assert.deepEqual(messageIds(wrong.body), [4000006]);
      // Still the second screen, the identifier kept.
      assert.equal(nodeValue(wrong.body, 'identifier'), known);
      assert.ok(!rows(wrong.body).some((r) => r.includes('identifier_first"')), 'no way back to the identifier button');

      const other = await newFlow();
      const nobody = email('nobody');
      const otherNext = await submit(other, { method: 'identifier_first', identifier: nobody });
      const unknown = await submit(otherNext.body, { method: 'password', identifier: nobody, password: 'not the password at all' });
      assert.equal(unknown.status, 400);
      assert.deepEqual(observable(unknown.body), observable(wrong.body));

      const good = await submit(wrong.body, { method: 'password', identifier: known, password: PASSWORD });
      assert.equal(good.status, 200, JSON.stringify(good.body));
      assert.match(good.body.session_token, /^ory_st_/);
      assert.equal(good.body.session.identity.traits.email, known);
      assert.deepEqual(good.body.session.authentication_methods.map((m: { method: string }) => m.method), ['password']);
    });

    test('validation: an empty identifier, then a missing password', async () => {
      const flow = await newFlow();
      const empty = await submit(flow, { method: 'identifier_first', identifier: '' });
      assert.equal(empty.status, 400);
      assert.deepEqual(messageIds(empty.body, 'identifier'), [4000003]);
      assert.equal(findInput(empty.body, 'identifier').type, 'text', 'still the first screen');
      const absent = await submit(flow, { method: 'identifier_first' });
      assert.deepEqual(messageIds(absent.body, 'identifier'), [4000003]);
      const next = await submit(flow, { method: 'identifier_first', identifier: known });
      assert.equal(next.status, 400);
      assert.deepEqual(messageIds(next.body, 'identifier'), [], 'old messages are gone');
      const noPassword = await submit(flow, { method: 'password', identifier: known, password: '' });
      assert.deepEqual(messageIds(noPassword.body, 'password'), [4000002]);
      // Naming the identifier again builds the same second screen, not a second set of buttons.
      const again = await submit(flow, { method: 'identifier_first', identifier: known });
      assert.deepEqual(rows(again.body), rows(next.body));
    });

    test('a refresh keeps its one screen', async () => {
      const flow = await newFlow();
      await submit(flow, { method: 'identifier_first', identifier: known });
      const signedIn = await submit(flow, { method: 'password', identifier: known, password: PASSWORD });
      const token = signedIn.body.session_token as string;
      const refresh = await newFlow('?refresh=true', { 'x-session-token': token });
      assert.ok(rows(refresh).some((r) => r.startsWith('password password password')));
      assert.ok(!refresh.ui.nodes.some((n) => n.group === 'identifier_first'));
      const res = await submit(refresh, { method: 'identifier_first', identifier: known });
      assert.equal(res.status, 400);
      assert.deepEqual(messageIds(res.body), [4010002], 'no method takes it');
    });

    test('browser: form posts with the anti-CSRF token, redirects to the UI, session cookie at the end', async () => {
      const b = new TestBrowser();
      const init = await b.get(pub('/self-service/login/browser'));
      assert.equal(init.status, 303);
      const id = new URL(init.location!).searchParams.get('flow')!;
      const flow = (await b.request('GET', pub(`/self-service/login/flows?id=${id}`), { headers: { accept: 'application/json' } })).body as FlowBody;
      const csrf = String(nodeValue(flow, 'csrf_token'));
      const noCsrf = await b.postForm(flow.ui.action, { method: 'identifier_first', identifier: known }, { accept: 'application/json' });
      assert.equal(noCsrf.status, 403);
      assert.equal(noCsrf.body.error.id, 'security_csrf_violation');
      const next = await b.postForm(flow.ui.action, { csrf_token: csrf, method: 'identifier_first', identifier: known });
      assert.equal(next.status, 303);
      assert.equal(next.location, `${UI}/login?flow=${id}`);
      const shown = (await b.request('GET', pub(`/self-service/login/flows?id=${id}`), { headers: { accept: 'application/json' } })).body as FlowBody;
      assert.equal(findInput(shown, 'identifier').type, 'hidden');
      const done = await b.postForm(flow.ui.action, { csrf_token: String(nodeValue(shown, 'csrf_token')), method: 'password', identifier: String(nodeValue(shown, 'identifier')), password: PASSWORD });
      assert.equal(done.status, 303);
      assert.equal(done.location, `${UI}/welcome`);
      assert.ok(b.cookieNamed('ory_kratos_session'), 'a session cookie was set');
    });

    test('@ory/client: updateLoginFlow with the identifier_first method, then the password', async () => {
      const { frontend } = sdkClients(s);
      const flow = (await ok(frontend.createNativeLoginFlow(), 'public')).data;
      assert.equal(findNode(flow, 'method').group, 'identifier_first');
      const next = await fails<LoginFlow>(frontend.updateLoginFlow({ flow: flow.id, updateLoginFlowBody: { method: 'identifier_first', identifier: known } }), 400, 'public');
      assert.deepEqual(formMessageIds(next.data), []);
      assert.equal((findNode(next.data, 'identifier').attributes as { type: string }).type, 'hidden');
      assert.equal(findNode(next.data, 'password').group, 'password');
      const done = await ok(frontend.updateLoginFlow({ flow: flow.id, updateLoginFlowBody: { method: 'password', identifier: known, password: PASSWORD } }), 'public');
      assert.equal(done.data.session.identity?.traits.email, known);
    });
  });
}

function findInput(flow: FlowBody, name: string): Record<string, unknown> {
  const n = flow.ui.nodes.find((x) => x.attributes.name === name);
  assert.ok(n, `node ${name}`);
  return n.attributes;
}
