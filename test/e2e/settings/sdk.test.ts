// The settings flow driven through @ory/client's FrontendApi, as a native app would.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { SettingsFlow } from '@ory/client';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { GOOD_PASSWORD, fails, ok, sdkClients, sdkServerConfig, uniqueEmail, type SdkClients } from '../sdk/sdk-kit.js';

const NEW_PASSWORD = 'a different horse battery staple 77';

for (const factory of testDatabases()) {
  describe(`@ory/client settings flow on ${factory.name}`, () => {
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

    async function signedIn() {
      const email = uniqueEmail('settings');
      await ok(sdk.identity.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email }, credentials: { password: { config: { password: GOOD_PASSWORD } } } } }), 'admin');
      const flow = (await ok(sdk.frontend.createNativeLoginFlow(), 'public')).data;
      const res = await ok(sdk.frontend.updateLoginFlow({ flow: flow.id, updateLoginFlowBody: { method: 'password', identifier: email, password: GOOD_PASSWORD } }), 'public');
      return { email, token: res.data.session_token! };
    }

    test('create, read and update a settings flow with the SDK', async () => {
      await fails(sdk.frontend.createNativeSettingsFlow(), 401, 'public');
      const { email, token } = await signedIn();
      const flow: SettingsFlow = (await ok(sdk.frontend.createNativeSettingsFlow({ xSessionToken: token }), 'public')).data;
      assert.equal(flow.state, 'show_form');
      assert.equal(flow.identity.traits.email, email);
      const read = await ok(sdk.frontend.getSettingsFlow({ id: flow.id, xSessionToken: token }), 'public');
      assert.equal(read.data.id, flow.id);

      const profile = await ok(
        sdk.frontend.updateSettingsFlow({ flow: flow.id, xSessionToken: token, updateSettingsFlowBody: { method: 'profile', traits: { email, name: { first: 'Sdk' } } } }),
        'public',
      );
      assert.equal(profile.data.state, 'success');
      assert.deepEqual(profile.data.ui.messages?.map((m) => m.id), [1050001]);

      const invalid = await fails<SettingsFlow>(sdk.frontend.updateSettingsFlow({ flow: flow.id, xSessionToken: token, updateSettingsFlowBody: { method: 'password', password: 'x' } }), 400, 'public');
      assert.ok(invalid.data.ui.nodes.some((n) => n.messages.length > 0));

      const password = await ok(sdk.frontend.updateSettingsFlow({ flow: flow.id, xSessionToken: token, updateSettingsFlowBody: { method: 'password', password: NEW_PASSWORD } }), 'public');
      assert.equal(password.data.state, 'success');
      const login = (await ok(sdk.frontend.createNativeLoginFlow(), 'public')).data;
      await ok(sdk.frontend.updateLoginFlow({ flow: login.id, updateLoginFlowBody: { method: 'password', identifier: email, password: NEW_PASSWORD } }), 'public');
    });
  });
}
