// Native (API-mode) registration and login driven only through @ory/client's FrontendApi, as a
// mobile or server-side app would, on every test database.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { LoginFlow, RegistrationFlow, UiNodeInputAttributes, UpdateLoginFlowBody, UpdateRegistrationFlowBody } from '@ory/client';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { GOOD_PASSWORD, fails, findNode, formMessageIds, nodeMessageIds, ok, sdkClients, sdkServerConfig, uniqueEmail, type SdkClients } from './sdk-kit.js';

const SESSION_AFTER_REGISTRATION = { selfservice: { flows: { registration: { after: { password: { hooks: [{ hook: 'session' }] } } } } } };

for (const factory of testDatabases()) {
  describe(`@ory/client native flows on ${factory.name}`, () => {
    const dbs: TestDatabase[] = [];
    /** Registration creates the identity only. */
    let plain: TestServer;
    /** Registration also signs in (the `session` after-hook). */
    let signsIn: TestServer;
    let sdk: SdkClients;
    let sdkSignsIn: SdkClients;
    before(async () => {
      dbs.push(await factory.create(), await factory.create());
      plain = await startTestServer({ dsn: dbs[0]!.dsn, config: sdkServerConfig() });
      signsIn = await startTestServer({ dsn: dbs[1]!.dsn, config: sdkServerConfig(SESSION_AFTER_REGISTRATION) });
      sdk = sdkClients(plain);
      sdkSignsIn = sdkClients(signsIn);
    });
    after(async () => {
      await plain?.close();
      await signsIn?.close();
      for (const db of dbs) await db.drop();
    });

    async function registrationFlow(client: SdkClients = sdk): Promise<RegistrationFlow> {
      const res = await ok(client.frontend.createNativeRegistrationFlow(), 'public');
      assert.equal(res.status, 200);
      return res.data;
    }

    async function loginFlow(client: SdkClients = sdk): Promise<LoginFlow> {
      const res = await ok(client.frontend.createNativeLoginFlow(), 'public');
      assert.equal(res.status, 200);
      return res.data;
    }

    /** An identity with a password, made through the admin API. */
    async function account(client: SdkClients = sdk) {
      const email = uniqueEmail('login');
      await ok(client.identity.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email }, credentials: { password: { config: { password: GOOD_PASSWORD } } } } }), 'admin');
      return email;
    }

    async function signIn(email: string, client: SdkClients = sdk) {
      const flow = await loginFlow(client);
      const res = await ok(client.frontend.updateLoginFlow({ flow: flow.id, updateLoginFlowBody: { method: 'password', identifier: email, password: GOOD_PASSWORD } }), 'public');
      assert.equal(res.status, 200);
      return res.data;
    }

    test('createNativeRegistrationFlow returns an API flow with the password form', async () => {
      const flow = await registrationFlow();
      assert.equal(flow.type, 'api');
      assert.equal(flow.ui.method, 'POST');
      assert.equal(new URL(flow.ui.action).searchParams.get('flow'), flow.id);
      assert.ok(new Date(flow.expires_at).getTime() > Date.now());
      assert.equal((findNode(flow, 'traits.email').attributes as UiNodeInputAttributes).type, 'email');
      assert.equal((findNode(flow, 'password').attributes as UiNodeInputAttributes).type, 'password');
      assert.equal((findNode(flow, 'method').attributes as UiNodeInputAttributes).value, 'password');

      const fetched = await ok(sdk.frontend.getRegistrationFlow({ id: flow.id }), 'public');
      assert.equal(fetched.data.id, flow.id);
    });

    test('registration with invalid input: 400 with the updated flow and messages on the nodes', async () => {
      const flow = await registrationFlow();
      const shortPassword = await fails<RegistrationFlow>(
        sdk.frontend.updateRegistrationFlow({ flow: flow.id, updateRegistrationFlowBody: { method: 'password', traits: { email: uniqueEmail('short') }, password: 'short' } }),
        400,
        'public',
      );
      assert.equal(shortPassword.data.id, flow.id);
      assert.deepEqual(nodeMessageIds(shortPassword.data, 'password'), [4000032]);
      assert.deepEqual(nodeMessageIds(shortPassword.data, 'traits.email'), []);

      const badEmail = await fails<RegistrationFlow>(
        sdk.frontend.updateRegistrationFlow({ flow: flow.id, updateRegistrationFlowBody: { method: 'password', traits: { email: 'not-an-email' }, password: GOOD_PASSWORD } }),
        400,
        'public',
      );
      assert.equal(badEmail.data.id, flow.id);
      const emailMessages = findNode(badEmail.data, 'traits.email').messages;
      assert.equal(emailMessages.length, 1);
      assert.equal(emailMessages[0]!.type, 'error');
      assert.equal(emailMessages[0]!.id, 4000001);
      assert.deepEqual(nodeMessageIds(badEmail.data, 'password'), [], 'messages of the previous attempt are gone');
      assert.equal((findNode(badEmail.data, 'traits.email').attributes as UiNodeInputAttributes).value, 'not-an-email', 'the input is kept');

      const missing = await fails<RegistrationFlow>(
        sdk.frontend.updateRegistrationFlow({ flow: flow.id, updateRegistrationFlowBody: { method: 'password', traits: {}, password: GOOD_PASSWORD } }),
        400,
        'public',
      );
      assert.deepEqual(nodeMessageIds(missing.data, 'traits.email'), [4000002]);
    });

    test('registration success returns the identity and no session without the session hook', async () => {
      const email = uniqueEmail('register');
      const flow = await registrationFlow();
      const res = await ok(
        sdk.frontend.updateRegistrationFlow({ flow: flow.id, updateRegistrationFlowBody: { method: 'password', traits: { email, name: { first: 'Reg' } }, password: GOOD_PASSWORD } }),
        'public',
      );
      assert.equal(res.status, 200);
      assert.deepEqual(res.data.identity.traits, { email, name: { first: 'Reg' } });
      assert.equal(res.data.identity.credentials, undefined, 'no credentials on the public API');
      assert.equal(res.data.session_token, undefined);
      assert.equal(res.data.session, undefined);

      const stored = await ok(sdk.identity.getIdentity({ id: res.data.identity.id }), 'admin');
      assert.deepEqual(stored.data.credentials?.password?.identifiers, [email]);
      // The new password works.
      const login = await signIn(email);
      assert.equal(login.session.identity?.id, res.data.identity.id);
    });

    test('registration with the session after-hook also returns a session and its token', async () => {
      const email = uniqueEmail('register-session');
      const flow = await registrationFlow(sdkSignsIn);
      const res = await ok(
        sdkSignsIn.frontend.updateRegistrationFlow({ flow: flow.id, updateRegistrationFlowBody: { method: 'password', traits: { email }, password: GOOD_PASSWORD } }),
        'public',
      );
      assert.equal(res.status, 200);
      assert.equal(res.data.identity.traits.email, email);
      assert.match(res.data.session_token ?? '', /\S{16,}/);
      assert.equal(res.data.session?.identity?.id, res.data.identity.id);
      assert.equal(res.data.session?.active, true);
      assert.ok(
        res.data.continue_with?.some((c) => c.action === 'set_ory_session_token' && c.ory_session_token === res.data.session_token),
        'continue_with carries the token',
      );

      const whoami = await ok(sdkSignsIn.frontend.toSession({ xSessionToken: res.data.session_token! }), 'public');
      assert.equal(whoami.data.id, res.data.session?.id);
      assert.equal(whoami.data.identity?.id, res.data.identity.id);
    });

    test('registering a taken identifier: 400 with message 4000007', async () => {
      const email = uniqueEmail('dupe');
      const first = await registrationFlow();
      await ok(sdk.frontend.updateRegistrationFlow({ flow: first.id, updateRegistrationFlowBody: { method: 'password', traits: { email }, password: GOOD_PASSWORD } }), 'public');

      const second = await registrationFlow();
      const dupe = await fails<RegistrationFlow>(
        sdk.frontend.updateRegistrationFlow({ flow: second.id, updateRegistrationFlowBody: { method: 'password', traits: { email }, password: GOOD_PASSWORD } }),
        400,
        'public',
      );
      assert.equal(dupe.data.id, second.id);
      assert.deepEqual(formMessageIds(dupe.data), [4000007]);
      const listed = await ok(sdk.identity.listIdentities({ credentialsIdentifier: email }), 'admin');
      assert.equal(listed.data.length, 1, 'no second identity');
    });

    test('more registration messages: missing password, password like the identifier, wrong trait type, below minimum', async () => {
      const flow = await registrationFlow();
      const submit = async (traits: Record<string, unknown>, password?: string) =>
        (
          await fails<RegistrationFlow>(
            sdk.frontend.updateRegistrationFlow({ flow: flow.id, updateRegistrationFlowBody: { method: 'password', traits, password } as unknown as UpdateRegistrationFlowBody }),
            400,
            'public',
          )
        ).data;
      assert.deepEqual(nodeMessageIds(await submit({ email: uniqueEmail('nopw') }), 'password'), [4000002]);
      assert.deepEqual(nodeMessageIds(await submit({ email: 'lookalike.person@example.com' }, 'lookalike.person@example.com'), 'password'), [4000031]);
      assert.deepEqual(nodeMessageIds(await submit({ email: uniqueEmail('type'), age: 'old' }, GOOD_PASSWORD), 'traits.age'), [4000026]);
      assert.deepEqual(nodeMessageIds(await submit({ email: uniqueEmail('min'), age: -1 }, GOOD_PASSWORD), 'traits.age'), [4000018]);
    });

    test('identifiers ignore case: a differently-cased duplicate is refused, login works in any case', async () => {
      const email = uniqueEmail('MixedCase');
      const flow = await registrationFlow();
      const registered = await ok(sdk.frontend.updateRegistrationFlow({ flow: flow.id, updateRegistrationFlowBody: { method: 'password', traits: { email }, password: GOOD_PASSWORD } }), 'public');
      const stored = await ok(sdk.identity.getIdentity({ id: registered.data.identity.id }), 'admin');
      assert.deepEqual(stored.data.credentials?.password?.identifiers, [email.toLowerCase()]);
      assert.equal(stored.data.traits.email, email, 'the trait keeps its case');

      const again = await registrationFlow();
      const dupe = await fails<RegistrationFlow>(
        sdk.frontend.updateRegistrationFlow({ flow: again.id, updateRegistrationFlowBody: { method: 'password', traits: { email: email.toUpperCase() }, password: GOOD_PASSWORD } }),
        400,
        'public',
      );
      assert.deepEqual(formMessageIds(dupe.data), [4000007]);
      for (const identifier of [email.toLowerCase(), email.toUpperCase()]) {
        assert.equal((await signIn(identifier)).session.identity?.id, registered.data.identity.id);
      }
    });

    test('registration while signed in: 400 session_already_available, when creating and when submitting the flow', async () => {
      const token = (await signIn(await account())).session_token!;
      const signedIn = { headers: { 'X-Session-Token': token } };
      const create = await fails(sdk.frontend.createNativeRegistrationFlow({}, signedIn), 400, 'public');
      assert.equal(create.data.error.id, 'session_already_available');
      const flow = await registrationFlow();
      const email = uniqueEmail('while-signed-in');
      const submit = await fails(
        sdk.frontend.updateRegistrationFlow({ flow: flow.id, updateRegistrationFlowBody: { method: 'password', traits: { email }, password: GOOD_PASSWORD } }, signedIn),
        400,
        'public',
      );
      assert.equal(submit.data.error.id, 'session_already_available');
      assert.deepEqual((await ok(sdk.identity.listIdentities({ credentialsIdentifier: email }), 'admin')).data, [], 'nobody registered');
    });

    test('createNativeLoginFlow returns an API flow with identifier and password', async () => {
      const flow = await loginFlow();
      assert.equal(flow.type, 'api');
      assert.equal(flow.refresh, false);
      assert.equal(flow.requested_aal, 'aal1');
      assert.equal(new URL(flow.ui.action).searchParams.get('flow'), flow.id);
      findNode(flow, 'identifier');
      assert.equal((findNode(flow, 'password').attributes as UiNodeInputAttributes).type, 'password');
      const fetched = await ok(sdk.frontend.getLoginFlow({ id: flow.id }), 'public');
      assert.equal(fetched.data.id, flow.id);
    });

    test('a wrong password and an unknown identifier give the same 400 with message 4000006', async () => {
      const email = await account();
      const bodies = [
        { method: 'password' as const, identifier: email, password: 'not the right password' },
        { method: 'password' as const, identifier: uniqueEmail('nobody'), password: GOOD_PASSWORD },
      ];
      const answers = [];
      for (const body of bodies) {
        const flow = await loginFlow();
        const res = await fails<LoginFlow>(sdk.frontend.updateLoginFlow({ flow: flow.id, updateLoginFlowBody: body }), 400, 'public');
        assert.equal(res.data.id, flow.id);
        assert.deepEqual(formMessageIds(res.data), [4000006]);
        assert.deepEqual(nodeMessageIds(res.data, 'identifier'), []);
        assert.deepEqual(nodeMessageIds(res.data, 'password'), []);
        assert.equal((findNode(res.data, 'identifier').attributes as UiNodeInputAttributes).value, body.identifier, 'the identifier is kept');
        assert.equal((findNode(res.data, 'password').attributes as UiNodeInputAttributes).value ?? '', '', 'the password is not echoed');
        answers.push(res.data.ui.messages);
      }
      assert.deepEqual(answers[0], answers[1], 'nothing tells an unknown account from a wrong password');
    });

    test('login with missing fields, an unknown method or a disabled identity', async () => {
      const email = await account();
      const flow = await loginFlow();
      const submit = async (body: Record<string, unknown>, status = 400) =>
        (await fails<LoginFlow>(sdk.frontend.updateLoginFlow({ flow: flow.id, updateLoginFlowBody: body as unknown as UpdateLoginFlowBody }), status, 'public')).data;
      assert.deepEqual(nodeMessageIds(await submit({ method: 'password', identifier: email }), 'password'), [4000002]);
      assert.deepEqual(nodeMessageIds(await submit({ method: 'password', password: GOOD_PASSWORD }), 'identifier'), [4000002]);
      assert.deepEqual(formMessageIds(await submit({ method: 'no-such-method', identifier: email, password: GOOD_PASSWORD })), [4010002]);

      const disabled = uniqueEmail('disabled');
      await ok(
        sdk.identity.createIdentity({ createIdentityBody: { schema_id: 'default', state: 'inactive', traits: { email: disabled }, credentials: { password: { config: { password: GOOD_PASSWORD } } } } }),
        'admin',
      );
      const fresh = await loginFlow();
      // Kratos v1.3 answers 401 (`identity is disabled`) and issues no session.
      const refused = await fails(sdk.frontend.updateLoginFlow({ flow: fresh.id, updateLoginFlowBody: { method: 'password', identifier: disabled, password: GOOD_PASSWORD } }), 401, 'public');
      assert.equal(refused.data.error.code, 401);
      assert.equal(refused.data.session_token, undefined);
    });

    test('unknown flow ids: 404 from getLoginFlow, getRegistrationFlow, updateLoginFlow and updateRegistrationFlow', async () => {
      const id = '00000000-0000-4000-8000-000000000000';
      await fails(sdk.frontend.getLoginFlow({ id }), 404, 'public');
      await fails(sdk.frontend.getRegistrationFlow({ id }), 404, 'public');
      await fails(sdk.frontend.updateLoginFlow({ flow: id, updateLoginFlowBody: { method: 'password', identifier: 'a@example.com', password: GOOD_PASSWORD } }), 404, 'public');
      await fails(sdk.frontend.updateRegistrationFlow({ flow: id, updateRegistrationFlowBody: { method: 'password', traits: { email: uniqueEmail() }, password: GOOD_PASSWORD } }), 404, 'public');
    });

    test('login success returns a session token and the session; toSession accepts the token', async () => {
      const email = await account();
      const res = await signIn(email);
      assert.match(res.session_token ?? '', /\S{16,}/);
      assert.equal(res.session.active, true);
      assert.equal(res.session.identity?.traits.email, email);
      assert.equal(res.session.authenticator_assurance_level, 'aal1');
      assert.deepEqual(res.session.authentication_methods?.map((m) => m.method), ['password']);
      assert.ok(res.continue_with?.some((c) => c.action === 'set_ory_session_token' && c.ory_session_token === res.session_token));

      const whoami = await ok(sdk.frontend.toSession({ xSessionToken: res.session_token! }), 'public');
      assert.equal(whoami.status, 200);
      assert.equal(whoami.data.id, res.session.id);
      assert.equal(whoami.data.identity?.id, res.session.identity?.id);
      assert.equal(whoami.headers['x-kratos-authenticated-identity-id'], res.session.identity?.id);

      const unknown = await fails(sdk.frontend.toSession({ xSessionToken: 'ory_st_not_a_real_token' }), 401, 'public');
      assert.equal(unknown.data.error.code, 401);
    });

    test('a login flow for someone signed in: 400 session_already_available; refresh re-authenticates the same session', async () => {
      const email = await account();
      const first = await signIn(email);
      const token = first.session_token!;

      const already = await fails(sdk.frontend.createNativeLoginFlow({ xSessionToken: token }), 400, 'public');
      assert.equal(already.data.error.id, 'session_already_available');

      const refreshFlow = await ok(sdk.frontend.createNativeLoginFlow({ refresh: true, xSessionToken: token }), 'public');
      assert.equal(refreshFlow.status, 200);
      assert.equal(refreshFlow.data.refresh, true);
      assert.ok(formMessageIds(refreshFlow.data).includes(1010003), 'asks to confirm it is you');

      const refreshed = await ok(
        sdk.frontend.updateLoginFlow({ flow: refreshFlow.data.id, xSessionToken: token, updateLoginFlowBody: { method: 'password', identifier: email, password: GOOD_PASSWORD } }),
        'public',
      );
      assert.equal(refreshed.status, 200);
      assert.equal(refreshed.data.session.id, first.session.id, 'the same session');
      assert.equal(refreshed.data.session.authentication_methods?.length, 2);
      assert.ok(new Date(refreshed.data.session.authenticated_at!).getTime() >= new Date(first.session.authenticated_at!).getTime());
      const whoami = await ok(sdk.frontend.toSession({ xSessionToken: token }), 'public');
      assert.equal(whoami.data.id, first.session.id, 'the token still works');

      // A plain flow submitted with a session is refused too.
      const plainFlow = await loginFlow();
      const submitted = await fails(
        sdk.frontend.updateLoginFlow({ flow: plainFlow.id, xSessionToken: token, updateLoginFlowBody: { method: 'password', identifier: email, password: GOOD_PASSWORD } }),
        400,
        'public',
      );
      assert.equal(submitted.data.error.id, 'session_already_available');
    });
  });
}
