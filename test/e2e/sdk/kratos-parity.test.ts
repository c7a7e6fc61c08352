// Behaviour that once differed from Kratos v1.3, found through @ory/client, kept as regression tests.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { LoginFlow } from '@ory/client';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { GOOD_PASSWORD, fails, ok, sdkClients, sdkServerConfig, uniqueEmail, type SdkClients } from './sdk-kit.js';

for (const factory of testDatabases()) {
  describe(`Kratos v1.3 parity through @ory/client on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let sdk: SdkClients;
    before(async () => {
      db = await factory.create();
      s = await startTestServer({ dsn: db.dsn, config: sdkServerConfig() });
      sdk = sdkClients(s);
    });
    after(async () => {
      await s?.close();
      await db?.drop();
    });

    async function expire(id: string, kind: 'login' | 'registration') {
      const stored = (await s.registry.persister.flows.getFlow(id, kind))!;
      stored.expires_at = new Date(Date.now() - 60_000);
      await s.registry.persister.flows.updateFlow(stored);
    }

    async function account() {
      const email = uniqueEmail('bug');
      await ok(sdk.identity.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email }, credentials: { password: { config: { password: GOOD_PASSWORD } } } } }), 'admin');
      return email;
    }

    // Kratos v1.3 selfservice/flow/{login,registration}/handler.go: an expired *API* flow read
    // through GET .../flows?id= answers 410 with details.api (the API init URL), not the browser
    // redirect_to.
    test('getLoginFlow / getRegistrationFlow of an expired API flow point at the API init endpoint', async () => {
      for (const kind of ['login', 'registration'] as const) {
        const flow = kind === 'login' ? (await ok(sdk.frontend.createNativeLoginFlow(), 'public')).data : (await ok(sdk.frontend.createNativeRegistrationFlow(), 'public')).data;
        await expire(flow.id, kind);
        const res = await fails(kind === 'login' ? sdk.frontend.getLoginFlow({ id: flow.id }) : sdk.frontend.getRegistrationFlow({ id: flow.id }), 410, 'public');
        assert.equal(res.data.error.id, 'self_service_flow_expired');
        assert.equal(res.data.error.reason, `The ${kind} flow has expired. Call the ${kind} flow init API endpoint to initialize a new ${kind} flow.`);
        assert.deepEqual(res.data.error.details, { api: new URL(`self-service/${kind}/api`, s.publicUrl).toString() });
      }
    });

    // Kratos v1.3 selfservice/flow/registration/error.go ErrAlreadyLoggedIn (and login's):
    // message "you are already logged in"; registration's reason names registration.
    test('session_already_available on registration names registration; message as Kratos', async () => {
      const flow = await ok(sdk.frontend.createNativeLoginFlow(), 'public');
      const login = await ok(sdk.frontend.updateLoginFlow({ flow: flow.data.id, updateLoginFlowBody: { method: 'password', identifier: await account(), password: GOOD_PASSWORD } }), 'public');
      const signedIn = { headers: { 'X-Session-Token': login.data.session_token! } };

      const registration = await fails(sdk.frontend.createNativeRegistrationFlow({}, signedIn), 400, 'public');
      assert.equal(registration.data.error.reason, 'A valid session was detected and thus registration is not possible.');
      assert.equal(registration.data.error.message, 'you are already logged in');

      const loginAgain = await fails(sdk.frontend.createNativeLoginFlow({ xSessionToken: login.data.session_token! }), 400, 'public');
      assert.equal(loginAgain.data.error.message, 'you are already logged in');
    });

    // Kratos v1.3 session/session.go ErrIdentityDisabled: 401, no id, message "identity is
    // disabled", reason "This account was disabled.", details.identity_id.
    test('login of a disabled identity: the v1.3 error envelope', async () => {
      const email = uniqueEmail('disabled');
      const created = await ok(
        sdk.identity.createIdentity({ createIdentityBody: { schema_id: 'default', state: 'inactive', traits: { email }, credentials: { password: { config: { password: GOOD_PASSWORD } } } } }),
        'admin',
      );
      const flow = await ok(sdk.frontend.createNativeLoginFlow(), 'public');
      const res = await fails(sdk.frontend.updateLoginFlow({ flow: flow.data.id, updateLoginFlowBody: { method: 'password', identifier: email, password: GOOD_PASSWORD } }), 401, 'public');
      assert.equal(res.data.error.id, undefined);
      assert.equal(res.data.error.message, 'identity is disabled');
      assert.equal(res.data.error.reason, 'This account was disabled.');
      assert.deepEqual(res.data.error.details, { identity_id: created.data.id });
    });

    // Tessera refuses a second submission of a completed flow (Kratos v1.3 does not); the check must
    // hold when the submissions arrive at once.
    test('one login flow, submitted three times at once, signs in once', async () => {
      const email = await account();
      const flow: LoginFlow = (await ok(sdk.frontend.createNativeLoginFlow(), 'public')).data;
      const results = await Promise.allSettled(
        [1, 2, 3].map(() => sdk.frontend.updateLoginFlow({ flow: flow.id, updateLoginFlowBody: { method: 'password', identifier: email, password: GOOD_PASSWORD } })),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    });
  });
}
