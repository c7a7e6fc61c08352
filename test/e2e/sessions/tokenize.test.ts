import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, type JWK } from 'jose';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { loadConfig, ConfigError } from '../../../src/config/index.js';

// whoami?tokenize_as=<template>: JWTs signed with the template's JWKS (file:// and base64://), with
// claims from a Jsonnet mapper, verified here with the public half of each key.

const MAPPER = `
local claims = std.extVar('claims');
local session = std.extVar('session');
{
  claims: {
    email: session.identity.traits.email,
    aal: session.authenticator_assurance_level,
    seen_iss: claims.iss,
    sub: 'a-mapper-cannot-change-the-subject',
  },
}
`;

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('whoami tokenize_as', () => {
  let dir: string;
  const publicKeys: JWK[] = [];
  const templates: Record<string, unknown> = {};
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-tokenize-'));
    const ec = await generateKeyPair('ES256', { extractable: true });
    const rsa = await generateKeyPair('RS256', { extractable: true });
    const ecPrivate = { ...(await exportJWK(ec.privateKey)), alg: 'ES256', kid: 'ec-key', use: 'sig' };
    const rsaPrivate = { ...(await exportJWK(rsa.privateKey)), alg: 'RS256', kid: 'rsa-key' };
    publicKeys.push({ ...(await exportJWK(ec.publicKey)), alg: 'ES256', kid: 'ec-key' }, { ...(await exportJWK(rsa.publicKey)), alg: 'RS256', kid: 'rsa-key' });
    writeFileSync(join(dir, 'ec.jwks.json'), JSON.stringify({ keys: [ecPrivate] }));
    writeFileSync(join(dir, 'mapper.jsonnet'), MAPPER);
    Object.assign(templates, {
      mapped: { ttl: '10m', jwks_url: `file://${join(dir, 'ec.jwks.json')}`, claims_mapper_url: `file://${join(dir, 'mapper.jsonnet')}` },
      plain: { ttl: '1m', jwks_url: `base64://${b64(JSON.stringify({ keys: [rsaPrivate] }))}` },
      by_external_id: { jwks_url: `file://${join(dir, 'ec.jwks.json')}`, subject_source: 'external_id' },
      no_claims: { jwks_url: `file://${join(dir, 'ec.jwks.json')}`, claims_mapper_url: `base64://${b64('{ other: 1 }')}` },
      public_only: { jwks_url: `base64://${b64(JSON.stringify({ keys: [publicKeys[0]] }))}` },
    });
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  for (const factory of testDatabases()) {
    describe(`on ${factory.name}`, () => {
      let db: TestDatabase;
      let s: TestServer;
      before(async () => {
        db = await factory.create();
        s = await startTestServer({ dsn: db.dsn, config: { session: { whoami: { tokenizer: { templates } } } } });
      });
      after(async () => {
        await s?.close();
        await db?.drop();
      });

      async function sessionOf(traits: Record<string, unknown>, externalId?: string) {
        const created = await s.adminApi.post('/admin/identities', { traits, ...(externalId ? { external_id: externalId } : {}) });
        const identity = (await s.registry.persister.identities.getIdentity(created.body.id))!;
        return s.registry.sessions.issue(identity, 'password', { ip: '203.0.113.9', userAgent: 'tokenize-test' });
      }

      test('the JWT verifies with the JWKS public key and carries the standard and the mapped claims', async () => {
        const email = `jwt-${Date.now()}@example.com`;
        const { token, session } = await sessionOf({ email });
        const res = await s.publicApi.get('/sessions/whoami?tokenize_as=mapped', { headers: { 'x-session-token': token } });
        assert.equal(res.status, 200);
        assert.equal(res.body.id, session.id);
        const jwt = res.body.tokenized as string;
        assert.equal(decodeProtectedHeader(jwt).kid, 'ec-key');
        assert.equal(decodeProtectedHeader(jwt).alg, 'ES256');
        const { payload } = await jwtVerify(jwt, createLocalJWKSet({ keys: publicKeys }), { issuer: s.publicUrl });
        assert.equal(payload.sub, session.identity_id);
        assert.equal(payload.sid, session.id);
        assert.equal(payload.email, email);
        assert.equal(payload.aal, 'aal1');
        assert.equal(payload.seen_iss, s.publicUrl);
        assert.equal(payload.exp! - payload.iat!, 600);
        assert.equal(payload.nbf, payload.iat);
        assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);

        // Without tokenize_as there is no token; each call makes a fresh one.
        const untouched = await s.publicApi.get('/sessions/whoami', { headers: { 'x-session-token': token } });
        assert.equal(untouched.body.tokenized, undefined);
        const second = await s.publicApi.get('/sessions/whoami?tokenize_as=mapped', { headers: { 'x-session-token': token } });
        assert.notEqual(second.body.tokenized, jwt);
      });

      test('a template without a mapper signs the standard claims with its (RS256, base64) key; external_id as subject', async () => {
        const { token, session } = await sessionOf({ email: `plain-${Date.now()}@example.com` }, `ext-${Date.now()}`);
        const res = await s.publicApi.get('/sessions/whoami?tokenize_as=plain', { headers: { authorization: `Bearer ${token}` } });
        const { payload, protectedHeader } = await jwtVerify(res.body.tokenized, createLocalJWKSet({ keys: publicKeys }));
        assert.equal(protectedHeader.alg, 'RS256');
        assert.equal(payload.sub, session.identity_id);
        assert.equal(payload.exp! - payload.iat!, 60);
        assert.deepEqual(Object.keys(payload).sort(), ['exp', 'iat', 'iss', 'jti', 'nbf', 'sid', 'sub']);

        const ext = await s.publicApi.get('/sessions/whoami?tokenize_as=by_external_id', { headers: { 'x-session-token': token } });
        const { payload: extPayload } = await jwtVerify(ext.body.tokenized, createLocalJWKSet({ keys: publicKeys }));
        assert.equal(extPayload.sub, session.identity?.external_id);
      });

      test('unknown templates, mappers without claims, a missing external_id and a key without its private part are 400s', async () => {
        const { token } = await sessionOf({ email: `err-${Date.now()}@example.com` });
        const cases: Array<[string, string]> = [
          ['nope', 'Unable to find tokenizer template "nope".'],
          ['no_claims', 'Expected tokenizer JsonNet to return a claims object but it did not.'],
          ['by_external_id', "The session's identity does not have an external ID set, but it is required for the subject claim."],
          ['public_only', 'Could not find a suitable key for tokenization in the JWKS url.'],
        ];
        for (const [template, reason] of cases) {
          const res = await s.publicApi.get(`/sessions/whoami?tokenize_as=${template}`, { headers: { 'x-session-token': token } });
          assert.equal(res.status, 400, template);
          assert.equal(res.body.error.reason, reason);
        }
        // Without a session it is still the plain 401.
        assert.equal((await s.publicApi.get('/sessions/whoami?tokenize_as=mapped')).status, 401);
      });

      test('start-up checks name the template whose key cannot sign', async () => {
        const problems = await s.registry.tokenizer.problems();
        assert.equal(problems.length, 1, problems.join('\n'));
        assert.match(problems[0]!, /^session\.whoami\.tokenizer\.templates\.public_only: jwks_url: the first key has no private part/);
      });
    });
  }

  test('a JWKS fetched over the network is refused at load', async () => {
    await assert.rejects(
      loadConfig({
        env: {},
        overrides: {
          dsn: 'memory',
          identity: { schemas: [{ id: 'default', url: 'base64://e30=' }] },
          selfservice: { default_browser_return_url: 'http://127.0.0.1:4455/' },
          session: { whoami: { tokenizer: { templates: { remote: { jwks_url: 'https://keys.example.com/jwks.json' } } } } },
        },
      }),
      (err: unknown) => err instanceof ConfigError && /session\.whoami\.tokenizer\.templates\.remote\.jwks_url/.test(err.message),
    );
  });
});
