import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { fixture, freePort, waitForUrl } from '../../testkit/server.js';
import { Database } from '../../../src/persistence/database.js';

// A server killed with SIGKILL in the middle of sign-ups leaves no half-written identity, flow or
// session: every identity in the database has its credential, identifier and addresses, every
// session and device its owner, every flow a readable document, and the identities that exist can
// sign in once a new server is up.

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/tessera.js');
const PASSWORD = 'a sufficiently long passphrase 42';

for (const factory of testDatabases()) {
  describe(`server ends, SIGTERM and SIGKILL (${factory.name})`, () => {
    let dir: string;
    let tdb: TestDatabase;
    let db: Database;
    const children: ChildProcess[] = [];

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tessera-kill-'));
      tdb = await factory.create();
      db = new Database(tdb.dsn);
      await db.migrate();
    });
    after(async () => {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      await db?.close();
      await tdb?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    async function serve(argon2 = 'memory: 64KB, iterations: 1, parallelism: 1'): Promise<{ child: ChildProcess; publicUrl: string }> {
      const [pub, adm] = [await freePort(), await freePort()];
      const config = join(dir, `tessera-${pub}.yml`);
      writeFileSync(
        config,
        [
          `dsn: "${tdb.dsn}"`,
          `serve: { public: { host: 127.0.0.1, port: ${pub}, base_url: "http://127.0.0.1:${pub}/" }, admin: { host: 127.0.0.1, port: ${adm} } }`,
          'identity: { default_schema_id: default, schemas: [{ id: default, url: "file://' + fixture('default.schema.json') + '" }] }',
          'selfservice: { default_browser_return_url: "http://127.0.0.1:4455/", methods: { password: { config: { haveibeenpwned_enabled: false } } }, flows: { registration: { after: { password: { hooks: [{ hook: session }] } } } } }',
          'secrets: { default: ["a-test-secret-of-enough-length"] }',
          `hashers: { algorithm: argon2, argon2: { ${argon2} } }`,
          'log: { level: error }',
        ].join('\n'),
      );
      const child = spawn(process.execPath, [bin, 'serve', '-c', config], { cwd: root, env: { PATH: process.env.PATH ?? '' }, stdio: 'ignore' });
      children.push(child);
      const publicUrl = `http://127.0.0.1:${pub}/`;
      await waitForUrl(`${publicUrl}health/ready`, 60_000);
      return { child, publicUrl };
    }

    async function signUp(publicUrl: string, email: string): Promise<boolean> {
      const flow = (await (await fetch(`${publicUrl}self-service/registration/api`, { headers: { accept: 'application/json' } })).json()) as { ui: { action: string } };
      const res = await fetch(flow.ui.action, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify({ method: 'password', password: PASSWORD, traits: { email } }),
      });
      return res.status === 200;
    }

    test('SIGTERM lets the requests in flight finish, then exits 0', { timeout: 120_000 }, async () => {
      // Hashing slow enough that the sign-ups are still being worked on when the signal comes.
      const server = await serve('memory: 48MB, iterations: 10, parallelism: 1');
      const actions: string[] = [];
      for (let i = 0; i < 8; i++) {
        const flow = (await (await fetch(`${server.publicUrl}self-service/registration/api`, { headers: { accept: 'application/json' } })).json()) as { ui: { action: string } };
        actions.push(flow.ui.action);
      }
      let sent = 0;
      let everySent!: () => void;
      const allSent = new Promise<void>((resolve) => (everySent = resolve));
      const onSent = () => {
        if (++sent === actions.length) everySent();
      };
      const answers = actions.map(
        (action, i) =>
          new Promise<number>((resolve, reject) => {
            const body = JSON.stringify({ method: 'password', password: PASSWORD, traits: { email: `term-${i}-${Math.random().toString(36).slice(2, 6)}@example.com` } });
            const req = httpRequest(action, { method: 'POST', agent: false, headers: { accept: 'application/json', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            });
            req.on('error', reject);
            req.end(body, onSent);
          }),
      );
      await allSent;
      // Long enough for the server to read the requests, short of the hashing they start.
      await new Promise((r) => setTimeout(r, 150));
      const exited = new Promise<number | null>((r) => server.child.once('exit', (code) => r(code)));
      server.child.kill('SIGTERM');
      const statuses = await Promise.all(answers);
      console.log(`SIGTERM (${factory.name}): answers to the ${statuses.length} sign-ups in flight: ${JSON.stringify(statuses)}`);
      // Each request sent before the signal is answered: finished (200) if the server had begun it,
      // a clean 503 if it had not read it yet; never a reset connection.
      assert.ok(statuses.every((st) => st === 200 || st === 503), JSON.stringify(statuses));
      assert.ok(statuses.includes(200), `requests in flight were finished: ${JSON.stringify(statuses)}`);
      assert.equal(await exited, 0);
      const stored = await db.db.selectFrom('identity_credential_identifiers').select('identifier').where('identifier', 'like', 'term-%').execute();
      assert.equal(stored.length, statuses.filter((st) => st === 200).length, 'each finished sign-up was written, and only those');
    });

    test('no half-written identity, flow or session, and the survivors can sign in', { timeout: 180_000 }, async () => {
      const first = await serve();
      let ok = 0;
      let n = 0;
      let stop = false;
      const lanes = Array.from({ length: 6 }, async () => {
        while (!stop) {
          const email = `kill-${n++}-${Math.random().toString(36).slice(2, 6)}@example.com`;
          try {
            if (await signUp(first.publicUrl, email)) ok++;
          } catch {
            // The server is gone mid-request: expected once it is killed.
          }
        }
      });
      const deadline = Date.now() + 60_000;
      while (ok < 25 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.ok(ok >= 25, `sign-ups went through before the kill (${ok})`);
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));
      stop = true;
      await Promise.all(lanes);

      const d = db.db;
      const identities = await d.selectFrom('identities').select(['id']).execute();
      assert.ok(identities.length >= ok, `${identities.length} identities for ${ok} answered sign-ups`);
      for (const { id } of identities) {
        const creds = await d.selectFrom('identity_credentials').select(['id', 'type']).where('identity_id', '=', id).execute();
        assert.deepEqual(creds.map((c) => c.type), ['password'], `identity ${id} has its password credential`);
        const identifiers = await d.selectFrom('identity_credential_identifiers').select('identifier').where('identity_credential_id', '=', creds[0]!.id).execute();
        assert.equal(identifiers.length, 1, `identity ${id} has its identifier`);
        assert.equal((await d.selectFrom('identity_verifiable_addresses').select('id').where('identity_id', '=', id).execute()).length, 1, `identity ${id} has its verifiable address`);
        assert.equal((await d.selectFrom('identity_recovery_addresses').select('id').where('identity_id', '=', id).execute()).length, 1, `identity ${id} has its recovery address`);
      }
      const ids = new Set(identities.map((i) => i.id));
      const sessions = await d.selectFrom('sessions').select(['id', 'identity_id']).execute();
      for (const s of sessions) assert.ok(ids.has(s.identity_id), `session ${s.id} belongs to an identity`);
      const sessionIds = new Set(sessions.map((s) => s.id));
      for (const dev of await d.selectFrom('session_devices').select(['id', 'session_id']).execute()) assert.ok(sessionIds.has(dev.session_id), `device ${dev.id} belongs to a session`);
      const flows = await d.selectFrom('selfservice_flows').select(['id', 'ui', 'data', 'identity_id']).execute();
      for (const f of flows) {
        assert.doesNotThrow(() => JSON.parse(f.ui), `flow ${f.id} has a whole UI document`);
        assert.doesNotThrow(() => JSON.parse(f.data), `flow ${f.id} has a whole data document`);
        if (f.identity_id) assert.ok(ids.has(f.identity_id), `flow ${f.id} refers to an existing identity`);
      }

      // A new server serves the survivors: their credentials are whole.
      const second = await serve();
      const emails = (await d.selectFrom('identity_credential_identifiers').select('identifier').execute()).map((r) => r.identifier);
      for (const email of emails.slice(-5)) {
        const flow = (await (await fetch(`${second.publicUrl}self-service/login/api`, { headers: { accept: 'application/json' } })).json()) as { ui: { action: string } };
        const res = await fetch(flow.ui.action, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: JSON.stringify({ method: 'password', identifier: email, password: PASSWORD }) });
        assert.equal(res.status, 200, `${email} signs in after the crash`);
      }
      console.log(`SIGKILL (${factory.name}): ${ok} sign-ups answered before the kill, ${identities.length} identities, ${sessions.length} sessions, ${flows.length} flows checked`);
      second.child.kill('SIGTERM');
      await new Promise((r) => second.child.once('exit', r));
    });
  });
}
