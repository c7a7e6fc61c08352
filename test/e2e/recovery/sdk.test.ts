import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { TestBrowser } from '../../testkit/browser.js';
import { TestMailbox, codeIn, mailboxConfig, runCourier } from '../../testkit/mailbox.js';
import { ok, sdkClients, sdkServerConfig, uniqueEmail, GOOD_PASSWORD, type SdkClients } from '../sdk/sdk-kit.js';

for (const factory of testDatabases()) {
  describe(`recovery through @ory/client, continue_with transitions on, on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let sdk: SdkClients;
    let mailbox: TestMailbox;
    let stopCourier: () => Promise<void>;
    before(async () => {
      db = await factory.create();
      mailbox = await new TestMailbox().start();
      s = await startTestServer({
        dsn: db.dsn,
        config: sdkServerConfig({
          ...mailboxConfig(mailbox),
          feature_flags: { use_continue_with_transitions: true },
          selfservice: { methods: { code: { enabled: true } }, flows: { recovery: { enabled: true, use: 'code' } } },
        }),
      });
      sdk = sdkClients(s);
      stopCourier = runCourier(s);
    });
    after(async () => {
      await stopCourier?.();
      await s?.close();
      await mailbox?.stop();
      await db?.drop();
    });

    async function createIdentity(addr: string) {
      const res = await ok(sdk.identity.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email: addr }, credentials: { password: { config: { password: GOOD_PASSWORD } } } } }), 'admin');
      return res.data.id;
    }

    test('native app: code recovery with the SDK, session token from continue_with', async () => {
      const addr = uniqueEmail('rec');
      const id = await createIdentity(addr);
      const flow = (await ok(sdk.frontend.createNativeRecoveryFlow(), 'public')).data;
      const sent = await ok(sdk.frontend.updateRecoveryFlow({ flow: flow.id, updateRecoveryFlowBody: { method: 'code', email: addr } }), 'public');
      assert.equal(sent.data.state, 'sent_email');
      const code = codeIn(await mailbox.waitFor(addr));
      const done = await ok(sdk.frontend.updateRecoveryFlow({ flow: flow.id, updateRecoveryFlowBody: { method: 'code', code } }), 'public');
      assert.equal(done.data.state, 'passed_challenge');
      const token = done.data.continue_with?.find((c) => c.action === 'set_ory_session_token');
      assert.ok(token && token.action === 'set_ory_session_token');
      const who = await ok(sdk.frontend.toSession({ xSessionToken: token.ory_session_token }), 'public');
      assert.equal(who.data.identity?.id, id);
    });

    test('admin: createRecoveryCodeForIdentity, then the code recovers the account', async () => {
      const addr = uniqueEmail('adm');
      await createIdentity(addr);
      const id = await createIdentity(uniqueEmail('other'));
      const created = await ok(sdk.identity.createRecoveryCodeForIdentity({ createRecoveryCodeForIdentityBody: { identity_id: id, flow_type: 'api' } }), 'admin');
      assert.equal(created.status, 201);
      const flowId = new URL(created.data.recovery_link).searchParams.get('flow')!;
      const done = await ok(sdk.frontend.updateRecoveryFlow({ flow: flowId, updateRecoveryFlowBody: { method: 'code', code: created.data.recovery_code } }), 'public');
      assert.equal(done.data.state, 'passed_challenge');
      const link = await ok(sdk.identity.createRecoveryLinkForIdentity({ createRecoveryLinkForIdentityBody: { identity_id: id, expires_in: '5m' } }), 'admin');
      assert.match(link.data.recovery_link, /self-service\/recovery\?flow=.+&token=/);
    });

    test('SPA with transitions: 200 and show_settings_ui instead of the 422', async () => {
      const addr = uniqueEmail('spa');
      await createIdentity(addr);
      const b = new TestBrowser({ spa: true });
      const init = await b.get(`${s.publicUrl}self-service/recovery/browser`);
      const csrf = init.body.ui.nodes.find((n: { attributes: { name: string } }) => n.attributes.name === 'csrf_token').attributes.value;
      await b.postJson(`${s.publicUrl}self-service/recovery?flow=${init.body.id}`, { csrf_token: csrf, method: 'code', email: addr });
      const code = codeIn(await mailbox.waitFor(addr));
      const done = await b.postJson(`${s.publicUrl}self-service/recovery?flow=${init.body.id}`, { csrf_token: csrf, method: 'code', code });
      assert.equal(done.status, 200);
      assert.deepEqual(done.body.continue_with.map((c: { action: string }) => c.action), ['show_settings_ui']);
      assert.equal((await b.get(`${s.publicUrl}sessions/whoami`)).status, 200);
    });
  });
}
