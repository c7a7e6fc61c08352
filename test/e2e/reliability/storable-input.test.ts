import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';

// Input no database can store (NUL, lone surrogates, bytes that are not UTF-8) is refused with a
// 400 in the Kratos envelope before any handler runs, on every database alike, and nothing is
// written or queued for it. The cases below are the ones that answered 500 before.

const PASSWORD = 'a sufficiently long passphrase 42';
const email = (n: string) => `${n}-${Math.random().toString(36).slice(2, 8)}@example.com`;

for (const factory of testDatabases()) {
  describe(`input the database cannot store, on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;

    before(async () => {
      db = await factory.create();
      s = await startTestServer({
        dsn: db.dsn,
        config: {
          selfservice: {
            methods: { password: { config: { haveibeenpwned_enabled: false } } },
            flows: { verification: { enabled: true, use: 'code' }, registration: { after: { password: { hooks: [{ hook: 'session' }] } } } },
          },
        },
      });
    });
    after(async () => {
      await s?.close();
      await db?.drop();
    });

    const raw = async (method: string, url: string, body?: string | Buffer, contentType = 'application/json') => {
      const res = await fetch(url, { method, body, headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': contentType } : {}) } });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };

    const assertRefused = (res: { status: number; body: any }, what: string) => {
      assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 400, what);
      assert.match(res.body.error.reason, /NUL|surrogate|UTF-8/, what);
    };

    const counts = async () => ({
      identities: Number((await s.registry.database.db.selectFrom('identities').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
      messages: Number((await s.registry.database.db.selectFrom('courier_messages').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    });

    test('NUL, lone surrogates and invalid UTF-8 in self-service bodies: 400, nothing stored or queued', async () => {
      const before = await counts();
      const reg = await s.publicApi.get('/self-service/registration/api');
      const action = reg.body.ui.action as string;
      const traits = (first: string) => ({ email: email('poison'), name: { first } });
      assertRefused(await raw('POST', action, JSON.stringify({ method: 'password', password: PASSWORD, traits: traits('Ada\u0000') })), 'NUL in a trait');
      assertRefused(await raw('POST', action, JSON.stringify({ method: 'password', password: PASSWORD, traits: traits('Ada\ud800') })), 'lone surrogate in a trait');
      const bad = Buffer.concat([Buffer.from(`{"method":"password","password":"${PASSWORD}","traits":{"email":"${email('bytes')}","name":{"first":"A`), Buffer.from([0xff, 0xfe]), Buffer.from('"}}}')]);
      assertRefused(await raw('POST', action, bad), 'invalid UTF-8 bytes in a JSON body');
      assertRefused(await raw('POST', action, `method=password&password=x&traits.email=a%00b%40example.com`, 'application/x-www-form-urlencoded'), 'NUL in a form field');
      assertRefused(await raw('POST', action, `method=password&password=x&traits.email=a%FFb%40example.com`, 'application/x-www-form-urlencoded'), 'invalid UTF-8 in a form field');

      const login = await s.publicApi.get('/self-service/login/api');
      assertRefused(await raw('POST', login.body.ui.action, JSON.stringify({ method: 'password', identifier: 'someone\u0000@example.com', password: PASSWORD })), 'NUL in the login identifier');

      const verification = await s.publicApi.get('/self-service/verification/api');
      assertRefused(await raw('POST', verification.body.ui.action, JSON.stringify({ method: 'code', email: 'x\u0000@example.com' })), 'NUL in a verification address');
      assert.deepEqual(await counts(), before);
    });

    test('query strings and page tokens: NUL, invalid UTF-8 and repeated tokens are 400', async () => {
      const admin = (p: string) => `${s.adminUrl}${p}`;
      assertRefused(await raw('GET', admin('admin/identities?credentials_identifier=a%00b')), 'NUL in an identity filter');
      assertRefused(await raw('GET', admin('admin/courier/messages?recipient=a%00b')), 'NUL in a courier filter');
      assertRefused(await raw('GET', admin('admin/identities?credentials_identifier=a%C0b')), 'invalid UTF-8 in a filter');
      assertRefused(await raw('GET', admin('admin/courier/messages?page_token=%00')), 'NUL in a page token');
      const repeated = await raw('GET', admin('admin/courier/messages?page_token=a&page_token=b'));
      assert.equal(repeated.status, 400, JSON.stringify(repeated.body));
      const repeatedIdentities = await raw('GET', admin('admin/identities?page_token=a&page_token=b'));
      assert.equal(repeatedIdentities.status, 400, JSON.stringify(repeatedIdentities.body));
    });

    test('a JSON Patch on the whole document (path "") is a 400, and the identity is unchanged', async () => {
      const created = await s.adminApi.post('/admin/identities', { schema_id: 'default', traits: { email: email('patch') } });
      assert.equal(created.status, 201);
      const res = await raw('PATCH', `${s.adminUrl}admin/identities/${created.body.id}`, JSON.stringify([{ op: 'replace', path: '', value: {} }]));
      assert.equal(res.status, 400, JSON.stringify(res.body));
      const after = await s.adminApi.get(`/admin/identities/${created.body.id}`);
      assert.deepEqual(after.body.traits, created.body.traits);
    });

    test('a valid request still works after the refusals (the check lets ordinary Unicode through)', async () => {
      const reg = await s.publicApi.get('/self-service/registration/api');
      const res = await raw('POST', reg.body.ui.action, JSON.stringify({ method: 'password', password: PASSWORD, traits: { email: email('ok'), name: { first: 'Zoë 🦊 Ünïcödé' } } }));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.identity.traits.name.first, 'Zoë 🦊 Ünïcödé');
    });
  });
}

describe('an overlong password for an unknown identifier with bcrypt', () => {
  let db: TestDatabase;
  let s: TestServer;
  before(async () => {
    db = await testDatabases()[0]!.create();
    s = await startTestServer({ dsn: db.dsn, config: { hashers: { algorithm: 'bcrypt', bcrypt: { cost: 4 } } } });
  });
  after(async () => {
    await s?.close();
    await db?.drop();
  });

  test('is a failed login (400 with a flow message), not a 500', async () => {
    const login = await s.publicApi.get('/self-service/login/api');
    const res = await s.publicApi.post(login.body.ui.action.replace(s.publicUrl, '/'), { method: 'password', identifier: 'nobody@example.com', password: 'x'.repeat(200) });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.ok(res.body.ui, 'a flow with messages');
  });
});
