import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';

for (const factory of testDatabases()) {
  describe(`sessions on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    before(async () => {
      db = await factory.create();
      s = await startTestServer({ dsn: db.dsn, config: { session: { lifespan: '1h', earliest_possible_extend: '30m' } } });
    });
    after(async () => {
      await s?.close();
      await db?.drop();
    });

    /** An identity with n sessions issued directly by the session manager (as a login would). */
    async function identityWithSessions(n: number) {
      const created = await s.adminApi.post('/admin/identities', { traits: { email: `s-${Math.random().toString(36).slice(2)}@example.com` } });
      const identity = (await s.registry.persister.identities.getIdentity(created.body.id))!;
      const issued = [];
      for (let i = 0; i < n; i++) issued.push(await s.registry.sessions.issue(identity, 'password', { ip: '203.0.113.7', userAgent: `agent-${i}` }));
      return { identity, issued };
    }

    test('whoami accepts X-Session-Token, Bearer and the cookie; answers 401 without an id otherwise', async () => {
      const { identity, issued } = await identityWithSessions(1);
      const { token, session } = issued[0]!;
      for (const headers of [{ 'x-session-token': token }, { authorization: `Bearer ${token}` }] as Array<Record<string, string>>) {
        const res = await s.publicApi.get('/sessions/whoami', { headers });
        assert.equal(res.status, 200);
        assert.equal(res.body.id, session.id);
        assert.equal(res.body.active, true);
        assert.equal(res.body.authenticator_assurance_level, 'aal1');
        assert.equal(res.body.authentication_methods[0].method, 'password');
        assert.equal(res.body.identity.id, identity.id);
        assert.equal(res.body.identity.credentials, undefined);
        assert.equal(res.body.identity.metadata_admin, undefined);
        assert.equal(res.body.devices[0].ip_address, '203.0.113.7');
        assert.equal(res.headers.get('x-kratos-authenticated-identity-id'), identity.id);
      }
      const cookieName = s.registry.config.sessionCookie().name;
      const signed = (await import('../../../src/http/kit/cookies.js')).CookieSigner;
      const cookie = `${cookieName}=${new signed(s.registry.config.secretsCookie()).sign(token)}`;
      const viaCookie = await s.publicApi.get('/sessions/whoami', { headers: { cookie } });
      assert.equal(viaCookie.status, 200);
      assert.match(viaCookie.headers.get('set-cookie') ?? '', new RegExp(`^${cookieName}=`));
      assert.match(viaCookie.headers.get('set-cookie') ?? '', /HttpOnly/i);

      const unsignedCookie = await s.publicApi.get('/sessions/whoami', { headers: { cookie: `${cookieName}=${token}` } });
      assert.equal(unsignedCookie.status, 401);
      for (const headers of [{}, { 'x-session-token': 'ory_st_nope' }, { authorization: 'Basic abc' }] as Array<Record<string, string>>) {
        const res = await s.publicApi.get('/sessions/whoami', { headers });
        assert.equal(res.status, 401);
        assert.equal(res.body.error.id, undefined);
        assert.equal(res.body.error.reason, 'No valid session credentials found in the request.');
      }
    });

    test('an inactive identity or a revoked session no longer authenticates', async () => {
      const { identity, issued } = await identityWithSessions(2);
      await s.adminApi.delete(`/admin/sessions/${issued[0]!.session.id}`);
      assert.equal((await s.publicApi.get('/sessions/whoami', { headers: { 'x-session-token': issued[0]!.token } })).status, 401);
      assert.equal((await s.publicApi.get('/sessions/whoami', { headers: { 'x-session-token': issued[1]!.token } })).status, 200);
      await s.adminApi.patch(`/admin/identities/${identity.id}`, [{ op: 'replace', path: '/state', value: 'inactive' }]);
      assert.equal((await s.publicApi.get('/sessions/whoami', { headers: { 'x-session-token': issued[1]!.token } })).status, 401);
    });

    test('deleting an identity ends its sessions', async () => {
      const { identity, issued } = await identityWithSessions(1);
      await s.adminApi.delete(`/admin/identities/${identity.id}`);
      assert.equal((await s.publicApi.get('/sessions/whoami', { headers: { 'x-session-token': issued[0]!.token } })).status, 401);
    });

    test('lists and revokes my other sessions; my current one cannot be revoked that way', async () => {
      const { issued } = await identityWithSessions(3);
      const me = { 'x-session-token': issued[0]!.token };
      const others = await s.publicApi.get('/sessions', { headers: me });
      assert.equal(others.status, 200);
      assert.deepEqual(others.body.map((x: { id: string }) => x.id).sort(), [issued[1]!.session.id, issued[2]!.session.id].sort());
      assert.equal((await s.publicApi.delete(`/sessions/${issued[0]!.session.id}`, { headers: me })).status, 400);
      assert.equal((await s.publicApi.delete(`/sessions/${issued[1]!.session.id}`, { headers: me })).status, 204);
      const { issued: foreign } = await identityWithSessions(1);
      assert.equal((await s.publicApi.delete(`/sessions/${foreign[0]!.session.id}`, { headers: me })).status, 404);
      assert.equal((await s.publicApi.get('/sessions/whoami', { headers: { 'x-session-token': foreign[0]!.token } })).status, 200);
      const revoked = await s.publicApi.delete('/sessions', { headers: me });
      assert.deepEqual(revoked.body, { count: 1 });
      assert.equal((await s.publicApi.get('/sessions/whoami', { headers: me })).status, 200);
      const noSession = await s.publicApi.get('/sessions');
      assert.equal(noSession.status, 401);
      assert.equal(noSession.body.error.id, 'session_inactive');
    });

    test('admin lists, reads, extends and deletes sessions', async () => {
      const { identity, issued } = await identityWithSessions(2);
      const list = await s.adminApi.get(`/admin/identities/${identity.id}/sessions`);
      assert.equal(list.status, 200);
      assert.equal(list.body.length, 2);
      const all = await s.adminApi.get('/admin/sessions?expand=identity&page_size=500');
      assert.ok(all.body.some((x: { id: string; identity?: { id: string } }) => x.id === issued[0]!.session.id && x.identity?.id === identity.id));
      assert.equal((await s.adminApi.get('/admin/sessions?expand=nonsense')).status, 400);
      const one = await s.adminApi.get(`/admin/sessions/${issued[0]!.session.id}`);
      assert.equal(one.body.identity.id, identity.id);

      // Far from expiry (1h left, extend only allowed within 30m): unchanged.
      const notYet = await s.adminApi.patch(`/admin/sessions/${issued[0]!.session.id}/extend`);
      assert.equal(notYet.status, 200);
      assert.equal(notYet.body.expires_at, issued[0]!.session.expires_at.toISOString());
      const stored = (await s.registry.persister.sessions.getSession(issued[0]!.session.id))!;
      stored.expires_at = new Date(Date.now() + 60_000);
      await s.registry.persister.sessions.updateSession(stored);
      const extended = await s.adminApi.patch(`/admin/sessions/${issued[0]!.session.id}/extend`);
      assert.ok(new Date(extended.body.expires_at).getTime() > Date.now() + 59 * 60_000);
      assert.equal((await s.adminApi.patch('/admin/sessions/00000000-0000-4000-8000-000000000000/extend')).status, 404);

      assert.equal((await s.adminApi.delete(`/admin/identities/${identity.id}/sessions`)).status, 204);
      assert.equal((await s.adminApi.get(`/admin/identities/${identity.id}/sessions`)).body.length, 0);
      assert.equal((await s.adminApi.get('/admin/identities/00000000-0000-4000-8000-000000000000/sessions')).status, 404);
    });

    test('an expired session is inactive everywhere', async () => {
      const { issued } = await identityWithSessions(1);
      const stored = (await s.registry.persister.sessions.getSession(issued[0]!.session.id))!;
      stored.expires_at = new Date(Date.now() - 1000);
      await s.registry.persister.sessions.updateSession(stored);
      assert.equal((await s.publicApi.get('/sessions/whoami', { headers: { 'x-session-token': issued[0]!.token } })).status, 401);
      const inactive = await s.adminApi.get(`/admin/sessions?active=false&page_size=1000`);
      assert.ok(inactive.body.some((x: { id: string; active: boolean }) => x.id === issued[0]!.session.id && x.active === false));
    });
  });
}
