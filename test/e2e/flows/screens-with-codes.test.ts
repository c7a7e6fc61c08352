import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from '../../testkit/databases.js';
import { fixture } from '../../testkit/server.js';
import { codeIn, mailboxConfig, mailSuite, type MailSuite } from '../../testkit/mailbox.js';
import { messageIds } from '../../testkit/browser.js';

const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;

type Node = { group: string; attributes: { name?: string; type?: string; value?: unknown } };
type FlowBody = { id: string; state: string; ui: { nodes: Node[]; messages?: Array<{ id: number }> } };
/** Each node's group, name and type, without values (the identifier, the CSRF token). */
const shape = (f: FlowBody) => f.ui.nodes.map((n) => `${n.group}:${n.attributes.name}:${n.attributes.type}`);

/**
 * A one-time code as the credential of the second screen: two-step sign-up, then identifier-first
 * sign-in, with a real SMTP sink and courier; an unknown identifier gets the same answers and no mail.
 */
for (const factory of testDatabases()) {
  describe(`one-time codes after the first screen (two-step sign-up, identifier-first sign-in) on ${factory.name}`, () => {
    let m: MailSuite;
    mailSuite(
      factory,
      (mailbox) => ({
        ...mailboxConfig(mailbox),
        identity: { default_schema_id: 'code', schemas: [{ id: 'code', url: `file://${fixture('code.schema.json')}` }] },
        selfservice: {
          methods: { password: { config: { haveibeenpwned_enabled: false } }, code: { enabled: true, passwordless_enabled: true } },
          flows: {
            login: { style: 'identifier_first' },
            registration: { enable_legacy_one_step: false, after: { code: { hooks: [{ hook: 'session' }] } } },
          },
        },
      }),
      (suite) => (m = suite),
    );
    const mailsTo = (addr: string) => m.mailbox.received.filter((x) => x.to === addr);
    const post = (kind: 'login' | 'registration', flow: FlowBody, body: Record<string, unknown>) => m.s.publicApi.post(`/self-service/${kind}?flow=${flow.id}`, body);
    const newFlow = async (kind: 'login' | 'registration') => (await m.s.publicApi.get(`/self-service/${kind}/api`)).body as FlowBody;

    test('sign up: profile, then "Send sign up code", then the code; then sign in: identifier, then a code', async () => {
      const addr = email('code');
      const traits = { email: addr, name: 'Ada' };
      const reg = await newFlow('registration');
      const second = await post('registration', reg, { method: 'profile', traits });
      assert.equal(second.status, 400);
      assert.ok(shape(second.body).includes('code:method:submit'));
      const sent = await post('registration', reg, { method: 'code', traits });
      assert.equal(sent.status, 400, JSON.stringify(sent.body));
      assert.ok((sent.body as FlowBody).ui.nodes.some((n) => n.attributes.name === 'code'), 'the code step');
      const regCode = codeIn(await m.mailbox.waitFor(addr));
      const created = await post('registration', reg, { method: 'code', code: regCode, traits });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.equal(created.body.identity.traits.email, addr);

      const before = mailsTo(addr).length;
      const login = await newFlow('login');
      const next = await post('login', login, { method: 'identifier_first', identifier: addr });
      assert.equal(next.status, 400);
      assert.ok(shape(next.body).includes('code:method:submit'));
      const codeSent = await post('login', login, { method: 'code', identifier: addr });
      assert.equal(codeSent.status, 400);
      assert.deepEqual(messageIds(codeSent.body), [1010014]);
      await m.mailbox.waitFor(addr, () => mailsTo(addr).length > before);
      const loginCode = codeIn(mailsTo(addr).at(-1)!);
      const signedIn = await post('login', login, { method: 'code', identifier: addr, code: loginCode });
      assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
      assert.equal(signedIn.body.session.identity.id, created.body.identity.id);
    });

    test('an unknown identifier: the same screens and answers, and no mail', async () => {
      const known = email('known');
      const reg = await newFlow('registration');
      await post('registration', reg, { method: 'code', traits: { email: known, name: 'K' } });
      await post('registration', reg, { method: 'code', code: codeIn(await m.mailbox.waitFor(known)), traits: { email: known, name: 'K' } });

      const nobody = email('nobody');
      const [a, b] = [await newFlow('login'), await newFlow('login')];
      const [knownNext, unknownNext] = [await post('login', a, { method: 'identifier_first', identifier: known }), await post('login', b, { method: 'identifier_first', identifier: nobody })];
      assert.equal(knownNext.status, unknownNext.status);
      assert.deepEqual(shape(knownNext.body), shape(unknownNext.body));
      const [knownSent, unknownSent] = [await post('login', a, { method: 'code', identifier: known }), await post('login', b, { method: 'code', identifier: nobody })];
      assert.equal(knownSent.status, unknownSent.status);
      assert.deepEqual(shape(knownSent.body), shape(unknownSent.body));
      assert.deepEqual(messageIds(knownSent.body), messageIds(unknownSent.body));
      await m.mailbox.waitFor(known, () => mailsTo(known).length >= 2);
      assert.equal(m.mailbox.received.filter((x) => x.to === nobody).length, 0, 'nothing went to the unknown address');
    });
  });
}
