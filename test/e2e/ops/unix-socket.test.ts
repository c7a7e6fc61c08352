import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import pino from 'pino';
import { fixture, freePort, startTestServer, type TestServer } from '../../testkit/server.js';
import { loadConfig } from '../../../src/config/index.js';
import { createRegistry } from '../../../src/registry/registry.js';
import { startServers } from '../../../src/http/server.js';
import { assertMatchesApi } from '../../testkit/openapi.js';

// serve.<api>.host: unix:/path listens on a Unix socket with serve.<api>.socket's mode, as Kratos does.

function getOverSocket(socketPath: string, path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, headers: { accept: 'application/json', host: 'localhost' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end();
  });
}

for (const factory of testDatabases()) {
  describe(`Unix sockets on ${factory.name}`, () => {
    let dir: string;
    let db: TestDatabase;
    let s: TestServer;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tessera-sock-'));
      // A socket file left behind by a process that died (SIGKILL: no clean-up) is replaced.
      const stale = join(dir, 'admin.sock');
      const holder = spawn(process.execPath, ['-e', "require('net').createServer().listen(process.argv[1], () => console.log('up'))", stale], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise((r) => holder.stdout.once('data', r));
      const gone = new Promise((r) => holder.once('exit', r));
      holder.kill('SIGKILL');
      await gone;
      assert.ok(statSync(stale).isSocket());
      db = await factory.create();
      s = await startTestServer({
        dsn: db.dsn,
        config: {
          serve: {
            public: { host: `unix:${join(dir, 'public.sock')}`, socket: { mode: 0o660 } },
            admin: { host: `unix:${stale}` },
          },
        },
      });
    });
    after(async () => {
      await s?.close();
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('both APIs answer on their sockets, with the configured file modes', async () => {
      const pub = await getOverSocket(join(dir, 'public.sock'), '/sessions/whoami');
      assert.equal(pub.status, 401);
      assertMatchesApi({ method: 'GET', url: '/sessions/whoami', status: pub.status, body: pub.body, api: 'public' });
      const adm = await getOverSocket(join(dir, 'admin.sock'), '/admin/identities');
      assert.equal(adm.status, 200);
      assertMatchesApi({ method: 'GET', url: '/admin/identities', status: adm.status, body: adm.body, api: 'admin' });
      assert.equal(statSync(join(dir, 'public.sock')).mode & 0o777, 0o660);
      assert.equal(statSync(join(dir, 'admin.sock')).mode & 0o777, 0o755);
    });
  });
}

test('a regular file where the socket should be is not removed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-sock-'));
  const file = join(dir, 'public.sock');
  writeFileSync(file, 'precious');
  const config = await loadConfig({
    env: {},
    overrides: {
      dsn: 'memory',
      serve: { public: { host: `unix:${file}` }, admin: { host: '127.0.0.1', port: await freePort() } },
      identity: { schemas: [{ id: 'default', url: `file://${fixture('default.schema.json')}` }] },
      selfservice: { default_browser_return_url: 'http://127.0.0.1:4455/' },
    },
  });
  const r = createRegistry(config, { logger: pino({ level: 'silent' }) });
  try {
    await r.database.migrate();
    await assert.rejects(startServers(r), /EADDRINUSE/);
    assert.equal(readFileSync(file, 'utf8'), 'precious');
  } finally {
    await r.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
