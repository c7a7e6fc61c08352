import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sqliteDatabase, type TestDatabase } from '../testkit/databases.js';
import { startTestServer, type TestServer } from '../testkit/server.js';
import { TestMailbox, codeIn, mailboxConfig, runCourier } from '../testkit/mailbox.js';

describe('courier delivery through a real SMTP server', () => {
  let db: TestDatabase;
  let s: TestServer;
  let mailbox: TestMailbox;
  let stopCourier: () => Promise<void>;

  before(async () => {
    mailbox = await new TestMailbox().start();
    db = await sqliteDatabase().create();
    // A short retry window, so the outage test's retry comes within seconds (the default spreads retries over an hour).
    s = await startTestServer({ dsn: db.dsn, config: { ...mailboxConfig(mailbox), tessera: { courier: { retry_window: '2s' } } } });
    stopCourier = runCourier(s);
  });
  after(async () => {
    await stopCourier?.();
    await s?.close();
    await db?.drop();
    await mailbox?.stop();
  });

  test('a queued email arrives as multipart/alternative with a stable Message-ID', async () => {
    const m = await s.registry.courier.queueEmail('zoe@example.com', 'verification_code_valid', { VerificationCode: '314159', Identity: { traits: { email: 'zoe@example.com' } } });
    const mail = await mailbox.waitFor('zoe@example.com');
    assert.equal(codeIn(mail), '314159');
    assert.match(mail.html, /314159/);
    assert.ok(mail.messageId.includes(m.id), mail.messageId);
    assert.ok(mail.subject.length > 0);
    const stored = await s.adminApi.get(`/admin/courier/messages/${m.id}`);
    assert.equal(stored.body.status, 'sent');
  });

  test('when the mail server is down, messages wait and are delivered once it is back', async () => {
    await mailbox.stop();
    const m = await s.registry.courier.queueEmail('later@example.com', 'stub', { Subject: 'later', Body: 'body' });
    const deadline = Date.now() + 10_000;
    let failed = false;
    while (!failed && Date.now() < deadline) {
      const got = await s.registry.persister.courier.getMessage(m.id);
      failed = (got?.dispatches.length ?? 0) > 0;
      if (!failed) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(failed, 'a failed attempt was recorded');
    // The server comes back where the configuration points.
    mailbox = await new TestMailbox().start(mailbox.port);
    const mail = await mailbox.waitFor('later@example.com', () => true, 20_000);
    assert.equal(mail.subject, 'later');
    const got = await s.registry.persister.courier.getMessage(m.id);
    assert.equal(got?.status, 'sent');
    assert.ok(got!.dispatches.some((d) => d.status === 'failed'));
  });
});
