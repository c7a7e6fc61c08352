// Sessions (mine through FrontendApi, anyone's through IdentityApi), native logout, flow errors and
// expired flows, driven only through @ory/client, on every test database.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { LoginFlow, SuccessfulNativeLogin } from '@ory/client';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { GOOD_PASSWORD, fails, formMessageIds, nextPageToken, ok, sdkClients, sdkServerConfig, uniqueEmail, type SdkClients } from './sdk-kit.js';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

for (const factory of testDatabases()) {
  describe(`@ory/client sessions and logout on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let sdk: SdkClients;
    before(async () => {
      db = await factory.create();
      s = await startTestServer({ dsn: db.dsn, config: sdkServerConfig({ session: { lifespan: '1h', earliest_possible_extend: '30m' } }) });
      sdk = sdkClients(s);
    });
    after(async () => {
      await s?.close();
      await db?.drop();
    });

    /** An identity with a password (admin API) and `n` native logins of it (public API). */
    async function signedIn(n: number): Promise<{ identityId: string; email: string; logins: SuccessfulNativeLogin[] }> {
      const email = uniqueEmail('session');
      const created = await ok(
        sdk.identity.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email }, credentials: { password: { config: { password: GOOD_PASSWORD } } } } }),
        'admin',
      );
      const logins: SuccessfulNativeLogin[] = [];
      for (let i = 0; i < n; i++) {
        const flow = await ok(sdk.frontend.createNativeLoginFlow(), 'public');
        const res = await ok(sdk.frontend.updateLoginFlow({ flow: flow.data.id, updateLoginFlowBody: { method: 'password', identifier: email, password: GOOD_PASSWORD } }), 'public');
        logins.push(res.data);
      }
      return { identityId: created.data.id, email, logins };
    }

    test('listMySessions lists my other sessions; disableMySession revokes one, never the current one', async () => {
      const { logins } = await signedIn(3);
      const [me, second, third] = logins.map((l) => ({ token: l.session_token!, id: l.session.id }));
      const mine = await ok(sdk.frontend.listMySessions({ xSessionToken: me!.token }), 'public');
      assert.equal(mine.status, 200);
      assert.deepEqual(mine.data.map((x) => x.id).sort(), [second!.id, third!.id].sort());
      for (const session of mine.data) assert.equal(session.active, true);

      const revoked = await ok(sdk.frontend.disableMySession({ id: second!.id, xSessionToken: me!.token }), 'public');
      assert.equal(revoked.status, 204);
      await fails(sdk.frontend.toSession({ xSessionToken: second!.token }), 401, 'public');
      await ok(sdk.frontend.toSession({ xSessionToken: third!.token }), 'public');

      const current = await fails(sdk.frontend.disableMySession({ id: me!.id, xSessionToken: me!.token }), 400, 'public');
      assert.equal(current.data.error.code, 400);
      await ok(sdk.frontend.toSession({ xSessionToken: me!.token }), 'public');

      const someoneElse = await signedIn(1);
      await fails(sdk.frontend.disableMySession({ id: someoneElse.logins[0]!.session.id, xSessionToken: me!.token }), 404, 'public');
      await ok(sdk.frontend.toSession({ xSessionToken: someoneElse.logins[0]!.session_token! }), 'public');

      const anonymous = await fails(sdk.frontend.listMySessions(), 401, 'public');
      assert.equal(anonymous.data.error.id, 'session_inactive');
    });

    test('disableMyOtherSessions revokes all but the current session', async () => {
      const { logins } = await signedIn(3);
      const res = await ok(sdk.frontend.disableMyOtherSessions({ xSessionToken: logins[0]!.session_token! }), 'public');
      assert.equal(res.status, 200);
      assert.equal(res.data.count, 2);
      await ok(sdk.frontend.toSession({ xSessionToken: logins[0]!.session_token! }), 'public');
      for (const other of logins.slice(1)) await fails(sdk.frontend.toSession({ xSessionToken: other.session_token! }), 401, 'public');
      assert.deepEqual((await ok(sdk.frontend.listMySessions({ xSessionToken: logins[0]!.session_token! }), 'public')).data, []);
    });

    test('IdentityApi: listIdentitySessions, getSession, extendSession, disableSession, deleteIdentitySessions', async () => {
      const { identityId, logins } = await signedIn(2);
      const listed = await ok(sdk.identity.listIdentitySessions({ id: identityId }), 'admin');
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.data.map((x) => x.id).sort(), logins.map((l) => l.session.id).sort());

      const one = await ok(sdk.identity.getSession({ id: logins[0]!.session.id, expand: ['identity', 'devices'] }), 'admin');
      assert.equal(one.data.id, logins[0]!.session.id);
      assert.equal(one.data.identity?.id, identityId);
      assert.equal(one.data.devices?.length, 1);
      await fails(sdk.identity.getSession({ id: UNKNOWN_ID }), 404, 'admin');

      // 1h lifespan, extendable only in its last 30m: too early, nothing changes.
      const notYet = await ok(sdk.identity.extendSession({ id: logins[0]!.session.id }), 'admin');
      assert.equal(notYet.status, 200);
      assert.equal(notYet.data.expires_at, logins[0]!.session.expires_at);
      const stored = (await s.registry.persister.sessions.getSession(logins[0]!.session.id))!;
      stored.expires_at = new Date(Date.now() + 60_000);
      await s.registry.persister.sessions.updateSession(stored);
      const extended = await ok(sdk.identity.extendSession({ id: logins[0]!.session.id }), 'admin');
      assert.ok(new Date(extended.data.expires_at!).getTime() > Date.now() + 59 * 60_000, 'a full lifespan from now');
      await fails(sdk.identity.extendSession({ id: UNKNOWN_ID }), 404, 'admin');

      const disabled = await ok(sdk.identity.disableSession({ id: logins[0]!.session.id }), 'admin');
      assert.equal(disabled.status, 204);
      await fails(sdk.frontend.toSession({ xSessionToken: logins[0]!.session_token! }), 401, 'public');
      await ok(sdk.frontend.toSession({ xSessionToken: logins[1]!.session_token! }), 'public');
      const afterDisable = await ok(sdk.identity.listIdentitySessions({ id: identityId, active: true }), 'admin');
      assert.deepEqual(afterDisable.data.map((x) => x.id), [logins[1]!.session.id]);

      const deleted = await ok(sdk.identity.deleteIdentitySessions({ id: identityId }), 'admin');
      assert.equal(deleted.status, 204);
      await fails(sdk.frontend.toSession({ xSessionToken: logins[1]!.session_token! }), 401, 'public');
      assert.deepEqual((await ok(sdk.identity.listIdentitySessions({ id: identityId }), 'admin')).data, []);
      await fails(sdk.identity.listIdentitySessions({ id: UNKNOWN_ID }), 404, 'admin');
    });

    test('IdentityApi listSessions pages through all sessions and expands the identity', async () => {
      const { identityId, logins } = await signedIn(3);
      const seen: string[] = [];
      let pageToken: string | undefined;
      for (let pages = 0; pages < 100; pages++) {
        const res = await ok(sdk.identity.listSessions({ pageSize: 2, pageToken, expand: ['identity'] }), 'admin');
        assert.ok(res.data.length <= 2);
        for (const session of res.data) {
          seen.push(session.id);
          assert.ok(session.identity?.id, 'the identity is expanded');
        }
        pageToken = nextPageToken(res);
        if (pageToken === undefined) break;
      }
      assert.equal(new Set(seen).size, seen.length, 'no session appears twice');
      for (const login of logins) assert.ok(seen.includes(login.session.id));
      const mine = await ok(sdk.identity.listIdentitySessions({ id: identityId }), 'admin');
      assert.equal(mine.data.length, 3);
    });

    test('performNativeLogout ends the session; toSession then answers 401', async () => {
      const { logins } = await signedIn(2);
      const token = logins[0]!.session_token!;
      await ok(sdk.frontend.toSession({ xSessionToken: token }), 'public');
      const res = await ok(sdk.frontend.performNativeLogout({ performNativeLogoutBody: { session_token: token } }), 'public');
      assert.equal(res.status, 204);
      const gone = await fails(sdk.frontend.toSession({ xSessionToken: token }), 401, 'public');
      assert.equal(gone.data.error.code, 401);
      await ok(sdk.frontend.toSession({ xSessionToken: logins[1]!.session_token! }), 'public');

      await fails(sdk.frontend.performNativeLogout({ performNativeLogoutBody: { session_token: token } }), 403, 'public');
      await fails(sdk.frontend.performNativeLogout({ performNativeLogoutBody: { session_token: 'ory_st_unknown' } }), 403, 'public');
    });

    test('getFlowError for an unknown id: 404', async () => {
      const res = await fails(sdk.frontend.getFlowError({ id: UNKNOWN_ID }), 404, 'public');
      assert.equal(res.data.error.code, 404);
    });

    test('submitting an expired login flow: 410 with use_flow_id naming a fresh flow', async () => {
      const { email } = await signedIn(0);
      const flow = (await ok(sdk.frontend.createNativeLoginFlow(), 'public')).data;
      const stored = (await s.registry.persister.flows.getFlow(flow.id, 'login'))!;
      stored.expires_at = new Date(Date.now() - 60_000);
      await s.registry.persister.flows.updateFlow(stored);

      const expired = await fails(
        sdk.frontend.updateLoginFlow({ flow: flow.id, updateLoginFlowBody: { method: 'password', identifier: email, password: GOOD_PASSWORD } }),
        410,
        'public',
      );
      const error = expired.data.error;
      assert.equal(error.id, 'self_service_flow_expired');
      assert.equal(error.code, 410);
      const replacement = expired.data.use_flow_id as string;
      assert.equal(typeof replacement, 'string');
      assert.notEqual(replacement, flow.id);

      const fresh = await ok(sdk.frontend.getLoginFlow({ id: replacement }), 'public');
      const next: LoginFlow = fresh.data;
      assert.equal(next.type, 'api');
      assert.ok(new Date(next.expires_at).getTime() > Date.now());
      assert.ok(formMessageIds(next).includes(4010001), 'the new flow says the old one expired');
      const login = await ok(
        sdk.frontend.updateLoginFlow({ flow: next.id, updateLoginFlowBody: { method: 'password', identifier: email, password: GOOD_PASSWORD } }),
        'public',
      );
      assert.equal(login.data.session.identity?.traits.email, email);
    });

    test('submitting an expired registration flow: 410 with use_flow_id naming a fresh flow', async () => {
      const flow = (await ok(sdk.frontend.createNativeRegistrationFlow(), 'public')).data;
      const stored = (await s.registry.persister.flows.getFlow(flow.id, 'registration'))!;
      stored.expires_at = new Date(Date.now() - 60_000);
      await s.registry.persister.flows.updateFlow(stored);

      const email = uniqueEmail('late');
      const body = { method: 'password', traits: { email }, password: GOOD_PASSWORD } as const;
      const expired = await fails(sdk.frontend.updateRegistrationFlow({ flow: flow.id, updateRegistrationFlowBody: body }), 410, 'public');
      assert.equal(expired.data.error.id, 'self_service_flow_expired');
      const replacement = expired.data.use_flow_id as string;
      assert.notEqual(replacement, flow.id);
      assert.deepEqual((await ok(sdk.identity.listIdentities({ credentialsIdentifier: email }), 'admin')).data, [], 'nobody registered');

      const next = (await ok(sdk.frontend.getRegistrationFlow({ id: replacement }), 'public')).data;
      assert.equal(next.type, 'api');
      assert.ok(formMessageIds(next).includes(4040001), 'the new flow says the old one expired');
      const registered = await ok(sdk.frontend.updateRegistrationFlow({ flow: next.id, updateRegistrationFlowBody: body }), 'public');
      assert.equal(registered.data.identity.traits.email, email);
    });
  });
}
