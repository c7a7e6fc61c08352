import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sqliteDatabase, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';

// Schemas and operations endpoints do not depend on the database flavour beyond readiness; SQLite suffices.
const factory = sqliteDatabase();

describe('schemas, health and version endpoints', () => {
  let db: TestDatabase;
  let s: TestServer;
  before(async () => {
    db = await factory.create();
    s = await startTestServer({ dsn: db.dsn });
  });
  after(async () => {
    await s?.close();
    await db?.drop();
  });

  for (const which of ['publicApi', 'adminApi'] as const) {
    test(`schemas on the ${which}`, async () => {
      const list = await s[which].get('/schemas');
      assert.equal(list.status, 200);
      assert.deepEqual(list.body.map((x: { id: string }) => x.id), ['default', 'username']);
      assert.equal(list.body[0].schema.properties.traits.properties.email.format, 'email');
      const paged = await s[which].get('/schemas?per_page=1&page=1');
      assert.deepEqual(paged.body.map((x: { id: string }) => x.id), ['username']);
      const one = await s[which].get('/schemas/default');
      assert.equal(one.status, 200);
      assert.equal(one.body.title, 'Person');
      const encoded = await s[which].get(`/schemas/${Buffer.from('username').toString('base64url')}`);
      assert.equal(encoded.status, 200);
      const missing = await s[which].get('/schemas/does-not-exist');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, 404);
    });

    test(`health and version on the ${which}`, async () => {
      assert.deepEqual((await s[which].get('/health/alive')).body, { status: 'ok' });
      assert.deepEqual((await s[which].get('/health/ready')).body, { status: 'ok' });
      const v = await s[which].get('/version');
      assert.match(v.body.version, /^\d+\.\d+\.\d+/);
      assert.match(v.headers.get('cache-control') ?? '', /no-store/);
    });
  }

  test('unknown routes answer 404 in the error envelope', async () => {
    const res = await s.publicApi.get('/nope', { unchecked: true });
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 404);
    assert.equal(res.body.error.status, 'Not Found');
  });

  test('readiness fails with 503 when the database is gone', async () => {
    const db2 = await factory.create();
    const s2 = await startTestServer({ dsn: db2.dsn });
    await s2.registry.database.close();
    const res = await s2.adminApi.get('/health/ready');
    assert.equal(res.status, 503);
    assert.ok(res.body.errors.database);
    await s2.servers.close();
    await db2.drop();
  });
});
