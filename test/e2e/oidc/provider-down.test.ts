// A social sign-in provider that cannot be reached when its button is pressed (its discovery
// document does not load): a browser is sent to the error UI with the provider's failure (502), as
// Kratos forwards browser errors there; a SPA and a native app get the 502 envelope; nothing is
// created and the flow can still be used with another method.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { freePort, startTestServer, type TestServer } from '../../testkit/server.js';
import { TestBrowser, nodeValue } from '../../testkit/browser.js';

const UI = 'http://127.0.0.1:4455';

for (const factory of testDatabases()) {
  describe(`a social sign-in provider that is down, on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    const pub = (p: string) => `${s.publicUrl}${p.replace(/^\//, '')}`;

    before(async () => {
      db = await factory.create();
      s = await startTestServer({
        dsn: db.dsn,
        config: {
          selfservice: {
            default_browser_return_url: `${UI}/welcome`,
            methods: {
              oidc: {
                enabled: true,
                config: {
                  providers: [
                    {
                      id: 'down',
                      provider: 'generic',
                      client_id: 'client',
                      client_secret: 'secret',
                      // A loopback port found free and left closed: nothing answers there.
                      issuer_url: `http://127.0.0.1:${await freePort()}/`,
                      mapper_url: `base64://${Buffer.from("{ identity: { traits: { email: std.extVar('claims').email } } }").toString('base64')}`,
                    },
                  ],
                },
              },
            },
            flows: { login: { ui_url: `${UI}/login` }, registration: { ui_url: `${UI}/registration` }, error: { ui_url: `${UI}/error` } },
          },
        },
      });
    });
    after(async () => {
      await s?.close();
      await db?.drop();
    });

    async function browserFlow(b: TestBrowser, kind: 'login' | 'registration') {
      const init = await b.get(pub(`/self-service/${kind}/browser`));
      assert.equal(init.status, 303);
      const id = new URL(init.location!).searchParams.get('flow')!;
      return (await b.request('GET', pub(`/self-service/${kind}/flows?id=${id}`), { headers: { accept: 'application/json' } })).body;
    }

    for (const kind of ['login', 'registration'] as const) {
      test(`${kind}: a browser pressing the button lands on the error UI with the provider's failure`, async () => {
        const b = new TestBrowser();
        const flow = await browserFlow(b, kind);
        const res = await b.postForm(flow.ui.action, { csrf_token: String(nodeValue(flow, 'csrf_token')), provider: 'down' });
        assert.equal(res.status, 303, JSON.stringify(res.body));
        const to = new URL(res.location!);
        assert.equal(`${to.origin}${to.pathname}`, `${UI}/error`);
        const shown = await b.get(pub(`/self-service/errors?id=${to.searchParams.get('id')}`));
        assert.equal(shown.status, 200);
        assert.equal(shown.body.error.code, 502);
        assert.equal(shown.body.error.status, 'Bad Gateway');
        // The flow is still there to be used.
        const again = await b.request('GET', pub(`/self-service/${kind}/flows?id=${flow.id}`), { headers: { accept: 'application/json' } });
        assert.equal(again.status, 200);
      });

      test(`${kind}: a SPA gets the 502 envelope`, async () => {
        const b = new TestBrowser();
        const flow = await browserFlow(b, kind);
        const res = await b.request('POST', flow.ui.action, { json: { csrf_token: String(nodeValue(flow, 'csrf_token')), provider: 'down', method: 'oidc' }, headers: { accept: 'application/json' } });
        assert.equal(res.status, 502);
        assert.equal(res.body.error.code, 502);
      });
    }
  });
}
