import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabases, type TestDatabase } from '../testkit/databases.js';
import { startTestServer, type TestServer } from '../testkit/server.js';
import { TestMailbox, runCourier } from '../testkit/mailbox.js';
import { AuthSmtpServer, GraphStandIn, waitUntil } from './email-admin-kit.js';

const SETTINGS = '/admin/courier/email/settings';
const SEND = '/admin/courier/email/send';
const key = (s: string) => s.padEnd(32, '0');
const K1 = key('cipher-key-one-');
const K2 = key('cipher-key-two-');
const K3 = key('cipher-key-three-');

for (const factory of testDatabases()) {
  describe(`email service admin API on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let dir: string;
    let fileSmtp: AuthSmtpServer;
    let dbSmtp: AuthSmtpServer;
    const others: TestServer[] = [];
    let stopCourier: (() => Promise<void>) | undefined;

    const config = (cipher: string[]) => ({
      ciphers: { algorithm: 'xchacha20-poly1305' },
      secrets: { cipher },
      courier: {
        smtp: { connection_uri: fileSmtp.uri(), password: 'file-password', from_address: 'no-reply@tessera.test' },
        secrets_directory: dir,
        worker: { pull_wait: '50ms' },
        rate_limit: { max_messages: 3 },
      },
    });

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tessera-email-admin-'));
      db = await factory.create();
      fileSmtp = await new AuthSmtpServer('mailer', 'file-password').start();
      dbSmtp = await new AuthSmtpServer('mailer', 'db-password').start();
      s = await startTestServer({ dsn: db.dsn, config: config([K1]) });
      stopCourier = runCourier(s);
    });
    after(async () => {
      await stopCourier?.();
      for (const o of others) await o.close();
      await s?.close();
      await db?.drop();
      await fileSmtp?.stop();
      await dbSmtp?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const storedDocument = async () =>
      (await s.registry.database.db.selectFrom('courier_settings').select('document').where('id', '=', 'email').executeTakeFirst())?.document ?? null;

    /** Workers poll the stored settings every 100 ms here (every second by default). */
    const settle = () => new Promise((r) => setTimeout(r, 400));

    async function sendAndWait(server: AuthSmtpServer, to: string, subject = `m-${Math.random()}`) {
      const res = await s.adminApi.post(SEND, { to, subject, text: 'hello' });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      await waitUntil(`a mail "${subject}"`, () => server.received.some((m) => m.mail.subject === subject));
      const id = res.body.messages[0].id as string;
      await waitUntil(`message ${id} recorded as sent`, async () => (await s.registry.persister.courier.getMessage(id))?.status === 'sent');
      return id;
    }

    test('the file is the default; PUT stores encrypted and redacts; a bad PUT is a 400 naming the field and changes nothing; PATCH; DELETE', async () => {
      const initial = await s.adminApi.get(SETTINGS);
      assert.equal(initial.status, 200);
      assert.equal(initial.body.source, 'file');
      assert.equal(initial.body.courier.smtp.password, '[redacted]');
      await sendAndWait(fileSmtp, 'file@example.com');

      const put = await s.adminApi.put(SETTINGS, { smtp: { connection_uri: dbSmtp.uri(), password: 'db-password', from_address: 'mail@tessera.test' } });
      await settle();
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.equal(put.body.source, 'database');
      assert.equal(put.body.read_as, 'tessera');
      assert.equal(put.body.courier.smtp.password, '[redacted]');
      assert.ok(!JSON.stringify(put.body).includes('db-password'));
      const doc = await storedDocument();
      assert.ok(doc && !doc.includes('db-password'), 'the password is not stored readable');
      assert.match(doc!, /"\$encrypted":"[0-9a-f]{60,}"/);
      await sendAndWait(dbSmtp, 'stored@example.com');

      for (const [body, field] of [
        [{ smtp: { connection_uri: 'ftp://mail.example.com' } }, 'courier.smtp.connection_uri'],
        [{ smtp: { conection_uri: dbSmtp.uri() } }, 'courier.smtp.conection_uri'],
        [{ templates: {} }, 'courier.templates'],
        [{ smtp: { connection_uri: dbSmtp.uri(), tls: { min_version: 'SSLv3' } } }, 'courier.smtp.tls.min_version'],
        [{ smtp: { connection_uri: 'smtp://127.0.0.1:25/', password: 'x' } }, 'courier.smtp.password'],
        [{ delivery_strategy: 'http' }, 'courier.http.request_config'],
      ] as const) {
        const bad = await s.adminApi.put(SETTINGS, body);
        assert.equal(bad.status, 400, JSON.stringify(body));
        assert.equal(bad.body.error.details.field, field, JSON.stringify(bad.body));
      }
      const after = await s.adminApi.get(SETTINGS);
      assert.equal(after.body.version, put.body.version, 'nothing was stored');
      await sendAndWait(dbSmtp, 'still-working@example.com');

      // PATCH changes the settings in force; the password stays.
      const patched = await s.adminApi.patch(SETTINGS, [{ op: 'replace', path: '/smtp/from_address', value: 'other@tessera.test' }], { headers: { 'content-type': 'application/json-patch+json' } });
      await settle();
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.courier.smtp.from_address, 'other@tessera.test');
      assert.equal(patched.body.version, put.body.version + 1);
      const badPatch = await s.adminApi.patch(SETTINGS, [{ op: 'replace', path: '/smtp/from_address', value: 42 }]);
      await settle();
      assert.equal(badPatch.status, 400);
      assert.equal(badPatch.body.error.details.field, 'courier.smtp.from_address');

      // What GET shows can be PUT back: redacted secrets keep their value.
      const shown = await s.adminApi.get(SETTINGS);
      const roundTrip = await s.adminApi.put(SETTINGS, { smtp: shown.body.courier.smtp });
      await settle();
      assert.equal(roundTrip.status, 200, JSON.stringify(roundTrip.body));
      const id = await sendAndWait(dbSmtp, 'roundtrip@example.com');
      assert.equal(dbSmtp.received.at(-1)!.mail.from?.value[0]?.address, 'other@tessera.test');
      assert.equal((await s.adminApi.get(`/admin/courier/messages/${id}`)).body.status, 'sent');

      const deleted = await s.adminApi.delete(SETTINGS);
      await settle();
      assert.equal(deleted.status, 200);
      assert.equal(deleted.body.source, 'file');
      assert.ok(deleted.body.version > roundTrip.body.version);
      await sendAndWait(fileSmtp, 'back-to-file@example.com');
    });

    test('secrets.cipher rotation keeps stored secrets readable; without the key the stored settings are refused, never guessed', async () => {
      await s.adminApi.put(SETTINGS, { smtp: { connection_uri: dbSmtp.uri(), password: 'db-password' } });
      await settle();
      const rotated = await startTestServer({ dsn: db.dsn, config: config([K2, K1]) });
      others.push(rotated);
      const seen = await rotated.adminApi.get(SETTINGS);
      assert.equal(seen.body.source, 'database');
      assert.match((await rotated.registry.emailSettings.effective()).courier.smtp.password as string, /^db-password$/);
      // Written again under the new first key; the old key can go.
      const rewritten = await rotated.adminApi.put(SETTINGS, { smtp: seen.body.courier.smtp });
      assert.equal(rewritten.status, 200);
      const newOnly = await startTestServer({ dsn: db.dsn, config: config([K2]) });
      others.push(newOnly);
      assert.equal((await newOnly.registry.emailSettings.effective()).courier.smtp.password, 'db-password');
      const wrongKey = await startTestServer({ dsn: db.dsn, config: config([K3]) });
      others.push(wrongKey);
      const refused = await wrongKey.adminApi.get(SETTINGS);
      assert.equal(refused.status, 500);
      assert.match(refused.body.error.reason, /secrets\.cipher/);
      await s.adminApi.delete(SETTINGS);
      await settle();
    });

    test('an IDM external.email body for SMTP is translated, explained and used', async () => {
      const res = await s.adminApi.put('/admin/config/external.email', {
        host: '127.0.0.1',
        port: dbSmtp.port,
        auth: { enable: true, username: 'mailer', password: 'db-password' },
        from: '"Tessera Mail" <noreply@tessera.test>',
        starttls: { enable: false },
        ssl: { enable: false },
        smtpProperties: ['mail.smtp.ssl.protocols=TLSv1.2 TLSv1.3', 'mail.mime.allowutf8=true'],
        timeout: 20000,
        connectiontimeout: 5000,
        writetimeout: 25000,
        threadPoolSize: 20,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.read_as, 'idm');
      assert.ok(res.body.notes.some((n: string) => /threadPoolSize/.test(n)));
      assert.deepEqual(res.body.courier.smtp.tls, { min_version: 'TLSv1.2', max_version: 'TLSv1.3' });
      assert.deepEqual(res.body.courier.smtp.timeouts, { connect: '5000ms', read: '20000ms', write: '25000ms' });
      assert.equal(res.body.courier.smtp.from_name, 'Tessera Mail');
      await settle();
      await sendAndWait(dbSmtp, 'idm-smtp@example.com', 'via IDM settings');
      assert.equal(dbSmtp.received.at(-1)!.mail.from?.value[0]?.name, 'Tessera Mail');

      const unknown = await s.adminApi.put('/admin/config/external.email', { host: '127.0.0.1', smtpProperties: ['mail.smtp.auth.mechanisms=XOAUTH2'] });
      await settle();
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.details.field, 'smtpProperties.mail.smtp.auth.mechanisms');
      await s.adminApi.delete(SETTINGS);
      await settle();
    });

    test('an IDM body for Microsoft Graph works against a Graph stand-in; its client secret rotates in its file mid-stream without a failed message', async () => {
      const graph = await new GraphStandIn('client-1', 'secret-one').start();
      const secretFile = join(dir, 'idm.email.client.secret');
      writeFileSync(secretFile, 'secret-one\n');
      try {
        const res = await s.adminApi.put('/config/external.email', {
          type: 'msgraph',
          mailEndpoint: `${graph.url}/v1.0/users/sender%40tessera.test/sendMail`,
          from: 'sender@tessera.test',
          auth: {
            enable: true,
            type: 'oauth2',
            clientId: 'client-1',
            clientSecret: { $purpose: 'idm.email.client.secret' },
            tokenEndpoint: `${graph.url}/tenant/oauth2/v2.0/token`,
            scope: ['https://graph.microsoft.com/.default'],
            scopeDelimiter: ' ',
            grantType: 'client_credentials',
          },
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.read_as, 'idm');
        assert.deepEqual(res.body.courier.channels[0].msgraph_config.client_secret, { $purpose: 'idm.email.client.secret' });
        await settle();

        const ids: string[] = [];
        const send = async (n: number, tag: string) => {
          for (let i = 0; i < n; i++) {
            const r = await s.adminApi.post(SEND, { to: `graph-${tag}-${i}@example.com`, subject: `graph ${tag} ${i}`, html: '<p>hi</p>' });
            assert.equal(r.status, 202);
            ids.push(r.body.messages[0].id);
          }
        };
        await send(5, 'a');
        await waitUntil('5 messages through Graph', () => graph.sent.length >= 5);
        // A rotation as an operator does it: the new secret is valid, the file changes, the old one is revoked.
        graph.secrets.add('secret-two');
        writeFileSync(secretFile, 'secret-two\n');
        const rotatedAt = graph.tokenRequests.length;
        await send(5, 'b');
        await waitUntil('10 messages through Graph', () => graph.sent.length >= 10);
        graph.revoke('secret-one');
        await send(5, 'c');
        await waitUntil('15 messages through Graph', () => graph.sent.length >= 15);
        assert.ok(graph.tokenRequests.slice(rotatedAt).length >= 1);
        assert.ok(graph.tokenRequests.slice(rotatedAt).every((t) => t.secret === 'secret-two' && t.ok), 'tokens after the change use the new secret');
        assert.equal(graph.sent[0]!.message.from.emailAddress.address, 'sender@tessera.test');
        for (const id of ids) {
          await waitUntil(`message ${id} recorded as sent`, async () => (await s.registry.persister.courier.getMessage(id))?.status === 'sent');
          const m = await s.adminApi.get(`/admin/courier/messages/${id}`);
          assert.equal(m.body.status, 'sent');
          assert.ok(m.body.dispatches.every((d: { status: string }) => d.status === 'success'), 'no failed attempt');
        }
      } finally {
        await s.adminApi.delete(SETTINGS);
        await settle();
        await graph.stop();
      }
    });

    test('test-connection: STARTTLS refused, a wrong password and a good configuration, in words an admin can act on', async () => {
      const noTls = await new TestMailbox().start();
      try {
        const starttls = await s.adminApi.post(`${SETTINGS}/test`, { smtp: { connection_uri: `smtp://127.0.0.1:${noTls.port}/` } });
        assert.equal(starttls.status, 200);
        assert.equal(starttls.body.ok, false);
        assert.match(starttls.body.error, /STARTTLS/);
        assert.match(starttls.body.hint, /smtps:\/\//);
      } finally {
        await noTls.stop();
      }
      const wrong = await s.adminApi.post(`${SETTINGS}/test`, { smtp: { connection_uri: dbSmtp.uri(), password: 'not-the-password' } });
      assert.equal(wrong.body.ok, false);
      assert.match(wrong.body.error, /authentication failed/);
      assert.match(wrong.body.hint, /password/);
      assert.ok(!JSON.stringify(wrong.body).includes('not-the-password'));

      const good = await s.adminApi.post(`${SETTINGS}/test`, { smtp: { connection_uri: dbSmtp.uri(), password: 'db-password' } });
      assert.deepEqual(good.body, { ok: true, channel: 'email' });
      const inForce = await s.adminApi.post(`${SETTINGS}/test`);
      assert.deepEqual(inForce.body, { ok: true, channel: 'email' });
      const idm = await s.adminApi.post('/admin/external/email?_action=testConnection', { host: '127.0.0.1', port: dbSmtp.port, auth: { enable: true, username: 'mailer', password: 'nope' } });
      assert.equal(idm.body.ok, false);
      assert.match(idm.body.error, /authentication failed/);
      const received = dbSmtp.received.length;
      assert.equal(dbSmtp.received.length, received, 'nothing was sent');
    });

    test('admin send: text and html, cc and bcc, an international address, a template; a CRLF never makes a header; the per-recipient limit with an admin override', async () => {
      const before = fileSmtp.received.length;
      const res = await s.adminApi.post(SEND, {
        to: ['ada@example.com', 'josé@exämple.com'],
        cc: 'carl@example.com',
        bcc: ['dora@example.com'],
        from: 'Team <team@tessera.test>',
        subject: 'Quarterly ✓',
        text: 'plain words',
        html: '<p>rich <b>words</b></p>',
      });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.deepEqual(res.body.messages.map((m: { recipient: string }) => m.recipient), ['ada@example.com', 'josé@exämple.com', 'carl@example.com', 'dora@example.com']);
      await fileSmtp.waitFor(before + 4);
      const mails = fileSmtp.received.slice(before);
      for (const m of mails) {
        assert.equal(m.rcpt.length, 1, 'each copy has its own envelope');
        assert.equal(m.mail.subject, 'Quarterly ✓');
        assert.equal(m.mail.text?.trim(), 'plain words');
        assert.match(String(m.mail.html), /<b>words<\/b>/);
        assert.deepEqual(((Array.isArray(m.mail.to) ? m.mail.to[0] : m.mail.to)?.value ?? []).map((a) => a.address), ['ada@example.com', 'josé@exämple.com']);
        assert.equal((Array.isArray(m.mail.cc) ? m.mail.cc[0] : m.mail.cc)?.value[0]?.address, 'carl@example.com');
        assert.ok(!/dora@example\.com/i.test(m.raw.split(/\r?\n\r?\n/)[0]!), 'no Bcc in the headers');
        assert.equal(m.mail.from?.value[0]?.address, 'team@tessera.test');
        assert.equal(m.mail.from?.value[0]?.name, 'Team');
      }
      assert.deepEqual(mails.map((m) => m.rcpt[0]).sort(), ['ada@example.com', 'carl@example.com', 'dora@example.com', 'josé@exämple.com'].sort());

      const listed = await s.adminApi.get('/admin/courier/messages?recipient=dora%40example.com');
      assert.equal(listed.body.length, 1);
      assert.equal(listed.body[0].template_type, 'stub');

      const queued = (await s.adminApi.get('/admin/courier/messages?page_size=1000')).body.length;
      for (const [body, field] of [
        [{ to: 'eve@example.com', subject: 'Hi\r\nBcc: victim@example.com', text: 'x' }, 'subject'],
        [{ to: 'eve@example.com\r\nBcc: victim@example.com', subject: 'Hi', text: 'x' }, 'to'],
        [{ to: 'eve@example.com', from: 'boss@elsewhere.test', subject: 'Hi', text: 'x' }, 'from'],
        [{ to: 'not an address', subject: 'Hi', text: 'x' }, 'to'],
        [{ to: 'eve@example.com', subject: 'Hi' }, 'text'],
        [{ to: 'eve@example.com', subject: 'Hi', text: 'x', reply_to: 'x@example.com' }, 'reply_to'],
      ] as const) {
        const bad = await s.adminApi.post(SEND, body);
        assert.equal(bad.status, 400, JSON.stringify(body));
        assert.equal(bad.body.error.details.field, field);
      }
      assert.equal((await s.adminApi.get('/admin/courier/messages?page_size=1000')).body.length, queued, 'nothing was queued');

      const templated = await s.adminApi.post(SEND, { to: 'tim@example.com', template_type: 'verification_code_valid', template_data: { VerificationCode: '424242' } });
      assert.equal(templated.status, 202);
      const idm = await s.adminApi.post('/admin/external/email?_action=send', { from: 'noreply@tessera.test', to: 'ida@example.com, ivo@example.com', subject: 'IDM send', type: 'text/html', body: '<p>from IDM</p>' });
      assert.equal(idm.status, 202);
      assert.equal(idm.body.status, 'OK');
      assert.equal(idm.body.messages.length, 2);
      await waitUntil('the templated and IDM mails', () => fileSmtp.received.some((m) => /424242/.test(m.mail.text ?? '')) && fileSmtp.received.filter((m) => m.mail.subject === 'IDM send').length === 2);
      assert.match(fileSmtp.received.find((m) => m.mail.subject === 'IDM send')!.mail.text ?? '', /from IDM/);

      // rate_limit.max_messages is 3: the fourth is recorded as suppressed, unless an admin overrides the limit.
      const flood = async (extra: Record<string, unknown> = {}) => (await s.adminApi.post(SEND, { to: 'flood@example.com', subject: 'again', text: 'x', ...extra })).body.messages[0];
      for (let i = 0; i < 3; i++) assert.equal((await flood()).status, 'queued');
      const fourth = await flood();
      assert.equal(fourth.status, 'abandoned');
      assert.equal(fourth.suppressed, true);
      assert.equal((await flood({ override_rate_limit: true })).status, 'queued');
    });

    test('an SMTP password read from a file (JSON pointer) rotates without a failed message; files outside the secrets directory are refused', async () => {
      const fileAuth = await new AuthSmtpServer('mailer', 'file-pw-1').start();
      const secrets = join(dir, 'smtp.json');
      writeFileSync(secrets, JSON.stringify({ password: 'file-pw-1' }));
      try {
        const put = await s.adminApi.put(SETTINGS, { smtp: { connection_uri: fileAuth.uri(), password: { file: secrets, pointer: '/password' } } });
        await settle();
        assert.equal(put.status, 200, JSON.stringify(put.body));
        assert.deepEqual(put.body.courier.smtp.password, { file: secrets, pointer: '/password' });
        const first = await sendAndWait(fileAuth, 'f1@example.com');
        fileAuth.passwords.add('file-pw-2');
        writeFileSync(secrets, JSON.stringify({ password: 'file-pw-2' }));
        const second = await sendAndWait(fileAuth, 'f2@example.com');
        fileAuth.passwords.delete('file-pw-1');
        const third = await sendAndWait(fileAuth, 'f3@example.com');
        for (const id of [first, second, third]) {
          const m = await s.adminApi.get(`/admin/courier/messages/${id}`);
          assert.ok(m.body.dispatches.every((d: { status: string }) => d.status === 'success'));
        }
        assert.deepEqual(fileAuth.authFailures, []);

        const outside = await s.adminApi.put(SETTINGS, { smtp: { connection_uri: fileAuth.uri(), password: { file: '/etc/hostname' } } });
        await settle();
        assert.equal(outside.status, 400);
        assert.equal(outside.body.error.details.field, 'courier.smtp.password');
        assert.match(outside.body.error.reason, /outside courier\.secrets_directory/);
      } finally {
        await s.adminApi.delete(SETTINGS);
        await settle();
        await fileAuth.stop();
      }
    });
  });
}
