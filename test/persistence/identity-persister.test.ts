import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, type TestDatabase } from '../testkit/databases.js';
import { Database } from '../../src/persistence/database.js';
import { SqlIdentityPersister } from '../../src/persistence/identity-persister.js';
import { UniqueViolationError } from '../../src/errors/storage.js';
import type { Identity } from '../../src/identity/identity.js';
import { newId } from '../../src/lib/ids.js';

function makeIdentity(email: string, extra: Partial<Identity> = {}): Identity {
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  return {
    id: newId(),
    schema_id: 'default',
    state: 'active',
    state_changed_at: now,
    traits: { email, name: { first: 'Zoë', last: 'Ünicode' } },
    metadata_public: { plan: 'pro' },
    metadata_admin: null,
    external_id: null,
    organization_id: null,
    credentials: {
      password: { id: newId(), type: 'password', identifiers: [email], config: { hashed_password: '$2a$04$abc' }, version: 0, created_at: now, updated_at: now },
    },
    verifiable_addresses: [{ id: newId(), value: email, via: 'email', verified: false, verified_at: null, status: 'pending', created_at: now, updated_at: now }],
    recovery_addresses: [{ id: newId(), value: email, via: 'email', created_at: now, updated_at: now }],
    created_at: now,
    updated_at: now,
    ...extra,
  };
}

for (const factory of testDatabases()) {
  describe(`identity persister on ${factory.name}`, () => {
    let tdb: TestDatabase;
    let database: Database;
    let pool: SqlIdentityPersister;

    before(async () => {
      tdb = await factory.create();
      database = new Database(tdb.dsn);
      assert.ok((await database.pendingMigrations()).includes('0001-identities'));
      await database.migrate();
      assert.deepEqual(await database.pendingMigrations(), []);
      pool = new SqlIdentityPersister(database.db, database.dialect);
    });
    after(async () => {
      await database?.close();
      await tdb?.drop();
    });

    test('round-trips an identity with credentials and addresses', async () => {
      const i = makeIdentity('alice@example.com', { external_id: 'ext-alice' });
      await pool.createIdentity(i);
      const got = await pool.getIdentity(i.id, { withCredentials: true });
      assert.ok(got);
      assert.deepEqual(got.traits, i.traits);
      assert.deepEqual(got.metadata_public, { plan: 'pro' });
      assert.equal(got.metadata_admin, null);
      assert.equal(got.created_at.toISOString(), i.created_at.toISOString());
      assert.deepEqual(got.credentials.password?.identifiers, ['alice@example.com']);
      assert.deepEqual(got.credentials.password?.config, { hashed_password: '$2a$04$abc' });
      assert.equal(got.verifiable_addresses[0]?.verified, false);
      assert.equal(got.recovery_addresses[0]?.value, 'alice@example.com');
      const withoutCreds = await pool.getIdentity(i.id);
      assert.deepEqual(withoutCreds?.credentials, {});
      assert.equal((await pool.getIdentityByExternalId('ext-alice'))?.id, i.id);
      assert.equal((await pool.findByCredentialsIdentifier('password', 'alice@example.com'))?.id, i.id);
      assert.equal(await pool.findByCredentialsIdentifier('password', 'nobody@example.com'), null);
    });

    test('one identity read in one statement equals the same identity read by the list, children and all', async () => {
      const now = new Date(Math.floor(Date.now() / 1000) * 1000);
      const later = new Date(now.getTime() + 1500);
      const i = makeIdentity('caro@example.com', {
        external_id: 'ext-carol',
        credentials: {
          password: { id: newId(), type: 'password', identifiers: ['caro@example.com', 'caro'], config: { hashed_password: '$2a$04$xyz', nested: { a: [1, 'two'] } }, version: 1, created_at: now, updated_at: later },
          totp: { id: newId(), type: 'totp', identifiers: ['totp-id'], config: { totp_url: 'otpauth://totp/x?secret=ABC' }, version: 0, created_at: now, updated_at: now },
        },
        verifiable_addresses: [
          { id: newId(), value: 'caro@example.com', via: 'email', verified: true, verified_at: later, status: 'completed', created_at: now, updated_at: later },
          { id: newId(), value: 'carol.work@example.net', via: 'email', verified: false, verified_at: null, status: 'pending', created_at: now, updated_at: now },
          { id: newId(), value: '+15550100', via: 'sms', verified: false, verified_at: null, status: 'sent', created_at: now, updated_at: now },
        ],
        recovery_addresses: [
          { id: newId(), value: 'caro@example.com', via: 'email', created_at: now, updated_at: now },
          { id: newId(), value: 'carol.work@example.net', via: 'email', created_at: now, updated_at: later },
        ],
      });
      await pool.createIdentity(i);
      const listed = (await pool.listIdentities({ ids: [i.id], limit: 10, withCredentials: true })).identities[0];
      assert.ok(listed);
      assert.equal(listed.verifiable_addresses.length, 3);
      assert.deepEqual(listed.credentials.password?.identifiers, ['caro', 'caro@example.com']);
      assert.equal(listed.verifiable_addresses.find((a) => a.verified)?.verified_at?.toISOString(), later.toISOString());
      assert.deepEqual(listed.credentials.password?.config, { hashed_password: '$2a$04$xyz', nested: { a: [1, 'two'] } });
      assert.deepEqual(await pool.getIdentity(i.id, { withCredentials: true }), listed);
      assert.deepEqual(await pool.getIdentityByExternalId('ext-carol', { withCredentials: true }), listed);
      assert.deepEqual(await pool.findByCredentialsIdentifier('password', 'caro'), listed);
      assert.deepEqual(await pool.findByAnyCredentialsIdentifier('totp-id'), listed);
      const { credentials: _, ...withoutCredentials } = listed;
      assert.deepEqual(await pool.getIdentity(i.id), { ...withoutCredentials, credentials: {} });
      assert.deepEqual((await pool.listIdentities({ ids: [i.id], limit: 10, withCredentials: false })).identities[0], { ...withoutCredentials, credentials: {} });
      assert.equal(await pool.findByCredentialsIdentifier('totp', 'caro'), null);
      assert.equal(await pool.findByAnyCredentialsIdentifier('nobody@example.com'), null);
      assert.equal(await pool.getIdentity(newId()), null);
    });

    test('a duplicate identifier fails as a unique violation and writes nothing', async () => {
      await pool.createIdentity(makeIdentity('dup@example.com'));
      const before = await pool.countIdentities();
      const second = makeIdentity('dup@example.com');
      // Different address value so only the credential identifier collides, after the identity row was inserted.
      second.verifiable_addresses = [];
      second.recovery_addresses = [];
      await assert.rejects(pool.createIdentity(second), UniqueViolationError);
      assert.equal(await pool.countIdentities(), before);
      assert.equal(await pool.getIdentity(second.id), null);
    });

    test('update replaces children in one transaction and keeps them on failure', async () => {
      const i = makeIdentity('bob@example.com');
      await pool.createIdentity(i);
      i.traits = { email: 'robert@example.com' };
      i.credentials.password!.identifiers = ['robert@example.com'];
      i.verifiable_addresses[0]!.value = 'robert@example.com';
      i.verifiable_addresses[0]!.verified = true;
      i.verifiable_addresses[0]!.verified_at = new Date();
      i.verifiable_addresses[0]!.status = 'completed';
      i.recovery_addresses = [];
      await pool.updateIdentity(i);
      const got = await pool.getIdentity(i.id, { withCredentials: true });
      assert.deepEqual(got?.credentials.password?.identifiers, ['robert@example.com']);
      assert.equal(got?.verifiable_addresses[0]?.verified, true);
      assert.equal(got?.recovery_addresses.length, 0);

      // Renaming onto another identity's identifier must fail and leave bob as he was.
      i.credentials.password!.identifiers = ['alice@example.com'];
      await assert.rejects(pool.updateIdentity(i), UniqueViolationError);
      const still = await pool.getIdentity(i.id, { withCredentials: true });
      assert.deepEqual(still?.credentials.password?.identifiers, ['robert@example.com']);
    });

    test('lists with keyset pagination, filters and similarity', async () => {
      for (let n = 0; n < 5; n++) await pool.createIdentity(makeIdentity(`page${n}@example.org`));
      const all: string[] = [];
      let afterId: string | undefined;
      for (;;) {
        const page = await pool.listIdentities({ limit: 3, afterId, withCredentials: false });
        all.push(...page.identities.map((i) => i.id));
        if (!page.hasMore) break;
        afterId = page.identities.at(-1)!.id;
      }
      assert.equal(all.length, await pool.countIdentities());
      assert.deepEqual([...all].sort(), all);
      const similar = await pool.listIdentities({ limit: 100, credentialsIdentifierSimilar: 'page', withCredentials: true });
      assert.equal(similar.identities.length, 5);
      const wildcard = await pool.listIdentities({ limit: 100, credentialsIdentifierSimilar: '%', withCredentials: false });
      assert.equal(wildcard.identities.length, 0, 'LIKE wildcards in the filter are literal');
      const exact = await pool.listIdentities({ limit: 100, credentialsIdentifier: 'page3@example.org', withCredentials: true });
      assert.equal(exact.identities.length, 1);
      const byIds = await pool.listIdentities({ limit: 100, ids: all.slice(0, 2), withCredentials: false });
      assert.equal(byIds.identities.length, 2);
    });

    test('delete cascades to credentials and addresses', async () => {
      const i = makeIdentity('carol@example.com');
      await pool.createIdentity(i);
      assert.equal(await pool.deleteIdentity(i.id), true);
      assert.equal(await pool.deleteIdentity(i.id), false);
      // The identifier is free again.
      await pool.createIdentity(makeIdentity('carol@example.com'));
    });
  });
}
