import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';

for (const factory of testDatabases()) {
  describe(`Kratos compatibility details on ${factory.name}`, () => {
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

    test('stub errors: stub:400, stub:404 and stub:500 answer 200 with a fresh error container of that status', async () => {
      const ids = new Set<string>();
      for (const [stub, code, status] of [
        ['stub:400', 400, 'Bad Request'],
        ['stub:404', 404, 'Not Found'],
        ['stub:500', 500, 'Internal Server Error'],
      ] as const) {
        for (const param of ['id', 'error']) {
          const res = await s.publicApi.get(`/self-service/errors?${param}=${stub}`);
          assert.equal(res.status, 200, `${param}=${stub}`);
          assert.equal(res.body.error.code, code);
          assert.equal(res.body.error.status, status);
          assert.equal(res.body.error.reason, 'This is a stub error.');
          assert.ok(res.body.error.message.length > 0);
          ids.add(res.body.id);
        }
      }
      assert.equal(ids.size, 6, 'every stub answer carries its own id');
      // Anything else is looked up, and an unknown id is a 404 in the error envelope.
      const unknown = await s.publicApi.get('/self-service/errors?id=stub:418');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, 404);
      const repeated = await s.publicApi.get('/self-service/errors?id=stub:500&id=x');
      assert.equal(repeated.status, 200);
      assert.equal(repeated.body.error.code, 500);
    });
  });
}
