import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { messageIds, nodeValue, TestBrowser } from '../../testkit/browser.js';
import { SoftAuthenticator, type SoftAlgorithm, type Tamper } from '../../testkit/webauthn-authenticator.js';

const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const RP_ID = 'localhost';
const ORIGIN = 'http://localhost:4455';
const WRONG_VERIFIER = 4000043;
const NO_SUCH_USER = 4000015;

type Node = { type: string; group: string; attributes: Record<string, any>; messages: Array<{ id: number }>; meta: { label?: { id: number } } };
type FlowJson = { id: string; ui: { action: string; nodes: Node[]; messages?: Array<{ id: number }> }; [k: string]: any };
type CreateData = { credentialOptions: { publicKey: Record<string, any> & { challenge: string; user: { id: string } } }; displayNameFieldName: string };

const groupNames = (flow: FlowJson, group: string) => flow.ui.nodes.filter((n) => n.group === group).map((n) => n.attributes.name ?? n.attributes.id);
const node = (flow: FlowJson, name: string) => flow.ui.nodes.find((n) => n.attributes.name === name);
const csrf = (flow: FlowJson) => String(nodeValue(flow, 'csrf_token'));

for (const factory of testDatabases()) {
  describe(`Passkeys on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    /** The same methods with `selfservice.flows.login.style: identifier_first`. */
    let idFirst: TestServer;
    const pubOf = (server: TestServer, path: string) => new URL(path.replace(/^\//, ''), server.publicUrl).toString();
    const pub = (path: string) => pubOf(s, path);

    before(async () => {
      db = await factory.create();
      const methods = {
        password: { config: { haveibeenpwned_enabled: false } },
        passkey: { enabled: true, config: { rp: { id: RP_ID, display_name: 'Tessera Test', origins: [ORIGIN] } } },
      };
      const registration = { after: { password: { hooks: [{ hook: 'session' }] }, passkey: { hooks: [{ hook: 'session' }] } } };
      s = await startTestServer({ dsn: db.dsn, config: { selfservice: { methods, flows: { registration } } } });
      idFirst = await startTestServer({ dsn: db.dsn, config: { selfservice: { methods, flows: { registration, login: { style: 'identifier_first' } } } } });
    });
    after(async () => {
      await s?.close();
      await idFirst?.close();
      await db?.drop();
    });

    /** A browser (SPA) sign-up with a new passkey; returns the browser (signed in), the key and its user handle. */
    async function signUp(prefix: string, alg: SoftAlgorithm = 'ES256', server = s) {
      const b = new TestBrowser({ spa: true });
      const flow = (await b.get(pubOf(server, '/self-service/registration/browser'))).body as FlowJson;
      const data = JSON.parse(String(nodeValue(flow, 'passkey_create_data'))) as CreateData;
      const key = new SoftAuthenticator(alg, RP_ID, ORIGIN);
      const addr = email(prefix);
      const res = await b.postJson(flow.ui.action, { csrf_token: csrf(flow), traits: { email: addr }, passkey_register: JSON.stringify(key.register(data.credentialOptions)) });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return { b, key, addr, id: res.body.identity.id as string, handle: Buffer.from(data.credentialOptions.publicKey.user.id, 'base64url'), session: res.body.session };
    }

    async function loginFlow(b = new TestBrowser({ spa: true }), server = s) {
      const flow = (await b.get(pubOf(server, '/self-service/login/browser'))).body as FlowJson;
      const options = JSON.parse(String(nodeValue(flow, 'passkey_challenge'))) as { publicKey: Record<string, any> & { challenge: string } };
      return { b, flow, options };
    }

    /** Signs in with a passkey from a new login form: the one-step form, or identifier-first's first screen on `idFirst`. */
    async function signIn(key: SoftAuthenticator, handle: Buffer | undefined, t: Tamper = {}, server = s) {
      const { b, flow, options } = await loginFlow(new TestBrowser({ spa: true }), server);
      const assertion = key.assert(options, { ...t, ...(handle ? { userHandle: handle } : {}) });
      const res = await b.postJson(flow.ui.action, { csrf_token: csrf(flow), passkey_login: JSON.stringify(assertion) });
      return { b, flow, res, assertion };
    }

    async function stored(id: string) {
      const full = await s.adminApi.get(`/admin/identities/${id}?include_credential=passkey`);
      assert.equal(full.status, 200);
      return full.body.credentials.passkey as { identifiers: string[]; config: { credentials: Array<Record<string, any>>; user_handle: string } };
    }

    test('forms offer Kratos nodes to browsers only: discoverable credential, user verification required, no attachment', async () => {
      const b = new TestBrowser({ spa: true });
      const reg = (await b.get(pub('/self-service/registration/browser'))).body as FlowJson;
      assert.deepEqual(groupNames(reg, 'passkey').sort(), ['passkey_create_data', 'passkey_register', 'passkey_register_trigger']);
      const trigger = node(reg, 'passkey_register_trigger')!;
      assert.equal(trigger.attributes.type, 'button');
      assert.equal(trigger.attributes.onclick, 'window.oryPasskeyRegistration()');
      assert.equal(trigger.attributes.onclickTrigger, 'oryPasskeyRegistration');
      assert.equal(trigger.meta.label?.id, 1040007);
      assert.equal(node(reg, 'traits.email')!.group, 'default');
      const data = JSON.parse(String(nodeValue(reg, 'passkey_create_data'))) as CreateData;
      const pk = data.credentialOptions.publicKey;
      assert.equal(pk.rp.id, RP_ID);
      assert.equal(pk.attestation, 'none');
      assert.equal(pk.authenticatorSelection.residentKey, 'required');
      assert.equal(pk.authenticatorSelection.userVerification, 'required');
      assert.equal(pk.authenticatorSelection.authenticatorAttachment, undefined, 'no hard-coded attachment (Kratos #4377)');
      assert.deepEqual(pk.pubKeyCredParams.map((p: { alg: number }) => p.alg).sort((x: number, y: number) => x - y), [-257, -8, -7]);
      assert.match(Buffer.from(pk.user.id, 'base64url').toString('ascii'), /^[A-Za-z0-9]{64}$/);
      assert.ok(reg.ui.nodes.some((n) => n.type === 'script' && n.attributes.id === 'webauthn_script'));

      const login = (await b.get(pub('/self-service/login/browser'))).body as FlowJson;
      assert.deepEqual(groupNames(login, 'passkey').sort(), ['passkey_challenge', 'passkey_login', 'passkey_login_trigger']);
      assert.equal(node(login, 'identifier')!.attributes.autocomplete, 'username webauthn');
      assert.equal(node(login, 'passkey_login')!.attributes.onloadTrigger, 'oryPasskeyLoginAutocompleteInit');
      const loginTrigger = node(login, 'passkey_login_trigger')!;
      assert.equal(loginTrigger.attributes.onclickTrigger, 'oryPasskeyLogin');
      assert.equal(loginTrigger.attributes.onloadTrigger, 'oryPasskeyLoginAutocompleteInit');
      assert.equal(loginTrigger.meta.label?.id, 1010021);
      const request = JSON.parse(String(nodeValue(login, 'passkey_challenge'))).publicKey;
      assert.equal(request.userVerification, 'required');
      assert.deepEqual(request.allowCredentials ?? [], [], 'a discoverable credential: no key is named');

      // API flows: passkeys are a browser method, as in Kratos.
      for (const path of ['/self-service/registration/api', '/self-service/login/api']) {
        const api = await s.publicApi.get(path);
        assert.equal(api.status, 200);
        assert.deepEqual(groupNames(api.body, 'passkey'), [], path);
      }
    });

    for (const alg of ['ES256', 'EdDSA', 'RS256'] as SoftAlgorithm[]) {
      test(`${alg}: sign up with a passkey, then sign in with it (aal1, method passkey), counter stored`, async () => {
        const u = await signUp(`alg-${alg}`, alg);
        assert.equal(u.session.authenticator_assurance_level, 'aal1');
        assert.deepEqual(u.session.authentication_methods.map((m: { method: string }) => m.method), ['passkey']);
        const cred = await stored(u.id);
        assert.deepEqual(cred.identifiers, [u.handle.toString('ascii')]);
        assert.equal(Buffer.from(cred.config.user_handle, 'base64').toString('ascii'), u.handle.toString('ascii'));
        assert.equal(cred.config.credentials.length, 1);
        assert.equal(cred.config.credentials[0]!.is_passwordless, true);
        assert.equal(Buffer.from(cred.config.credentials[0]!.id, 'base64').toString('hex'), u.key.credentialId.toString('hex'));

        const { res, b } = await signIn(u.key, u.handle);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.session.identity.id, u.id);
        assert.equal(res.body.session.authenticator_assurance_level, 'aal1');
        assert.deepEqual(res.body.session.authentication_methods.map((m: { method: string; aal: string }) => [m.method, m.aal]), [['passkey', 'aal1']]);
        const who = await b.get(pub('/sessions/whoami'));
        assert.equal(who.status, 200);
        assert.equal(who.body.identity.id, u.id);
        assert.equal((await stored(u.id)).config.credentials[0]!.authenticator.sign_count, 2);
      });
    }

    test('refused: replayed assertion, wrong origin, wrong RP id, no user verification, counter going back, unknown credential or user', async () => {
      const u = await signUp('refused');
      const first = await signIn(u.key, u.handle);
      assert.equal(first.res.status, 200);

      // The same assertion again, on the same flow and on a new one.
      const again = await first.b.postJson(first.flow.ui.action, { csrf_token: csrf(first.flow), passkey_login: JSON.stringify(first.assertion) });
      assert.notEqual(again.status, 200);
      const fresh = await loginFlow();
      const replay = await fresh.b.postJson(fresh.flow.ui.action, { csrf_token: csrf(fresh.flow), passkey_login: JSON.stringify(first.assertion) });
      assert.equal(replay.status, 400);
      assert.deepEqual(messageIds(replay.body), [WRONG_VERIFIER]);

      const cases: Array<[string, Tamper]> = [
        ['wrong origin', { origin: 'https://evil.example' }],
        ['wrong RP id', { rpId: 'evil.example' }],
        ['no user verification', { userVerified: false }],
        ['counter going back', { counter: 1 }],
      ];
      for (const [name, t] of cases) {
        const { res } = await signIn(u.key, u.handle, t);
        assert.equal(res.status, 400, name);
        assert.deepEqual(messageIds(res.body), [WRONG_VERIFIER], name);
        assert.equal(res.body.ui.nodes.find((n: Node) => n.attributes.name === 'passkey_login')?.attributes.value ?? '', '', `${name}: the result input is emptied`);
      }

      // A key this account never registered, naming this account.
      const stranger = new SoftAuthenticator('ES256', RP_ID, ORIGIN);
      const unknownKey = await signIn(stranger, u.handle);
      assert.equal(unknownKey.res.status, 400);
      assert.deepEqual(messageIds(unknownKey.res.body), [WRONG_VERIFIER]);
      // A user handle nobody has, and none at all.
      for (const handle of [Buffer.from('x'.repeat(64)), undefined]) {
        const { res } = await signIn(stranger, handle);
        assert.equal(res.status, 400);
        assert.deepEqual(messageIds(res.body), [NO_SUCH_USER]);
      }
      // After all this the real key, with its counter moving on, still signs in.
      assert.equal((await signIn(u.key, u.handle, { counter: 100 })).res.status, 200);
    });

    test('a bad sign-up answer is a 400, never an identity', async () => {
      const b = new TestBrowser({ spa: true });
      const flow = (await b.get(pub('/self-service/registration/browser'))).body as FlowJson;
      const data = JSON.parse(String(nodeValue(flow, 'passkey_create_data'))) as CreateData;
      const key = new SoftAuthenticator('ES256', RP_ID, ORIGIN);
      const addr = email('bad');
      for (const t of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }, { userVerified: false }] as Tamper[]) {
        const res = await b.postJson(flow.ui.action, { csrf_token: csrf(flow), traits: { email: addr }, passkey_register: JSON.stringify(key.register(data.credentialOptions, t)) });
        assert.equal(res.status, 400, JSON.stringify(t));
      }
      const garbage = await b.postJson(flow.ui.action, { csrf_token: csrf(flow), traits: { email: addr }, passkey_register: '{"nope":1}' });
      assert.equal(garbage.status, 400);
      const found = await s.adminApi.get(`/admin/identities?credentials_identifier=${encodeURIComponent(addr)}`);
      assert.deepEqual(found.body, []);
    });

    test('settings: add a second passkey, remove one, never the last way to sign in', async () => {
      const u = await signUp('settings');
      const flow = (await u.b.get(pub('/self-service/settings/browser'))).body as FlowJson;
      assert.deepEqual(groupNames(flow, 'passkey'), ['passkey_remove', 'passkey_register_trigger', 'passkey_settings_register', 'passkey_create_data']);
      assert.equal(node(flow, 'passkey_remove')!.attributes.disabled, true, 'the only way to sign in cannot be removed');
      assert.equal(node(flow, 'passkey_register_trigger')!.attributes.onclickTrigger, 'oryPasskeySettingsRegistration');
      const refused = await u.b.postJson(flow.ui.action, { csrf_token: csrf(flow), passkey_remove: u.key.credentialId.toString('hex') });
      assert.equal(refused.status, 400);
      assert.equal((await stored(u.id)).config.credentials.length, 1);

      const second = new SoftAuthenticator('EdDSA', RP_ID, ORIGIN);
      const opts = JSON.parse(String(nodeValue(flow, 'passkey_create_data')));
      const added = await u.b.postJson(flow.ui.action, { csrf_token: csrf(flow), passkey_settings_register: JSON.stringify(second.register(opts)) });
      assert.equal(added.status, 200, JSON.stringify(added.body));
      const cred = await stored(u.id);
      assert.equal(cred.config.credentials.length, 2);
      assert.deepEqual(cred.identifiers, [u.handle.toString('ascii')], 'the identity keeps its one user handle');
      // Both sign in.
      assert.equal((await signIn(second, u.handle)).res.status, 200);
      assert.equal((await signIn(u.key, u.handle)).res.status, 200);

      const next = (await u.b.get(pub('/self-service/settings/browser'))).body as FlowJson;
      const removes = next.ui.nodes.filter((n) => n.attributes.name === 'passkey_remove');
      assert.equal(removes.length, 2);
      assert.ok(removes.every((n) => n.attributes.disabled === false));
      const removed = await u.b.postJson(next.ui.action, { csrf_token: csrf(next), passkey_remove: u.key.credentialId.toString('hex') });
      assert.equal(removed.status, 200, JSON.stringify(removed.body));
      assert.equal((await stored(u.id)).config.credentials.length, 1);
      const gone = await signIn(u.key, u.handle);
      assert.equal(gone.res.status, 400);
      assert.deepEqual(messageIds(gone.res.body), [WRONG_VERIFIER]);
      assert.equal((await signIn(second, u.handle)).res.status, 200);
    });

    test('identifier-first: the first screen offers the passkey sign-in to browsers (autofill, trigger, script); API flows get none', async () => {
      const b = new TestBrowser({ spa: true });
      const first = (await b.get(pubOf(idFirst, '/self-service/login/browser'))).body as FlowJson;
      assert.deepEqual(groupNames(first, 'identifier_first'), ['identifier', 'method']);
      assert.deepEqual(groupNames(first, 'passkey').sort(), ['passkey_challenge', 'passkey_login', 'passkey_login_trigger']);
      assert.deepEqual(groupNames(first, 'password'), [], 'the password field waits for the next screen');
      const identifier = node(first, 'identifier')!;
      assert.equal(identifier.group, 'identifier_first');
      assert.equal(identifier.attributes.type, 'text');
      assert.equal(identifier.attributes.autocomplete, 'username webauthn', 'conditional UI: passkeys offered in the field');
      assert.equal(first.ui.nodes.filter((n) => n.attributes.name === 'identifier').length, 1);
      assert.ok(first.ui.nodes.some((n) => n.type === 'script' && n.group === 'webauthn' && n.attributes.id === 'webauthn_script'));
      assert.equal(node(first, 'passkey_login')!.attributes.onloadTrigger, 'oryPasskeyLoginAutocompleteInit');
      const trigger = node(first, 'passkey_login_trigger')!;
      assert.equal(trigger.attributes.type, 'button');
      assert.equal(trigger.attributes.onclickTrigger, 'oryPasskeyLogin');
      assert.equal(trigger.meta.label?.id, 1010021);
      const request = JSON.parse(String(nodeValue(first, 'passkey_challenge'))).publicKey;
      assert.equal(request.userVerification, 'required');
      assert.deepEqual(request.allowCredentials ?? [], [], 'a discoverable credential: no key is named');

      // The one-step form's passkey nodes, the same way (only the identifier field is identifier-first's).
      const oneStep = (await new TestBrowser({ spa: true }).get(pub('/self-service/login/browser'))).body as FlowJson;
      // Each form has its own challenge and script nonce, and the two servers their own port.
      const shape = (f: FlowJson) =>
        f.ui.nodes
          .filter((n) => n.group === 'passkey' || n.group === 'webauthn')
          .map((n) => ({ ...n, attributes: n.type === 'script' ? { ...n.attributes, src: new URL(n.attributes.src).pathname, nonce: '<nonce>' } : { ...n.attributes, value: n.attributes.name === 'passkey_challenge' ? '<options>' : n.attributes.value } }));
      assert.deepEqual(shape(first), shape(oneStep));

      // API flows: passkeys are a browser method, on this screen as on the one-step form.
      const api = await idFirst.publicApi.get('/self-service/login/api');
      assert.equal(api.status, 200);
      assert.deepEqual(groupNames(api.body, 'passkey'), []);
      assert.ok(!api.body.ui.nodes.some((n: Node) => n.type === 'script'));
      assert.deepEqual(groupNames(api.body, 'identifier_first'), ['identifier', 'method']);
      assert.equal(node(api.body, 'identifier')!.attributes.autocomplete, undefined);
    });

    test('identifier-first: a passkey signs in from the first screen (aal1, method passkey), and still from the next one', async () => {
      const u = await signUp('idfirst', 'ES256', idFirst);
      const { res, b, flow } = await signIn(u.key, u.handle, {}, idFirst);
      assert.ok(node(flow, 'method'), 'signed in from the identification screen');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.session.identity.id, u.id);
      assert.equal(res.body.session.authenticator_assurance_level, 'aal1');
      assert.deepEqual(res.body.session.authentication_methods.map((m: { method: string; aal: string }) => [m.method, m.aal]), [['passkey', 'aal1']]);
      const who = await b.get(pubOf(idFirst, '/sessions/whoami'));
      assert.equal(who.status, 200);
      assert.equal(who.body.identity.id, u.id);

      // A browser posting the form itself gets the redirect of a finished sign-in.
      const html = new TestBrowser();
      const page = await loginFlow(new TestBrowser({ spa: true }), idFirst);
      for (const [k, v] of page.b.cookies) html.cookies.set(k, v);
      const posted = await html.postForm(page.flow.ui.action, { csrf_token: csrf(page.flow), method: 'passkey', passkey_login: JSON.stringify(u.key.assert(page.options, { userHandle: u.handle })) });
      assert.equal(posted.status, 303);
      assert.equal((await html.get(pubOf(idFirst, '/sessions/whoami'))).body.identity.id, u.id);

      // Named first: the next screen keeps the same passkey sign-in.
      const next = await loginFlow(new TestBrowser({ spa: true }), idFirst);
      const second = await next.b.postJson(next.flow.ui.action, { csrf_token: csrf(next.flow), method: 'identifier_first', identifier: u.addr });
      assert.equal(second.status, 400);
      assert.equal(node(second.body, 'identifier')!.attributes.type, 'hidden');
      assert.deepEqual(groupNames(second.body, 'passkey').sort(), ['passkey_challenge', 'passkey_login', 'passkey_login_trigger']);
      const options = JSON.parse(String(nodeValue(second.body, 'passkey_challenge')));
      const fromNext = await next.b.postJson(second.body.ui.action, { csrf_token: csrf(second.body), identifier: u.addr, passkey_login: JSON.stringify(u.key.assert(options, { userHandle: u.handle })) });
      assert.equal(fromNext.status, 200, JSON.stringify(fromNext.body));
      assert.deepEqual(fromNext.body.session.authentication_methods.map((m: { method: string }) => m.method), ['passkey']);
    });

    test('identifier-first: an unknown or foreign passkey is refused on the first screen as on the one-step form', async () => {
      const u = await signUp('idf-owner', 'ES256', idFirst);
      const other = await signUp('idf-other', 'ES256', idFirst);
      const stranger = new SoftAuthenticator('ES256', RP_ID, ORIGIN);
      const cases: Array<[string, SoftAuthenticator, Buffer | undefined]> = [
        ['a key this account never registered', stranger, u.handle],
        ["another account's key naming this account", other.key, u.handle],
        ['a user handle nobody has', stranger, Buffer.from('y'.repeat(64))],
        ['no user handle', stranger, undefined],
      ];
      for (const [name, key, handle] of cases) {
        const oneStep = await signIn(key, handle);
        const first = await signIn(key, handle, {}, idFirst);
        assert.equal(first.res.status, 400, name);
        assert.equal(first.res.status, oneStep.res.status, name);
        assert.deepEqual(messageIds(first.res.body), messageIds(oneStep.res.body), name);
        assert.deepEqual(messageIds(first.res.body), [handle === u.handle ? WRONG_VERIFIER : NO_SUCH_USER], name);
        assert.equal(first.res.body.session, undefined, name);
        assert.equal(node(first.res.body, 'passkey_login')?.attributes.value ?? '', '', `${name}: the result input is emptied`);
        assert.ok(node(first.res.body, 'method'), `${name}: the first screen is shown again`);
        assert.equal((await first.b.get(pubOf(idFirst, '/sessions/whoami'))).status, 401, name);
      }
      // The owner's own key still signs in from the first screen.
      assert.equal((await signIn(u.key, u.handle, {}, idFirst)).res.status, 200);
    });
  });
}
