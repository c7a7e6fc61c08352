import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { ApiClient, fixture, freePort } from '../../testkit/server.js';
import { TestMailbox, codeIn } from '../../testkit/mailbox.js';
import { scrape, sumOf } from '../../testkit/prometheus.js';
import { KNOWN_MIGRATIONS } from '../../../src/persistence/database.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/tessera.js');
const PASSWORD = 'a sufficiently long passphrase 42';
const USERS = 12;

interface Proc {
  name: string;
  child: ChildProcess;
  output: string;
  exited: Promise<number | null>;
}

// Several processes on one database is the production shape on PostgreSQL; the test runs where CI
// provides one (TEST_POSTGRES_DSN) and is absent otherwise.
for (const factory of testDatabases().filter((f) => f.name === 'postgres')) {
  describe('three servers and two courier workers on one PostgreSQL, one of each killed mid-way', () => {
    let dir: string;
    let db: TestDatabase;
    let mailbox: TestMailbox;
    let configFile: string;
    const procs: Proc[] = [];
    const servers: Array<{ pub: ApiClient; admin: ApiClient; adminUrl: string; proc: Proc }> = [];
    const workers: Array<{ metricsUrl: string; proc: Proc }> = [];

    const start = (name: string, args: string[], env: Record<string, string>): Proc => {
      const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      const p: Proc = { name, child, output: '', exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
      child.stdout!.on('data', (d) => (p.output += d));
      child.stderr!.on('data', (d) => (p.output += d));
      procs.push(p);
      return p;
    };
    const run = (args: string[], env: Record<string, string>) => {
      const p = start(`run ${args.join(' ')}`, args, env);
      return p.exited.then((code) => ({ code, output: p.output }));
    };
    async function waitFor(url: string, ms = 300_000): Promise<void> {
      const until = Date.now() + ms;
      for (;;) {
        try {
          if ((await fetch(url)).ok) return;
        } catch {
          /* not up yet */
        }
        if (Date.now() > until) throw new Error(`${url} did not come up:\n${procs.map((p) => `${p.name}: ${p.output}`).join('\n')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tessera-multi-'));
      db = await factory.create();
      mailbox = await new TestMailbox().start();
      configFile = join(dir, 'tessera.yml');
      writeFileSync(
        configFile,
        [
          `dsn: ${db.dsn}`,
          'identity:',
          '  default_schema_id: default',
          `  schemas: [{ id: default, url: "file://${fixture('default.schema.json')}" }]`,
          'selfservice:',
          '  default_browser_return_url: "http://127.0.0.1:4455/"',
          '  methods: { password: { config: { haveibeenpwned_enabled: false } }, code: { enabled: true } }',
          '  flows:',
          '    registration: { after: { password: { hooks: [{ hook: session }] } } }',
          '    recovery: { enabled: true, use: code }',
          'secrets: { default: ["a-test-secret-of-enough-length"] }',
          'hashers: { algorithm: argon2, argon2: { memory: 64KB, iterations: 1, parallelism: 1 } }',
          `courier: { smtp: { connection_uri: "${mailbox.connectionUri}", from_address: no-reply@tessera.test }, worker: { pull_wait: 50ms } }`,
          'log: { level: error }',
        ].join('\n'),
      );
    });
    after(async () => {
      for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
      await mailbox?.stop();
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('migrations run from two processes at once apply each migration exactly once', async () => {
      const both = await Promise.all([run(['migrate', 'sql', '-e', '--yes'], { DSN: db.dsn }), run(['migrate', 'sql', '-e', '--yes'], { DSN: db.dsn })]);
      for (const r of both) assert.equal(r.code, 0, r.output);
      const c = new pg.Client({ connectionString: db.dsn });
      await c.connect();
      try {
        const rows = (await c.query<{ name: string }>('select name from tessera_migrations order by name')).rows.map((r) => r.name);
        assert.deepEqual(rows, [...KNOWN_MIGRATIONS].sort());
      } finally {
        await c.end();
      }
    });

    test('sign-ups, sign-ins, whoami and recoveries spread over the instances survive a SIGKILL of one server and one worker', async () => {
      for (let i = 0; i < 3; i++) {
        const [p, a] = [await freePort(), await freePort()];
        // Behind a load balancer every instance is configured with the one public URL users see.
        const env = { SERVE_PUBLIC_PORT: String(p), SERVE_ADMIN_PORT: String(a), SERVE_PUBLIC_HOST: '127.0.0.1', SERVE_ADMIN_HOST: '127.0.0.1', SERVE_PUBLIC_BASE_URL: 'http://127.0.0.1:4433/' };
        servers.push({ pub: new ApiClient(`http://127.0.0.1:${p}/`, 'public'), admin: new ApiClient(`http://127.0.0.1:${a}/`, 'admin'), adminUrl: `http://127.0.0.1:${a}/`, proc: start(`serve ${i}`, ['serve', '-c', configFile], env) });
      }
      for (let i = 0; i < 2; i++) {
        const m = await freePort();
        workers.push({ metricsUrl: `http://127.0.0.1:${m}/metrics/prometheus`, proc: start(`worker ${i}`, ['courier', 'watch', '-c', configFile, '--expose-metrics-port', String(m)], { SERVE_ADMIN_HOST: '127.0.0.1' }) });
      }
      await Promise.all([...servers.map((s) => waitFor(`${s.adminUrl}health/ready`)), ...workers.map((w) => waitFor(w.metricsUrl))]);

      // Background load on every instance for the whole run: the answers tell who served what.
      const failures: string[] = [];
      const killed = new Set<number>();
      let loadToken = '';
      let stopLoad = false;
      const load = (async () => {
        for (let n = 0; !stopLoad; n++) {
          const i = n % 3;
          try {
            const res = await fetch(servers[i]!.pub.url('/sessions/whoami'), { headers: loadToken ? { 'x-session-token': loadToken } : {} });
            if (res.status >= 500) failures.push(`background whoami on ${i}: ${res.status}`);
          } catch (err) {
            // A connection to the killed process may fail; nothing else may.
            if (!killed.has(i)) failures.push(`background whoami on ${i}: ${(err as Error).message}`);
          }
        }
      })();

      const alive = () => [0, 1, 2].filter((i) => !killed.has(i));
      const pick = (n: number) => servers[alive()[n % alive().length]!]!;
      const check = (what: string, res: { status: number }) => {
        if (res.status >= 500) failures.push(`${what}: ${res.status}`);
      };
      const sessions: Array<{ email: string; token: string; identity: string }> = [];

      async function signUpAndIn(u: number) {
        const email = `multi-${u}-${Math.random().toString(36).slice(2, 8)}@example.com`;
        // Each step of a flow on another instance than the one before.
        const flow = await pick(u).pub.get('/self-service/registration/api');
        check('registration flow', flow);
        const reg = await pick(u + 1).pub.post(`/self-service/registration?flow=${flow.body.id}`, { method: 'password', traits: { email }, password: PASSWORD });
        check('registration', reg);
        assert.equal(reg.status, 200, JSON.stringify(reg.body));
        const lf = await pick(u + 2).pub.get('/self-service/login/api');
        const login = await pick(u).pub.post(`/self-service/login?flow=${lf.body.id}`, { method: 'password', identifier: email, password: PASSWORD });
        check('login', login);
        assert.equal(login.status, 200);
        sessions.push({ email, token: reg.body.session_token, identity: reg.body.identity.id }, { email, token: login.body.session_token, identity: reg.body.identity.id });
        loadToken = login.body.session_token;
        for (const i of alive()) {
          const me = await servers[i]!.pub.get('/sessions/whoami', { headers: { 'x-session-token': login.body.session_token } });
          check('whoami', me);
          assert.equal(me.status, 200);
        }
        return email;
      }

      async function recover(u: number, email: string) {
        const flow = await pick(u).pub.get('/self-service/recovery/api');
        const sent = await pick(u + 1).pub.post(`/self-service/recovery?flow=${flow.body.id}`, { method: 'code', email });
        check('recovery email', sent);
        assert.equal(sent.status, 200);
        const mail = await mailbox.waitFor(email, () => true, 20_000);
        const done = await pick(u + 2).pub.post(`/self-service/recovery?flow=${flow.body.id}`, { method: 'code', code: codeIn(mail) });
        check('recovery code', done);
        assert.equal(done.status, 200, JSON.stringify(done.body));
        const token = (done.body.continue_with as Array<{ action: string; ory_session_token?: string }>).find((c) => c.action === 'set_ory_session_token')!.ory_session_token!;
        sessions.push({ email, token, identity: sessions.find((x) => x.email === email)!.identity });
      }

      const emails: string[] = [];
      for (let u = 0; u < USERS / 2; u++) emails.push(await signUpAndIn(u));
      for (let u = 0; u < 2; u++) await recover(u, emails[u]!);

      // Mid-way: SIGKILL server 2 while it is under load, and worker 1 (between deliveries: a worker
      // killed mid-delivery is test/courier/worker-crash.test.ts; its lease would outlast this test).
      const workerSentBefore = sumOf(await scrape(workers[1]!.metricsUrl), 'tessera_courier_messages_total', { status: 'sent' });
      killed.add(2);
      servers[2]!.proc.child.kill('SIGKILL');
      workers[1]!.proc.child.kill('SIGKILL');
      await Promise.all([servers[2]!.proc.exited, workers[1]!.proc.exited]);

      for (let u = USERS / 2; u < USERS; u++) emails.push(await signUpAndIn(u));
      for (let u = USERS / 2; u < USERS / 2 + 2; u++) await recover(u, emails[u]!);
      stopLoad = true;
      await load;

      assert.deepEqual(failures, []);
      // Every session, wherever it was issued (the killed server included), is valid on every instance left.
      for (const s of sessions) {
        for (const i of alive()) {
          const me = await servers[i]!.pub.get('/sessions/whoami', { headers: { 'x-session-token': s.token } });
          assert.equal(me.status, 200, `session of ${s.email} on instance ${i}`);
          assert.equal(me.body.identity.id, s.identity);
        }
      }
      // Every message was delivered (the recovery codes, and verification emails where enabled): none left queued, each received.
      const until = Date.now() + 20_000;
      let messages: Array<{ status: string; recipient: string; template_type: string }> = [];
      for (;;) {
        messages = (await servers[0]!.admin.get('/admin/courier/messages')).body;
        if (messages.every((m) => m.status === 'sent') || Date.now() > until) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(messages.filter((m) => m.template_type === 'recovery_code_valid').length, 4);
      assert.deepEqual(messages.filter((m) => m.status !== 'sent'), []);
      for (const m of messages) assert.ok(mailbox.received.some((r) => r.to === m.recipient));
      // The surviving worker's metrics count what it delivered; together they count every delivery.
      const survivorSent = sumOf(await scrape(workers[0]!.metricsUrl), 'tessera_courier_messages_total', { status: 'sent' });
      assert.ok(survivorSent >= 2, `the surviving worker delivered ${survivorSent}`);
      assert.ok(survivorSent + workerSentBefore >= messages.length);
      assert.ok((await scrape(workers[0]!.metricsUrl)).some((x) => x.name === 'http_requests_total' && x.labels.endpoint === '/metrics/prometheus'));

      // The survivors still shut down cleanly.
      for (const p of [servers[0]!.proc, servers[1]!.proc, workers[0]!.proc]) p.child.kill('SIGTERM');
      assert.deepEqual(await Promise.all([servers[0]!.proc.exited, servers[1]!.proc.exited, workers[0]!.proc.exited]), [0, 0, 0]);
    });
  });
}
