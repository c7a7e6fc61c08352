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
import { SessionCheckAnswers } from '../../src/session/check-answers.js';

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
      const { identity, session } = newIdentityAndSession();
      const now = identity.created_at;
      await identities.createIdentity(identity);
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

    // Two instances, each keeping its own rendered answers: what one changes, the other sees at once.
    test('a kept answer is used only while the session and its identity are unchanged, on any instance', async () => {
      const identities = new SqlIdentityPersister(db.db, db.dialect);
      const sessions = new SqlSessionPersister(db.db, db.dialect, identities);
      let renders = 0;
      const render = (s: Session) => {
        renders++;
        return { id: s.id, traits: s.identity?.traits, aal: s.aal, expires_at: s.expires_at.toISOString(), methods: s.authentication_methods.length };
      };
      const instanceA = new SessionCheckAnswers(sessions, render);
      const instanceB = new SessionCheckAnswers(new SqlSessionPersister(db.db, db.dialect, identities), render);
      const { identity, session } = newIdentityAndSession();
      await identities.createIdentity(identity);
      const tokenHash = newId().replaceAll('-', '').padEnd(64, '0');
      await sessions.createSession(session, tokenHash, newId().replaceAll('-', '').padEnd(64, '1'));
      const bodyOf = async (answers: SessionCheckAnswers) => {
        const checked = await answers.check(tokenHash);
        return checked ? (JSON.parse(checked.body.toString('utf8')) as Record<string, any>) : null;
      };

      assert.deepEqual((await bodyOf(instanceA))?.traits, identity.traits);
      assert.equal((await bodyOf(instanceA))?.id, session.id);
      assert.equal(renders, 1, 'an unchanged session is rendered once');
      const stamp = await sessions.getSessionStamp(tokenHash);
      assert.deepEqual(await sessions.getSessionStamp(tokenHash), stamp, 'the stamp is stable while nothing changes');

      // Another instance changes the identity (a trait, then only an address): the next check shows it.
      identity.traits = { email: identity.traits.email, name: 'changed elsewhere' };
      await new SqlIdentityPersister(db.db, db.dialect).updateIdentity(identity);
      assert.equal((await bodyOf(instanceA))?.traits.name, 'changed elsewhere');
      const beforeAddress = await sessions.getSessionStamp(tokenHash);
      identity.verifiable_addresses[0]!.verified = true;
      await identities.updateIdentity(identity);
      assert.notEqual((await sessions.getSessionStamp(tokenHash))?.stamp, beforeAddress?.stamp, 'an address change moves the stamp');

      // A step-up (new method, aal2) and an extension are seen at once.
      session.authentication_methods = [...session.authentication_methods, { method: 'totp', aal: 'aal2', completed_at: new Date() }];
      session.aal = 'aal2';
      await sessions.updateSession(session);
      assert.equal((await bodyOf(instanceA))?.methods, 2);
      assert.equal((await instanceA.check(tokenHash))?.session.aal, 'aal2');
      session.expires_at = new Date(session.expires_at.getTime() + 60_000);
      await sessions.updateSession(session);
      assert.equal((await bodyOf(instanceA))?.expires_at, session.expires_at.toISOString());

      // Deactivated on another instance: refused by the next check, and by the other instance too.
      assert.ok(await instanceB.check(tokenHash));
      identity.state = 'inactive';
      await identities.updateIdentity(identity);
      assert.equal(await instanceA.check(tokenHash), null);
      identity.state = 'active';
      await identities.updateIdentity(identity);
      assert.ok(await instanceA.check(tokenHash));

      // Revoked, expired (by the clock alone), deleted.
      assert.equal(await instanceA.check(tokenHash, new Date(session.expires_at.getTime() + 1)), null, 'an expired session is refused though nothing changed in storage');
      await sessions.revokeSession(session.id);
      assert.equal(await instanceA.check(tokenHash), null);
      assert.equal(await instanceB.check(tokenHash), null);
      await sessions.deleteSessionsOfIdentity(identity.id);
      assert.equal(await sessions.getSessionStamp(tokenHash), null);
    });

    test('kept answers are bounded: the least recently used session is dropped first', async () => {
      const identities = new SqlIdentityPersister(db.db, db.dialect);
      const sessions = new SqlSessionPersister(db.db, db.dialect, identities);
      const rendered: string[] = [];
      const answers = new SessionCheckAnswers(sessions, (s) => (rendered.push(s.id), { id: s.id }), 2);
      const hashes: string[] = [];
      for (let i = 0; i < 3; i++) {
        const { identity, session } = newIdentityAndSession();
        await identities.createIdentity(identity);
        const hash = newId().replaceAll('-', '').padEnd(64, String(i));
        await sessions.createSession(session, hash, newId().replaceAll('-', '').padEnd(64, 'f'));
        hashes.push(hash);
      }
      const [h0, h1, h2] = hashes as [string, string, string];
      await answers.check(h0);
      await answers.check(h1);
      await answers.check(h0); // h1 is now the least recently used
      await answers.check(h2); // drops h1
      const count = rendered.length;
      await answers.check(h0);
      await answers.check(h2);
      assert.equal(rendered.length, count, 'the two most recently used are kept');
      await answers.check(h1);
      assert.equal(rendered.length, count + 1, 'the dropped one is rendered again');
    });
  });
}

function newIdentityAndSession(): { identity: Identity; session: Session } {
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
  return { identity, session };
}
