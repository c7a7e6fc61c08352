import { after, before, describe, it } from 'node:test';
import assert, { AssertionError } from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ApiContract,
  assertFetchMatchesApi,
  assertMatchesApi,
  assertMatchesSchema,
  listOperations,
  operationFor,
  schemaFor,
} from './openapi.js';
import { skipWithoutKratosReference } from './reference.js';

// The first, second and fourth groups check Kratos's own api.json; the third builds its documents inline.
const skip = skipWithoutKratosReference('api.json', "the tests against Kratos's api.json");

const ID = '6c1a0d5e-7b9f-4a2c-9d3e-1f2a3b4c5d6e';
const NOW = '2026-11-23T11:00:00.123456Z';

function identity(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: ID,
    schema_id: 'default',
    schema_url: 'http://127.0.0.1:4433/schemas/ZGVmYXVsdA',
    state: 'active',
    state_changed_at: NOW,
    traits: { email: 'ada@example.org', name: { first: 'Ada' } },
    verifiable_addresses: [
      {
        id: '0b7e1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d',
        value: 'ada@example.org',
        verified: false,
        via: 'email',
        status: 'pending',
        created_at: NOW,
        updated_at: NOW,
      },
    ],
    recovery_addresses: [
      { id: '1c8f2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d3e', value: 'ada@example.org', via: 'email', created_at: NOW, updated_at: NOW },
    ],
    metadata_public: null,
    metadata_admin: null,
    organization_id: null,
    created_at: NOW,
    updated_at: NOW,
    ...overrides,
  };
}

function errorEnvelope(code: number, status: string, id?: string): Record<string, unknown> {
  return {
    error: {
      ...(id === undefined ? {} : { id }),
      code,
      status,
      reason: 'The requested resource could not be found',
      message: 'The requested resource could not be found',
    },
  };
}

/** A minimal login flow as createBrowserLoginFlow returns it: a CSRF token, identifier, password, submit. */
function loginFlow(): Record<string, unknown> {
  const input = (group: string, name: string, type: string, extra: Record<string, unknown> = {}) => ({
    type: 'input',
    group,
    attributes: { name, type, required: type !== 'hidden' && type !== 'submit', disabled: false, node_type: 'input', ...extra },
    messages: [],
    meta: {},
  });
  return {
    id: '2d9a3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
    type: 'browser',
    expires_at: '2026-11-23T12:00:00Z',
    issued_at: NOW,
    created_at: NOW,
    updated_at: NOW,
    request_url: 'http://127.0.0.1:4433/self-service/login/browser',
    refresh: false,
    requested_aal: 'aal1',
    state: 'choose_method',
    organization_id: null,
    ui: {
      action: 'http://127.0.0.1:4433/self-service/login?flow=2d9a3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
      method: 'POST',
      nodes: [
        input('default', 'csrf_token', 'hidden', { value: 'c3JmLXRva2Vu' }),
        {
          ...input('default', 'identifier', 'text', { value: '', autocomplete: 'username' }),
          meta: { label: { id: 1070004, text: 'ID', type: 'info' } },
        },
        {
          ...input('password', 'password', 'password', { autocomplete: 'current-password' }),
          meta: { label: { id: 1070001, text: 'Password', type: 'info' } },
        },
        {
          ...input('password', 'method', 'submit', { value: 'password' }),
          meta: { label: { id: 1010001, text: 'Sign in', type: 'info', context: {} } },
        },
      ],
      messages: [],
    },
  };
}

/** Awaits fn, expects an AssertionError and returns its message. */
async function asyncFailureOf(fn: () => Promise<unknown>): Promise<string> {
  let message: string | undefined;
  await assert.rejects(fn, (err: unknown) => {
    assert.ok(err instanceof AssertionError, `expected an AssertionError, got ${String(err)}`);
    message = err.message;
    return true;
  });
  return message ?? '';
}

/** Runs fn, expects an AssertionError and returns its message. */
function failureOf(fn: () => void): string {
  let message: string | undefined;
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof AssertionError, `expected an AssertionError, got ${String(err)}`);
    message = err.message;
    return true;
  });
  return message ?? '';
}

describe('assertMatchesApi on the Kratos spec', { skip }, () => {
  it('accepts a valid identity for GET /admin/identities/{id} 200, full URL with query', () => {
    assertMatchesApi({
      method: 'GET',
      url: `http://127.0.0.1:4434/admin/identities/${ID}?include_credential=password`,
      status: 200,
      body: identity({
        credentials: {
          password: { type: 'password', identifiers: ['ada@example.org'], version: 0, created_at: NOW, updated_at: NOW, config: {} },
        },
      }),
    });
  });

  it('keeps extra fields allowed, as the spec does', () => {
    assertMatchesApi({ method: 'get', url: `/admin/identities/${ID}`, status: 200, body: identity({ tessera_extra: true }) });
  });

  it('names a missing required field, the operation and the status', () => {
    const { id: _omitted, ...withoutId } = identity();
    const message = failureOf(() =>
      assertMatchesApi({ method: 'GET', url: `/admin/identities/${ID}`, status: 200, body: withoutId }),
    );
    assert.match(message, /getIdentity \(GET \/admin\/identities\/\{id\}\) status 200/);
    assert.match(message, /must have required property 'id'/);
    assert.match(message, /#\/components\/schemas\/identity/);
    assert.match(message, /body: \{"schema_id":"default"/);
  });

  it('reports wrong types and formats with the instance path', () => {
    const message = failureOf(() =>
      assertMatchesApi({
        method: 'GET',
        url: `/admin/identities/${ID}`,
        status: 200,
        body: identity({ id: 'not-a-uuid', verifiable_addresses: [{ value: 'a@b.c', verified: 'no', via: 'email', status: 'sent' }] }),
      }),
    );
    assert.match(message, /\/id: must match format "uuid"/);
    assert.match(message, /\/verifiable_addresses\/0\/verified: must be boolean/);
  });

  it('accepts the error envelope for a documented 404 (errorGeneric), details included', () => {
    const body = errorEnvelope(404, 'Not Found');
    (body.error as Record<string, unknown>).details = { hint: 'no identity with this id' };
    assertMatchesApi({ method: 'GET', url: `/admin/identities/${ID}`, status: 404, body });
  });

  it('rejects a 404 body that is not the error envelope', () => {
    const message = failureOf(() =>
      assertMatchesApi({ method: 'GET', url: `/admin/identities/${ID}`, status: 404, body: { error: { code: 404 } } }),
    );
    assert.match(message, /errorGeneric/);
    assert.match(message, /\/error: must have required property 'message'/);
  });

  it('falls back to the default response for an undocumented error status', () => {
    assertMatchesApi({ method: 'GET', url: `/admin/identities/${ID}`, status: 500, body: errorEnvelope(500, 'Internal Server Error') });
    const message = failureOf(() =>
      assertMatchesApi({ method: 'GET', url: `/admin/identities/${ID}`, status: 500, body: { oops: true } }),
    );
    assert.match(message, /status 500 \(documented as default\)/);
  });

  it('fails on a status the operation does not document and has no default for', () => {
    const message = failureOf(() => assertMatchesApi({ method: 'GET', url: '/version', status: 404, body: errorEnvelope(404, 'Not Found') }));
    assert.match(message, /getVersion \(GET \/version\) status 404 is not documented; documented: 200/);
  });

  it('fails on an unknown path and on an undocumented method', () => {
    assert.match(
      failureOf(() => assertMatchesApi({ method: 'GET', url: '/admin/nothing-here', status: 200, body: {} })),
      /GET \/admin\/nothing-here: no operation in the API spec matches this path/,
    );
    assert.match(
      failureOf(() => assertMatchesApi({ method: 'POST', url: `/admin/identities/${ID}`, status: 200, body: identity() })),
      /method not documented for this path; documented: .*GET \/admin\/identities\/\{id\}/,
    );
  });

  it('tells /admin/identities from /admin/identities/{id}', () => {
    assert.deepEqual(operationFor('GET', 'http://127.0.0.1:4434/admin/identities?page_size=2'), {
      operationId: 'listIdentities',
      pathTemplate: '/admin/identities',
      method: 'get',
    });
    assert.equal(operationFor('GET', '/admin/identities/abc').operationId, 'getIdentity');
    assert.equal(operationFor('DELETE', '/admin/identities/abc/credentials/password').operationId, 'deleteIdentityCredentials');
    assertMatchesApi({ method: 'GET', url: '/admin/identities?page_size=2', status: 200, body: [identity(), identity({ id: '7d2b1e6f-8c0a-4b3d-ae4f-2a3b4c5d6e7f' })] });
    const message = failureOf(() => assertMatchesApi({ method: 'GET', url: '/admin/identities?page_size=2', status: 200, body: identity() }));
    assert.match(message, /listIdentities \(GET \/admin\/identities\) status 200: body does not match[\s\S]*\(root\): must be array/);
  });

  it('prefers literal segments over templated ones, per method', () => {
    assert.equal(operationFor('GET', '/admin/identities/by/external/ext-1').operationId, 'getIdentityByExternalID');
    assert.equal(operationFor('GET', '/sessions/whoami').operationId, 'toSession');
    // No DELETE on the literal path, so the templated one applies.
    assert.equal(operationFor('DELETE', '/sessions/whoami').operationId, 'disableMySession');
  });

  it('does not match a path with a trailing slash', () => {
    const message = failureOf(() => operationFor('GET', '/admin/identities/'));
    assert.match(message, /no operation in the API spec matches this path; a trailing slash is not part of any documented path/);
  });

  it('applies the admin and public API hints', () => {
    assert.equal(operationFor('GET', '/identities', 'admin').pathTemplate, '/admin/identities');
    assert.equal(operationFor('GET', '/admin/health/alive', 'admin').operationId, 'isAlive');
    assert.equal(operationFor('GET', '/health/alive', 'admin').operationId, 'isAlive');
    assert.match(failureOf(() => operationFor('GET', '/admin/identities', 'public')), /is an admin API operation; the public API does not serve it/);
    assert.match(failureOf(() => operationFor('GET', '/identities', 'public')), /no operation/);
  });

  it('requires no body where the spec documents none (204)', () => {
    for (const body of [undefined, null, '', Buffer.alloc(0)]) {
      assertMatchesApi({ method: 'DELETE', url: `/admin/identities/${ID}`, status: 204, body });
    }
    const message = failureOf(() => assertMatchesApi({ method: 'DELETE', url: `/admin/identities/${ID}`, status: 204, body: {} }));
    assert.match(message, /deleteIdentity \(DELETE \/admin\/identities\/\{id\}\) status 204 has no body in the spec, but the response has one/);
  });

  it('requires a body where the spec documents JSON', () => {
    const message = failureOf(() => assertMatchesApi({ method: 'GET', url: `/admin/identities/${ID}`, status: 200, body: undefined }));
    assert.match(message, /must have a body \(application\/json\) matching #\/components\/schemas\/identity, but the response has none/);
  });

  it('lets nullable fields be null and nothing else', () => {
    // NullUUID, nullJsonRawMessage (no type at all) and NullTime are nullable in the spec.
    assertMatchesApi({
      method: 'GET',
      url: `/admin/identities/${ID}`,
      status: 200,
      body: identity({ organization_id: null, metadata_public: null, metadata_admin: { any: ['thing'] } }),
    });
    assertMatchesSchema('session', {
      id: ID,
      active: true,
      expires_at: NOW,
      authenticated_at: NOW,
      issued_at: NOW,
      authenticator_assurance_level: 'aal1',
      authentication_methods: [{ method: 'password', aal: 'aal1', completed_at: NOW }],
      devices: [{ id: '8e3c2f7a-9d1b-4c4e-bf5a-3b4c5d6e7f80', ip_address: '127.0.0.1', user_agent: 'node' }],
      identity: identity(),
    });
    // Not nullable: schema_id, and nullTime (whose title says "NullTime" but the spec does not mark it).
    assert.match(failureOf(() => assertMatchesSchema('identity', identity({ schema_id: null }))), /\/schema_id: must be string/);
    assert.match(failureOf(() => assertMatchesSchema('identity', identity({ state_changed_at: null }))), /\/state_changed_at: must be string/);
    // A nullable uuid4 still checks the format when it is set.
    assert.match(failureOf(() => assertMatchesSchema('identity', identity({ organization_id: 'acme' }))), /\/organization_id: must match format "uuid4"/);
  });

  it('accepts a minimal valid login flow and checks its UI nodes by node_type', () => {
    const flow = loginFlow();
    assertMatchesApi({ method: 'GET', url: '/self-service/login/browser?refresh=false', status: 200, body: flow, api: 'public' });
    assertMatchesApi({ method: 'GET', url: `/self-service/login/flows?id=${String(flow.id)}`, status: 200, body: flow });

    const broken = loginFlow();
    const nodes = (broken.ui as { nodes: Array<Record<string, unknown>> }).nodes;
    nodes[1] = { ...nodes[1], attributes: { node_type: 'input', name: 'identifier', type: 'bogus', disabled: false } };
    nodes.push({ type: 'text', group: 'default', attributes: { node_type: 'paragraph', id: 'x' }, messages: [], meta: {} });
    nodes.push({ type: 'text', group: 'default', attributes: { node_type: 'text', id: 'y' }, messages: [], meta: {} });
    const message = failureOf(() => assertMatchesApi({ method: 'GET', url: '/self-service/login/browser', status: 200, body: broken }));
    assert.match(message, /\/ui\/nodes\/1\/attributes\/type: must be equal to one of the allowed values/);
    assert.match(message, /\/ui\/nodes\/4\/attributes\/node_type: must be equal to one of the allowed values \["a","div","img","input","script","text"\]/);
    assert.match(message, /\/ui\/nodes\/5\/attributes: must have required property 'text'/);
    // Errors of the branch the discriminator chose only: nothing about the input attributes of node 5.
    assert.doesNotMatch(message, /\/ui\/nodes\/5\/attributes: must have required property 'name'/);
  });

  it('checks a flow error response against the documented 410 envelope', () => {
    const gone = errorEnvelope(410, 'Gone', 'self_service_flow_expired');
    assertMatchesApi({ method: 'GET', url: '/self-service/login/flows?id=x', status: 410, body: gone });
  });

  it('takes the browser-location-change error as Kratos sends it, not as the spec nests it', () => {
    // api.json documents {"error":{"error":{...}}} here; Kratos sends the error itself (see KRATOS_SPEC_ERRATA).
    const body = { ...errorEnvelope(422, 'Unprocessable Entity', 'browser_location_change_required'), redirect_browser_to: 'http://127.0.0.1:4455/login' };
    assertMatchesApi({ method: 'POST', url: '/self-service/login?flow=x', status: 422, body });
    assert.match(
      failureOf(() => assertMatchesApi({ method: 'POST', url: '/self-service/login?flow=x', status: 422, body: { error: { error: {} } } })),
      /\/error: must have required property 'message'/,
    );
  });

  it('truncates a long body in the message', () => {
    const message = failureOf(() =>
      assertMatchesApi({ method: 'GET', url: `/admin/identities/${ID}`, status: 200, body: { blob: 'x'.repeat(10_000) } }),
    );
    assert.match(message, /chars, truncated\)$/);
    assert.ok(message.length < 4000, `message is ${message.length} chars`);
  });

  it('compiles every documented response of the spec', () => {
    const operations = listOperations();
    assert.ok(operations.length > 50);
    let checked = 0;
    for (const op of operations) {
      for (const status of op.statuses) {
        const code = status === 'default' ? 599 : /^\dXX$/i.test(status) ? Number(status[0]) * 100 : Number(status);
        try {
          assertMatchesApi({ method: op.method, url: op.pathTemplate.replace(/\{[^}]+\}/g, 'x'), status: code, body: undefined });
        } catch (err) {
          // Only contract failures are expected here, never a schema that does not compile.
          assert.ok(err instanceof AssertionError, `${op.operationId} ${status}: ${String(err)}`);
          assert.doesNotMatch(err.message, /no operation|not documented/);
        }
        checked++;
      }
    }
    assert.ok(checked > 200);
  });
});

describe('schemaFor / assertMatchesSchema', { skip }, () => {
  it('returns a cached Ajv validate function by name or by $ref', () => {
    const validate = schemaFor('identity');
    assert.equal(validate(identity()), true);
    assert.equal(validate({ id: ID }), false);
    assert.ok(validate.errors?.some((e) => e.params && (e.params as { missingProperty?: string }).missingProperty === 'traits'));
    assert.equal(schemaFor('#/components/schemas/identity'), validate);
  });

  it('asserts a value against a components schema', () => {
    assertMatchesSchema('errorGeneric', errorEnvelope(403, 'Forbidden', 'security_csrf_violation'));
    assertMatchesSchema('uiText', { id: 4000001, text: 'Required', type: 'error', context: {} });
    assert.match(failureOf(() => assertMatchesSchema('uiText', { id: '4000001', text: 'x', type: 'error' })), /\/id: must be integer/);
  });

  it('fails on an unknown schema name', () => {
    assert.match(failureOf(() => schemaFor('noSuchSchema')), /no schema named "noSuchSchema"/);
  });
});

describe('ApiContract on other OpenAPI 3.0 documents', () => {
  const json = (schema: unknown) => ({ description: 'x', content: { 'application/json': { schema } } });
  const spec = {
    openapi: '3.0.3',
    paths: {
      '/things/{id}': {
        get: {
          operationId: 'getThing',
          responses: { '200': json({ $ref: '#/components/schemas/thing' }), '4XX': json({ $ref: '#/components/schemas/problem' }), default: json({ type: 'string' }) },
        },
      },
      '/things/{id}.json': { get: { operationId: 'getThingJson', responses: { '200': json({ type: 'object' }) } } },
      '/trees': { get: { operationId: 'getTree', responses: { '200': { $ref: '#/components/responses/tree' } } } },
    },
    components: {
      responses: { tree: json({ $ref: '#/components/schemas/node' }) },
      schemas: {
        thing: {
          type: 'object',
          required: ['id', 'kind'],
          'x-go-name': 'Thing',
          example: { id: 'a' },
          properties: {
            id: { type: 'string', format: 'uuid4' },
            kind: { type: 'string', enum: ['a', 'b'], nullable: true },
            size: { type: 'integer', format: 'uint8' },
            weird: { type: 'string', format: 'go-duration' },
            labels: { type: 'object', additionalProperties: false, description: 'a Go map' },
            extras: { type: 'object', properties: { a: {} }, additionalProperties: false },
            anything: {},
            either: { oneOf: [{ type: 'string' }, { type: 'integer' }], nullable: true },
          },
        },
        problem: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } },
        node: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/components/schemas/node' } } } },
      },
    },
  };
  const contract = new ApiContract(spec);
  const uuid = '9f4d3a8b-0e2c-4d5f-8a6b-4c5d6e7f8091';

  it('picks exact, then range, then default responses', () => {
    contract.assertResponse({ method: 'GET', url: '/things/1', status: 200, body: { id: uuid, kind: 'a' } });
    contract.assertResponse({ method: 'GET', url: '/things/1', status: 404, body: { message: 'nope' } });
    assert.match(
      failureOf(() => contract.assertResponse({ method: 'GET', url: '/things/1', status: 409, body: { error: 'x' } })),
      /getThing \(GET \/things\/\{id\}\) status 409 \(documented as 4XX\).*must have required property 'message'/s,
    );
    contract.assertResponse({ method: 'GET', url: '/things/1', status: 503, body: 'unavailable' });
  });

  it('handles nullable enums and combinators, Go formats, vendor keywords and Go maps', () => {
    contract.assertResponse({
      method: 'GET',
      url: '/things/1',
      status: 200,
      body: { id: uuid, kind: null, size: 255, weird: '1h30m', labels: { any: 'key' }, extras: { a: 1 }, anything: [1], either: null },
    });
    const message = failureOf(() =>
      contract.assertResponse({ method: 'GET', url: '/things/1', status: 200, body: { id: 'x', kind: 'c', size: 256, extras: { b: 1 }, either: true } }),
    );
    assert.match(message, /\/id: must match format "uuid4"/);
    assert.match(message, /\/kind: must be equal to one of the allowed values \["a","b",null\]/);
    assert.match(message, /\/size: must match format "uint8"/);
    assert.match(message, /\/extras: must NOT have additional properties \("b"\)/);
    assert.match(message, /\/either: must be null/);
  });

  it('matches templates with text around a parameter, literal ones first', () => {
    assert.equal(contract.operationFor('GET', '/things/abc.json').operationId, 'getThingJson');
    assert.equal(contract.operationFor('GET', '/things/abc').operationId, 'getThing');
    assert.equal(contract.operationFor('GET', '/things/a%2Fb').operationId, 'getThing');
  });

  it('follows response $refs and self-referencing schemas', () => {
    contract.assertResponse({ method: 'GET', url: '/trees', status: 200, body: { name: 'root', children: [{ name: 'a', children: [{ name: 'b' }] }] } });
    assert.match(
      failureOf(() => contract.assertResponse({ method: 'GET', url: '/trees', status: 200, body: { name: 'root', children: [{ children: [] }] } })),
      /\/children\/0: must have required property 'name'  \[spec #\/components\/schemas\/node\/required\]/,
    );
  });

  it('refuses a document that is not OpenAPI 3', () => {
    assert.throws(() => new ApiContract({ swagger: '2.0' }), /not an OpenAPI 3 document/);
  });
});

describe('assertFetchMatchesApi over HTTP', { skip }, () => {
  let server: Server;
  let base: string;

  before(async () => {
    server = createServer((req, res) => {
      const send = (status: number, type: string | undefined, body: string) => {
        res.writeHead(status, type === undefined ? {} : { 'content-type': type });
        res.end(body);
      };
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (req.method === 'DELETE') return send(204, undefined, '');
      if (path === '/moved' || req.method === 'POST') {
        res.writeHead(303, { location: `/admin/identities/${ID}` });
        return res.end();
      }
      if (path === `/admin/identities/${ID}`) return send(200, 'application/json; charset=utf-8', JSON.stringify(identity()));
      if (path === '/admin/identities/as-text') return send(200, 'text/plain', JSON.stringify(identity()));
      if (path === '/admin/identities/not-json') return send(200, 'application/json', '{"id":');
      return send(404, 'application/json', JSON.stringify(errorEnvelope(404, 'Not Found')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  });

  it('checks and returns the parsed body', async () => {
    const body = await assertFetchMatchesApi('GET', await fetch(`${base}/admin/identities/${ID}`), 'admin');
    assert.equal((body as { id: string }).id, ID);
    const missing = await assertFetchMatchesApi('GET', await fetch(`${base}/admin/identities/unknown`));
    assert.equal((missing as { error: { code: number } }).error.code, 404);
  });

  it('returns undefined for an empty 204', async () => {
    assert.equal(await assertFetchMatchesApi('DELETE', await fetch(`${base}/admin/identities/${ID}`, { method: 'DELETE' })), undefined);
  });

  it('checks the final response of a followed GET redirect, and refuses one after another method', async () => {
    const body = await assertFetchMatchesApi('GET', await fetch(`${base}/moved`));
    assert.equal((body as { id: string }).id, ID);
    const message = await asyncFailureOf(async () =>
      assertFetchMatchesApi('POST', await fetch(`${base}/admin/identities`, { method: 'POST', body: '{}' })),
    );
    assert.match(message, /after fetch followed a redirect.*redirect: 'manual'/);
    const manual = await fetch(`${base}/admin/identities`, { method: 'POST', body: '{}', redirect: 'manual' });
    assert.match(await asyncFailureOf(async () => assertFetchMatchesApi('POST', manual)), /createIdentity \(POST \/admin\/identities\) status 303 \(documented as default\)/);
  });

  it('fails when a documented JSON body is not sent as JSON or does not parse', async () => {
    assert.match(
      await asyncFailureOf(async () => assertFetchMatchesApi('GET', await fetch(`${base}/admin/identities/as-text`))),
      /the spec documents a JSON body, but Content-Type is "text\/plain"/,
    );
    assert.match(
      await asyncFailureOf(async () => assertFetchMatchesApi('GET', await fetch(`${base}/admin/identities/not-json`))),
      /Content-Type application\/json but the body is not JSON/,
    );
  });
});
