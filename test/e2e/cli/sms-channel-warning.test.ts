import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../testkit/server.js';
import { startServeProcess } from '../../testkit/serve-process.js';

// `tessera serve` with identity schemas whose traits get codes by SMS: one start-up warning when no
// SMS channel is configured, none when one is (courier.channels or the legacy courier.sms).

const KRATOS = 'ory.sh/kratos';
const WARNING = 'SMS addresses without an SMS channel';

const phoneSchema = {
  type: 'object',
  properties: {
    traits: {
      type: 'object',
      properties: {
        email: { type: 'string', format: 'email', [KRATOS]: { credentials: { password: { identifier: true } }, verification: { via: 'email' } } },
        contact: {
          type: 'object',
          properties: {
            mobile: { type: 'string', format: 'tel', [KRATOS]: { verification: { via: 'sms' }, recovery: { via: 'sms' } } },
            sign_in: { type: 'object', properties: { phone: { type: 'string', format: 'tel', [KRATOS]: { credentials: { code: { identifier: true, via: 'sms' } } } } } },
          },
        },
      },
      required: ['email'],
    },
  },
};
const emailOnlySchema = {
  type: 'object',
  properties: { traits: { type: 'object', properties: { email: { type: 'string', format: 'email', [KRATOS]: { credentials: { password: { identifier: true } } } } } } },
};
const base64 = (v: unknown) => `base64://${Buffer.from(JSON.stringify(v)).toString('base64')}`;
const smsBody = base64('function(ctx) { to: ctx.recipient, body: ctx.body }');

describe('start-up warning for SMS addresses without an SMS channel', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-sms-warning-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts `serve` with `courier` lines added to the config; returns everything it logged until it was ready. */
  async function startUpLog(name: string, courier: string[]): Promise<string> {
    const ports = { public: await freePort(), admin: await freePort() };
    const file = join(dir, `${name}.yml`);
    writeFileSync(
      file,
      [
        'dsn: memory',
        'serve:',
        `  public: { host: 127.0.0.1, port: ${ports.public}, base_url: "http://127.0.0.1:${ports.public}/" }`,
        `  admin: { host: 127.0.0.1, port: ${ports.admin} }`,
        'identity:',
        '  default_schema_id: staff',
        `  schemas: [{ id: staff, url: "${base64(emailOnlySchema)}" }, { id: customers, url: "${base64(phoneSchema)}" }]`,
        'selfservice: { default_browser_return_url: "http://127.0.0.1:4455/" }',
        'secrets: { default: ["a-test-secret-of-enough-length"] }',
        'hashers: { algorithm: bcrypt, bcrypt: { cost: 12 } }',
        'log: { level: warning }',
        ...courier,
      ].join('\n'),
    );
    const serve = await startServeProcess(file, `http://127.0.0.1:${ports.admin}/health/ready`);
    const code = await serve.stop();
    assert.equal(code, 0, serve.output());
    return serve.output();
  }

  const warnings = (out: string) => out.split('\n').filter((l) => l.includes(WARNING)).map((l) => JSON.parse(l) as { level: number; msg: string; sms_traits: Record<string, string[]> });

  test('no SMS channel: one warning naming the schema and its SMS traits', async () => {
    const out = await startUpLog('no-channel', []);
    const found = warnings(out);
    assert.equal(found.length, 1, out);
    const w = found[0]!;
    assert.equal(w.level, 40, 'logged as a warning');
    assert.match(w.msg, /identity schema "customers" \(traits\.contact\.mobile, traits\.contact\.sign_in\.phone\)/);
    assert.doesNotMatch(w.msg, /"staff"/);
    assert.match(w.msg, /cannot be sent until an SMS channel is configured/);
    assert.match(w.msg, /never sent by email instead/);
    assert.deepEqual(w.sms_traits, { customers: ['traits.contact.mobile', 'traits.contact.sign_in.phone'] });
  });

  test('an SMS channel in courier.channels: no warning', async () => {
    const out = await startUpLog('channel', [
      'courier:',
      '  channels:',
      `    - { id: sms, type: http, request_config: { url: "http://127.0.0.1:9/sms", method: POST, body: "${smsBody}" } }`,
    ]);
    assert.deepEqual(warnings(out), []);
  });

  test('the legacy courier.sms enabled with a request: no warning', async () => {
    const out = await startUpLog('legacy', [
      'courier:',
      `  sms: { enabled: true, from: Tessera, request_config: { url: "http://127.0.0.1:9/sms", method: POST, body: "${smsBody}" } }`,
    ]);
    assert.deepEqual(warnings(out), []);
  });
});
