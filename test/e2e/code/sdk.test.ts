// Passwordless sign-up and sign-in by code driven only through @ory/client's FrontendApi, as a
// mobile app built against Kratos v1.3 would.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { LoginFlow, RegistrationFlow, UiNodeInputAttributes } from '@ory/client';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { fixture, startTestServer, type TestServer } from '../../testkit/server.js';
import { TestMailbox, codeIn, mailboxConfig, runCourier } from '../../testkit/mailbox.js';
import { fails, findNode, formMessageIds, ok, sdkClients, sdkServerConfig, uniqueEmail, type SdkClients } from '../sdk/sdk-kit.js';

for (const factory of testDatabases()) {
  describe(`@ory/client passwordless code flows on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let mailbox: TestMailbox;
    let stopCourier: () => Promise<void>;
    let sdk: SdkClients;

    before(async () => {
      db = await factory.create();
      mailbox = await new TestMailbox().start();
      s = await startTestServer({
        dsn: db.dsn,
        config: sdkServerConfig({
          ...mailboxConfig(mailbox),
          identity: { default_schema_id: 'code', schemas: [{ id: 'code', url: `file://${fixture('code.schema.json')}` }] },
          selfservice: {
            methods: { code: { enabled: true, passwordless_enabled: true } },
            flows: { registration: { after: { code: { hooks: [{ hook: 'session' }] } } } },
          },
        }),
      });
      stopCourier = runCourier(s);
      sdk = sdkClients(s);
    });
    after(async () => {
      await stopCourier?.();
      await s?.close();
      await mailbox?.stop();
      await db?.drop();
    });

    test('createNativeRegistrationFlow, updateRegistrationFlow twice (traits, then code), then createNativeLoginFlow, updateLoginFlow twice', async () => {
      const email = uniqueEmail('sdk-code');
      const reg = (await ok(sdk.frontend.createNativeRegistrationFlow(), 'public')).data;
      assert.equal((findNode(reg, 'traits.email').attributes as UiNodeInputAttributes).type, 'email');
      // The SDK rejects the 400 that carries the flow in its code step, as it does against Kratos.
      const sent = (await fails<RegistrationFlow>(sdk.frontend.updateRegistrationFlow({ flow: reg.id, updateRegistrationFlowBody: { method: 'code', traits: { email } } }), 400, 'public')).data;
      assert.equal(sent.state, 'sent_email');
      assert.deepEqual(formMessageIds(sent), [1040005]);
      const regCode = codeIn(await mailbox.waitFor(email));
      const registered = await ok(
        sdk.frontend.updateRegistrationFlow({ flow: reg.id, updateRegistrationFlowBody: { method: 'code', code: regCode, traits: { email } } }),
        'public',
      );
      assert.ok(registered.data.session_token);

      const login = (await ok(sdk.frontend.createNativeLoginFlow(), 'public')).data;
      // The SDK's type asks for csrf_token with the code method; native flows have none to send.
      const waiting = (await fails<LoginFlow>(sdk.frontend.updateLoginFlow({ flow: login.id, updateLoginFlowBody: { method: 'code', identifier: email, csrf_token: '' } }), 400, 'public')).data;
      assert.equal(waiting.state, 'sent_email');
      assert.deepEqual(formMessageIds(waiting), [1010014]);
      assert.equal((findNode(waiting, 'resend').attributes as UiNodeInputAttributes).value, 'code');
      await mailbox.waitFor(email, (m) => /sign-in code/.test(m.subject));
      const loginCode = codeIn(mailbox.received.filter((m) => m.to === email && /sign-in code/.test(m.subject))[0]!);
      const signedIn = await ok(sdk.frontend.updateLoginFlow({ flow: login.id, updateLoginFlowBody: { method: 'code', code: loginCode, identifier: email, csrf_token: '' } }), 'public');
      assert.equal(signedIn.data.session.identity?.id, registered.data.identity.id);
      const me = await ok(sdk.frontend.toSession({ xSessionToken: signedIn.data.session_token }), 'public');
      assert.equal(me.data.authentication_methods?.[0]?.method, 'code');
    });
  });
}
