// Session token exchange for native apps (`return_session_token_exchange_code`,
// `GET /sessions/token-exchange`) driven through @ory/client's FrontendApi, on every test database.
// The step a browser-finishing sign-in method takes (handing the session to the flow's exchange and
// sending `code` to the app's return URL) is taken here through the registry's exchanger.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { GOOD_PASSWORD, fails, ok, sdkClients, sdkServerConfig, uniqueEmail, type SdkClients } from './sdk-kit.js';

for (const factory of testDatabases()) {
  describe(`@ory/client session token exchange on ${factory.name}`, () => {
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

    async function account() {
      const email = uniqueEmail('exchange');
      await ok(sdk.identity.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email }, credentials: { password: { config: { password: GOOD_PASSWORD } } } } }), 'admin');
      return email;
    }

    test('a native login flow asked for it carries an init code; the app exchanges both halves for the session token, once', async () => {
      const email = await account();
      const flow = (await ok(sdk.frontend.createNativeLoginFlow({ returnSessionTokenExchangeCode: true }), 'public')).data;
      const initCode = flow.session_token_exchange_code;
      assert.match(initCode ?? '', /^[A-Za-z0-9]{64}$/);
      // Only the creating response carries it.
      const again = (await ok(sdk.frontend.getLoginFlow({ id: flow.id }), 'public')).data;
      assert.equal(again.session_token_exchange_code, undefined);

      const signedIn = (await ok(sdk.frontend.updateLoginFlow({ flow: flow.id, updateLoginFlowBody: { method: 'password', identifier: email, password: GOOD_PASSWORD } }), 'public')).data;
      const token = signedIn.session_token!;
      // Before the session is handed over there is nothing to exchange.
      await fails(sdk.frontend.exchangeSessionToken({ initCode: initCode!, returnToCode: 'x'.repeat(64) }), 404, 'public');

      const returnToCode = await s.registry.tokenExchange.complete(flow.id, signedIn.session.id, token);
      assert.match(returnToCode ?? '', /^[A-Za-z0-9]{64}$/);

      // Neither code nor the token is stored in the clear.
      const rows = (await sql`select * from session_token_exchanges`.execute(s.registry.database.db)).rows;
      const stored = JSON.stringify(rows);
      for (const secret of [initCode!, returnToCode!, token]) assert.ok(!stored.includes(secret));

      // Wrong halves unlock nothing, and do not use the exchange up.
      // (The last character changed to another: one time in 62 it was already an x.)
      const wrongLast = returnToCode!.endsWith('x') ? 'y' : 'x';
      await fails(sdk.frontend.exchangeSessionToken({ initCode: initCode!, returnToCode: `${returnToCode!.slice(0, -1)}${wrongLast}` }), 404, 'public');
      await fails(sdk.frontend.exchangeSessionToken({ initCode: returnToCode!, returnToCode: initCode! }), 404, 'public');

      const exchanged = await ok(sdk.frontend.exchangeSessionToken({ initCode: initCode!, returnToCode: returnToCode! }), 'public');
      assert.equal(exchanged.status, 200);
      assert.equal(exchanged.data.session_token, token);
      assert.equal(exchanged.data.session.id, signedIn.session.id);
      assert.equal(exchanged.data.session.identity?.traits.email, email);
      const whoami = await ok(sdk.frontend.toSession({ xSessionToken: exchanged.data.session_token! }), 'public');
      assert.equal(whoami.data.id, signedIn.session.id);

      const replay = await fails(sdk.frontend.exchangeSessionToken({ initCode: initCode!, returnToCode: returnToCode! }), 404, 'public');
      assert.equal(replay.data.error.reason, 'no session yet for this "code"');
    });

    test('registration flows carry a code too; browser flows, flows not asking, and revoked sessions get none', async () => {
      const reg = (await ok(sdk.frontend.createNativeRegistrationFlow({ returnSessionTokenExchangeCode: true }), 'public')).data;
      assert.match(reg.session_token_exchange_code ?? '', /^[A-Za-z0-9]{64}$/);
      const plain = (await ok(sdk.frontend.createNativeLoginFlow(), 'public')).data;
      assert.equal(plain.session_token_exchange_code, undefined);
      const no = (await ok(sdk.frontend.createNativeLoginFlow({ returnSessionTokenExchangeCode: false }), 'public')).data;
      assert.equal(no.session_token_exchange_code, undefined);
      const browser = await s.publicApi.get('/self-service/login/browser?return_session_token_exchange_code=true');
      assert.equal(browser.status, 200);
      assert.equal(browser.body.session_token_exchange_code, undefined);

      // A flow that asked for no exchange gets no return_to code.
      const email = await account();
      const signedIn = (await ok(sdk.frontend.updateLoginFlow({ flow: plain.id, updateLoginFlowBody: { method: 'password', identifier: email, password: GOOD_PASSWORD } }), 'public')).data;
      assert.equal(await s.registry.tokenExchange.complete(plain.id, signedIn.session.id, signedIn.session_token!), null);

      // A session revoked before the exchange is not handed out.
      const flow = (await ok(sdk.frontend.createNativeLoginFlow({ returnSessionTokenExchangeCode: true }), 'public')).data;
      const second = (await ok(sdk.frontend.updateLoginFlow({ flow: flow.id, updateLoginFlowBody: { method: 'password', identifier: email, password: GOOD_PASSWORD } }), 'public')).data;
      const returnToCode = await s.registry.tokenExchange.complete(flow.id, second.session.id, second.session_token!);
      await ok(sdk.identity.disableSession({ id: second.session.id }), 'admin');
      await fails(sdk.frontend.exchangeSessionToken({ initCode: flow.session_token_exchange_code!, returnToCode: returnToCode! }), 404, 'public');
    });

    test('missing halves are a 400 in the error envelope', async () => {
      for (const q of ['', '?init_code=abc', '?return_to_code=abc', '?init_code=&return_to_code=abc']) {
        const res = await s.publicApi.get(`/sessions/token-exchange${q}`);
        assert.equal(res.status, 400, q);
        assert.equal(res.body.error.reason, '"init_code" and "return_to_code" query params must be set');
      }
    });
  });
}
