// A one-time code as the second factor, driven only through @ory/client's FrontendApi, as a mobile
// app built against Kratos v1.3 would: password sign-in, then updateLoginFlow with method code.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { LoginFlow, UiNodeInputAttributes } from '@ory/client';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { fixture, startTestServer, type TestServer } from '../../testkit/server.js';
import { TestMailbox, codeIn, mailboxConfig, runCourier } from '../../testkit/mailbox.js';
import { SmsGateway, smsChannel, smsCode } from '../../testkit/sms-gateway.js';
import { GOOD_PASSWORD, fails, formMessageIds, ok, sdkClients, sdkServerConfig, uniqueEmail, type SdkClients } from '../sdk/sdk-kit.js';

for (const factory of testDatabases()) {
  describe(`@ory/client: a one-time code as the second factor on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let mailbox: TestMailbox;
    let gateway: SmsGateway;
    let stopCourier: () => Promise<void>;
    let sdk: SdkClients;

    before(async () => {
      db = await factory.create();
      mailbox = await new TestMailbox().start();
      gateway = await new SmsGateway().start();
      s = await startTestServer({
        dsn: db.dsn,
        config: sdkServerConfig({
          ...mailboxConfig(mailbox),
          courier: { ...mailboxConfig(mailbox).courier, channels: [smsChannel(gateway)] },
          identity: { default_schema_id: 'code', schemas: [{ id: 'code', url: `file://${fixture('code.schema.json')}` }] },
          selfservice: {
            methods: { code: { enabled: true, mfa_enabled: true } },
            flows: { registration: { after: { password: { hooks: [{ hook: 'session' }] } } } },
          },
        }),
      });
      stopCourier = runCourier(s);
      sdk = sdkClients(s);
    });
    after(async () => {
      await stopCourier?.();
      await s?.close();
      await gateway?.stop();
      await mailbox?.stop();
      await db?.drop();
    });

    async function signUp(phone: string) {
      const email = uniqueEmail('sdk-mfa');
      const reg = (await ok(sdk.frontend.createNativeRegistrationFlow(), 'public')).data;
      const done = await ok(
        sdk.frontend.updateRegistrationFlow({ flow: reg.id, updateRegistrationFlowBody: { method: 'password', password: GOOD_PASSWORD, traits: { email, phone } } }),
        'public',
      );
      const token = done.data.session_token!;
      assert.ok(token);
      return { email, token };
    }

    for (const channel of ['email', 'sms'] as const) {
      test(`toSession wants aal2; createNativeLoginFlow(aal2), updateLoginFlow(method code, address) by ${channel}, then toSession is aal2`, async () => {
        const phone = `+49171${String(Math.floor(1_000_000 + Math.random() * 8_999_999))}`;
        const { email, token } = await signUp(phone);
        const refused = await fails(sdk.frontend.toSession({ xSessionToken: token }), 403, 'public');
        assert.equal(refused.data.error.id, 'session_aal2_required');

        const flow = (await ok(sdk.frontend.createNativeLoginFlow({ aal: 'aal2', xSessionToken: token }), 'public')).data;
        assert.equal(flow.requested_aal, 'aal2');
        assert.deepEqual(formMessageIds(flow), [1010004]);
        const buttons = flow.ui.nodes.filter((n) => (n.attributes as UiNodeInputAttributes).name === 'address');
        assert.deepEqual(buttons.map((n) => (n.attributes as UiNodeInputAttributes).value), [phone, email]);
        assert.deepEqual(buttons.map((n) => n.meta.label?.context), [{ address: phone, channel: 'sms' }, { address: email, channel: 'email' }]);

        const address = channel === 'email' ? email : phone;
        // The SDK's type asks for csrf_token with the code method; native flows have none to send.
        const sent = (await fails<LoginFlow>(sdk.frontend.updateLoginFlow({ flow: flow.id, xSessionToken: token, updateLoginFlowBody: { method: 'code', address, csrf_token: '' } }), 400, 'public')).data;
        assert.equal(sent.state, 'sent_email');
        assert.deepEqual(formMessageIds(sent), [1010014]);
        const code = channel === 'email' ? codeIn(await mailbox.waitFor(email)) : smsCode(await gateway.waitFor(phone));

        const wrong = (await fails<LoginFlow>(sdk.frontend.updateLoginFlow({ flow: flow.id, xSessionToken: token, updateLoginFlowBody: { method: 'code', code: code === '000000' ? '111111' : '000000', csrf_token: '' } }), 400, 'public')).data;
        assert.deepEqual(formMessageIds(wrong), [4010008]);
        const done = await ok(sdk.frontend.updateLoginFlow({ flow: flow.id, xSessionToken: token, updateLoginFlowBody: { method: 'code', code, address, csrf_token: '' } }), 'public');
        assert.equal(done.data.session.authenticator_assurance_level, 'aal2');
        const me = await ok(sdk.frontend.toSession({ xSessionToken: token }), 'public');
        assert.equal(me.data.authenticator_assurance_level, 'aal2');
        assert.deepEqual(me.data.authentication_methods?.map((m) => [m.method, m.aal]), [['password', 'aal1'], ['code', 'aal2']]);
      });
    }
  });
}
