import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SMTPServer } from 'smtp-server';
import { testDatabases, type TestDatabase } from '../testkit/databases.js';
import { startTestServer, type TestServer } from '../testkit/server.js';
import { TestMailbox, mailboxConfig, runCourier } from '../testkit/mailbox.js';
import { retryDelay } from '../../src/courier/worker.js';

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('retry schedule', () => {
  test('the delays double and add up to about the window, each within ±25%', () => {
    const window = 3_600_000;
    const delays = [1, 2, 3, 4, 5].map((a) => retryDelay(a, 5, window));
    const nominal = [1, 2, 4, 8, 16].map((f) => (window / 31) * f);
    delays.forEach((d, i) => assert.ok(d >= nominal[i]! * 0.75 - 1 && d <= nominal[i]! * 1.25 + 1, `retry ${i + 1}: ${d}`));
    const sum = delays.reduce((a, b) => a + b, 0);
    assert.ok(sum >= window * 0.75 && sum <= window * 1.25, String(sum));
    // Past the last retry (channel probes) the longest delay is kept, not grown.
    assert.ok(retryDelay(40, 5, window) <= (window / 31) * 16 * 1.25 + 1);
  });
});

for (const factory of testDatabases()) {
  describe(`courier under faults on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let mailbox: TestMailbox;
    let stopCourier: () => Promise<void>;

    before(async () => {
      mailbox = await new TestMailbox().start();
      db = await factory.create();
      const base = mailboxConfig(mailbox);
      s = await startTestServer({
        dsn: db.dsn,
        // Five retries over three seconds: without the channel pause, an outage of ten seconds
        // would spend every attempt and lose the mail.
        config: { ...base, courier: { ...base.courier, message_retries: 5 }, tessera: { courier: { retry_window: '3s' } } },
      });
      stopCourier = runCourier(s);
    });
    after(async () => {
      await stopCourier?.();
      await s?.close();
      await db?.drop();
      await mailbox?.stop();
    });

    test('a message whose rendered text the database cannot store is sent once and recorded as sent', async () => {
      const m = await s.registry.courier.queueEmail('poison@example.com', 'stub', { Subject: 'odd \ud800 subject', Body: 'a NUL \u0000 in the body' });
      await mailbox.waitFor('poison@example.com');
      const stored = await until('the message to be recorded', async () => {
        const got = await s.registry.persister.courier.getMessage(m.id);
        return got?.status === 'sent' ? got : undefined;
      });
      assert.equal(stored.send_count, 1);
      assert.equal(mailbox.received.filter((r) => r.to === 'poison@example.com').length, 1);
    });

    test('a lone message through an outage longer than its retries: probed again and again, never abandoned, delivered once', async () => {
      await mailbox.stop();
      const recipient = `lone-${factory.name}@example.com`;
      const { id } = await s.registry.courier.queueEmail(recipient, 'stub', { Subject: 'alone in the queue', Body: recipient });
      // The only message is the probe every time the pause ends: with five retries over three
      // seconds, eight seconds are more probes than it has attempts.
      const outageEnds = Date.now() + 8_000;
      while (Date.now() < outageEnds) {
        const m = await s.registry.persister.courier.getMessage(id);
        assert.notEqual(m?.status, 'abandoned', `probe ${m?.send_count}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const probed = (await s.registry.persister.courier.getMessage(id))!.send_count;
      assert.ok(probed > 6, `probes during the outage: ${probed}`);
      mailbox = await new TestMailbox().start(mailbox.port);
      await mailbox.waitFor(recipient, () => true, 30_000);
      await until('the message to be recorded as sent', async () => (await s.registry.persister.courier.getMessage(id))?.status === 'sent');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(mailbox.received.filter((x) => x.to === recipient).length, 1);
    });

    test('an SMTP outage three times the retry window: everything is delivered afterwards, exactly once', async () => {
      await mailbox.stop();
      const recipients = Array.from({ length: 6 }, (_, i) => `outage-${i}-${factory.name}@example.com`);
      const ids: string[] = [];
      for (const r of recipients) ids.push((await s.registry.courier.queueEmail(r, 'stub', { Subject: 'during the outage', Body: r })).id);
      const outageEnds = Date.now() + 10_000;
      while (Date.now() < outageEnds) {
        const states = await Promise.all(ids.map((id) => s.registry.persister.courier.getMessage(id)));
        assert.ok(states.every((m) => m && m.status !== 'abandoned' && m.status !== 'sent'), JSON.stringify(states.map((m) => [m?.status, m?.send_count])));
        await new Promise((r) => setTimeout(r, 250));
      }
      const spent = (await Promise.all(ids.map((id) => s.registry.persister.courier.getMessage(id)))).reduce((n, m) => n + m!.send_count, 0);
      // 6 messages x 6 attempts would be 36: only the probes spent attempts.
      assert.ok(spent < 20, `attempts spent during the outage: ${spent}`);
      mailbox = await new TestMailbox().start(mailbox.port);
      for (const r of recipients) await mailbox.waitFor(r, () => true, 30_000);
      await until('every message to be recorded as sent', async () => {
        const states = await Promise.all(ids.map((id) => s.registry.persister.courier.getMessage(id)));
        return states.every((m) => m?.status === 'sent');
      });
      // A second look after more rounds: nothing went out twice.
      await new Promise((r) => setTimeout(r, 500));
      for (const r of recipients) assert.equal(mailbox.received.filter((x) => x.to === r).length, 1, r);
    });
  });
}

describe('a permanent rejection', () => {
  let db: TestDatabase;
  let s: TestServer;
  let smtp: SMTPServer;
  let stopCourier: () => Promise<void>;
  before(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (addr, _session, cb) => cb(Object.assign(new Error('5.1.1 no such mailbox'), { responseCode: 550 })),
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const port = (smtp.server.address() as { port: number }).port;
    db = await testDatabases()[0]!.create();
    s = await startTestServer({
      dsn: db.dsn,
      config: { courier: { message_retries: 5, smtp: { connection_uri: `smtp://127.0.0.1:${port}/?disable_starttls=true`, from_address: 'no-reply@tessera.test' }, worker: { pull_wait: '50ms' } } },
    });
    stopCourier = runCourier(s);
  });
  after(async () => {
    await stopCourier?.();
    await s?.close();
    await db?.drop();
    await new Promise<void>((r) => smtp.close(() => r()));
  });

  test('is abandoned at once with the reason, without retries', async () => {
    const m = await s.registry.courier.queueEmail('gone@example.com', 'stub', { Subject: 's', Body: 'b' });
    const got = await until('the message to be abandoned', async () => {
      const x = await s.registry.persister.courier.getMessage(m.id);
      return x?.status === 'abandoned' ? x : undefined;
    });
    assert.equal(got.send_count, 1);
    assert.match(JSON.stringify(got.dispatches), /recipient rejected/);
  });
});
