// TOTP enrolment and step-up driven only through @ory/client's FrontendApi, as a native app would.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Secret, TOTP } from 'otpauth';
import type { UiNodeTextAttributes } from '@ory/client';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { GOOD_PASSWORD, fails, formMessageIds, ok, sdkClients, sdkServerConfig, uniqueEmail, type SdkClients } from './sdk-kit.js';

const code = (secret: string, offsetSteps = 0) =>
  new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: Date.now() + offsetSteps * 30_000 });

describe('@ory/client: TOTP enrolment and aal2 step-up (native)', () => {
  let db: TestDatabase;
  let s: TestServer;
  let sdk: SdkClients;
  before(async () => {
    db = await testDatabases()[0]!.create();
    s = await startTestServer({ dsn: db.dsn, config: sdkServerConfig({ selfservice: { methods: { totp: { enabled: true, config: { issuer: 'SDK' } } } } }) });
    sdk = sdkClients(s);
  });
  after(async () => {
    await s?.close();
    await db?.drop();
  });

  async function signIn(email: string): Promise<string> {
    const flow = (await ok(sdk.frontend.createNativeLoginFlow(), 'public')).data;
    const res = await ok(sdk.frontend.updateLoginFlow({ flow: flow.id, updateLoginFlowBody: { method: 'password', identifier: email, password: GOOD_PASSWORD } }), 'public');
    return res.data.session_token!;
  }

  test('link an app in settings, then step a new session up with a code', async () => {
    const email = uniqueEmail('sdk-totp');
    await ok(sdk.identity.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email }, credentials: { password: { config: { password: GOOD_PASSWORD } } } } }), 'admin');
    const token = await signIn(email);

    const settings = (await ok(sdk.frontend.createNativeSettingsFlow({ xSessionToken: token }), 'public')).data;
    const secretNode = settings.ui.nodes.find((n) => n.attributes.node_type === 'text' && (n.attributes as UiNodeTextAttributes).id === 'totp_secret_key')!;
    const secret = ((secretNode.attributes as UiNodeTextAttributes).text.context as { secret: string }).secret;
    const linked = await ok(sdk.frontend.updateSettingsFlow({ flow: settings.id, xSessionToken: token, updateSettingsFlowBody: { method: 'totp', totp_code: code(secret) } }), 'public');
    assert.equal(linked.data.state, 'success');

    const token2 = await signIn(email);
    const denied = await fails(sdk.frontend.toSession({ xSessionToken: token2 }), 403, 'public');
    assert.equal(denied.data.error.id, 'session_aal2_required');

    const stepUp = (await ok(sdk.frontend.createNativeLoginFlow({ aal: 'aal2', xSessionToken: token2 }), 'public')).data;
    assert.equal(stepUp.requested_aal, 'aal2');
    const wrong = await fails(sdk.frontend.updateLoginFlow({ flow: stepUp.id, xSessionToken: token2, updateLoginFlowBody: { method: 'totp', totp_code: '12345' } }), 400, 'public');
    assert.deepEqual(formMessageIds(wrong.data), [4000008]);
    const done = await ok(sdk.frontend.updateLoginFlow({ flow: stepUp.id, xSessionToken: token2, updateLoginFlowBody: { method: 'totp', totp_code: code(secret, 1) } }), 'public');
    assert.equal(done.data.session.authenticator_assurance_level, 'aal2');
    const me = await ok(sdk.frontend.toSession({ xSessionToken: token2 }), 'public');
    assert.deepEqual(me.data.authentication_methods?.map((m) => m.method), ['password', 'totp']);

    // The admin SDK removes the credential; the aal1 requirement is gone with it.
    await ok(sdk.identity.deleteIdentityCredentials({ id: me.data.identity!.id, type: 'totp' }), 'admin');
    const token3 = await signIn(email);
    assert.equal((await ok(sdk.frontend.toSession({ xSessionToken: token3 }), 'public')).data.authenticator_assurance_level, 'aal1');
  });
});
