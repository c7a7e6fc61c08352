import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sqliteDatabase, type TestDatabase } from '../../testkit/databases.js';
import { fixture, freePort } from '../../testkit/server.js';
import { startServeProcess } from '../../testkit/serve-process.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/tessera.js');

function run(args: string[], env: Record<string, string> = {}, cwd = root) {
  const res = spawnSync(process.execPath, [bin, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}


describe('tessera CLI', () => {
  let dir: string;
  let db: TestDatabase;
  let configFile: string;
  let ports: { public: number; admin: number };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
    db = await sqliteDatabase().create();
    ports = { public: await freePort(), admin: await freePort() };
    configFile = join(dir, 'tessera.yml');
    writeFileSync(
      configFile,
      [
        `dsn: ${db.dsn}`,
        'serve:',
        `  public: { host: 127.0.0.1, port: ${ports.public} }`,
        `  admin: { host: 127.0.0.1, port: ${ports.admin} }`,
        'identity:',
        '  default_schema_id: default',
        `  schemas: [{ id: default, url: "file://${fixture('default.schema.json')}" }]`,
        'selfservice: { default_browser_return_url: "http://127.0.0.1:4455/" }',
        'secrets: { default: ["a-test-secret-of-enough-length"] }',
        'hashers: { algorithm: bcrypt, bcrypt: { cost: 12 } }',
        'log: { level: error }',
      ].join('\n'),
    );
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  test('version', () => {
    const r = run(['version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Version: \d+\.\d+\.\d+/);
  });

  test('an invalid configuration fails at start naming the key and the file', () => {
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, `dsn: memory\nselfservice:\n  flows:\n    login:\n      lifespan: forever\n  unknown_key: 1\n`);
    const r = run(['serve', '-c', bad]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /selfservice\.flows\.login\.lifespan/);
    assert.match(r.stderr, /unknown_key/);
    assert.match(r.stderr, /bad\.yml/);
  });

  test('serve refuses a schema that is behind and names the fix; migrate sql applies; status reports', async () => {
    const refused = run(['serve', '-c', configFile]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /tessera migrate sql/);

    const before = run(['migrate', 'sql', 'status', db.dsn]);
    assert.equal(before.code, 0);
    assert.match(before.stdout, /Pending\t0001-identities/);

    const applied = run(['migrate', 'sql', '-e', '--yes'], { DSN: db.dsn });
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /Applied \d+ migration/);
    const again = run(['migrate', 'sql', '-c', configFile, '--yes']);
    assert.match(again.stdout, /up to date/);
    const status = run(['migrate', 'sql', 'status', '-c', configFile]);
    assert.match(status.stdout, /Applied\t0001-identities/);
    assert.doesNotMatch(status.stdout, /Pending\t/);
  });

  test('serve runs, the identities commands talk to it, and SIGTERM shuts it down cleanly', async () => {
    const serve = await startServeProcess(configFile, `http://127.0.0.1:${ports.admin}/health/ready`);
    try {
      assert.match(serve.output(), new RegExp(`Public API listening on http://127.0.0.1:${ports.public}/`));
      assert.match(serve.output(), new RegExp(`Admin API listening on http://127.0.0.1:${ports.admin}/`));
      const endpoint = `http://127.0.0.1:${ports.admin}`;

      const file = join(dir, 'people.json');
      writeFileSync(file, JSON.stringify([{ schema_id: 'default', traits: { email: 'cli1@example.com' } }, { traits: { email: 'cli2@example.com' } }]));
      const valid = run(['identities', 'validate', file, '--endpoint', endpoint]);
      assert.equal(valid.code, 0, valid.stdout + valid.stderr);
      const badFile = join(dir, 'bad.json');
      writeFileSync(badFile, JSON.stringify({ traits: { email: 12 } }));
      const invalid = run(['identities', 'validate', badFile, '--endpoint', endpoint]);
      assert.equal(invalid.code, 1);
      assert.match(invalid.stdout, /traits\/email/);

      const imported = run(['identities', 'import', file, '--endpoint', endpoint, '--format', 'json']);
      assert.equal(imported.code, 0, imported.stderr);
      const ids = (JSON.parse(imported.stdout) as Array<{ id: string }>).map((i) => i.id);
      assert.equal(ids.length, 2);

      const listed = run(['identities', 'list', '--endpoint', endpoint, '--format', 'json']);
      assert.equal((JSON.parse(listed.stdout) as unknown[]).length, 2);
      const got = run(['identities', 'get', ids[0]!, '--endpoint', endpoint]);
      assert.equal((JSON.parse(got.stdout) as { id: string }).id, ids[0]);
      const dup = run(['identities', 'import', file, '--endpoint', endpoint]);
      assert.notEqual(dup.code, 0);
      assert.match(dup.stderr, /409/);
      const deleted = run(['identities', 'delete', ids[0]!, '--endpoint', endpoint]);
      assert.equal(deleted.code, 0);
      const gone = run(['identities', 'get', ids[0]!, '--endpoint', endpoint]);
      assert.notEqual(gone.code, 0);
      assert.match(gone.stderr, /404/);
    } finally {
      assert.equal(await serve.stop(), 0, serve.output());
    }
  });
});
