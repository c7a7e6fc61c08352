import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { JsonnetWorkerPool } from '../../packages/jsonnet/src/index.js';
import { createHttpChannel, legacySmsChannelConfig, snakeCaseKey } from '../../src/courier/channels/http.js';
import { isNonPublicAddress } from '../../src/courier/channels/outbound-request.js';
import { DeliveryError } from '../../src/courier/message.js';
import type { OutgoingMessage } from '../../src/courier/message.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

interface Peer {
  url: string;
  seen: Seen[];
  connections: number;
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void;
  server: Server;
}

async function startPeer(): Promise<Peer> {
  const peer: Peer = {
    url: '',
    seen: [],
    connections: 0,
    handler: (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{}');
    },
    server: null as unknown as Server,
  };
  peer.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      peer.seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      peer.handler(req, res, body);
    });
  });
  peer.server.on('connection', () => peer.connections++);
  await new Promise<void>((resolve) => peer.server.listen(0, '127.0.0.1', resolve));
  peer.url = `http://127.0.0.1:${(peer.server.address() as AddressInfo).port}`;
  return peer;
}

const b64 = (s: string): string => 'base64://' + Buffer.from(s).toString('base64');

function email(over: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    id: '7b0c2b0e-8f7e-4a8a-9d6c-5b8e0c9c0a01',
    type: 'email',
    recipient: 'ada@example.org',
    templateType: 'recovery_code_valid',
    templateData: { To: 'ada@example.org', RecoveryCode: '123456', RequestURL: 'https://app.example/r', ExpiresInMinutes: 15, Identity: { id: 'i-1', traits: { email: 'ada@example.org' } } },
    subject: 'Recover access',
    bodyText: 'Your code is 123456',
    bodyHtml: '<p>Your code is 123456</p>',
    ...over,
  };
}

function sms(over: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    id: '7b0c2b0e-8f7e-4a8a-9d6c-5b8e0c9c0a02',
    type: 'sms',
    recipient: '+15550100',
    templateType: 'verification_code_valid',
    templateData: { To: '+15550100', VerificationCode: '654321' },
    subject: '',
    bodyText: 'Code: 654321',
    ...over,
  };
}

describe('courier HTTP channel', () => {
  let peer: Peer;
  let dir: string;
  before(async () => {
    peer = await startPeer();
    dir = await mkdtemp(join(tmpdir(), 'tessera-http-channel-'));
  });
  after(async () => {
    peer.server.closeAllConnections();
    await new Promise((r) => peer.server.close(r));
    await rm(dir, { recursive: true, force: true });
  });
  const reset = (): void => {
    peer.seen.length = 0;
    peer.handler = (_req, res) => {
      res.writeHead(202);
      res.end();
    };
  };

  it('sends the JSON a base64 Jsonnet template builds from the Kratos ctx', async () => {
    reset();
    const template = `function(ctx) {
      to: ctx.recipient, subject: ctx.subject, text: ctx.body, html: ctx.html_body,
      kind: ctx.template_type, type: ctx.message_type,
      code: ctx.template_data.recovery_code, url: ctx.template_data.request_url,
      minutes: ctx.template_data.expires_in_minutes, identity: ctx.template_data.identity.id,
    }`;
    const ch = createHttpChannel(
      { id: 'email', type: 'email', request_config: { url: `${peer.url}/mail/send?x=1`, headers: { 'X-Tenant': 't1' }, body: b64(template) } },
      { allowPrivateNetworks: true },
    );
    try {
      await ch.send(email());
      await ch.send(email({ recipient: 'bob@example.org' }));
    } finally {
      await ch.close();
    }
    assert.equal(peer.seen.length, 2);
    const first = peer.seen[0]!;
    assert.equal(first.method, 'POST');
    assert.equal(first.url, '/mail/send?x=1');
    assert.equal(first.headers['content-type'], 'application/json');
    assert.equal(first.headers['x-tenant'], 't1');
    assert.deepEqual(JSON.parse(first.body), {
      to: 'ada@example.org',
      subject: 'Recover access',
      text: 'Your code is 123456',
      html: '<p>Your code is 123456</p>',
      kind: 'recovery_code_valid',
      type: 'email',
      code: '123456',
      url: 'https://app.example/r',
      minutes: 15,
      identity: 'i-1',
    });
    assert.equal(JSON.parse(peer.seen[1]!.body).to, 'bob@example.org');
  });

  it('reads std.extVar("ctx") templates from a file:// path, with the configured method', async () => {
    reset();
    const path = join(dir, 'body.jsonnet');
    await writeFile(path, "local ctx = std.extVar('ctx'); { recipient: ctx.recipient, type: ctx.template_type }");
    const ch = createHttpChannel(
      { id: 'email', type: 'email', request_config: { url: `${peer.url}/put`, method: 'put', body: `file://${path}` } },
      { allowPrivateNetworks: true },
    );
    try {
      await ch.send(email());
    } finally {
      await ch.close();
    }
    assert.equal(peer.seen[0]!.method, 'PUT');
    assert.deepEqual(JSON.parse(peer.seen[0]!.body), { recipient: 'ada@example.org', type: 'recovery_code_valid' });
  });

  it('uses the default body (Kratos fields) when no template is configured', async () => {
    reset();
    const ch = createHttpChannel({ id: 'email', type: 'email', request_config: { url: `${peer.url}/d` } }, { allowPrivateNetworks: true });
    try {
      await ch.send(email());
    } finally {
      await ch.close();
    }
    const body = JSON.parse(peer.seen[0]!.body);
    assert.equal(body.recipient, 'ada@example.org');
    assert.equal(body.recovery_code, '123456');
    assert.equal(body.verification_url, null);
    assert.equal(body.subject, 'Recover access');
    assert.equal(body.body, 'Your code is 123456');
  });

  it('sends a form when Content-Type is application/x-www-form-urlencoded', async () => {
    reset();
    const ch = createHttpChannel(
      {
        id: 'sms',
        type: 'sms',
        request_config: {
          url: `${peer.url}/2010-04-01/Messages.json`,
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: b64('function(ctx) { To: ctx.recipient, Body: ctx.body, Retries: 2, Flag: true, Empty: null }'),
        },
      },
      { allowPrivateNetworks: true },
    );
    try {
      await ch.send(sms({ bodyText: 'Code: 654321 & more' }));
    } finally {
      await ch.close();
    }
    const seen = peer.seen[0]!;
    assert.equal(seen.headers['content-type'], 'application/x-www-form-urlencoded');
    const form = new URLSearchParams(seen.body);
    assert.equal(form.get('To'), '+15550100');
    assert.equal(form.get('Body'), 'Code: 654321 & more');
    assert.equal(form.get('Retries'), '2');
    assert.equal(form.get('Flag'), 'true');
    assert.equal(form.get('Empty'), '');
  });

  it('refuses a nested value in a form body permanently', async () => {
    reset();
    const ch = createHttpChannel(
      {
        id: 'sms',
        type: 'sms',
        request_config: { url: `${peer.url}/f`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: b64('function(ctx) { a: { b: 1 } }') },
      },
      { allowPrivateNetworks: true },
    );
    try {
      await assert.rejects(ch.send(sms()), (err: unknown) => err instanceof DeliveryError && err.permanent && /flat/.test(err.message));
    } finally {
      await ch.close();
    }
    assert.equal(peer.seen.length, 0);
  });

  it('puts an api_key in a header, in a cookie, and basic auth credentials in Authorization', async () => {
    reset();
    const body = b64('function(ctx) { to: ctx.recipient }');
    const inHeader = createHttpChannel(
      { id: 'email', type: 'email', request_config: { url: `${peer.url}/a`, body, auth: { type: 'api_key', config: { name: 'X-API-Key', value: 's3cret', in: 'header' } } } },
      { allowPrivateNetworks: true },
    );
    const inCookie = createHttpChannel(
      {
        id: 'email',
        type: 'email',
        request_config: { url: `${peer.url}/b`, body, headers: { Cookie: 'lang=en' }, auth: { type: 'api_key', config: { name: 'session', value: 'abc', in: 'cookie' } } },
      },
      { allowPrivateNetworks: true },
    );
    const basic = createHttpChannel(
      { id: 'email', type: 'email', request_config: { url: `${peer.url}/c`, body, auth: { type: 'basic_auth', config: { user: 'courier', password: 'p:w' } } } },
      { allowPrivateNetworks: true },
    );
    try {
      await inHeader.send(email());
      await inCookie.send(email());
      await basic.send(email());
    } finally {
      await Promise.all([inHeader.close(), inCookie.close(), basic.close()]);
    }
    assert.equal(peer.seen[0]!.headers['x-api-key'], 's3cret');
    assert.equal(peer.seen[0]!.headers.cookie, undefined);
    assert.equal(peer.seen[1]!.headers.cookie, 'lang=en; session=abc');
    assert.equal(peer.seen[1]!.headers['x-api-key'], undefined);
    assert.equal(peer.seen[2]!.headers.authorization, 'Basic ' + Buffer.from('courier:p:w').toString('base64'));
  });

  it('turns a 500 answer into a DeliveryError with the status and a bounded excerpt', async () => {
    reset();
    peer.handler = (_req, res) => {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('upstream exploded: ' + 'x'.repeat(5000));
    };
    const ch = createHttpChannel(
      { id: 'email', type: 'email', request_config: { url: `${peer.url}/e`, body: b64('function(ctx) {}') } },
      { allowPrivateNetworks: true },
    );
    try {
      await assert.rejects(ch.send(email()), (err: unknown) => {
        assert.ok(err instanceof DeliveryError);
        assert.equal(err.permanent, false);
        assert.match(err.message, /status code 500/);
        assert.match(err.message, /upstream exploded: x+…$/);
        assert.ok(err.message.length < 700, `message length ${err.message.length}`);
        return true;
      });
    } finally {
      await ch.close();
    }
  });

  it('fails a request that gets no answer within the timeout (retryable)', async () => {
    reset();
    peer.handler = () => {
      /* never answers */
    };
    const ch = createHttpChannel(
      { id: 'email', type: 'email', request_config: { url: `${peer.url}/slow`, body: b64('function(ctx) {}') } },
      { allowPrivateNetworks: true, timeoutMs: 200 },
    );
    const started = Date.now();
    try {
      await assert.rejects(ch.send(email()), (err: unknown) => err instanceof DeliveryError && !err.permanent && /within 200 ms/.test(err.message));
    } finally {
      await ch.close();
    }
    assert.ok(Date.now() - started < 2000);
  });

  it('fails a refused connection (retryable)', async () => {
    const closed = await startPeer();
    const url = closed.url;
    await new Promise((r) => closed.server.close(r));
    const ch = createHttpChannel({ id: 'email', type: 'email', request_config: { url, body: b64('{}') } }, { allowPrivateNetworks: true });
    try {
      await assert.rejects(ch.send(email()), (err: unknown) => err instanceof DeliveryError && !err.permanent && /ECONNREFUSED/.test(err.message));
    } finally {
      await ch.close();
    }
  });

  it('fails permanently, without a request, when the Jsonnet template is broken', async () => {
    reset();
    const syntax = createHttpChannel(
      { id: 'email', type: 'email', request_config: { url: `${peer.url}/s`, body: b64('function(ctx) { to: ctx.recipient,,, }') } },
      { allowPrivateNetworks: true },
    );
    const runtime = createHttpChannel(
      { id: 'email', type: 'email', request_config: { url: `${peer.url}/r`, body: b64('function(ctx) { to: ctx.no_such_field }') } },
      { allowPrivateNetworks: true },
    );
    try {
      await assert.rejects(syntax.send(email()), (err: unknown) => err instanceof DeliveryError && err.permanent && /STATIC ERROR/.test(err.message));
      await assert.rejects(runtime.send(email()), (err: unknown) => err instanceof DeliveryError && err.permanent && /RUNTIME ERROR.*no_such_field/s.test(err.message));
    } finally {
      await Promise.all([syntax.close(), runtime.close()]);
    }
    assert.equal(peer.seen.length, 0);
  });

  it('fetches an http:// template once and reuses it', async () => {
    reset();
    let templateFetches = 0;
    peer.handler = (req, res) => {
      if (req.url === '/body.jsonnet') {
        templateFetches++;
        res.writeHead(200);
        res.end('function(ctx) { n: ctx.recipient }');
        return;
      }
      res.writeHead(200);
      res.end();
    };
    const ch = createHttpChannel(
      { id: 'email', type: 'email', request_config: { url: `${peer.url}/send`, body: `${peer.url}/body.jsonnet` } },
      { allowPrivateNetworks: true },
    );
    try {
      await Promise.all([ch.send(email()), ch.send(email())]);
      await ch.send(email());
    } finally {
      await ch.close();
    }
    assert.equal(templateFetches, 1);
    assert.equal(peer.seen.filter((s) => s.url === '/send').length, 3);
  });

  it('refuses loopback and private destinations without connecting unless allowed', async () => {
    reset();
    const before = peer.connections;
    const port = new URL(peer.url).port;
    for (const host of ['127.0.0.1', 'localhost', '[::1]', '[::ffff:127.0.0.1]']) {
      const ch = createHttpChannel({ id: 'email', type: 'email', request_config: { url: `http://${host}:${port}/x`, body: b64('{}') } });
      try {
        await assert.rejects(ch.send(email()), (err: unknown) => err instanceof DeliveryError && /not a public address/.test(err.message), host);
      } finally {
        await ch.close();
      }
    }
    // The template fetch is guarded too.
    const tpl = createHttpChannel({ id: 'email', type: 'email', request_config: { url: 'https://mail.example.com/send', body: `${peer.url}/body.jsonnet` } });
    try {
      await assert.rejects(tpl.send(email()), (err: unknown) => err instanceof DeliveryError && /not a public address/.test(err.message));
    } finally {
      await tpl.close();
    }
    assert.equal(peer.connections, before);
    assert.equal(peer.seen.length, 0);
    assert.equal(isNonPublicAddress('169.254.169.254'), true);
    assert.equal(isNonPublicAddress('10.0.0.8'), true);
    assert.equal(isNonPublicAddress('fd12::1'), true);
    assert.equal(isNonPublicAddress('93.184.215.14'), false);
    assert.equal(isNonPublicAddress('2606:4700::1111'), false);
    assert.equal(isNonPublicAddress('::ffff:10.0.0.1'), true);
    assert.equal(isNonPublicAddress('::ffff:8.8.8.8'), false);
    assert.equal(isNonPublicAddress('64:ff9b::192.168.1.1'), true);
    assert.equal(isNonPublicAddress('fe80::1%eth0'), true);
    assert.equal(isNonPublicAddress('100.64.0.1'), true);
    assert.equal(isNonPublicAddress('172.32.0.1'), false);
  });

  it('maps legacy courier.sms to an sms channel whose template sees from, to and body', async () => {
    reset();
    assert.equal(legacySmsChannelConfig({ enabled: false, from: 'X', request_config: { url: peer.url } }), null);
    const cfg = legacySmsChannelConfig({
      enabled: true,
      from: 'Tessera',
      request_config: { url: `${peer.url}/sms`, body: b64('function(ctx) { from: ctx.from, to: ctx.to, body: ctx.body, type: ctx.message_type }') },
    });
    assert.ok(cfg);
    assert.equal(cfg.id, 'sms');
    const ch = createHttpChannel(cfg, { allowPrivateNetworks: true });
    try {
      assert.equal(ch.type, 'sms');
      await ch.send(sms());
    } finally {
      await ch.close();
    }
    assert.deepEqual(JSON.parse(peer.seen[0]!.body), { from: 'Tessera', to: '+15550100', body: 'Code: 654321', type: 'sms' });
  });

  it('rejects a configuration whose url is not an absolute http(s) URL', () => {
    assert.throws(() => createHttpChannel({ id: 'e', type: 'email', request_config: { url: '/relative' } }), /not an absolute URL/);
    assert.throws(() => createHttpChannel({ id: 'e', type: 'email', request_config: { url: 'ftp://x.example/' } }), /not an http\(s\) URL/);
  });

  it('names template data as Kratos models do', () => {
    assert.equal(snakeCaseKey('RecoveryURL'), 'recovery_url');
    assert.equal(snakeCaseKey('ExpiresInMinutes'), 'expires_in_minutes');
    assert.equal(snakeCaseKey('To'), 'to');
    assert.equal(snakeCaseKey('TransientPayload'), 'transient_payload');
  });

  it('reaches a private URL listed in private_ip_exception_urls, and only that one', async () => {
    reset();
    const listed = `${peer.url}/listed`;
    const ok = createHttpChannel(
      { id: 'email', type: 'email', request_config: { url: listed, body: b64('{}') } },
      { privateIpExceptionUrls: [listed] },
    );
    const other = createHttpChannel(
      { id: 'email', type: 'email', request_config: { url: `${peer.url}/other`, body: b64('{}') } },
      { privateIpExceptionUrls: [listed] },
    );
    try {
      await ok.send(email());
      await assert.rejects(other.send(email()), /not a public address/);
    } finally {
      await Promise.all([ok.close(), other.close()]);
    }
    assert.deepEqual(peer.seen.map((s) => s.url), ['/listed']);
  });

  it('sends through a caller-supplied fetch, still refusing private names', async () => {
    reset();
    let calls = 0;
    const counting: typeof fetch = (input, init) => {
      calls++;
      return fetch(input, init);
    };
    const allowed = createHttpChannel(
      { id: 'sms', type: 'sms', request_config: { url: `${peer.url}/via-fetch`, body: b64('function(ctx) { to: ctx.to }') } },
      { fetch: counting, allowPrivateNetworks: true },
    );
    const guarded = createHttpChannel(
      { id: 'sms', type: 'sms', request_config: { url: `http://localhost:${new URL(peer.url).port}/x`, body: b64('{}') } },
      { fetch: counting },
    );
    try {
      await allowed.send(sms());
      await assert.rejects(guarded.send(sms()), (err: unknown) => err instanceof DeliveryError && /not a public address/.test(err.message));
    } finally {
      await Promise.all([allowed.close(), guarded.close()]);
    }
    assert.equal(calls, 1);
    assert.deepEqual(JSON.parse(peer.seen[0]!.body), { to: '+15550100' });
  });

  it('evaluates templates on a Jsonnet worker pool when given one', async () => {
    reset();
    const pool = new JsonnetWorkerPool({ size: 1 });
    const ch = createHttpChannel(
      { id: 'email', type: 'email', request_config: { url: `${peer.url}/pool`, body: b64('function(ctx) { to: ctx.recipient, n: std.length(ctx.body) }') } },
      { allowPrivateNetworks: true, jsonnetPool: pool },
    );
    const broken = createHttpChannel(
      { id: 'email', type: 'email', request_config: { url: `${peer.url}/pool`, body: b64('function(ctx) error "no"') } },
      { allowPrivateNetworks: true, jsonnetPool: pool },
    );
    try {
      await ch.send(email());
      await assert.rejects(broken.send(email()), (err: unknown) => err instanceof DeliveryError && err.permanent && /RUNTIME ERROR: no/.test(err.message));
    } finally {
      await Promise.all([ch.close(), broken.close()]);
      await pool.close();
    }
    assert.deepEqual(JSON.parse(peer.seen[0]!.body), { to: 'ada@example.org', n: 19 });
    assert.equal(peer.seen.length, 1);
  });

  it('rejects header names or values that cannot be sent', () => {
    assert.throws(
      () => createHttpChannel({ id: 'e', type: 'email', request_config: { url: 'https://x.example/', headers: { 'Bad Header': 'v' } } }),
      /invalid header "Bad Header"/,
    );
    assert.throws(
      () => createHttpChannel({ id: 'e', type: 'email', request_config: { url: 'https://x.example/', headers: { 'X-A': 'line\r\nInjected: 1' } } }),
      /invalid header "X-A"/,
    );
  });
});
