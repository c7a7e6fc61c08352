import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { fixture, startTestServer, type TestServer } from '../../testkit/server.js';
import { messageIds } from '../../testkit/browser.js';
import { TestMailbox, codeIn, mailboxConfig, runCourier } from '../../testkit/mailbox.js';
import { SmsGateway, newPhone as phone, smsChannel, smsCode } from '../../testkit/sms-gateway.js';

const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;

for (const factory of testDatabases()) {
  describe(`passwordless sign-up and sign-in by SMS code on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let mailbox: TestMailbox;
    let gateway: SmsGateway;
    let stopCourier: () => Promise<void>;

    before(async () => {
      db = await factory.create();
      mailbox = await new TestMailbox().start();
      gateway = await new SmsGateway().start();
      s = await startTestServer({
        dsn: db.dsn,
        config: {
          ...mailboxConfig(mailbox),
          courier: { ...mailboxConfig(mailbox).courier, channels: [smsChannel(gateway)] },
          identity: { default_schema_id: 'code', schemas: [{ id: 'code', url: `file://${fixture('code.schema.json')}` }] },
          selfservice: {
            methods: { password: { enabled: false }, code: { enabled: true, passwordless_enabled: true } },
            flows: { registration: { after: { code: { hooks: [{ hook: 'session' }] } } } },
          },
        },
      });
      stopCourier = runCourier(s);
    });
    after(async () => {
      await stopCourier?.();
      await s?.close();
      await gateway?.stop();
      await mailbox?.stop();
      await db?.drop();
    });

    const smsTo = (to: string) => gateway.received.filter((m) => m.to === to);
    const mailsTo = (to: string) => mailbox.received.filter((m) => m.to === to);

    async function post(kind: 'login' | 'registration', flowId: string, body: Record<string, unknown>) {
      return s.publicApi.post(`/self-service/${kind}?flow=${flowId}`, body);
    }

    test('sign-up with a phone number: the code goes by SMS, the number is stored in E.164 and verified', async () => {
      const p = phone();
      const flow = await s.publicApi.get('/self-service/registration/api');
      const sent = await post('registration', flow.body.id, { method: 'code', traits: { phone: p.typed } });
      assert.equal(sent.status, 400, JSON.stringify(sent.body));
      assert.equal(sent.body.state, 'sent_email');
      assert.deepEqual(messageIds(sent.body), [1040005]);
      const sms = await gateway.waitFor(p.e164);
      const done = await post('registration', flow.body.id, { method: 'code', code: smsCode(sms) });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      const va = done.body.identity.verifiable_addresses;
      assert.deepEqual(va.map((a: { value: string; via: string; verified: boolean }) => [a.value, a.via, a.verified]), [[p.e164, 'sms', true]]);
      assert.equal(mailbox.received.length, 0, 'nothing went by email');
    });

    test('sign-in by phone number typed in another format: SMS only; by email: email only', async () => {
      const p = phone();
      const addr = email('both');
      const reg = await s.publicApi.get('/self-service/registration/api');
      await post('registration', reg.body.id, { method: 'code', traits: { email: addr, phone: p.e164, name: 'Ada' } });
      // One code to each address, each on its own channel; either completes the sign-up.
      const bySms = await gateway.waitFor(p.e164);
      const byMail = await mailbox.waitFor(addr);
      assert.notEqual(smsCode(bySms), codeIn(byMail));
      const registered = await post('registration', reg.body.id, { method: 'code', code: smsCode(bySms) });
      assert.equal(registered.status, 200, JSON.stringify(registered.body));
      const verified = Object.fromEntries(registered.body.identity.verifiable_addresses.map((a: { via: string; verified: boolean }) => [a.via, a.verified]));
      assert.deepEqual(verified, { email: false, sms: true }, 'only the address the code came back from is proven');

      const byPhone = await s.publicApi.get('/self-service/login/api');
      const sent = await post('login', byPhone.body.id, { method: 'code', identifier: p.typed.replace('+49 ', '+49-') });
      assert.equal(sent.status, 400);
      assert.deepEqual(messageIds(sent.body), [1010014]);
      const loginSms = await gateway.waitFor(p.e164, 2);
      assert.match(loginSms.body, /sign-in code/);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(mailsTo(addr).length, 1, 'the SMS sign-in sent no email');
      const done = await post('login', byPhone.body.id, { method: 'code', code: smsCode(loginSms) });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.session.identity.id, registered.body.identity.id);

      const byEmail = await s.publicApi.get('/self-service/login/api');
      await post('login', byEmail.body.id, { method: 'code', identifier: addr });
      const loginMail = await mailbox.waitFor(addr, (m) => /sign-in code/.test(m.subject));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(smsTo(p.e164).length, 2, 'the email sign-in sent no SMS');
      const viaMail = await post('login', byEmail.body.id, { method: 'code', code: codeIn(loginMail) });
      assert.equal(viaMail.status, 200);
      const who = await s.publicApi.get('/sessions/whoami', { headers: { 'x-session-token': viaMail.body.session_token } });
      assert.equal(who.body.identity.verifiable_addresses.find((a: { via: string }) => a.via === 'email').verified, true, 'signing in by email code proves the email address');
    });

    test('an unknown phone number gets the known answer and no SMS', async () => {
      const p = phone();
      const flow = await s.publicApi.get('/self-service/login/api');
      const sent = await post('login', flow.body.id, { method: 'code', identifier: p.typed });
      assert.equal(sent.status, 400);
      assert.equal(sent.body.state, 'sent_email');
      assert.deepEqual(messageIds(sent.body), [1010014]);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(smsTo(p.e164).length, 0);
      const queued = await s.adminApi.get(`/admin/courier/messages?recipient=${encodeURIComponent(p.e164)}`);
      assert.deepEqual(queued.body, []);
    });
  });
}
