import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RegistrationFlow } from '@ory/client';
import { sqliteDatabase, testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { TestBrowser, messageIds, nodeValue } from '../../testkit/browser.js';
import { fails, findNode, formMessageIds, nodeMessageIds, ok, sdkClients } from '../sdk/sdk-kit.js';

const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const PASSWORD = 'a sufficiently long passphrase 42';
const UI = 'http://127.0.0.1:4455';

type Node = { type: string; group: string; attributes: Record<string, unknown> & { name?: string }; messages: Array<{ id: number }>; meta: { label?: { id: number } } };
type FlowBody = { id: string; active?: string; state: string; ui: { action: string; nodes: Node[]; messages?: Array<{ id: number }> } };

/** A node as a row: group, name, type, value, required, label id, message ids. */
const row = (n: Node) =>
  [n.group, n.attributes.name, n.attributes.type, n.attributes.value === undefined ? '-' : JSON.stringify(n.attributes.value), n.attributes.required ? 'required' : '-', n.meta.label?.id ?? '-', n.messages.map((m) => m.id).join(',') || '-'].join(' ');
const rows = (flow: FlowBody) => flow.ui.nodes.map(row);

/** As Kratos v1.3: the social sign-up buttons stay with the traits. */
const FIRST_SCREEN = [
  'oidc provider submit "corp" - 1040002 -',
  'default csrf_token hidden "" required - -',
  'default traits.email email - required 1070002 -',
  'default traits.name.first text - - 1070002 -',
  'default traits.name.last text - - 1070002 -',
  'default traits.age number - - - -',
  'profile method submit "profile" - 1040001 -',
];

for (const factory of testDatabases()) {
  describe(`two-step registration (enable_legacy_one_step: false, Kratos v1.3's default) on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
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
            flows: {
              registration: { enable_legacy_one_step: false, ui_url: `${UI}/registration`, after: { password: { hooks: [{ hook: 'session' }] } } },
              error: { ui_url: `${UI}/error` },
            },
          },
        },
      });
    });
    after(async () => {
      await s?.close();
      await db?.drop();
    });

    const newFlow = async () => {
      const flow = await s.publicApi.get('/self-service/registration/api');
      assert.equal(flow.status, 200, JSON.stringify(flow.body));
      return flow.body as FlowBody;
    };
    const submit = (flow: FlowBody, body: Record<string, unknown>) => s.publicApi.post(`/self-service/registration?flow=${flow.id}`, body);

    test('the first screen asks for the traits only, with method=profile', async () => {
      const flow = await newFlow();
      assert.deepEqual(rows(flow), FIRST_SCREEN);
      assert.equal(flow.state, 'choose_method');
    });

    test('profile, back, profile again, then password: the identity is created with the traits of the profile step', async () => {
      const flow = await newFlow();
      const addr = email('two-step');
      const second = await submit(flow, { method: 'profile', traits: { email: addr, name: { first: 'Ada' } } });
      assert.equal(second.status, 400, 'as Kratos: the next screen comes as the flow with 400');
      assert.deepEqual(messageIds(second.body), [1040009]);
      assert.deepEqual(rows(second.body), [
        'default csrf_token hidden "" required - -',
        `default traits.email hidden "${addr}" required 1070002 -`,
        'default traits.name.first hidden "Ada" - 1070002 -',
        'default traits.name.last hidden - - 1070002 -',
        'default traits.age hidden - - - -',
        'code method submit "code" - 1040006 -',
        'password password password - required 1070001 -',
        'password method submit "password" - 1040001 -',
        'profile screen submit "previous" - 1040008 -',
      ]);
      assert.equal(second.body.state, 'choose_method');
      assert.equal(second.body.active, undefined);

      // Back: the first screen with the values given.
      const back = await submit(flow, { screen: 'previous', traits: { email: addr, name: { first: 'Ada' } } });
      assert.equal(back.status, 400);
      assert.deepEqual(messageIds(back.body), []);
      assert.deepEqual(rows(back.body), FIRST_SCREEN.map((r) => (r.startsWith('default traits.email') ? r.replace(' - required', ` "${addr}" required`) : r.startsWith('default traits.name.first') ? r.replace('text -', 'text "Ada"') : r)));

      const again = await submit(flow, { method: 'profile', traits: { email: addr, name: { first: 'Ada', last: 'Lovelace' } } });
      assert.equal(nodeValue(again.body, 'traits.name.last'), 'Lovelace');
      // A password the policy refuses: the message is on the credential screen, the traits kept.
      const short = await submit(flow, { method: 'password', traits: { email: addr, name: { first: 'Ada', last: 'Lovelace' } }, password: 'short' });
      assert.equal(short.status, 400);
      assert.deepEqual(messageIds(short.body, 'password'), [4000032]);
      assert.equal(nodeValue(short.body, 'traits.email'), addr);
      assert.ok(rows(short.body).includes('profile screen submit "previous" - 1040008 -'));

      const done = await submit(flow, { method: 'password', traits: { email: addr, name: { first: 'Ada', last: 'Lovelace' } }, password: PASSWORD });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.deepEqual(done.body.identity.traits, { email: addr, name: { first: 'Ada', last: 'Lovelace' } });
      assert.match(done.body.session_token, /^ory_st_/);
    });

    test('validation errors at the profile step stay on the first screen', async () => {
      const flow = await newFlow();
      const bad = await submit(flow, { method: 'profile', traits: { email: 'not-an-email', age: -1 } });
      assert.equal(bad.status, 400);
      assert.ok(messageIds(bad.body, 'traits.email').length > 0);
      assert.ok(messageIds(bad.body, 'traits.age').length > 0);
      assert.equal(nodeValue(bad.body, 'traits.email'), 'not-an-email');
      assert.ok(rows(bad.body).includes('profile method submit "profile" - 1040001 -'));
      assert.ok(!bad.body.ui.nodes.some((n: Node) => n.attributes.name === 'password'));
      const missing = await submit(flow, { method: 'profile', traits: {} });
      assert.deepEqual(messageIds(missing.body, 'traits.email'), [4000002]);
      const wrongScreen = await submit(flow, { method: 'profile', screen: 'sideways', traits: {} });
      assert.equal(wrongScreen.status, 400);
      const notAnObject = await submit(flow, { method: 'profile', traits: 'ada' });
      assert.equal(notAnObject.status, 400);
    });

    test('a one-step submission (method=password with the traits) is still accepted, as in Kratos v1.3', async () => {
      const flow = await newFlow();
      const addr = email('one-step');
      const done = await submit(flow, { method: 'password', traits: { email: addr }, password: PASSWORD });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.identity.traits.email, addr);
    });

    test('browser: form posts with the anti-CSRF token through both screens and back', async () => {
      const b = new TestBrowser();
      const init = await b.get(pub('/self-service/registration/browser'));
      assert.equal(init.status, 303);
      const id = new URL(init.location!).searchParams.get('flow')!;
      const read = async () => (await b.request('GET', pub(`/self-service/registration/flows?id=${id}`), { headers: { accept: 'application/json' } })).body as FlowBody;
      const flow = await read();
      const csrf = String(nodeValue(flow, 'csrf_token'));
      const addr = email('browser');
      const noCsrf = await b.postForm(flow.ui.action, { method: 'profile', 'traits.email': addr }, { accept: 'application/json' });
      assert.equal(noCsrf.status, 403);
      const next = await b.postForm(flow.ui.action, { csrf_token: csrf, method: 'profile', 'traits.email': addr, 'traits.age': '36' });
      assert.equal(next.status, 303);
      assert.equal(next.location, `${UI}/registration?flow=${id}`);
      const second = await read();
      // Form posts carry strings; the schema's types come back.
      assert.equal(nodeValue(second, 'traits.age'), 36);
      const back = await b.postForm(flow.ui.action, { csrf_token: csrf, screen: 'previous', 'traits.email': addr, 'traits.age': '36' });
      assert.equal(back.status, 303);
      assert.equal((await read()).ui.nodes.find((n) => n.attributes.name === 'traits.email')!.attributes.type, 'email');
      await b.postForm(flow.ui.action, { csrf_token: csrf, method: 'profile', 'traits.email': addr, 'traits.age': '36' });
      const done = await b.postForm(flow.ui.action, { csrf_token: csrf, method: 'password', 'traits.email': addr, 'traits.age': '36', password: PASSWORD });
      assert.equal(done.status, 303);
      assert.equal(done.location, `${UI}/welcome`);
      assert.ok(b.cookieNamed('ory_kratos_session'), 'a session cookie was set');
    });

    test('@ory/client: updateRegistrationFlow with the profile method, back, then the password', async () => {
      const { frontend } = sdkClients(s);
      const flow = (await ok(frontend.createNativeRegistrationFlow(), 'public')).data;
      assert.equal(findNode(flow, 'method').group, 'profile');
      const addr = email('sdk');
      const bad = await fails<RegistrationFlow>(frontend.updateRegistrationFlow({ flow: flow.id, updateRegistrationFlowBody: { method: 'profile', traits: { email: 'nope' } } }), 400, 'public');
      assert.ok(nodeMessageIds(bad.data, 'traits.email').length > 0);
      const second = await fails<RegistrationFlow>(frontend.updateRegistrationFlow({ flow: flow.id, updateRegistrationFlowBody: { method: 'profile', traits: { email: addr } } }), 400, 'public');
      assert.deepEqual(formMessageIds(second.data), [1040009]);
      assert.equal(findNode(second.data, 'password').group, 'password');
      const back = await fails<RegistrationFlow>(frontend.updateRegistrationFlow({ flow: flow.id, updateRegistrationFlowBody: { method: 'profile', screen: 'previous', traits: { email: addr } } }), 400, 'public');
      assert.equal(findNode(back.data, 'method').group, 'profile');
      await fails(frontend.updateRegistrationFlow({ flow: flow.id, updateRegistrationFlowBody: { method: 'profile', screen: 'credential-selection', traits: { email: addr } } }), 400, 'public');
      const done = await ok(frontend.updateRegistrationFlow({ flow: flow.id, updateRegistrationFlowBody: { method: 'password', traits: { email: addr }, password: PASSWORD } }), 'public');
      assert.equal((done.data.identity.traits as { email: string }).email, addr);
    });
  });
}

describe('registration style: selfservice.flows.registration.style, and the deprecated enable_legacy_one_step winning when true', () => {
  const cases: Array<[string, Record<string, unknown>, boolean]> = [
    ['style: profile_first (the default) asks for the profile first', { style: 'profile_first', enable_legacy_one_step: false }, true],
    ['style: unified is one form with traits and password', { style: 'unified', enable_legacy_one_step: false }, false],
    ['enable_legacy_one_step: true keeps one form whatever the style', { style: 'profile_first', enable_legacy_one_step: true }, false],
  ];
  for (const [name, registration, twoStep] of cases) {
    test(name, async () => {
      const db = await sqliteDatabase().create();
      const s = await startTestServer({ dsn: db.dsn, config: { selfservice: { methods: { password: { config: { haveibeenpwned_enabled: false } } }, flows: { registration } } } });
      try {
        const flow = (await s.publicApi.get('/self-service/registration/api')).body as FlowBody;
        const names = flow.ui.nodes.map((n) => `${n.group}:${n.attributes.name}`);
        assert.equal(names.includes('password:password'), !twoStep, names.join(' '));
        assert.equal(names.includes('profile:method'), twoStep, names.join(' '));
      } finally {
        await s.close();
        await db.drop();
      }
    });
  }
});
