import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testDatabases, type TestDatabase } from '../testkit/databases.js';
import { fixture, startTestServer, type TestServer } from '../testkit/server.js';
import { AuthSmtpServer, waitUntil } from './email-admin-kit.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'bin/tessera.js');
const CIPHER = 'watchers-cipher-key'.padEnd(32, '0');
const TOTAL = 60;

for (const factory of testDatabases()) {
  describe(`two courier watch processes follow the email settings changed over the admin API (${factory.name})`, () => {
    let dir: string;
    let db: TestDatabase;
    let smtp: AuthSmtpServer;
    let s: TestServer;
    const children: ChildProcess[] = [];

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tessera-email-watchers-'));
      db = await factory.create();
      smtp = await new AuthSmtpServer('mailer', 'old-password').start();
      const courier = { smtp: { connection_uri: smtp.uri(), password: 'old-password', from_address: 'no-reply@tessera.test' }, worker: { pull_count: 5, pull_wait: '50ms', concurrency: 2 } };
      // The admin API (this process) and the workers share the database and secrets.cipher.
      s = await startTestServer({ dsn: db.dsn, config: { ciphers: { algorithm: 'aes' }, secrets: { cipher: [CIPHER] }, courier } });
      const config = join(dir, 'tessera.yml');
      writeFileSync(
        config,
        [
          `dsn: ${JSON.stringify(db.dsn)}`,
          `identity: { default_schema_id: default, schemas: [{ id: default, url: "file://${fixture('default.schema.json')}" }] }`,
          'selfservice: { default_browser_return_url: "http://127.0.0.1:4455/" }',
          `secrets: { default: ["a-test-secret-of-enough-length"], cipher: ["${CIPHER}"] }`,
          'ciphers: { algorithm: aes }',
          'log: { level: error }',
          `courier: ${JSON.stringify(courier)}`,
          // A message caught by the password change retries within seconds (the default spreads retries over an hour).
          'tessera: { courier: { retry_window: 3s } }',
        ].join('\n'),
      );
      for (let i = 0; i < 2; i++) {
        children.push(spawn(process.execPath, [bin, 'courier', 'watch', '-c', config], { cwd: root, env: { PATH: process.env.PATH ?? '' }, stdio: 'ignore' }));
      }
    });
    after(async () => {
      for (const c of children) {
        if (c.exitCode === null) {
          c.kill('SIGTERM');
          await new Promise((r) => c.once('exit', r));
        }
      }
      await s?.close();
      await db?.drop();
      await smtp?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('the SMTP password changes while messages flow: the old one is refused at once, nothing is lost or sent twice', async () => {
      const ids: string[] = [];
      let changed = false;
      for (let i = 0; i < TOTAL; i++) {
        const res = await s.adminApi.post('/admin/courier/email/send', { to: `flow${i}@example.com`, subject: `flow ${i}`, text: `message ${i}` });
        assert.equal(res.status, 202);
        ids.push(res.body.messages[0].id);
        if (i === TOTAL / 3) {
          // Both workers are delivering with the file's password by now.
          await waitUntil('the first messages', () => smtp.received.length >= 10, 180_000);
          const put = await s.adminApi.put('/admin/courier/email/settings', { smtp: { connection_uri: smtp.uri(), password: 'new-password', from_address: 'no-reply@tessera.test' } });
          assert.equal(put.status, 200, JSON.stringify(put.body));
          // The server now refuses the old password, as it would after a real change.
          smtp.passwords = new Set(['new-password']);
          changed = true;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(changed);
      await waitUntil('every message recorded as sent', async () => {
        const statuses = await Promise.all(ids.map(async (id) => (await s.registry.persister.courier.getMessage(id))?.status));
        return statuses.every((st) => st === 'sent');
      }, 120_000);
      const subjects = smtp.received.map((m) => m.mail.subject);
      assert.equal(new Set(subjects).size, TOTAL, 'every message arrived');
      assert.equal(subjects.length, TOTAL, 'none arrived twice');
      assert.ok(smtp.authFailures.every((p) => p === 'old-password'), 'only the old password was ever refused');
    });
  });
}
