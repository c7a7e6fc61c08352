import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hash as bcryptHash } from '@node-rs/bcrypt';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';

const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;

for (const factory of testDatabases()) {
  describe(`identities admin API on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    const count = async () => s.registry.persister.identities.countIdentities();

    before(async () => {
      db = await factory.create();
      s = await startTestServer({ dsn: db.dsn });
    });
    after(async () => {
      await s?.close();
      await db?.drop();
    });

    test('creates an identity with a clear-text password, stored hashed and never shown unless asked', async () => {
      const addr = email('alice');
      const res = await s.adminApi.post('/admin/identities', {
        schema_id: 'default',
        traits: { email: `  ${addr.toUpperCase()}`.trim(), name: { first: 'Alice' } },
        metadata_public: { plan: 'free' },
        metadata_admin: { note: 'vip' },
        credentials: { password: { config: { password: 'correct horse battery staple' } } },
      });
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('location'), `${s.adminUrl}identities/${res.body.id}`);
      assert.equal(res.body.state, 'active');
      assert.equal(res.body.schema_url, `${s.publicUrl}schemas/${Buffer.from('default').toString('base64url')}`);
      assert.deepEqual(res.body.credentials.password.identifiers, [addr.toLowerCase()]);
      assert.equal(res.body.credentials.password.config, undefined);
      assert.equal(res.body.verifiable_addresses[0].value, addr.toLowerCase());
      assert.equal(res.body.verifiable_addresses[0].verified, false);
      assert.equal(res.body.verifiable_addresses[0].status, 'pending');
      assert.equal(res.body.recovery_addresses[0].value, addr.toLowerCase());
      assert.deepEqual(res.body.metadata_admin, { note: 'vip' });
      assert.doesNotMatch(JSON.stringify(res.body), /argon2|correct horse/);

      const plain = await s.adminApi.get(`/admin/identities/${res.body.id}`);
      assert.equal(plain.body.credentials.password.config, undefined);
      const declassified = await s.adminApi.get(`/admin/identities/${res.body.id}?include_credential=password`);
      assert.match(declassified.body.credentials.password.config.hashed_password, /^\$argon2id\$/);
      const bad = await s.adminApi.get(`/admin/identities/${res.body.id}?include_credential=magic`);
      assert.equal(bad.status, 400);
    });

    test('imports a bcrypt hash as given and refuses an unknown or too costly hash', async () => {
      const hashed = await bcryptHash('imported-password', 4);
      const res = await s.adminApi.post('/admin/identities', { traits: { email: email('imp') }, credentials: { password: { config: { hashed_password: hashed } } } });
      assert.equal(res.status, 201);
      assert.equal(res.body.schema_id, 'default');
      const got = await s.adminApi.get(`/admin/identities/${res.body.id}?include_credential=password`);
      assert.equal(got.body.credentials.password.config.hashed_password, hashed);

      const before = await count();
      for (const hashed_password of ['not-a-hash', '$2a$31$' + 'a'.repeat(53)]) {
        const r = await s.adminApi.post('/admin/identities', { traits: { email: email('badhash') }, credentials: { password: { config: { hashed_password } } } });
        assert.equal(r.status, 400, hashed_password);
      }
      assert.equal(await count(), before);
    });

    test('traits that fail the schema are a 400 naming each field, and nothing is written', async () => {
      const before = await count();
      const res = await s.adminApi.post('/admin/identities', { schema_id: 'default', traits: { email: 'not-an-email', age: 'old', extra: true } });
      assert.equal(res.status, 400);
      const text = JSON.stringify(res.body.error);
      assert.match(text, /traits\/email/);
      assert.match(text, /traits\/age/);
      const missing = await s.adminApi.post('/admin/identities', { schema_id: 'default', traits: { name: { first: 'x' } } });
      assert.equal(missing.status, 400);
      assert.match(JSON.stringify(missing.body.error), /email/);
      assert.equal(await count(), before);
    });

    test('bad requests: unknown schema, malformed JSON, wrong types, unknown fields, oversized body', async () => {
      const before = await count();
      const unknownSchema = await s.adminApi.post('/admin/identities', { schema_id: 'nope', traits: { email: email('x') } });
      assert.equal(unknownSchema.status, 400);
      assert.match(unknownSchema.body.error.reason, /nope/);

      const malformed = await s.adminApi.request('POST', '/admin/identities', { rawBody: '{"traits": {', headers: { 'content-type': 'application/json' } });
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.error.code, 400);

      const wrongType = await s.adminApi.post('/admin/identities', { traits: 'me' });
      assert.equal(wrongType.status, 400);
      assert.match(wrongType.body.error.reason, /traits/);
      const wrongState = await s.adminApi.post('/admin/identities', { traits: { email: email('x') }, state: 'banned' });
      assert.equal(wrongState.status, 400);
      const unknownField = await s.adminApi.post('/admin/identities', { traits: { email: email('x') }, favourite_colour: 'blue' });
      assert.equal(unknownField.status, 400);
      assert.match(unknownField.body.error.reason, /favourite_colour/);
      const arrayBody = await s.adminApi.post('/admin/identities', [1, 2]);
      assert.equal(arrayBody.status, 400);

      const huge = await s.adminApi.request('POST', '/admin/identities', {
        rawBody: JSON.stringify({ traits: { email: email('big'), name: { first: 'x'.repeat(3 * 1024 * 1024) } } }),
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(huge.status, 413);
      assert.equal(huge.body.error.code, 413);
      assert.equal(await count(), before);
    });

    test('a duplicate identifier is a 409 conflict, also when only its case differs', async () => {
      const addr = email('dup');
      assert.equal((await s.adminApi.post('/admin/identities', { traits: { email: addr } })).status, 201);
      const before = await count();
      const again = await s.adminApi.post('/admin/identities', { traits: { email: addr.toUpperCase() } });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.reason, 'This identity conflicts with another identity that already exists.');
      assert.equal(await count(), before);
      const extA = await s.adminApi.post('/admin/identities', { traits: { email: email('ext') }, external_id: 'crm-1' });
      assert.equal(extA.status, 201);
      const extB = await s.adminApi.post('/admin/identities', { traits: { email: email('ext') }, external_id: 'crm-1' });
      assert.equal(extB.status, 409);
      const byExt = await s.adminApi.get('/admin/identities/by/external/crm-1');
      assert.equal(byExt.body.id, extA.body.id);
      assert.equal((await s.adminApi.get('/admin/identities/by/external/crm-unknown')).status, 404);
    });

    test('lists with keyset pagination and Link headers; forged page tokens are refused', async () => {
      for (let i = 0; i < 5; i++) await s.adminApi.post('/admin/identities', { traits: { email: email('list') } });
      const total = await count();
      const seen = new Set<string>();
      let path: string | null = '/admin/identities?page_size=2';
      let pages = 0;
      while (path) {
        const res: { status: number; headers: Headers; body: Array<{ id: string }> } = await s.adminApi.get(path);
        assert.equal(res.status, 200);
        assert.ok(res.body.length <= 2);
        for (const i of res.body) seen.add(i.id);
        const link = res.headers.get('link') ?? '';
        assert.match(link, /rel="first"/);
        path = /<([^>]+)>; rel="next"/.exec(link)?.[1] ?? null;
        pages++;
      }
      assert.equal(seen.size, total);
      assert.equal(pages, Math.ceil(total / 2));

      for (const token of ['garbage', Buffer.from('{"k":"00000000-0000-0000-0000-000000000000"}').toString('base64url') + '.forged']) {
        const res = await s.adminApi.get(`/admin/identities?page_size=2&page_token=${encodeURIComponent(token)}`);
        assert.equal(res.status, 400);
      }
      assert.equal((await s.adminApi.get('/admin/identities?page_size=0')).status, 400);

      const legacy = await s.adminApi.get('/admin/identities?per_page=2&page=1');
      assert.equal(legacy.status, 200);
      assert.equal(legacy.headers.get('x-total-count'), String(total));
    });

    test('filters by identifier, ids and similarity; combining filters is refused', async () => {
      const addr = email('filter');
      const created = await s.adminApi.post('/admin/identities', { traits: { email: addr } });
      const byIdentifier = await s.adminApi.get(`/admin/identities?credentials_identifier=${encodeURIComponent(addr.toUpperCase())}`);
      assert.deepEqual(byIdentifier.body.map((i: { id: string }) => i.id), [created.body.id]);
      const byIds = await s.adminApi.get(`/admin/identities?ids=${created.body.id}`);
      assert.equal(byIds.body.length, 1);
      const similar = await s.adminApi.get(`/admin/identities?preview_credentials_identifier_similar=${encodeURIComponent(addr.slice(0, 10))}`);
      assert.ok(similar.body.some((i: { id: string }) => i.id === created.body.id));
      assert.equal((await s.adminApi.get('/admin/identities?ids=not-a-uuid')).status, 400);
      const both = await s.adminApi.get(`/admin/identities?ids=${created.body.id}&credentials_identifier=${encodeURIComponent(addr)}`);
      assert.equal(both.status, 400);
    });

    test('updates with PUT: traits, state, metadata; schema checks apply; verified addresses that stay keep their state', async () => {
      const addr = email('put');
      const created = await s.adminApi.post('/admin/identities', {
        traits: { email: addr },
        verifiable_addresses: [{ value: addr, via: 'email', verified: true, status: 'completed' }],
      });
      assert.equal(created.body.verifiable_addresses[0].verified, true);
      const id = created.body.id;
      const res = await s.adminApi.put(`/admin/identities/${id}`, { schema_id: 'default', traits: { email: addr, name: { last: 'Put' } }, state: 'inactive', metadata_public: { a: 1 } });
      assert.equal(res.status, 200);
      assert.equal(res.body.state, 'inactive');
      assert.notEqual(res.body.state_changed_at, created.body.state_changed_at);
      assert.deepEqual(res.body.traits.name, { last: 'Put' });
      assert.equal(res.body.verifiable_addresses[0].verified, true);
      assert.equal(res.body.verifiable_addresses[0].id, created.body.verifiable_addresses[0].id);

      const changed = await s.adminApi.put(`/admin/identities/${id}`, { schema_id: 'default', traits: { email: email('put2') }, state: 'active' });
      assert.equal(changed.body.verifiable_addresses.length, 1);
      assert.equal(changed.body.verifiable_addresses[0].verified, false);

      const noState = await s.adminApi.put(`/admin/identities/${id}`, { schema_id: 'default', traits: { email: addr } });
      assert.equal(noState.status, 400);
      const invalid = await s.adminApi.put(`/admin/identities/${id}`, { schema_id: 'default', traits: { email: 'nope' }, state: 'active' });
      assert.equal(invalid.status, 400);
      const after = await s.adminApi.get(`/admin/identities/${id}`);
      assert.deepEqual(after.body.traits, changed.body.traits, 'a rejected update changes nothing');
      assert.equal((await s.adminApi.put('/admin/identities/7f1d1c0e-0000-4000-8000-000000000000', { schema_id: 'default', traits: { email: addr }, state: 'active' })).status, 404);
    });

    test('patches with JSON Patch; protected paths and invalid patches are refused', async () => {
      const created = await s.adminApi.post('/admin/identities', { traits: { email: email('patch') } });
      const id = created.body.id;
      const res = await s.adminApi.patch(`/admin/identities/${id}`, [
        { op: 'add', path: '/traits/name', value: { first: 'Pat' } },
        { op: 'replace', path: '/verifiable_addresses/0/verified', value: true },
        { op: 'replace', path: '/metadata_admin', value: { tier: 2 } },
      ]);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.traits.name, { first: 'Pat' });
      assert.equal(res.body.verifiable_addresses[0].verified, true);
      assert.equal(res.body.verifiable_addresses[0].status, 'completed');
      assert.ok(res.body.verifiable_addresses[0].verified_at);
      assert.deepEqual(res.body.metadata_admin, { tier: 2 });

      for (const ops of [
        [{ op: 'replace', path: '/id', value: '00000000-0000-4000-8000-000000000000' }],
        [{ op: 'remove', path: '/credentials' }],
        [{ op: 'frobnicate', path: '/traits' }],
        [{ op: 'test', path: '/state', value: 'inactive' }],
        [{ op: 'replace', path: '/state', value: 'zombie' }],
        [{ op: 'replace', path: '/traits/email', value: 12 }],
        [{ op: 'remove', path: '/traits/does/not/exist' }],
        { op: 'replace' },
      ]) {
        const r = await s.adminApi.patch(`/admin/identities/${id}`, ops);
        assert.equal(r.status, 400, JSON.stringify(ops));
      }
      const after = await s.adminApi.get(`/admin/identities/${id}`);
      assert.deepEqual(after.body.traits, res.body.traits);
      assert.equal(after.body.state, 'active');
    });

    test('deletes identities and credentials', async () => {
      const created = await s.adminApi.post('/admin/identities', { traits: { email: email('del') }, credentials: { password: { config: { password: 'a long enough password' } } } });
      const id = created.body.id;
      const onlyFactor = await s.adminApi.delete(`/admin/identities/${id}/credentials/password`);
      assert.equal(onlyFactor.status, 400);
      assert.equal((await s.adminApi.delete(`/admin/identities/${id}/credentials/totp`)).status, 404);
      assert.equal((await s.adminApi.delete(`/admin/identities/${id}/credentials/profile`)).status, 404);
      const deleted = await s.adminApi.delete(`/admin/identities/${id}`);
      assert.equal(deleted.status, 204);
      assert.equal((await s.adminApi.get(`/admin/identities/${id}`)).status, 404);
      assert.equal((await s.adminApi.delete(`/admin/identities/${id}`)).status, 404);
      assert.equal((await s.adminApi.get('/admin/identities/not-a-uuid')).status, 404);
    });

    test('batch create reports a result per item', async () => {
      const dupe = email('batch-dupe');
      await s.adminApi.post('/admin/identities', { traits: { email: dupe } });
      const patchId = '5b7e58f5-27b0-4a6f-9f4b-2b1b3a0c7a11';
      const res = await s.adminApi.patch('/admin/identities', {
        identities: [
          { create: { traits: { email: email('batch1') } }, patch_id: patchId },
          { create: { traits: { email: dupe } } },
          { create: { traits: { email: 'invalid' } } },
          { create: { traits: { email: email('batch2') }, credentials: { password: { config: { password: 'batch password 123' } } } } },
        ],
      });
      assert.equal(res.status, 200);
      const [a, b, c, d] = res.body.identities;
      assert.equal(a.action, 'create');
      assert.equal(a.patch_id, patchId);
      assert.ok(a.identity);
      assert.equal(b.action, 'error');
      assert.equal(b.error.code, 409);
      assert.equal(c.action, 'error');
      assert.equal(c.error.code, 400);
      assert.equal(d.action, 'create');
      assert.equal((await s.adminApi.get(`/admin/identities/${a.identity}`)).status, 200);
      const tooMany = await s.adminApi.patch('/admin/identities', { identities: Array.from({ length: 1001 }, () => ({ create: { traits: { email: 'x@example.com' } } })) });
      assert.equal(tooMany.status, 400);
    });

    test('a second identity schema (2020-12, several identifiers) works', async () => {
      const res = await s.adminApi.post('/admin/identities', { schema_id: 'username', traits: { username: `User_${Date.now()}`, emails: [email('u1'), email('u2')] } });
      assert.equal(res.status, 201);
      assert.equal(res.body.credentials.password.identifiers.length, 3);
      const bad = await s.adminApi.post('/admin/identities', { schema_id: 'username', traits: { username: 'bad name!' } });
      assert.equal(bad.status, 400);
    });

    test('the admin API also answers without the /admin prefix; the public API answers 404 to admin paths without naming the admin API', async () => {
      const bare = await s.adminApi.get('/identities?page_size=1');
      assert.equal(bare.status, 200);
      const onPublic = await fetch(`${s.publicUrl}admin/identities`, { redirect: 'manual' });
      assert.equal(onPublic.status, 404);
      assert.equal(onPublic.headers.get('location'), null);
      assert.ok(!(await onPublic.text()).includes(String(new URL(s.adminUrl).port)), 'the answer does not name the admin port');
    });
  });
}
