// The `notify_previous_addresses` settings hook: once a profile change replaces an email address,
// the address that was removed hears of it, through the courier and a real SMTP server.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import type { TestServer } from '../../testkit/server.js';
import { mailSuite, TestMailbox, mailboxConfig } from '../../testkit/mailbox.js';
import { loadConfig } from '../../../src/config/index.js';
import { addressChangeTargets } from '../../../src/selfservice/hooks/notify-previous-addresses.js';
import type { VerifiableAddress } from '../../../src/identity/identity.js';

const PASSWORD = 'a sufficiently long passphrase 42';
const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;

describe('address-change targets', () => {
  const at = new Date();
  const addr = (value: string, verified: boolean, via: 'email' | 'sms' = 'email'): VerifiableAddress =>
    ({ id: value, value, via, verified, verified_at: verified ? at : null, status: verified ? 'completed' : 'pending', created_at: at, updated_at: at }) as VerifiableAddress;
  const before = [addr('old@example.com', true), addr('kept@example.com', false), addr('+15550100', true, 'sms')];
  const after = [addr('kept@example.com', true), addr('new@example.com', false)];

  test('removed: only the addresses that are gone; all_verified: those verified before; all: every one', () => {
    assert.deepEqual(addressChangeTargets('removed', before, after), [{ value: 'old@example.com', via: 'email' }, { value: '+15550100', via: 'sms' }]);
    assert.deepEqual(addressChangeTargets('all_verified', before, after), [{ value: 'old@example.com', via: 'email' }, { value: '+15550100', via: 'sms' }]);
    assert.deepEqual(addressChangeTargets('all', before, after).map((t) => t.value), ['old@example.com', 'kept@example.com', '+15550100']);
  });

  test('a change of verification state alone notifies nobody', () => {
    assert.deepEqual(addressChangeTargets('all', [addr('a@example.com', false)], [addr('a@example.com', true)]), []);
  });

  test('the configuration accepts the hook after the profile method only, and only known recipient modes', async () => {
    const base = { dsn: 'memory', identity: { default_schema_id: 'default', schemas: [{ id: 'default', url: 'file:///dev/null' }] } };
    const withHook = (where: Record<string, unknown>) => loadConfig({ env: {}, dev: true, overrides: { ...base, selfservice: { flows: { settings: { after: where } } } } });
    await withHook({ profile: { hooks: [{ hook: 'notify_previous_addresses', config: { recipients: 'all_verified' } }] } });
    await assert.rejects(withHook({ profile: { hooks: [{ hook: 'notify_previous_addresses', config: { recipients: 'everyone' } }] } }), /recipients/);
    await assert.rejects(withHook({ password: { hooks: [{ hook: 'notify_previous_addresses' }] } }), /notify_previous_addresses|hook/);
  });
});

for (const factory of testDatabases()) {
  describe(`notify_previous_addresses on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let mailbox: TestMailbox;
    mailSuite(factory, (mailbox) => ({
      ...mailboxConfig(mailbox),
      selfservice: {
        methods: { password: { config: { haveibeenpwned_enabled: false } } },
        flows: { settings: { after: { profile: { hooks: [{ hook: 'notify_previous_addresses' }] } } } },
      },
    }), (ready) => ({ db, s, mailbox } = ready));

    async function signedIn(addr: string): Promise<string> {
      const created = await s.adminApi.post('/admin/identities', { schema_id: 'default', traits: { email: addr, name: { first: 'Ada' } }, credentials: { password: { config: { password: PASSWORD } } } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const flow = await s.publicApi.get('/self-service/login/api');
      const res = await s.publicApi.post(`/self-service/login?flow=${flow.body.id}`, { method: 'password', identifier: addr, password: PASSWORD });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.session_token as string;
    }

    async function saveProfile(token: string, traits: Record<string, unknown>) {
      const headers = { 'x-session-token': token };
      const flow = await s.publicApi.get('/self-service/settings/api', { headers });
      assert.equal(flow.status, 200, JSON.stringify(flow.body));
      const res = await s.publicApi.post(`/self-service/settings?flow=${flow.body.id}`, { method: 'profile', traits }, { headers });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.state, 'success');
    }

    test('replacing the email address tells the old one, with the template and the time of the change', async () => {
      const [old, replacement] = [email('old'), email('new')];
      const token = await signedIn(old);
      await saveProfile(token, { email: replacement, name: { first: 'Ada' } });
      const notice = await mailbox.waitFor(old, (m) => m.subject.includes('changed'), 20_000);
      assert.match(notice.text, /An email address or phone number on your account changed at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
      assert.ok(notice.text.includes('Hi Ada,'), notice.text);
      const messages = await s.adminApi.get(`/admin/courier/messages?recipient=${encodeURIComponent(old)}`);
      assert.equal(messages.status, 200);
      assert.deepEqual(messages.body.map((m: { template_type: string }) => m.template_type), ['verifiable_address_changed']);
      assert.equal(mailbox.received.filter((m) => m.to === replacement && m.subject.includes('changed')).length, 0, 'the new address is not told');
    });

    test('a profile change that keeps the addresses sends no notice', async () => {
      const addr = email('same');
      const token = await signedIn(addr);
      await saveProfile(token, { email: addr, name: { first: 'Grace' } });
      const messages = await s.adminApi.get(`/admin/courier/messages?recipient=${encodeURIComponent(addr)}`);
      assert.equal(messages.status, 200);
      assert.deepEqual(messages.body, []);
    });
  });
}
