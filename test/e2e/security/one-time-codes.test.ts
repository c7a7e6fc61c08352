// One-time codes cannot be farmed: the per-recipient courier limit is exact under concurrency,
// suppressed messages issue no code, codes per address are capped, checks per address are limited
// across flows, and recovery answers known and unknown addresses alike.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import type { ApiResponse, TestServer } from '../../testkit/server.js';
import { mailSuite, TestMailbox, codeIn, mailboxConfig } from '../../testkit/mailbox.js';
import { compareTimings } from './timing.js';

const PASSWORD = 'a sufficiently long passphrase 42';
const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;

/** A flow answer without what differs from flow to flow. */
const shape = (res: ApiResponse): unknown =>
  JSON.parse(JSON.stringify(res.body, (k, v) => (['id', 'action', 'expires_at', 'issued_at', 'created_at', 'updated_at', 'request_url', 'value'].includes(k) && typeof v === 'string' ? '*' : v)));

for (const factory of testDatabases()) {
  describe(`one-time recovery codes on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let mailbox: TestMailbox;
    mailSuite(factory, (mailbox) => ({
      ...mailboxConfig(mailbox),
      courier: { ...mailboxConfig(mailbox).courier, rate_limit: { max_messages: 4 } },
      selfservice: {
        methods: { password: { config: { haveibeenpwned_enabled: false } }, code: { enabled: true } },
        flows: { recovery: { enabled: true, use: 'code' }, verification: { enabled: true, use: 'code' }, settings: { ui_url: 'http://127.0.0.1:4455/settings' } },
      },
      tessera: { brute_force: { one_time_codes: { max_checks: 8, max_active: 2 } } },
    }), (ready) => ({ db, s, mailbox } = ready));

    async function createIdentity(addr: string): Promise<string> {
      const res = await s.adminApi.post('/admin/identities', { schema_id: 'default', traits: { email: addr }, credentials: { password: { config: { password: PASSWORD } } } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    }

    async function requestCode(addr: string): Promise<{ flowId: string; sent: ApiResponse }> {
      const flow = await s.publicApi.get('/self-service/recovery/api');
      assert.equal(flow.status, 200);
      return { flowId: flow.body.id as string, sent: await s.publicApi.post(`/self-service/recovery?flow=${flow.body.id}`, { method: 'code', email: addr }) };
    }

    const tryCode = (flowId: string, code: string) => s.publicApi.post(`/self-service/recovery?flow=${flowId}`, { method: 'code', code });

    const activeCodes = async (addr: string) =>
      Number(
        (
          await s.registry.database.db
            .selectFrom('selfservice_codes')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('address', '=', addr)
            .where('used_at', 'is', null)
            .executeTakeFirstOrThrow()
        ).n,
      );

    test('parallel recovery requests for one address queue exactly the per-recipient limit, and suppressed messages issue no code', async () => {
      const addr = email('flood');
      await createIdentity(addr);
      const answers = await Promise.all(Array.from({ length: 30 }, () => requestCode(addr)));
      for (const a of answers) assert.equal(a.sent.status, 200);
      const messages = await s.registry.database.db.selectFrom('courier_messages').select(['status']).where('recipient', '=', addr).execute();
      assert.equal(messages.filter((m) => m.status !== 'abandoned').length, 4, 'exactly the limit was queued');
      assert.equal(messages.length, 30, 'the others were recorded as suppressed');
      assert.ok((await activeCodes(addr)) <= 2, 'no code for suppressed messages, and at most max_active unused codes');
    });

    test('parallel verification requests for one address queue exactly the per-recipient limit', async () => {
      const addr = email('verify-flood');
      await createIdentity(addr);
      const answers = await Promise.all(
        Array.from({ length: 30 }, async () => {
          const flow = await s.publicApi.get('/self-service/verification/api');
          return s.publicApi.post(`/self-service/verification?flow=${flow.body.id}`, { method: 'code', email: addr });
        }),
      );
      for (const a of answers) assert.equal(a.status, 200);
      const messages = await s.registry.database.db.selectFrom('courier_messages').select(['status', 'template_type']).where('recipient', '=', addr).where('template_type', '=', 'verification_code_valid').execute();
      assert.equal(messages.length, 30, 'the others were recorded as suppressed');
      assert.equal(messages.filter((m) => m.status !== 'abandoned').length, 4, 'exactly the limit was queued');
      assert.ok((await activeCodes(addr)) <= 2, 'at most max_active unused codes');
    });

    test('guessing codes across many flows hits the per-address limit; the right code is refused after it', async () => {
      const addr = email('guess');
      await createIdentity(addr);
      const flows: string[] = [];
      for (let i = 0; i < 2; i++) flows.push((await requestCode(addr)).flowId);
      await mailbox.waitFor(addr, () => mailbox.received.filter((m) => m.to === addr).length >= 2);
      const code = codeIn(mailbox.received.filter((m) => m.to === addr).at(-1)!);
      const wrong = code === '000000' ? '000001' : '000000';
      // 8 checks per address, spread over both flows (each flow alone would allow 5).
      for (let i = 0; i < 8; i++) {
        const res = await tryCode(flows[i % 2]!, wrong);
        assert.equal(res.status, 200);
        assert.equal(res.body.state, 'sent_email');
      }
      const refused = await tryCode(flows[1]!, code);
      assert.notEqual(refused.status, 200, 'the right code is not accepted past the per-address limit');
      assert.equal(refused.body?.continue_with, undefined);
      assert.equal(refused.body?.session_token, undefined);
    });

    test('codes an administrator created are limited per identity across flows', async () => {
      const id = await createIdentity(email('admin-code'));
      const adminCode = async () => {
        const res = await s.adminApi.post('/admin/recovery/code', { identity_id: id });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        return { flowId: new URL(res.body.recovery_link as string).searchParams.get('flow')!, code: res.body.recovery_code as string };
      };
      const flows = [await adminCode(), await adminCode()];
      for (let i = 0; i < 8; i++) {
        const f = flows[i % 2]!;
        const res = await tryCode(f.flowId, f.code === '000000' ? '000001' : '000000');
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
      const last = await adminCode();
      const refused = await tryCode(last.flowId, last.code);
      // Accepted, the browser flow would send the user on to settings (a 422 location change for JSON clients).
      assert.notEqual(refused.status, 422, 'the right code is not accepted past the per-identity limit');
      assert.ok(!JSON.stringify(refused.body ?? {}).includes('/settings'), JSON.stringify(refused.body));
    });

    test('recovery answers a known and an unknown address alike, in comparable time', async () => {
      const known = email('known');
      await createIdentity(known);
      const unknown = email('unknown');
      const [k, u] = [await requestCode(known), await requestCode(unknown)];
      assert.equal(k.sent.status, u.sent.status);
      assert.deepEqual(shape(k.sent), JSON.parse(JSON.stringify(shape(u.sent)).replaceAll(unknown, known)));
      // Fresh addresses each round keep the per-recipient limit out of the way.
      const addrs = Array.from({ length: 70 }, (_, i) => email(`k${i}`));
      for (const a of addrs) await createIdentity(a);
      const result = await compareTimings(60, async (round) => {
        const [fk, fu] = [(await s.publicApi.get('/self-service/recovery/api')).body.id, (await s.publicApi.get('/self-service/recovery/api')).body.id];
        const t0 = performance.now();
        assert.equal((await s.publicApi.post(`/self-service/recovery?flow=${fk}`, { method: 'code', email: addrs[round % addrs.length] })).status, 200);
        const t1 = performance.now();
        assert.equal((await s.publicApi.post(`/self-service/recovery?flow=${fu}`, { method: 'code', email: email(`u${round}`) })).status, 200);
        return [t1 - t0, performance.now() - t1];
      });
      assert.ok(result.comparable, `known vs unknown recovery times differ beyond noise: ${JSON.stringify(result)}`);
    });
  });
}
