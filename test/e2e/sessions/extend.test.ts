import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';

// PATCH /admin/sessions/{id}/extend as Kratos v1.3 answers it: earliest_possible_extend defaults to
// the lifespan (any session may be extended), feature_flags.faster_session_extend answers 204.

for (const factory of testDatabases()) {
  describe(`session extend on ${factory.name}`, () => {
    let db: TestDatabase;
    let plain: TestServer;
    let faster: TestServer;
    before(async () => {
      db = await factory.create();
      plain = await startTestServer({ dsn: db.dsn, config: { session: { lifespan: '2h' } } });
      faster = await startTestServer({ dsn: db.dsn, config: { session: { lifespan: '3h' }, feature_flags: { faster_session_extend: true } } });
    });
    after(async () => {
      await plain?.close();
      await faster?.close();
      await db?.drop();
    });

    async function sessionOn(s: TestServer) {
      const created = await s.adminApi.post('/admin/identities', { traits: { email: `extend-${Math.random().toString(36).slice(2)}@example.com` } });
      const identity = (await s.registry.persister.identities.getIdentity(created.body.id))!;
      const issued = await s.registry.sessions.issue(identity, 'password', { ip: null, userAgent: null });
      // Pretend it was issued an hour ago.
      issued.session.expires_at = new Date(Date.now() + 3_600_000);
      await s.registry.persister.sessions.updateSession(issued.session);
      return issued.session;
    }

    test('without earliest_possible_extend any session is extended to now + lifespan, and the session is returned', async () => {
      const session = await sessionOn(plain);
      const res = await plain.adminApi.patch(`/admin/sessions/${session.id}/extend`);
      assert.equal(res.status, 200);
      assert.equal(res.body.id, session.id);
      assert.ok(res.body.identity, 'the session comes with its identity');
      const expires = new Date(res.body.expires_at).getTime();
      assert.ok(expires > Date.now() + 2 * 3_600_000 - 60_000 && expires <= Date.now() + 2 * 3_600_000);
    });

    test('faster_session_extend answers 204 without a body, and the session is extended', async () => {
      const session = await sessionOn(faster);
      const res = await faster.adminApi.patch(`/admin/sessions/${session.id}/extend`);
      assert.equal(res.status, 204);
      const stored = (await faster.registry.persister.sessions.getSession(session.id))!;
      assert.ok(stored.expires_at.getTime() > Date.now() + 3 * 3_600_000 - 60_000);
    });

    test('a malformed id is a 400, an unknown or revoked session a 404', async () => {
      assert.equal((await plain.adminApi.patch('/admin/sessions/not-a-uuid/extend')).status, 400);
      assert.equal((await plain.adminApi.patch('/admin/sessions/00000000-0000-4000-8000-000000000000/extend')).status, 404);
      const session = await sessionOn(plain);
      assert.equal((await plain.adminApi.delete(`/admin/sessions/${session.id}`)).status, 204);
      assert.equal((await plain.adminApi.patch(`/admin/sessions/${session.id}/extend`)).status, 404);
    });
  });
}
