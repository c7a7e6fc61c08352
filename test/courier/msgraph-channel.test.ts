import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { validateConfig } from '../../src/config/validate.js';
import { createMsGraphChannel } from '../../src/courier/channels/msgraph.js';
import type { MsGraphChannelConfig, MsGraphChannelOptions } from '../../src/courier/channels/msgraph.js';
import { DeliveryError } from '../../src/courier/message.js';
import type { OutgoingMessage } from '../../src/courier/message.js';

// A loopback stand-in for the Microsoft identity platform's token endpoint and Graph's sendMail.
interface Graph {
  url: string;
  server: Server;
  tokenRequests: URLSearchParams[];
  mails: { auth: string | undefined; body: Record<string, unknown> }[];
  /** Lifetime the token endpoint announces. */
  expiresIn: number;
  issued: number;
  /** Tokens sendMail accepts; the newest is always accepted unless `rejectAll`. */
  revoked: Set<string>;
  rejectAll: boolean;
  tokenStatus: number;
  tokenDelayMs: number;
  mailHandler: ((req: IncomingMessage, res: ServerResponse) => boolean) | null;
}

async function startGraph(): Promise<Graph> {
  const g: Graph = {
    url: '',
    server: null as unknown as Server,
    tokenRequests: [],
    mails: [],
    expiresIn: 3599,
    issued: 0,
    revoked: new Set(),
    rejectAll: false,
    tokenStatus: 200,
    tokenDelayMs: 0,
    mailHandler: null,
  };
  g.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (req.url === '/tenant/oauth2/v2.0/token') {
        g.tokenRequests.push(new URLSearchParams(text));
        setTimeout(() => {
          if (g.tokenStatus !== 200) {
            res.writeHead(g.tokenStatus, { 'Content-Type': 'application/json' });
            res.end('{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}');
            return;
          }
          g.issued++;
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ token_type: 'Bearer', expires_in: g.expiresIn, access_token: `tok-${g.issued}` }));
        }, g.tokenDelayMs);
        return;
      }
      if (req.url === '/v1.0/users/sender@example.org/sendMail') {
        if (g.mailHandler?.(req, res)) return;
        const auth = req.headers.authorization;
        g.mails.push({ auth, body: JSON.parse(text) as Record<string, unknown> });
        const tok = auth?.replace(/^Bearer /, '') ?? '';
        if (g.rejectAll || g.revoked.has(tok) || tok !== `tok-${g.issued}`) {
          res.writeHead(401, { 'Content-Type': 'application/json' });
          res.end('{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired or is not yet valid."}}');
          return;
        }
        res.writeHead(202);
        res.end();
        return;
      }
      res.writeHead(404);
      res.end();
    });
  });
  await new Promise<void>((resolve) => g.server.listen(0, '127.0.0.1', resolve));
  g.url = `http://127.0.0.1:${(g.server.address() as AddressInfo).port}`;
  return g;
}

function message(i = 1): OutgoingMessage {
  return {
    id: `00000000-0000-4000-8000-00000000000${i}`,
    type: 'email',
    recipient: `user${i}@example.org`,
    templateType: 'verification_code_valid',
    templateData: { To: `user${i}@example.org`, VerificationCode: '111222' },
    subject: 'Verify your address',
    bodyText: 'Code 111222',
    bodyHtml: '<b>Code 111222</b>',
  };
}

describe('courier Microsoft Graph channel', () => {
  let g: Graph;
  let dir: string;
  let clock = 1_700_000_000_000;
  before(async () => {
    g = await startGraph();
    dir = await mkdtemp(join(tmpdir(), 'tessera-msgraph-'));
  });
  after(async () => {
    g.server.closeAllConnections();
    await new Promise((r) => g.server.close(r));
    await rm(dir, { recursive: true, force: true });
  });
  const reset = (): void => {
    g.tokenRequests.length = 0;
    g.mails.length = 0;
    g.issued = 0;
    g.expiresIn = 3599;
    g.revoked.clear();
    g.rejectAll = false;
    g.tokenStatus = 200;
    g.tokenDelayMs = 0;
    g.mailHandler = null;
  };
  const config = (over: Partial<MsGraphChannelConfig> = {}): MsGraphChannelConfig => ({
    id: 'email',
    mail_endpoint: `${g.url}/v1.0/users/sender@example.org/sendMail`,
    token_endpoint: `${g.url}/tenant/oauth2/v2.0/token`,
    client_id: 'app-123',
    client_secret: 'shh',
    scope: ['https://graph.microsoft.com/.default'],
    ...over,
  });
  const options = (over: Partial<MsGraphChannelOptions> = {}): MsGraphChannelOptions => ({ allowPrivateNetworks: true, now: () => clock, ...over });

  it('fetches one token for many sends, concurrent ones included, and posts sendMail with an HTML body', async () => {
    reset();
    g.tokenDelayMs = 50;
    const ch = createMsGraphChannel(config({ from: 'noreply@example.org', scope: ['a', 'b'], scope_delimiter: ',' }), options());
    try {
      await Promise.all([1, 2, 3, 4, 5].map((i) => ch.send(message(i))));
      await ch.send(message(6));
      await ch.send(message(7));
    } finally {
      await ch.close();
    }
    assert.equal(g.tokenRequests.length, 1);
    const form = g.tokenRequests[0]!;
    assert.equal(form.get('grant_type'), 'client_credentials');
    assert.equal(form.get('client_id'), 'app-123');
    assert.equal(form.get('client_secret'), 'shh');
    assert.equal(form.get('scope'), 'a,b');
    assert.equal(g.mails.length, 7);
    assert.ok(g.mails.every((m) => m.auth === `Bearer tok-${g.issued}`));
    const first = g.mails.find((m) => JSON.stringify(m.body).includes('user1@'))!;
    assert.deepEqual(first.body, {
      message: {
        subject: 'Verify your address',
        body: { contentType: 'HTML', content: '<b>Code 111222</b>' },
        toRecipients: [{ emailAddress: { address: 'user1@example.org' } }],
        from: { emailAddress: { address: 'noreply@example.org' } },
        internetMessageHeaders: [{ name: 'X-Tessera-Message-Id', value: '00000000-0000-4000-8000-000000000001' }],
      },
      saveToSentItems: false,
    });
  });

  it('renews the token shortly before it expires', async () => {
    reset();
    g.expiresIn = 120; // renewed 60 s before expiry
    const ch = createMsGraphChannel(config(), options());
    try {
      await ch.send(message(1));
      clock += 59_000;
      await ch.send(message(2));
      assert.equal(g.tokenRequests.length, 1);
      clock += 2_000;
      await ch.send(message(3));
      assert.equal(g.tokenRequests.length, 2);
      g.expiresIn = 2; // a very short lifetime is renewed after half of it
      clock += 200_000;
      await ch.send(message(4));
      assert.equal(g.tokenRequests.length, 3);
      clock += 900;
      await ch.send(message(5));
      assert.equal(g.tokenRequests.length, 3);
      clock += 200;
      await ch.send(message(6));
      assert.equal(g.tokenRequests.length, 4);
    } finally {
      await ch.close();
    }
    assert.equal(g.mails.length, 6);
  });

  it('answers a 401 from sendMail with a new token and one retry', async () => {
    reset();
    const ch = createMsGraphChannel(config(), options());
    try {
      await ch.send(message(1));
      g.revoked.add(`tok-${g.issued}`);
      await ch.send(message(2));
      assert.equal(g.tokenRequests.length, 2);
      assert.deepEqual(
        g.mails.map((m) => m.auth),
        ['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2'],
      );
      // A second 401 is a failed attempt, not a loop.
      g.rejectAll = true;
      const before = g.mails.length;
      await assert.rejects(ch.send(message(3)), (err: unknown) => err instanceof DeliveryError && !err.permanent && /status code 401.*InvalidAuthenticationToken/.test(err.message));
      assert.equal(g.mails.length - before, 2);
      assert.equal(g.tokenRequests.length, 3);
    } finally {
      await ch.close();
    }
  });

  it('reads client_secret_path each time it fetches a token', async () => {
    reset();
    const path = join(dir, 'secret');
    await writeFile(path, 'first-secret\n');
    g.expiresIn = 120;
    const ch = createMsGraphChannel(config({ client_secret: undefined, client_secret_path: path }), options());
    try {
      await ch.send(message(1));
      await writeFile(path, 'second-secret\n');
      await ch.send(message(2)); // token still valid: the file is not read
      clock += 61_000;
      await ch.send(message(3));
    } finally {
      await ch.close();
    }
    assert.deepEqual(
      g.tokenRequests.map((f) => f.get('client_secret')),
      ['first-secret', 'second-secret'],
    );
  });

  it('fails with the status and excerpt when the token endpoint refuses, and sends nothing', async () => {
    reset();
    g.tokenStatus = 401;
    const ch = createMsGraphChannel(config(), options());
    try {
      await assert.rejects(ch.send(message(1)), (err: unknown) => err instanceof DeliveryError && /token endpoint replied with status code 401: .*invalid_client/.test(err.message));
    } finally {
      await ch.close();
    }
    assert.equal(g.mails.length, 0);
  });

  it('fails a sendMail that does not answer in time, and a 5xx, as retryable', async () => {
    reset();
    const ch = createMsGraphChannel(config(), options({ timeoutMs: 200 }));
    try {
      g.mailHandler = () => true; // swallow: never answer
      await assert.rejects(ch.send(message(1)), (err: unknown) => err instanceof DeliveryError && !err.permanent && /within 200 ms/.test(err.message));
      g.mailHandler = (_req, res) => {
        res.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '3' });
        res.end('{"error":{"code":"ServiceUnavailable"}}');
        return true;
      };
      await assert.rejects(ch.send(message(2)), (err: unknown) => err instanceof DeliveryError && !err.permanent && /status code 503.*ServiceUnavailable/.test(err.message));
    } finally {
      await ch.close();
    }
  });

  it('refuses loopback endpoints unless private networks are allowed', async () => {
    reset();
    const ch = createMsGraphChannel(config(), { now: () => clock });
    try {
      await assert.rejects(ch.send(message(1)), (err: unknown) => err instanceof DeliveryError && /not a public address/.test(err.message));
    } finally {
      await ch.close();
    }
    assert.equal(g.tokenRequests.length, 0);
  });

  it('rejects a configuration without a secret or with a relative endpoint', () => {
    assert.throws(() => createMsGraphChannel(config({ client_secret: undefined })), /client_secret or client_secret_path/);
    assert.throws(() => createMsGraphChannel(config({ mail_endpoint: '/sendMail' })), /not an absolute URL/);
  });

  it('is configured as courier.channels[] with type msgraph and msgraph_config', () => {
    const cfg = (ch: unknown): { issues: ReturnType<typeof validateConfig>; channel: Record<string, unknown> } => {
      const data = { dsn: 'memory', courier: { channels: [ch] } } as { courier: { channels: Record<string, unknown>[] } };
      const issues = validateConfig(data);
      return { issues, channel: data.courier.channels[0]! };
    };
    const graph = {
      mail_endpoint: 'https://graph.microsoft.com/v1.0/users/noreply@example.org/sendMail',
      token_endpoint: 'https://login.microsoftonline.com/tenant/oauth2/v2.0/token',
      client_id: 'app',
      client_secret_path: '/run/secrets/graph',
    };
    const ok = cfg({ id: 'email', type: 'msgraph', msgraph_config: graph });
    assert.deepEqual(ok.issues.filter((i) => i.segments[0] === 'courier'), []);
    assert.deepEqual(ok.channel.msgraph_config, { ...graph, scope: ['https://graph.microsoft.com/.default'], scope_delimiter: ' ' });
    const paths = (ch: unknown): string[] => cfg(ch).issues.filter((i) => i.segments[0] === 'courier').map((i) => `${i.segments.join('.')} ${i.message}`);
    assert.deepEqual(paths({ id: 'email', type: 'msgraph' }), ['courier.channels.0.msgraph_config is required']);
    assert.deepEqual(paths({ id: 'email', type: 'msgraph', msgraph_config: { ...graph, client_secret_path: undefined } }), [
      'courier.channels.0.msgraph_config.client_secret is required',
      'courier.channels.0.msgraph_config.client_secret_path is required',
    ]);
    assert.deepEqual(paths({ id: 'email', type: 'msgraph', msgraph_config: { ...graph, token_endpoint: 'login.example' } }), [
      'courier.channels.0.msgraph_config.token_endpoint invalid URL "login.example": expected an absolute http:// or https:// URL',
    ]);
  });
});
