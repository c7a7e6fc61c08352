// Two `tessera serve` processes on one database enforce the same counts: the sign-in lockout and
// the per-recipient courier limit hold across instances.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { ApiClient, fixture, freePort, waitForUrl } from '../../testkit/server.js';
import { Database } from '../../../src/persistence/database.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/tessera.js');
const PASSWORD = 'a sufficiently long passphrase 42';

// The multi-instance production case is PostgreSQL; without it configured, two processes share a SQLite file.
const factory = testDatabases().find((f) => f.name === 'postgres') ?? testDatabases()[0]!;

interface Instance {
  child: ChildProcess;
  publicApi: ApiClient;
  adminApi: ApiClient;
}


describe(`two instances on one ${factory.name} database`, () => {
  let dir: string;
  let tdb: TestDatabase;
  let db: Database;
  const instances: Instance[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-instances-'));
    tdb = await factory.create();
    db = new Database(tdb.dsn);
    await db.migrate();
    for (let i = 0; i < 2; i++) {
      const ports = { public: await freePort(), admin: await freePort() };
      const config = join(dir, `tessera-${i}.yml`);
      writeFileSync(
        config,
        [
          `dsn: ${tdb.dsn}`,
          'serve:',
          `  public: { host: 127.0.0.1, port: ${ports.public}, base_url: "http://127.0.0.1:${ports.public}/" }`,
          `  admin: { host: 127.0.0.1, port: ${ports.admin}, base_url: "http://127.0.0.1:${ports.admin}/" }`,
          `identity: { default_schema_id: default, schemas: [{ id: default, url: "file://${fixture('default.schema.json')}" }] }`,
          'selfservice:',
          '  default_browser_return_url: "http://127.0.0.1:4455/"',
          '  methods: { password: { config: { haveibeenpwned_enabled: false } }, code: { enabled: true } }',
          '  flows: { recovery: { enabled: true, use: code } }',
          'secrets: { default: ["a-test-secret-of-enough-length"] }',
          'hashers: { algorithm: argon2, argon2: { memory: 64KB, iterations: 1, parallelism: 1 } }',
          'courier: { smtp: { connection_uri: "smtp://127.0.0.1:9/" }, rate_limit: { max_messages: 10 } }',
          'log: { level: error }',
          'tessera: { brute_force: { login: { delay_after: 100, lockout_after: 100, max_failures: 100 }, client_address: { max_failures: 10000 } } }',
        ].join('\n'),
      );
      const child = spawn(process.execPath, [bin, 'serve', '-c', config], { cwd: root, env: { PATH: process.env.PATH ?? '' }, stdio: 'ignore' });
      instances.push({ child, publicApi: new ApiClient(`http://127.0.0.1:${ports.public}/`, 'public'), adminApi: new ApiClient(`http://127.0.0.1:${ports.admin}/`, 'admin') });
      await waitForUrl(`http://127.0.0.1:${ports.admin}/health/ready`, 120_000);
    }
  });
  after(async () => {
    for (const i of instances) {
      if (i.child.exitCode === null) {
        i.child.kill('SIGTERM');
        await new Promise((r) => i.child.once('exit', r));
      }
    }
    await db?.close();
    await tdb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function login(i: Instance, identifier: string, password: string) {
    const flow = await i.publicApi.get('/self-service/login/api');
    return i.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'password', identifier, password });
  }

  test('200 parallel wrong passwords across both instances count exactly 100; the lockout holds on both until cleared on one', async () => {
    const [a, b] = instances as [Instance, Instance];
    const addr = `both-${Date.now()}@example.com`;
    const created = await a.adminApi.post('/admin/identities', { schema_id: 'default', traits: { email: addr }, credentials: { password: { config: { password: PASSWORD } } } });
    assert.equal(created.status, 201);
    const id = created.body.id as string;
    const flows = await Promise.all(Array.from({ length: 200 }, (_, n) => (n % 2 ? b : a).publicApi.get('/self-service/login/api')));
    const answers = await Promise.all(flows.map((f, n) => (n % 2 ? b : a).publicApi.post(`/self-service/login?flow=${f.body.id}`, { method: 'password', identifier: addr, password: `wrong ${n}` })));
    assert.deepEqual([...new Set(answers.map((r) => r.status))], [400]);
    const row = await db.db.selectFrom('tessera_throttle').select(['failures']).where('scope', '=', 'login_account').execute();
    assert.deepEqual(row.map((r) => Number(r.failures)), [100], 'exactly 100 attempts were counted and checked');
    for (const i of instances) assert.equal((await login(i, addr, PASSWORD)).status, 400, 'the right password is refused on every instance');
    assert.equal((await b.adminApi.get(`/admin/identities/${id}/lockout`, { unchecked: true })).body.identifiers[0].failures, 100);
    assert.equal((await a.adminApi.delete(`/admin/identities/${id}/lockout`, { unchecked: true })).status, 204);
    assert.equal((await login(b, addr, PASSWORD)).status, 200, 'cleared on one instance, accepted on the other');
  });

  test('100 parallel recovery requests for one address across both instances queue exactly the per-recipient limit', async () => {
    const [a, b] = instances as [Instance, Instance];
    const addr = `flood-${Date.now()}@example.com`;
    assert.equal((await a.adminApi.post('/admin/identities', { schema_id: 'default', traits: { email: addr } })).status, 201);
    const answers = await Promise.all(
      Array.from({ length: 100 }, async (_, n) => {
        const api = (n % 2 ? b : a).publicApi;
        const flow = await api.get('/self-service/recovery/api');
        return api.post(`/self-service/recovery?flow=${flow.body.id}`, { method: 'code', email: addr });
      }),
    );
    assert.deepEqual([...new Set(answers.map((r) => r.status))], [200]);
    const messages = await db.db.selectFrom('courier_messages').select(['status']).where('recipient', '=', addr).execute();
    assert.equal(messages.filter((m) => m.status !== 'abandoned').length, 10, 'exactly the limit was queued');
    assert.equal(messages.length, 100);
    const codes = await db.db.selectFrom('selfservice_codes').select(['id']).where('address', '=', addr).where('used_at', 'is', null).execute();
    assert.ok(codes.length <= 3, `at most max_active unused codes, got ${codes.length}`);
  });
});
