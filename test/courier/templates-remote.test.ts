import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import type { CourierConfig } from '../../src/config/types.js';
import type { TemplateData } from '../../src/courier/message.js';
import { isNonPublicAddress } from '../../src/courier/templates/remote-fetch.js';
import { TemplateError } from '../../src/courier/templates/renderer.js';
import { createTemplateRenderer } from '../../src/courier/templates/template-renderer.js';

const DATA: TemplateData = {
  To: 'ada@example.org',
  LoginCode: '304958',
  Identity: { traits: { email: 'ada@example.org', name: '<script>x</script>' } },
  ExpiresInMinutes: 10,
};

/** A template server on 127.0.0.1 whose routes tests can change; counts requests per path. */
class TemplateServer {
  readonly hits = new Map<string, number>();
  readonly routes = new Map<string, (res: ServerResponse) => void>();
  private server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
    const route = this.routes.get(path);
    if (route) route(res);
    else res.writeHead(404).end('not found');
  });
  base = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  text(path: string, body: string, headers: Record<string, string> = {}): void {
    this.routes.set(path, (res) => res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(body));
  }

  count(path: string): number {
    return this.hits.get(path) ?? 0;
  }
}

function loginTemplates(base: string, subjectPath = '/subject'): CourierConfig['templates'] {
  return {
    login_code: {
      valid: {
        email: { subject: base + subjectPath, body: { html: `${base}/html`, plaintext: `${base}/plain` } },
        sms: { body: { plaintext: `${base}/sms` } },
      },
    },
  };
}

function isTemplateError(pattern: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof TemplateError, `expected a TemplateError, got ${String(e)}`);
    assert.equal(e.templateType, 'login_code_valid');
    assert.match(e.message, pattern);
    return true;
  };
}

describe('remote courier templates', () => {
  const srv = new TemplateServer();
  before(async () => {
    await srv.start();
    srv.text('/subject', 'Remote subject {{ .LoginCode }}\n');
    srv.text('/html', '<p>Hi {{ .Identity.traits.name }}: <a href="{{ .RequestURL }}">{{ .LoginCode }}</a></p>');
    srv.text('/plain', 'Remote plain {{ .LoginCode }}');
    srv.text('/sms', 'Remote SMS {{ .LoginCode }}');
  });
  after(() => srv.stop());

  it('fetches http:// templates from a private address when allowed, and caches them', async () => {
    const r = createTemplateRenderer({ templates: loginTemplates(srv.base) }, { allowPrivateNetworks: true });
    const mail = await r.renderEmail('login_code_valid', { ...DATA, RequestURL: 'javascript:alert(1)' });
    assert.deepEqual(mail, {
      subject: 'Remote subject 304958',
      html: '<p>Hi &lt;script&gt;x&lt;/script&gt;: <a href="#ZgotmplZ">304958</a></p>',
      text: 'Remote plain 304958',
    });
    assert.equal((await r.renderSms('login_code_valid', DATA)).body, 'Remote SMS 304958');
    const before = srv.count('/subject');
    await Promise.all([1, 2, 3].map(() => r.renderEmail('login_code_valid', DATA)));
    assert.equal(srv.count('/subject'), before, 'served from the cache');
  });

  it('refuses loopback and private addresses unless allowed', async () => {
    const before = srv.count('/subject');
    const r = createTemplateRenderer({ templates: loginTemplates(srv.base) });
    await assert.rejects(r.renderEmail('login_code_valid', DATA), isTemplateError(/127\.0\.0\.1 is not a public address/));
    const port = new URL(srv.base).port;
    const byName = createTemplateRenderer({ templates: loginTemplates(`http://localhost:${port}`) });
    await assert.rejects(byName.renderEmail('login_code_valid', DATA), isTemplateError(/refusing to fetch from localhost: .* is not a public address/));
    const v6 = createTemplateRenderer({ templates: loginTemplates(`http://[::1]:${port}`) });
    await assert.rejects(v6.renderEmail('login_code_valid', DATA), isTemplateError(/::1 is not a public address/));
    assert.equal(srv.count('/subject'), before, 'no request was made');
  });

  it('allows the exception URLs even when private networks are not', async () => {
    const t = loginTemplates(srv.base);
    const urls = [`${srv.base}/subject`, `${srv.base}/html`, `${srv.base}/plain`];
    const r = createTemplateRenderer({ templates: t }, { privateIpExceptionUrls: urls });
    assert.equal((await r.renderEmail('login_code_valid', DATA)).subject, 'Remote subject 304958');
  });

  it('refetches after the TTL and keeps the old copy when the refetch fails', async () => {
    srv.text('/ttl', 'Version 1');
    const warnings: string[] = [];
    const r = createTemplateRenderer(
      { templates: loginTemplates(srv.base, '/ttl') },
      { allowPrivateNetworks: true, remoteCacheTtlMs: 20, remoteRetryAfterMs: 20, logger: { warn: (_o, msg) => warnings.push(msg) } },
    );
    assert.equal((await r.renderEmail('login_code_valid', DATA)).subject, 'Version 1');
    srv.text('/ttl', 'Version 2');
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal((await r.renderEmail('login_code_valid', DATA)).subject, 'Version 2');
    srv.routes.set('/ttl', (res) => res.writeHead(500).end('down'));
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal((await r.renderEmail('login_code_valid', DATA)).subject, 'Version 2');
    assert.equal(warnings.length, 1);
    assert.equal(srv.count('/ttl'), 3);
  });

  it('reports HTTP errors, oversized bodies, timeouts and parse errors as TemplateErrors', async () => {
    const render = (path: string, opts = {}) =>
      createTemplateRenderer({ templates: loginTemplates(srv.base, path) }, { allowPrivateNetworks: true, ...opts }).renderEmail('login_code_valid', DATA);

    await assert.rejects(render('/nothing-here'), isTemplateError(/HTTP status 404/));
    const withPassword = srv.base.replace('http://', 'http://courier:s3cret@');
    await assert.rejects(
      createTemplateRenderer({ templates: loginTemplates(withPassword, '/nothing-here') }, { allowPrivateNetworks: true }).renderEmail('login_code_valid', DATA),
      (e: unknown) => e instanceof TemplateError && /HTTP status 404/.test(e.message) && !e.message.includes('s3cret') && e.message.includes('REDACTED@127.0.0.1'),
    );

    srv.text('/big', 'x'.repeat(2000));
    await assert.rejects(render('/big', { maxTemplateBytes: 1000 }), isTemplateError(/larger than 1000 bytes/));
    srv.routes.set('/big-chunked', (res) => {
      res.writeHead(200);
      for (let i = 0; i < 20; i++) res.write('y'.repeat(100));
      res.end();
    });
    await assert.rejects(render('/big-chunked', { maxTemplateBytes: 1000 }), isTemplateError(/larger than 1000 bytes/));

    srv.routes.set('/slow', () => undefined);
    await assert.rejects(render('/slow', { fetchTimeoutMs: 150 }), isTemplateError(/timed out after 150 ms/));

    srv.text('/unparsable', '{{ if }}');
    await assert.rejects(render('/unparsable'), isTemplateError(/parsing failed: template: email\.subject\.gotmpl:1: missing value for if/));

    srv.text('/nonhermetic', '{{ now }}');
    await assert.rejects(render('/nonhermetic'), isTemplateError(/function "now" not defined/));
  });

  it('follows redirects', async () => {
    srv.routes.set('/moved', (res) => res.writeHead(302, { location: '/subject' }).end());
    const r = createTemplateRenderer({ templates: loginTemplates(srv.base, '/moved') }, { allowPrivateNetworks: true });
    assert.equal((await r.renderEmail('login_code_valid', DATA)).subject, 'Remote subject 304958');
    srv.routes.set('/loop', (res) => res.writeHead(302, { location: '/loop' }).end());
    const loop = createTemplateRenderer({ templates: loginTemplates(srv.base, '/loop') }, { allowPrivateNetworks: true });
    await assert.rejects(loop.renderEmail('login_code_valid', DATA), isTemplateError(/more than 5 redirects/));
  });

  it('uses a given fetch and still checks the address first', async () => {
    let calls = 0;
    const counting = (input: string, init: { signal: AbortSignal; redirect: 'manual' }) => {
      calls++;
      return fetch(input, init);
    };
    const ok = createTemplateRenderer({ templates: loginTemplates(srv.base) }, { fetch: counting, allowPrivateNetworks: true });
    assert.equal((await ok.renderEmail('login_code_valid', DATA)).text, 'Remote plain 304958');
    assert.equal(calls, 3);
    const refused = createTemplateRenderer({ templates: loginTemplates(srv.base) }, { fetch: counting });
    await assert.rejects(refused.renderEmail('login_code_valid', DATA), isTemplateError(/not a public address/));
    assert.equal(calls, 3);
  });

  it('classifies addresses', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '224.0.0.1']) {
      assert.equal(isNonPublicAddress(a), true, a);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8', '172.32.0.1']) {
      assert.equal(isNonPublicAddress(a), false, a);
    }
  });
});
