import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { messageIds, nodeValue } from '../../testkit/browser.js';
import { SoftAuthenticator, type SoftAlgorithm } from '../../testkit/webauthn-authenticator.js';

const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const PASSWORD = 'a sufficiently long passphrase 42';
const RP_ID = 'localhost';
const ORIGIN = 'http://localhost:4455';
const WRONG_VERIFIER = 4000043;

type Node = { type: string; group: string; attributes: Record<string, any>; messages: Array<{ id: number }>; meta: { label?: { id: number } } };
type FlowJson = { id: string; ui: { action: string; nodes: Node[]; messages?: Array<{ id: number }> }; [k: string]: any };

const groupNames = (flow: FlowJson, group: string) => flow.ui.nodes.filter((n) => n.group === group).map((n) => n.attributes.name ?? n.attributes.id);
const options = (flow: FlowJson, trigger: string) => JSON.parse(nodeValue(flow, trigger) as string) as { publicKey: Record<string, any> & { challenge: string } };

for (const factory of testDatabases()) {
  describe(`WebAuthn as a second factor on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    const auth = (token: string) => ({ headers: { 'x-session-token': token } });

    before(async () => {
      db = await factory.create();
      s = await startTestServer({
        dsn: db.dsn,
        config: {
          // The refusal test makes many wrong guesses on one account: no delay or lockout gets in its way.
          tessera: { brute_force: { login: { delay_after: 100, lockout_after: 100 } } },
          selfservice: {
            methods: {
              password: { config: { haveibeenpwned_enabled: false } },
              webauthn: { enabled: true, config: { passwordless: false, rp: { id: RP_ID, display_name: 'Tessera Test', origins: [ORIGIN] } } },
            },
            flows: { registration: { after: { password: { hooks: [{ hook: 'session' }] } } } },
          },
        },
      });
    });
    after(async () => {
      await s?.close();
      await db?.drop();
    });

    async function apiUser(prefix: string) {
      const addr = email(prefix);
      const flow = await s.publicApi.get('/self-service/registration/api');
      const res = await s.publicApi.post(`/self-service/registration?flow=${flow.body.id}`, { method: 'password', traits: { email: addr, name: { first: 'Ada' } }, password: PASSWORD });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return { addr, token: res.body.session_token as string, id: res.body.identity.id as string };
    }

    async function passwordLogin(addr: string): Promise<string> {
      const flow = await s.publicApi.get('/self-service/login/api');
      const res = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'password', identifier: addr, password: PASSWORD });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.session_token;
    }

    async function settingsFlow(token: string): Promise<FlowJson> {
      const flow = await s.publicApi.get('/self-service/settings/api', auth(token));
      assert.equal(flow.status, 200, JSON.stringify(flow.body));
      return flow.body;
    }

    async function aal2Flow(token: string): Promise<FlowJson> {
      const flow = await s.publicApi.get('/self-service/login/api?aal=aal2', auth(token));
      assert.equal(flow.status, 200, JSON.stringify(flow.body));
      return flow.body;
    }

    /** Registers `key` in a new settings flow (as the browser script posts it: no `method`). */
    async function register(token: string, key: SoftAuthenticator, displayName = 'my key') {
      const flow = await settingsFlow(token);
      const res = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { webauthn_register: JSON.stringify(key.register(options(flow, 'webauthn_register_trigger'))), webauthn_register_displayname: displayName }, auth(token));
      return { flow, res };
    }

    async function storedKeys(id: string) {
      const full = await s.adminApi.get(`/admin/identities/${id}?include_credential=webauthn`);
      assert.equal(full.status, 200);
      return full.body.credentials.webauthn as { identifiers: string[]; config: { credentials: Array<Record<string, any>>; user_handle: string } };
    }

    test('settings offers Kratos nodes: attestation none, EdDSA/ES256/RS256, no attachment, the identity as user handle', async () => {
      const u = await apiUser('nodes');
      const flow = await settingsFlow(u.token);
      // Kratos's order (its settings snapshot).
      assert.deepEqual(groupNames(flow, 'webauthn'), ['webauthn_register_displayname', 'webauthn_register', 'webauthn_register_trigger', 'webauthn_script']);
      const trigger = flow.ui.nodes.find((n) => n.attributes.name === 'webauthn_register_trigger')!;
      assert.equal(trigger.attributes.type, 'button');
      assert.equal(trigger.attributes.onclickTrigger, 'oryWebAuthnRegistration');
      assert.match(trigger.attributes.onclick, /^window\.oryWebAuthnRegistration\(\{/);
      const pk = options(flow, 'webauthn_register_trigger').publicKey;
      assert.equal(pk.rp.id, RP_ID);
      assert.equal(pk.rp.name, 'Tessera Test');
      assert.equal(pk.attestation, 'none');
      assert.deepEqual(pk.pubKeyCredParams.map((p: { alg: number }) => p.alg).sort((a: number, b: number) => a - b), [-257, -8, -7]);
      assert.equal(pk.authenticatorSelection.authenticatorAttachment, undefined, 'no hard-coded attachment (Kratos #4377)');
      assert.equal(Buffer.from(pk.user.id, 'base64url').toString('hex'), u.id.replace(/-/g, ''));
      assert.equal(pk.user.name, u.id, 'no trait is marked webauthn.identifier in this schema: the identity id names the key');
      assert.ok(Buffer.from(pk.challenge, 'base64url').length >= 32);

      const script = flow.ui.nodes.find((n) => n.attributes.id === 'webauthn_script')!;
      assert.equal(script.type, 'script');
      const js = await fetch(script.attributes.src);
      assert.equal(js.status, 200);
      assert.match(js.headers.get('content-type') ?? '', /javascript/);
      const body = await js.text();
      assert.equal(script.attributes.integrity, `sha512-${createHash('sha512').update(body).digest('base64')}`);
      for (const fn of ['oryWebAuthnRegistration', 'oryWebAuthnLogin', 'oryPasskeyLogin', 'oryPasskeyRegistration', 'oryPasskeyLoginAutocompleteInit']) {
        assert.ok(body.includes(`window.${fn} =`), fn);
      }
    });

    for (const alg of ['ES256', 'EdDSA', 'RS256'] as SoftAlgorithm[]) {
      test(`${alg}: register in settings, aal2 required, sign in at aal2, counter stored`, async () => {
        const u = await apiUser(`alg-${alg}`);
        const key = new SoftAuthenticator(alg, RP_ID, ORIGIN);
        const { res } = await register(u.token, key, `${alg} key`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const stored = await storedKeys(u.id);
        assert.equal(Buffer.from(stored.config.user_handle, 'base64').toString('hex'), u.id.replace(/-/g, ''));
        assert.equal(stored.config.credentials.length, 1);
        const c = stored.config.credentials[0]!;
        assert.equal(Buffer.from(c.id, 'base64').toString('hex'), key.credentialId.toString('hex'));
        assert.equal(c.display_name, `${alg} key`);
        assert.equal(c.is_passwordless, false);
        assert.equal(c.attestation_type, 'none');
        assert.equal(c.authenticator.sign_count, 1);
        // Registering proved the key: this session is aal2 already (as in Kratos).
        const who = await s.publicApi.get('/sessions/whoami', auth(u.token));
        assert.equal(who.status, 200);
        assert.equal(who.body.authenticator_assurance_level, 'aal2');

        // A new password sign-in is aal1 and must step up.
        const token = await passwordLogin(u.addr);
        const denied = await s.publicApi.get('/sessions/whoami', auth(token));
        assert.equal(denied.status, 403);
        assert.equal(denied.body.error.id, 'session_aal2_required');

        const flow = await aal2Flow(token);
        assert.deepEqual(groupNames(flow, 'webauthn'), ['webauthn_login', 'webauthn_script', 'webauthn_login_trigger']);
        const req = options(flow, 'webauthn_login_trigger').publicKey;
        assert.equal(req.rpId, RP_ID);
        assert.deepEqual(req.allowCredentials.map((a: { id: string }) => a.id), [key.credentialId.toString('base64url')]);
        const ok = await s.publicApi.post(`/self-service/login?flow=${flow.id}`, { webauthn_login: JSON.stringify(key.assert(options(flow, 'webauthn_login_trigger'))) }, auth(token));
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
        assert.equal(ok.body.session.authenticator_assurance_level, 'aal2');
        assert.ok(ok.body.session.authentication_methods.some((m: { method: string; aal: string }) => m.method === 'webauthn' && m.aal === 'aal2'));
        assert.equal((await s.publicApi.get('/sessions/whoami', auth(token))).status, 200);
        assert.equal((await storedKeys(u.id)).config.credentials[0]!.authenticator.sign_count, 2);
      });
    }

    test('refusals: wrong origin, wrong RP id, wrong challenge, replay, counter regression', async () => {
      const u = await apiUser('refuse');
      const key = new SoftAuthenticator('ES256', RP_ID, ORIGIN);

      // Registration from another origin or for another RP id is refused and stores nothing.
      for (const tamper of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }]) {
        const flow = await settingsFlow(u.token);
        const res = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { webauthn_register: JSON.stringify(key.register(options(flow, 'webauthn_register_trigger'), tamper)) }, auth(u.token));
        assert.equal(res.status, 400, JSON.stringify(tamper));
        assert.deepEqual(messageIds(res.body, 'webauthn_register'), [WRONG_VERIFIER]);
      }
      // An answer to another flow's challenge.
      const other = await settingsFlow(u.token);
      const flowA = await settingsFlow(u.token);
      const foreign = await s.publicApi.post(`/self-service/settings?flow=${flowA.id}`, { webauthn_register: JSON.stringify(key.register(options(other, 'webauthn_register_trigger'))) }, auth(u.token));
      assert.equal(foreign.status, 400);
      assert.equal((await s.adminApi.get(`/admin/identities/${u.id}?include_credential=webauthn`)).body.credentials.webauthn, undefined);

      // Registered; the same answer sent again to the same flow is a replay.
      const { flow: regFlow, res: reg } = await register(u.token, key);
      assert.equal(reg.status, 200, JSON.stringify(reg.body));
      const again = await s.publicApi.post(`/self-service/settings?flow=${regFlow.id}`, { webauthn_register: JSON.stringify(key.register(options(regFlow, 'webauthn_register_trigger'))) }, auth(u.token));
      assert.equal(again.status, 400, JSON.stringify(again.body));
      assert.equal((await storedKeys(u.id)).config.credentials.length, 1);

      const token = await passwordLogin(u.addr);
      const post = (flow: FlowJson, body: Record<string, unknown>) => s.publicApi.post(`/self-service/login?flow=${flow.id}`, body, auth(token));
      // Sign-in from another origin, for another RP id, with another flow's challenge, or without user presence of this key.
      const flow1 = await aal2Flow(token);
      for (const tamper of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }]) {
        const res = await post(flow1, { webauthn_login: JSON.stringify(key.assert(options(flow1, 'webauthn_login_trigger'), tamper)) });
        assert.equal(res.status, 400, JSON.stringify(tamper));
        assert.deepEqual(messageIds(res.body), [WRONG_VERIFIER]);
      }
      const flow2 = await aal2Flow(token);
      const stale = await post(flow1, { webauthn_login: JSON.stringify(key.assert(options(flow2, 'webauthn_login_trigger'))) });
      assert.equal(stale.status, 400);
      assert.deepEqual(messageIds(stale.body), [WRONG_VERIFIER]);
      const stranger = new SoftAuthenticator('ES256', RP_ID, ORIGIN);
      const unknownKey = await post(flow1, { webauthn_login: JSON.stringify(stranger.assert(options(flow1, 'webauthn_login_trigger'))) });
      assert.equal(unknownKey.status, 400);
      const garbage = await post(flow1, { webauthn_login: '{"not":"a credential"}' });
      assert.equal(garbage.status, 400);
      const notString = await post(flow1, { webauthn_login: { id: 'x' } });
      assert.equal(notString.status, 400);
      const otherUser = await post(flow1, { webauthn_login: JSON.stringify(key.assert(options(flow1, 'webauthn_login_trigger'), { userHandle: Buffer.alloc(16, 7) })) });
      assert.equal(otherUser.status, 400, 'a user handle of another account');
      assert.deepEqual(messageIds(otherUser.body), [WRONG_VERIFIER]);
      const ownHandle = Buffer.from(u.id.replace(/-/g, ''), 'hex');
      assert.equal((await s.publicApi.get('/sessions/whoami', auth(token))).status, 403, 'nothing above stepped the session up');
      // Wrong answers count on the account's second-factor counter (under the identity id), which the lockout admin API shows and clears.
      const lock = await s.adminApi.get(`/admin/identities/${u.id}/lockout`, { unchecked: true });
      assert.equal(lock.status, 200);
      const counter = (lock.body.identifiers as Array<{ identifier: string; failures: number }>).find((i) => i.identifier === u.id);
      assert.ok(counter && counter.failures >= 5, JSON.stringify(lock.body));
      assert.equal((await s.adminApi.delete(`/admin/identities/${u.id}/lockout`, { unchecked: true })).status, 204);
      const cleared = await s.adminApi.get(`/admin/identities/${u.id}/lockout`, { unchecked: true });
      assert.equal((cleared.body.identifiers as Array<{ identifier: string; failures: number }>).find((i) => i.identifier === u.id)?.failures, 0);

      // The same valid assertion sent twice at once: exactly one is accepted.
      const flow3 = await aal2Flow(token);
      const assertion = JSON.stringify(key.assert(options(flow3, 'webauthn_login_trigger'), { counter: 10, userHandle: ownHandle }));
      const both = await Promise.all([post(flow3, { webauthn_login: assertion }), post(flow3, { webauthn_login: assertion })]);
      assert.deepEqual(both.map((r) => r.status).sort(), [200, 400], JSON.stringify(both.map((r) => r.body)));
      assert.equal((await storedKeys(u.id)).config.credentials[0]!.authenticator.sign_count, 10);

      // Replayed on a new flow of a new aal1 session: the challenge differs.
      const token2 = await passwordLogin(u.addr);
      const flow4 = await s.publicApi.get('/self-service/login/api?aal=aal2', auth(token2));
      const replay = await s.publicApi.post(`/self-service/login?flow=${flow4.body.id}`, { webauthn_login: assertion }, auth(token2));
      assert.equal(replay.status, 400);
      assert.deepEqual(messageIds(replay.body), [WRONG_VERIFIER]);

      // A counter that went backwards (a cloned key) is refused; a higher one is accepted.
      const back = await s.publicApi.post(`/self-service/login?flow=${flow4.body.id}`, { webauthn_login: JSON.stringify(key.assert(options(flow4.body, 'webauthn_login_trigger'), { counter: 7 })) }, auth(token2));
      assert.equal(back.status, 400);
      assert.deepEqual(messageIds(back.body), [WRONG_VERIFIER]);
      const same = await s.publicApi.post(`/self-service/login?flow=${flow4.body.id}`, { webauthn_login: JSON.stringify(key.assert(options(flow4.body, 'webauthn_login_trigger'), { counter: 10 })) }, auth(token2));
      assert.equal(same.status, 400);
      const forward = await s.publicApi.post(`/self-service/login?flow=${flow4.body.id}`, { webauthn_login: JSON.stringify(key.assert(options(flow4.body, 'webauthn_login_trigger'), { counter: 11 })) }, auth(token2));
      assert.equal(forward.status, 200, JSON.stringify(forward.body));
    });

    test('remove a key in settings: the identity no longer needs aal2', async () => {
      const u = await apiUser('remove');
      const key = new SoftAuthenticator('ES256', RP_ID, ORIGIN);
      assert.equal((await register(u.token, key)).res.status, 200);
      const flow = await settingsFlow(u.token);
      const remove = flow.ui.nodes.find((n) => n.attributes.name === 'webauthn_remove')!;
      assert.equal(remove.attributes.value, key.credentialId.toString('hex'));
      assert.equal(remove.meta.label?.id, 1050018);
      const unknown = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { webauthn_remove: 'ffff' }, auth(u.token));
      assert.equal(unknown.status, 400);
      const res = await s.publicApi.post(`/self-service/settings?flow=${flow.id}`, { webauthn_remove: key.credentialId.toString('hex') }, auth(u.token));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal((await s.adminApi.get(`/admin/identities/${u.id}?include_credential=webauthn`)).body.credentials.webauthn, undefined);
      const token = await passwordLogin(u.addr);
      assert.equal((await s.publicApi.get('/sessions/whoami', auth(token))).status, 200);
    });

    test('admin API: DELETE /admin/identities/{id}/credentials/webauthn removes the second-factor keys', async () => {
      const u = await apiUser('admin-delete');
      assert.equal((await register(u.token, new SoftAuthenticator('ES256', RP_ID, ORIGIN))).res.status, 200);
      const token = await passwordLogin(u.addr);
      assert.equal((await s.publicApi.get('/sessions/whoami', auth(token))).status, 403);
      const del = await s.adminApi.delete(`/admin/identities/${u.id}/credentials/webauthn`);
      assert.equal(del.status, 204);
      assert.equal((await s.adminApi.get(`/admin/identities/${u.id}?include_credential=webauthn`)).body.credentials.webauthn, undefined);
      assert.equal((await s.publicApi.get('/sessions/whoami', auth(token))).status, 200, 'no second factor left to require');
      assert.equal((await s.adminApi.delete(`/admin/identities/${u.id}/credentials/webauthn`)).status, 404);
    });

    test('answered challenges are remembered 30 days, then pruned', async () => {
      const u = await apiUser('prune');
      const uses = s.registry.persister.secondFactorUses;
      const now = Date.now();
      const day = 24 * 3600_000;
      assert.equal(await uses.spendWebAuthnChallenge(u.id, 'old', new Date(now - 31 * day)), true);
      assert.equal(await uses.spendWebAuthnChallenge(u.id, 'recent', new Date(now - 29 * day)), true);
      assert.equal(await uses.spendWebAuthnChallenge(u.id, 'recent', new Date(now - 29 * day)), false, 'a replay');
      assert.equal(await uses.spendWebAuthnChallenge(u.id, 'new', new Date(now)), true);
      assert.equal(await uses.spendWebAuthnChallenge(u.id, 'recent', new Date(now)), false, 'still remembered');
      assert.equal(await uses.spendWebAuthnChallenge(u.id, 'old', new Date(now)), true, 'pruned');
    });
  });
}
