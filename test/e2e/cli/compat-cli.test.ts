import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sqliteDatabase, type TestDatabase } from '../../testkit/databases.js';
import { assertFetchMatchesApi } from '../../testkit/openapi.js';
import { fixture, freePort } from '../../testkit/server.js';
import { startServeProcess } from '../../testkit/serve-process.js';

// What a Kratos user migrating tries first: a quickstart config with `dsn: memory`, `migrate sql -e`
// against a config file, a text log, and a broken identity schema that must stop start-up.

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/tessera.js');

function run(args: string[], env: Record<string, string> = {}) {
  const res = spawnSync(process.execPath, [bin, ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('Kratos-style start-up', () => {
  let dir: string;
  const config = (name: string, lines: string[]) => {
    const file = join(dir, name);
    writeFileSync(file, lines.join('\n'));
    return file;
  };
  const common = (ports: { public: number; admin: number }, schemaUrl = `file://${fixture('default.schema.json')}`) => [
    'serve:',
    `  public: { host: 127.0.0.1, port: ${ports.public} }`,
    `  admin: { host: 127.0.0.1, port: ${ports.admin} }`,
    `identity: { default_schema_id: default, schemas: [{ id: default, url: "${schemaUrl}" }] }`,
    'selfservice: { default_browser_return_url: "http://127.0.0.1:4455/" }',
    'secrets: { default: ["a-test-secret-of-enough-length"] }',
  ];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-compat-cli-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('dsn: memory migrates itself at start and serves; log.format text writes text lines', async () => {
    const ports = { public: await freePort(), admin: await freePort() };
    const file = config('memory.yml', ['dsn: memory', ...common(ports), 'log: { level: info, format: text }']);
    const serve = await startServeProcess(file, `http://127.0.0.1:${ports.admin}/health/ready`);
    try {
      const created = await fetch(`http://127.0.0.1:${ports.admin}/admin/identities`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ traits: { email: 'memory@example.com' } }),
      });
      assert.equal(created.status, 201);
      await assertFetchMatchesApi('POST', created, 'admin');
      const out = serve.output();
      assert.match(out, /level=info msg="the DSN is an in-memory SQLite database/);
      assert.match(out, /level=info msg="applied database migrations" applied=/);
      assert.doesNotMatch(out, /^\{"level"/m, 'no JSON lines in text format');
    } finally {
      assert.equal(await serve.stop(), 0, serve.output());
    }
  });

  test('an identity schema that is not a valid identity schema stops serve, naming the schema and the reasons', async () => {
    const ports = { public: await freePort(), admin: await freePort() };
    const broken = Buffer.from(JSON.stringify({ type: 'object', properties: { traits: { type: 'string', properties: {} } } })).toString('base64');
    const uncompilable = Buffer.from(JSON.stringify({ type: 'object', properties: { traits: { type: 'object', properties: { email: { type: 'strin' } } } } })).toString('base64');
    const file = config('bad-schema.yml', [
      'dsn: memory',
      ...common(ports).filter((l) => !l.startsWith('identity:')),
      'identity:',
      '  default_schema_id: default',
      `  schemas: [{ id: default, url: "file://${fixture('default.schema.json')}" }, { id: customers, url: "base64://${broken}" }, { id: staff, url: "base64://${uncompilable}" }]`,
    ]);
    const r = run(['serve', '-c', file]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /identity schemas cannot be used/);
    assert.match(r.stderr, /"customers"/);
    assert.match(r.stderr, /#\/properties\/traits\/type: must be "object"/);
    assert.match(r.stderr, /"staff"/);
    assert.match(r.stderr, /is not a valid JSON Schema/);
    assert.doesNotMatch(r.stderr, /"default"/);
    assert.doesNotMatch(r.stdout, /listening/);
  });

  describe('migrate sql -e', () => {
    let db: TestDatabase;
    before(async () => {
      db = await sqliteDatabase().create();
    });
    after(async () => {
      await db?.drop();
    });

    test("reads DSN, else the config file's dsn; the config needs nothing but the dsn", () => {
      const onlyDsn = config('only-dsn.yml', [`dsn: ${db.dsn}`]);
      const noDsn = config('no-dsn.yml', ['log: { level: error }']);
      const refused = run(['migrate', 'sql', '-e', '--yes']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /DSN environment variable is not set/);
      const noneInConfig = run(['migrate', 'sql', '-e', '-c', noDsn, '--yes']);
      assert.equal(noneInConfig.code, 1);
      assert.match(noneInConfig.stderr, /set no dsn and the DSN environment variable is not set/);

      const applied = run(['migrate', 'sql', '-e', '-c', onlyDsn, '--yes']);
      assert.equal(applied.code, 0, applied.stderr);
      assert.match(applied.stdout, /Applied \d+ migration/);
      // DSN wins over the config's dsn, as the environment overrides any key.
      const viaEnv = run(['migrate', 'sql', 'status', '-e', '-c', noDsn], { DSN: db.dsn });
      assert.equal(viaEnv.code, 0, viaEnv.stderr);
      assert.match(viaEnv.stdout, /up to date/);
      const bogusEnv = run(['migrate', 'sql', 'status', '-e', '-c', onlyDsn], { DSN: 'oracle://nowhere' });
      assert.notEqual(bogusEnv.code, 0);
      assert.match(bogusEnv.stderr, /unsupported DSN scheme/);
    });
  });
});
