import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { testDatabases, type TestDatabase } from '../testkit/databases.js';
import { Database } from '../../src/persistence/database.js';
import { SqlIdentityPersister } from '../../src/persistence/identity-persister.js';
import { SqlSessionPersister } from '../../src/persistence/session-persister.js';
import { newId } from '../../src/lib/ids.js';
import type { Identity } from '../../src/identity/identity.js';
import type { Session } from '../../src/session/session.js';

// whoami's statement is prepared once and kept (a cached statement on SQLite, a named one per
// connection on PostgreSQL). A migration that changes the tables it reads must not break it, and
// what it reads must always be the stored state, never a copy.
for (const factory of testDatabases()) {
  describe(`session lookup by token on ${factory.name}`, () => {
    let tdb: TestDatabase;
    let db: Database;
    before(async () => {
      tdb = await factory.create();
      db = new Database(tdb.dsn);
      await db.migrate();
    });
    after(async () => {
      await db?.close();
      await tdb?.drop();
    });

    test('the prepared lookup sees every change at once and survives a column added to its tables', async () => {
      const identities = new SqlIdentityPersister(db.db, db.dialect);
      const sessions = new SqlSessionPersister(db.db, db.dialect, identities);
      const now = new Date(Math.floor(Date.now() / 1000) * 1000);
      const email = `lookup-${newId()}@example.com`;
      const identity: Identity = {
        id: newId(),
        schema_id: 'default',
        state: 'active',
        state_changed_at: now,
        traits: { email },
        metadata_public: null,
        metadata_admin: null,
        external_id: null,
        organization_id: null,
        credentials: {},
        verifiable_addresses: [{ id: newId(), value: email, via: 'email', verified: false, verified_at: null, status: 'pending', created_at: now, updated_at: now }],
        recovery_addresses: [],
        created_at: now,
        updated_at: now,
      };
      await identities.createIdentity(identity);
      const session: Session = {
        id: newId(),
        identity_id: identity.id,
        active: true,
        expires_at: new Date(now.getTime() + 3_600_000),
        authenticated_at: now,
        issued_at: now,
        aal: 'aal1',
        authentication_methods: [{ method: 'password', aal: 'aal1', completed_at: now }],
        devices: [{ id: newId(), ip_address: '127.0.0.1', user_agent: 'test', location: null }],
        created_at: now,
        updated_at: now,
      };
      const tokenHash = 'a'.repeat(64);
      await sessions.createSession(session, tokenHash, 'b'.repeat(64));

      const first = await sessions.getSessionByTokenHash(tokenHash);
      assert.equal(first?.identity?.verifiable_addresses[0]?.verified, false);
      assert.equal(first?.devices.length, 1);

      // A changed identity is read as changed by the very next lookup.
      identity.verifiable_addresses[0]!.verified = true;
      identity.verifiable_addresses[0]!.verified_at = now;
      await identities.updateIdentity(identity);
      assert.equal((await sessions.getSessionByTokenHash(tokenHash))?.identity?.verifiable_addresses[0]?.verified, true);

      // A migration adds a column to a table the statement reads with `s.*` while it is prepared.
      await sql`alter table sessions add column extra_for_test integer`.execute(db.db);
      const after = await sessions.getSessionByTokenHash(tokenHash);
      assert.equal(after?.id, session.id);

      await sessions.revokeSession(session.id);
      assert.equal((await sessions.getSessionByTokenHash(tokenHash))?.active, false);
    });
  });
}
