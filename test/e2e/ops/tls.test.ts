import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { freePort, startTestServer, type TestServer } from '../../testkit/server.js';
import { assertMatchesApi } from '../../testkit/openapi.js';
import { loadConfig, ConfigError } from '../../../src/config/index.js';
import { TlsSettingsError, tlsMaterial } from '../../../src/http/tls.js';

// Certificates are made with the openssl CLI at start: a test CA and a server certificate for
// 127.0.0.1 signed by it; a second, unrelated key shows that a mismatched pair is refused.

interface Pems {
  dir: string;
  ca: Buffer;
  certPath: string;
  keyPath: string;
  otherKeyPath: string;
}

function makeCertificates(): Pems {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-tls-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Tessera TLS Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  ssl('req', '-new', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', 'server.crt', '-extfile', 'server.ext');
  ssl('req', '-x509', ...ec, '-keyout', 'other.key', '-out', 'other.crt', '-days', '2', '-subj', '/CN=other');
  return { dir, ca: readFileSync(join(dir, 'ca.crt')), certPath: join(dir, 'server.crt'), keyPath: join(dir, 'server.key'), otherKeyPath: join(dir, 'other.key') };
}

function httpsGet(url: string, ca: Buffer): Promise<{ status: number; body: unknown; authorized: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: { accept: 'application/json' } }, (res) => {
      const authorized = (res.socket as TLSSocket).authorized;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined, authorized });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const b64 = (path: string) => readFileSync(path).toString('base64');
const base = { dsn: 'memory', identity: { schemas: [{ id: 'default', url: 'base64://e30=' }] }, selfservice: { default_browser_return_url: 'http://127.0.0.1:4455/' } };

describe('serve.public.tls and serve.admin.tls', () => {
  let pems: Pems;
  before(() => {
    pems = makeCertificates();
  });
  after(() => {
    rmSync(pems.dir, { recursive: true, force: true });
  });

  for (const factory of testDatabases()) {
    describe(`serving HTTPS on ${factory.name}`, () => {
      let db: TestDatabase;
      let s: TestServer;
      let ports: { public: number; admin: number };
      before(async () => {
        db = await factory.create();
        ports = { public: await freePort(), admin: await freePort() };
        s = await startTestServer({
          dsn: db.dsn,
          config: {
            serve: {
              // The public key pair by file path, the admin one inline as base64: both forms Kratos reads.
              public: { port: ports.public, base_url: `https://127.0.0.1:${ports.public}/`, tls: { key: { path: pems.keyPath }, cert: { path: pems.certPath } } },
              admin: { port: ports.admin, base_url: `https://127.0.0.1:${ports.admin}/`, tls: { key: { base64: b64(pems.keyPath) }, cert: { base64: b64(pems.certPath) } } },
            },
          },
        });
      });
      after(async () => {
        await s?.close();
        await db?.drop();
      });

      test('both APIs answer over TLS with the configured certificate, and not over plain HTTP', async () => {
        const pub = await httpsGet(`https://127.0.0.1:${ports.public}/sessions/whoami`, pems.ca);
        assert.equal(pub.authorized, true);
        assert.equal(pub.status, 401);
        assertMatchesApi({ method: 'GET', url: '/sessions/whoami', status: pub.status, body: pub.body, api: 'public' });

        const created = await new Promise<{ status: number; body: unknown }>((resolve, reject) => {
          const req = request(`https://127.0.0.1:${ports.admin}/admin/identities`, { method: 'POST', ca: pems.ca, headers: { 'content-type': 'application/json' } }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
          });
          req.on('error', reject);
          req.end(JSON.stringify({ traits: { email: 'tls@example.com' } }));
        });
        assert.equal(created.status, 201);
        assertMatchesApi({ method: 'POST', url: '/admin/identities', status: created.status, body: created.body, api: 'admin' });

        const listed = await httpsGet(`https://127.0.0.1:${ports.admin}/admin/identities`, pems.ca);
        assert.equal(listed.status, 200);
        assertMatchesApi({ method: 'GET', url: '/admin/identities', status: listed.status, body: listed.body, api: 'admin' });
        assert.ok((listed.body as Array<{ id: string }>).some((i) => i.id === (created.body as { id: string }).id));

        // A plain-HTTP request to a TLS port gets no HTTP answer.
        await assert.rejects(fetch(`http://127.0.0.1:${ports.public}/health/alive`));
        // A client that does not trust the CA refuses the connection.
        await assert.rejects(httpsGet(`https://127.0.0.1:${ports.public}/health/alive`, Buffer.from('')));
      });
    });
  }

  test('a key without a certificate, or a source with both path and base64, is refused at load naming the key', async () => {
    await assert.rejects(
      loadConfig({ env: {}, overrides: { ...base, serve: { public: { tls: { key: { path: pems.keyPath } } } } } }),
      (err: unknown) => err instanceof ConfigError && /serve\.public\.tls\.cert/.test(err.message) && /needs both/.test(err.message),
    );
    await assert.rejects(
      loadConfig({ env: {}, overrides: { ...base, serve: { admin: { tls: { key: { path: pems.keyPath, base64: b64(pems.keyPath) }, cert: { path: pems.certPath } } } } } }),
      (err: unknown) => err instanceof ConfigError && /serve\.admin\.tls\.key/.test(err.message) && /exactly one of "path"/.test(err.message),
    );
    // Environment variables name the same keys, as in Kratos.
    const fromEnv = await loadConfig({ env: { SERVE_PUBLIC_TLS_KEY_PATH: pems.keyPath, SERVE_PUBLIC_TLS_CERT_PATH: pems.certPath }, overrides: base });
    assert.ok(tlsMaterial(fromEnv, 'public'));
    assert.equal(tlsMaterial(fromEnv, 'admin'), undefined);
    assert.equal(fromEnv.publicBaseUrl().protocol, 'https:');
  });

  test('unreadable files, non-PEM base64 and a key that does not match the certificate are refused with the key named', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ key: { path: join(pems.dir, 'missing.key') }, cert: { path: pems.certPath } }, /serve\.public\.tls\.key\.path: cannot read .*missing\.key: ENOENT/],
      [{ key: { path: pems.keyPath }, cert: { base64: Buffer.from('not a certificate').toString('base64') } }, /serve\.public\.tls\.cert\.base64: is not the base64 encoding of a PEM file/],
      [{ key: { path: pems.otherKeyPath }, cert: { path: pems.certPath } }, /serve\.public\.tls: the key and certificate cannot be used together/],
    ];
    for (const [tls, expected] of cases) {
      const config = await loadConfig({ env: {}, overrides: { ...base, serve: { public: { tls } } } });
      assert.throws(() => tlsMaterial(config, 'public'), (err: unknown) => err instanceof TlsSettingsError && expected.test(err.message) && !err.message.includes('PRIVATE KEY'));
    }
  });
});
