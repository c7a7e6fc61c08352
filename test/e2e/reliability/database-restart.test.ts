import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { TestMailbox, mailboxConfig, runCourier } from '../../testkit/mailbox.js';
import { privateDatabaseUnavailable, startPrivateMariadb, startPrivatePostgres, type PrivateDatabaseServer } from '../../testkit/private-database.js';

// Tessera under steady load while its database is restarted twice (a clean restart, then a
// crash): the process stays up, requests fail with 503 only while the database is down (never a
// 500), readiness follows the database, full service returns within seconds, and the courier
// worker resumes. The database is a private server this test creates, stops and starts.

const PASSWORD = 'a sufficiently long passphrase 42';

interface Sample {
  start: number;
  status: number;
  step: string;
}

async function call(samples: Sample[], step: string, url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const start = Date.now();
  let status = 0;
  try {
    const res = await fetch(url, { ...init, headers: { accept: 'application/json', 'content-type': 'application/json', ...(init.headers ?? {}) } });
    status = res.status;
    const text = await res.text();
    return { status, body: text ? JSON.parse(text) : undefined };
  } finally {
    // status 0: the connection failed, which would mean the server is gone.
    samples.push({ start, status, step });
  }
}

/** One user's round: sign up (with a session), sign in, whoami. Returns whether all of it worked. */
async function round(s: TestServer, samples: Sample[], n: number): Promise<boolean> {
  const email = `load-${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const reg = await call(samples, 'registration flow', `${s.publicUrl}self-service/registration/api`);
  if (reg.status !== 200) return false;
  const signUp = await call(samples, 'sign-up', reg.body.ui.action, { method: 'POST', body: JSON.stringify({ method: 'password', password: PASSWORD, traits: { email } }) });
  if (signUp.status !== 200) return false;
  const login = await call(samples, 'login flow', `${s.publicUrl}self-service/login/api`);
  if (login.status !== 200) return false;
  const signIn = await call(samples, 'sign-in', login.body.ui.action, { method: 'POST', body: JSON.stringify({ method: 'password', identifier: email, password: PASSWORD }) });
  if (signIn.status !== 200) return false;
  const whoami = await call(samples, 'whoami', `${s.publicUrl}sessions/whoami`, { headers: { 'x-session-token': signIn.body.session_token } });
  return whoami.status === 200 && whoami.body.identity.traits.email === email;
}

const waitMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readiness(s: TestServer): Promise<number> {
  return (await fetch(`${s.adminUrl}health/ready`)).status;
}

for (const kind of ['postgres', 'mariadb'] as const) {
  const missing = privateDatabaseUnavailable(kind);
  // In CI the binaries are part of the image: their absence is a failure there, not a skip.
  const skip = missing !== null && !process.env.CI ? missing : false;

  describe(`database restarts under load (${kind})`, { skip }, () => {
    let dbServer: PrivateDatabaseServer;
    let s: TestServer;
    let mailbox: TestMailbox;
    let stopCourier: () => Promise<void>;

    before(async () => {
      dbServer = kind === 'postgres' ? await startPrivatePostgres() : await startPrivateMariadb();
      mailbox = await new TestMailbox().start();
      s = await startTestServer({
        dsn: dbServer.dsn,
        config: {
          ...mailboxConfig(mailbox),
          selfservice: {
            methods: { password: { config: { haveibeenpwned_enabled: false } } },
            flows: { registration: { after: { password: { hooks: [{ hook: 'session' }] } } } },
          },
        },
      });
      stopCourier = runCourier(s);
    });
    after(async () => {
      await stopCourier?.();
      await s?.close();
      await mailbox?.stop();
      await dbServer?.destroy();
    });

    test('alive throughout, 503 only while the database is down, full service within seconds after', { timeout: 240_000 }, async () => {
      const samples: Sample[] = [];
      let stopLoad = false;
      let n = 0;
      const lanes = Array.from({ length: 3 }, async () => {
        while (!stopLoad) {
          await round(s, samples, n++).catch(() => false);
          await waitMs(20);
        }
      });

      const outages: Array<{ from: number; to: number; recoveryMs: number }> = [];
      await waitMs(2000);
      for (const mode of ['fast', 'immediate'] as const) {
        const from = Date.now();
        await dbServer.stop(mode);
        assert.equal(await readiness(s), 503, 'not ready while the database is down');
        await waitMs(3000);
        await dbServer.start();
        const started = Date.now();
        // Recovered: ready again and a whole sign-up, sign-in and whoami go through.
        const deadline = started + 30_000;
        while ((await readiness(s)) !== 200 || !(await round(s, [], -1).catch(() => false))) {
          assert.ok(Date.now() < deadline, `no full service 30 s after the ${mode} restart`);
          await waitMs(100);
        }
        const to = Date.now();
        outages.push({ from, to, recoveryMs: to - started });
        await waitMs(2000);
      }
      stopLoad = true;
      await Promise.all(lanes);

      const byStatus = new Map<number, number>();
      for (const x of samples) byStatus.set(x.status, (byStatus.get(x.status) ?? 0) + 1);
      console.log(
        `${kind}: ${samples.length} requests, by status ${JSON.stringify(Object.fromEntries(byStatus))}, recovery after start: ${outages.map((o) => `${o.recoveryMs} ms`).join(', ')}`,
      );

      const during = (t: number) => outages.some((o) => t >= o.from - 1000 && t <= o.to);
      const unexpected = samples.filter((x) => x.status === 0 || (x.status >= 500 && !(x.status === 503 && during(x.start))));
      assert.deepEqual(unexpected, [], 'no 5xx outside the outages, never a 500, never a refused connection');
      assert.ok(samples.some((x) => x.status === 503), 'the outages were seen as 503s');
      assert.ok(samples.filter((x) => x.status === 200 && x.step === 'whoami' && !during(x.start)).length > 3, 'work went through between and after the outages');
      for (const o of outages) assert.ok(o.recoveryMs < 15_000, `full service ${o.recoveryMs} ms after the database came back`);

      // The courier worker paused through the outages and delivers again.
      const m = await s.registry.courier.queueEmail('after-restarts@example.com', 'stub', { Subject: 'back', Body: 'again' });
      await mailbox.waitFor('after-restarts@example.com', () => true, 60_000);
      assert.ok(m.id);
    });
  });
}
