import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { fixture, startTestServer, type TestServer } from '../../testkit/server.js';
import { messageIds, nodeValue, TestBrowser } from '../../testkit/browser.js';
import { SoftAuthenticator, type Tamper } from '../../testkit/webauthn-authenticator.js';

const RP_ID = 'localhost';
const ORIGIN = 'http://localhost:4455';
const WRONG_VERIFIER = 4000043;
const NO_SUCH_USER = 4000015;
const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;

type Node = { type: string; group: string; attributes: Record<string, any>; messages: Array<{ id: number }>; meta: { label?: { id: number } } };
type FlowJson = { id: string; ui: { action: string; nodes: Node[]; messages?: Array<{ id: number }> }; [k: string]: any };
const node = (flow: FlowJson, name: string) => flow.ui.nodes.find((n) => n.attributes.name === name);
const csrf = (flow: FlowJson) => String(nodeValue(flow, 'csrf_token'));
const trigger = (flow: FlowJson, name: string) => JSON.parse(String(nodeValue(flow, name))) as { publicKey: Record<string, any> & { challenge: string } };

/**
 * WebAuthn with `passwordless: true` (Kratos's first-factor security keys): sign up with traits and
 * a key, then sign in by naming the account and asserting with one of its passwordless keys.
 */
for (const factory of testDatabases()) {
  describe(`Passwordless WebAuthn on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    const pub = (path: string) => new URL(path.replace(/^\//, ''), s.publicUrl).toString();

    before(async () => {
      db = await factory.create();
      s = await startTestServer({
        dsn: db.dsn,
        config: {
          // The refusal test makes many wrong guesses on one account: no delay or lockout gets in its way.
          tessera: { brute_force: { login: { delay_after: 100, lockout_after: 100 } } },
          identity: { default_schema_id: 'webauthn', schemas: [{ id: 'webauthn', url: `file://${fixture('webauthn.schema.json')}` }] },
          selfservice: {
            methods: {
              password: { enabled: false },
              webauthn: { enabled: true, config: { passwordless: true, rp: { id: RP_ID, display_name: 'Tessera Test', origins: [ORIGIN] } } },
            },
            flows: { registration: { after: { webauthn: { hooks: [{ hook: 'session' }] } } } },
          },
        },
      });
    });
    after(async () => {
      await s?.close();
      await db?.drop();
    });

    async function signUp(prefix: string) {
      const b = new TestBrowser({ spa: true });
      const flow = (await b.get(pub('/self-service/registration/browser'))).body as FlowJson;
      const key = new SoftAuthenticator('ES256', RP_ID, ORIGIN);
      const addr = email(prefix);
      const res = await b.postJson(flow.ui.action, { csrf_token: csrf(flow), traits: { email: addr }, webauthn_register_displayname: 'my key', webauthn_register: JSON.stringify(key.register(trigger(flow, 'webauthn_register_trigger'))) });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return { b, key, addr, id: res.body.identity.id as string, session: res.body.session };
    }

    /** Step one: the identifier; Kratos sends the browser back to the flow (422 for a client asking for JSON), which now asks for a key. */
    async function nextStep(b: TestBrowser, first: FlowJson, addr: string) {
      const step = await b.postJson(first.ui.action, { csrf_token: csrf(first), method: 'webauthn', identifier: addr });
      if (step.status !== 422) return step;
      assert.equal(step.body.error.id, 'browser_location_change_required');
      assert.equal(new URL(step.body.redirect_browser_to).searchParams.get('flow'), first.id);
      return b.get(pub(`/self-service/login/flows?id=${first.id}`));
    }

    /** Step one (identifier) then step two (assertion) of a sign-in. */
    async function signIn(addr: string, key: SoftAuthenticator, t: Tamper = {}) {
      const b = new TestBrowser({ spa: true });
      const first = (await b.get(pub('/self-service/login/browser'))).body as FlowJson;
      const step = await nextStep(b, first, addr);
      if (step.status !== 200) return { b, step, res: step };
      const flow = step.body as FlowJson;
      const res = await b.postJson(flow.ui.action, { csrf_token: csrf(flow), identifier: addr, webauthn_login: JSON.stringify(key.assert(trigger(flow, 'webauthn_login_trigger'), t)) });
      return { b, step, res };
    }

    test('sign up with a passwordless key, then sign in with identifier and key (aal1, user verification required)', async () => {
      const b = new TestBrowser({ spa: true });
      const reg = (await b.get(pub('/self-service/registration/browser'))).body as FlowJson;
      const pk = trigger(reg, 'webauthn_register_trigger').publicKey;
      assert.equal(pk.authenticatorSelection.residentKey, 'required');
      assert.equal(pk.authenticatorSelection.userVerification, 'required');
      assert.equal(pk.authenticatorSelection.authenticatorAttachment, undefined);
      assert.equal(node(reg, 'webauthn_register_trigger')!.meta.label?.id, 1040004);
      assert.equal(node(reg, 'webauthn_register_trigger')!.attributes.onclickTrigger, 'oryWebAuthnRegistration');
      const login = (await b.get(pub('/self-service/login/browser'))).body as FlowJson;
      assert.equal(node(login, 'identifier')!.attributes.autocomplete, 'username webauthn');
      assert.equal(login.ui.nodes.find((n) => n.attributes.name === 'method' && n.attributes.value === 'webauthn')!.group, 'webauthn');

      const u = await signUp('pl');
      assert.equal(u.session.authenticator_assurance_level, 'aal1');
      const cred = (await s.adminApi.get(`/admin/identities/${u.id}?include_credential=webauthn`)).body.credentials.webauthn;
      assert.deepEqual(cred.identifiers, [u.addr]);
      assert.equal(cred.config.credentials[0].is_passwordless, true);
      assert.equal(cred.config.credentials[0].display_name, 'my key');

      const { step, res } = await signIn(u.addr, u.key);
      assert.equal(step.status, 200);
      assert.deepEqual(messageIds(step.body), [1010012]);
      assert.equal(node(step.body, 'identifier')!.attributes.type, 'hidden');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.session.identity.id, u.id);
      assert.equal(res.body.session.authenticator_assurance_level, 'aal1');
      assert.deepEqual(res.body.session.authentication_methods.map((m: { method: string; aal: string }) => [m.method, m.aal]), [['webauthn', 'aal1']]);
    });

    test('refused: unknown account, replay, wrong origin, wrong RP id, no user verification, counter going back, unknown key', async () => {
      const u = await signUp('pl-refused');
      const unknown = await signIn(email('nobody'), u.key);
      assert.equal(unknown.step.status, 400);
      assert.deepEqual(messageIds(unknown.step.body), [NO_SUCH_USER]);

      const ok = await signIn(u.addr, u.key);
      assert.equal(ok.res.status, 200);
      const cases: Array<[string, Tamper]> = [
        ['wrong origin', { origin: 'https://evil.example' }],
        ['wrong RP id', { rpId: 'evil.example' }],
        ['no user verification', { userVerified: false }],
        ['counter going back', { counter: 1 }],
      ];
      for (const [name, t] of cases) {
        const { res } = await signIn(u.addr, u.key, t);
        assert.equal(res.status, 400, name);
        assert.deepEqual(messageIds(res.body), [WRONG_VERIFIER], name);
      }
      const stranger = await signIn(u.addr, new SoftAuthenticator('ES256', RP_ID, ORIGIN));
      assert.equal(stranger.res.status, 400);
      assert.deepEqual(messageIds(stranger.res.body), [WRONG_VERIFIER]);

      // Replay: a signed assertion for one flow's challenge does not sign in on another flow.
      const b = new TestBrowser({ spa: true });
      const first = (await b.get(pub('/self-service/login/browser'))).body as FlowJson;
      const step = (await nextStep(b, first, u.addr)).body as FlowJson;
      const assertion = JSON.stringify(u.key.assert(trigger(step, 'webauthn_login_trigger'), { counter: 100 }));
      assert.equal((await b.postJson(step.ui.action, { csrf_token: csrf(step), identifier: u.addr, webauthn_login: assertion })).status, 200);
      const other = new TestBrowser({ spa: true });
      const f2 = (await other.get(pub('/self-service/login/browser'))).body as FlowJson;
      const s2 = (await nextStep(other, f2, u.addr)).body as FlowJson;
      const replay = await other.postJson(s2.ui.action, { csrf_token: csrf(s2), identifier: u.addr, webauthn_login: assertion });
      assert.equal(replay.status, 400);
      assert.deepEqual(messageIds(replay.body), [WRONG_VERIFIER]);
    });

    test('settings: the only passwordless key cannot be removed; a second one can be added, then one removed', async () => {
      const u = await signUp('pl-settings');
      const flow = (await u.b.get(pub('/self-service/settings/browser'))).body as FlowJson;
      assert.equal(node(flow, 'webauthn_remove')!.attributes.disabled, true);
      const refused = await u.b.postJson(flow.ui.action, { csrf_token: csrf(flow), webauthn_remove: u.key.credentialId.toString('hex') });
      assert.equal(refused.status, 400);
      const second = new SoftAuthenticator('RS256', RP_ID, ORIGIN);
      const added = await u.b.postJson(flow.ui.action, { csrf_token: csrf(flow), webauthn_register_displayname: 'second', webauthn_register: JSON.stringify(second.register(trigger(flow, 'webauthn_register_trigger'))) });
      assert.equal(added.status, 200, JSON.stringify(added.body));
      assert.equal((await signIn(u.addr, second)).res.status, 200);
      const next = (await u.b.get(pub('/self-service/settings/browser'))).body as FlowJson;
      const removed = await u.b.postJson(next.ui.action, { csrf_token: csrf(next), webauthn_remove: u.key.credentialId.toString('hex') });
      assert.equal(removed.status, 200, JSON.stringify(removed.body));
      assert.equal((await signIn(u.addr, u.key)).res.status, 400);
    });
  });
}
