import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MAX_SCHEMA_BYTES, SchemaLoadError, SchemaRegistry, UnknownSchemaError } from '../../src/schema/index.js';
import { base64Url, emailSchema, KRATOS, schema2020 } from './fixtures.js';

let dir: string;
let server: Server;
let base: string;
const hits = new Map<string, number>();
let flakyFailures = 1;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-schema-'));
  await writeFile(join(dir, 'email.schema.json'), JSON.stringify(emailSchema));
  await writeFile(join(dir, 'broken.json'), '{"properties": ');
  await writeFile(join(dir, 'big.json'), `{"pad":"${'x'.repeat(MAX_SCHEMA_BYTES)}"}`);
  // A schema whose trait is defined in a second file next to it.
  await writeFile(join(dir, 'defs.json'), JSON.stringify({ definitions: { email: { type: 'string', format: 'email', [KRATOS]: { credentials: { password: { identifier: true } } } } } }));
  await writeFile(join(dir, 'with-ref.schema.json'), JSON.stringify({
    type: 'object',
    properties: { traits: { type: 'object', properties: { email: { $ref: 'defs.json#/definitions/email' } }, required: ['email'] } },
  }));

  server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === '/email.schema.json') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(emailSchema));
    } else if (path === '/flaky.schema.json') {
      if (flakyFailures-- > 0) {
        res.statusCode = 503;
        res.end('try later');
      } else {
        res.end(JSON.stringify(emailSchema));
      }
    } else if (path === '/huge.schema.json') {
      // Streamed without a content-length, so only the streaming cap can stop it.
      res.write('{"pad":"');
      const chunk = 'y'.repeat(64 * 1024);
      let sent = 0;
      const pump = () => {
        while (sent <= MAX_SCHEMA_BYTES) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end('"}');
      };
      pump();
    } else if (path === '/slow.schema.json') {
      setTimeout(() => res.end(JSON.stringify(emailSchema)), 2000).unref();
    } else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

async function loadError(registry: SchemaRegistry, id: string): Promise<SchemaLoadError> {
  try {
    await registry.get(id);
  } catch (err) {
    assert.ok(err instanceof SchemaLoadError, `expected SchemaLoadError, got ${String(err)}`);
    return err;
  }
  assert.fail(`schema ${id} loaded`);
}

describe('SchemaRegistry', () => {
  test('lists configured schemas in order without loading them', () => {
    const registry = new SchemaRegistry({
      schemas: [{ id: 'b', url: 'file:///nowhere/b.json' }, { id: 'a', url: 'base64://e30=' }],
      defaultSchemaId: 'a',
    });
    assert.deepEqual(registry.list(), [{ id: 'b', url: 'file:///nowhere/b.json' }, { id: 'a', url: 'base64://e30=' }]);
    assert.equal(registry.has('a'), true);
    assert.equal(registry.has('c'), false);
  });

  test('rejects an id configured twice', () => {
    assert.throws(() => new SchemaRegistry({ schemas: [{ id: 'a', url: 'base64://e30=' }, { id: 'a', url: 'base64://e30=' }], defaultSchemaId: 'a' }), /configured more than once/);
  });

  test('loads from an absolute file:// URL and caches the compiled schema', async () => {
    const registry = new SchemaRegistry({ schemas: [{ id: 'default', url: `file://${join(dir, 'email.schema.json')}` }], defaultSchemaId: 'default' });
    const first = await registry.getDefault();
    assert.equal(first.id, 'default');
    assert.equal(first.dialect, 'draft-07');
    assert.equal(await registry.get('default'), first);
    assert.equal(first.validateTraits({ email: 'a@example.com' }).ok, true);
  });

  test('loads from a file:// URL relative to the working directory', async () => {
    const registry = new SchemaRegistry({ schemas: [{ id: 'rel', url: 'file://email.schema.json' }], defaultSchemaId: 'rel', cwd: dir });
    assert.deepEqual(await registry.raw('rel'), emailSchema);
  });

  test('resolves a relative $ref against the schema file', async () => {
    const registry = new SchemaRegistry({ schemas: [{ id: 'ref', url: `file://${join(dir, 'with-ref.schema.json')}` }], defaultSchemaId: 'ref' });
    const schema = await registry.get('ref');
    const ok = schema.validateTraits({ email: 'Ref@Example.com' });
    assert.equal(ok.ok, true);
    assert.deepEqual(ok.ok && ok.credentials.password.identifiers, ['ref@example.com']);
    const bad = schema.validateTraits({ email: 'nope' });
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.errors[0].pointer, '#/traits/email');
  });

  test('loads from base64://', async () => {
    const registry = new SchemaRegistry({ schemas: [{ id: 'b64', url: base64Url(emailSchema) }], defaultSchemaId: 'b64' });
    const schema = await registry.get('b64');
    assert.equal(schema.url.startsWith('base64://'), true);
    assert.deepEqual(await registry.raw('b64'), emailSchema);
  });

  test('loads from http:// with the default fetcher', async () => {
    const registry = new SchemaRegistry({ schemas: [{ id: 'remote', url: `${base}/email.schema.json` }], defaultSchemaId: 'remote' });
    const before = hits.get('/email.schema.json') ?? 0;
    const [a, b] = await Promise.all([registry.get('remote'), registry.get('remote')]);
    assert.equal(a, b);
    assert.deepEqual(await registry.raw('remote'), emailSchema);
    assert.equal((hits.get('/email.schema.json') ?? 0) - before, 1, 'fetched once for concurrent and later calls');
  });

  test('uses an injected remote fetcher', async () => {
    const asked: string[] = [];
    const registry = new SchemaRegistry({
      schemas: [{ id: 'x', url: 'https://schemas.example.com/x.json' }],
      defaultSchemaId: 'x',
      fetchRemote: async (url) => {
        asked.push(url);
        return JSON.stringify(emailSchema);
      },
    });
    await registry.get('x');
    assert.deepEqual(asked, ['https://schemas.example.com/x.json']);
  });

  test('does not cache a failed load, so a remote outage heals', async () => {
    flakyFailures = 1;
    const registry = new SchemaRegistry({ schemas: [{ id: 'flaky', url: `${base}/flaky.schema.json` }], defaultSchemaId: 'flaky' });
    const err = await loadError(registry, 'flaky');
    assert.match(err.message, /HTTP status 503/);
    assert.equal((await registry.get('flaky')).id, 'flaky');
  });

  test('reports HTTP errors, oversized bodies and timeouts', async () => {
    const registry = new SchemaRegistry({
      schemas: [
        { id: 'missing', url: `${base}/missing.json` },
        { id: 'huge', url: `${base}/huge.schema.json` },
      ],
      defaultSchemaId: 'missing',
    });
    assert.match((await loadError(registry, 'missing')).message, /^Identity schema "missing" .* could not be fetched: HTTP status 404/);
    assert.match((await loadError(registry, 'huge')).message, /is larger than 1048576 bytes/);

    const { createDefaultFetchRemote } = await import('../../src/schema/index.js');
    const impatient = new SchemaRegistry({
      schemas: [{ id: 'slow', url: `${base}/slow.schema.json` }],
      defaultSchemaId: 'slow',
      fetchRemote: createDefaultFetchRemote({ timeoutMs: 100 }),
    });
    assert.match((await loadError(impatient, 'slow')).message, /timed out after 100 ms/);
  });

  test('throws UnknownSchemaError for an id that is not configured', async () => {
    const registry = new SchemaRegistry({ schemas: [{ id: 'default', url: base64Url(emailSchema) }], defaultSchemaId: 'other' });
    await assert.rejects(registry.get('nope'), (err: unknown) => err instanceof UnknownSchemaError && err.schemaId === 'nope');
    await assert.rejects(registry.raw('nope'), UnknownSchemaError);
    await assert.rejects(registry.getDefault(), (err: unknown) => err instanceof UnknownSchemaError && err.schemaId === 'other');
  });

  test('names the schema and the reason when a source cannot be read', async () => {
    const registry = new SchemaRegistry({
      schemas: [
        { id: 'gone', url: `file://${join(dir, 'gone.json')}` },
        { id: 'broken', url: `file://${join(dir, 'broken.json')}` },
        { id: 'big', url: `file://${join(dir, 'big.json')}` },
        { id: 'junk64', url: 'base64://not base64!' },
        { id: 'ftp', url: 'ftp://example.com/x.json' },
      ],
      defaultSchemaId: 'gone',
    });
    const gone = await loadError(registry, 'gone');
    assert.equal(gone.schemaId, 'gone');
    assert.match(gone.message, /^Identity schema "gone" .* could not be read from .*gone\.json: ENOENT/);
    assert.match((await loadError(registry, 'broken')).message, /"broken" .* is not valid JSON/);
    assert.match((await loadError(registry, 'big')).message, /"big" .* is larger than 1048576 bytes/);
    assert.match((await loadError(registry, 'junk64')).message, /"junk64" .* is not valid base64/);
    assert.match((await loadError(registry, 'ftp')).message, /"ftp" .* unsupported URL scheme/);
  });

  test('rejects schemas that break the identity meta-schema rules', async () => {
    const traits = (props: unknown) => ({ type: 'object', properties: { traits: { type: 'object', properties: props } } });
    const registry = new SchemaRegistry({
      schemas: [
        { id: 'no-traits', url: base64Url({ type: 'object', properties: { name: { type: 'string' } } }) },
        { id: 'array', url: base64Url([1, 2]) },
        { id: 'empty-traits', url: base64Url(traits({})) },
        { id: 'traits-string', url: base64Url({ properties: { traits: { type: 'string', properties: { a: {} } } } }) },
        { id: 'bad-ext', url: base64Url(traits({ email: { type: 'string', [KRATOS]: { credentials: { password: { identifier: 'yes' } }, verification: { via: 'pigeon' }, unknown: {} } } })) },
        { id: 'nested-bad-ext', url: base64Url(traits({ a: { type: 'object', properties: { b: { type: 'string', [KRATOS]: { recovery: { by: 'email' } } } } } })) },
        { id: 'verify-format', url: base64Url(traits({ email: { type: 'string', format: 'uri', [KRATOS]: { verification: { via: 'email' } } } })) },
      ],
      defaultSchemaId: 'no-traits',
    });
    const noTraits = await loadError(registry, 'no-traits');
    assert.match(noTraits.message, /^Identity schema "no-traits" .* is not a valid identity schema/);
    assert.deepEqual(noTraits.problems, ['#/properties: must declare "traits"']);
    assert.deepEqual((await loadError(registry, 'array')).problems, ['#: an identity schema must be a JSON object, got array']);
    assert.deepEqual((await loadError(registry, 'empty-traits')).problems, ['#/properties/traits/properties: must declare at least one trait']);
    assert.deepEqual((await loadError(registry, 'traits-string')).problems, ['#/properties/traits/type: must be "object", got "string"']);
    assert.deepEqual((await loadError(registry, 'bad-ext')).problems, [
      '#/properties/traits/properties/email/ory.sh~1kratos/credentials/password/identifier: must be a boolean, got string',
      '#/properties/traits/properties/email/ory.sh~1kratos/verification/via: must be one of "email", "sms", got "pigeon"',
      '#/properties/traits/properties/email/ory.sh~1kratos: unknown key "unknown" (allowed: credentials, verification, recovery, organizations)',
    ]);
    assert.deepEqual((await loadError(registry, 'nested-bad-ext')).problems, [
      '#/properties/traits/properties/a/properties/b/ory.sh~1kratos/recovery: unknown key "by" (allowed: via)',
    ]);
    assert.match((await loadError(registry, 'verify-format')).problems[0], /^#\/properties\/traits\/properties\/email\/format: a trait used for verification must have format "email", "tel", .*got "uri"$/);
  });

  test('absurdly nested JSON fails cleanly', async () => {
    const deep = `{"properties":{"traits":{"properties":{"a":{"x":${'['.repeat(200_000)}${']'.repeat(200_000)}}}}}}`;
    const registry = new SchemaRegistry({ schemas: [{ id: 'deep', url: `base64://${Buffer.from(deep).toString('base64')}` }], defaultSchemaId: 'deep' });
    assert.match((await loadError(registry, 'deep')).message, /^Identity schema "deep" .* could not be checked/);
  });

  test('rejects schemas that are not valid JSON Schema', async () => {
    const registry = new SchemaRegistry({
      schemas: [
        { id: 'bad-type', url: base64Url({ properties: { traits: { type: 'object', properties: { email: { type: 'strin' } } } } }) },
        { id: 'bad-dialect', url: base64Url({ $schema: 'http://json-schema.org/draft-04/schema#', properties: { traits: { properties: { a: {} } } } }) },
        { id: 'bad-ref', url: base64Url({ properties: { traits: { properties: { a: { $ref: '#/definitions/missing' } } } } }) },
      ],
      defaultSchemaId: 'bad-type',
    });
    const badType = await loadError(registry, 'bad-type');
    assert.match(badType.message, /^Identity schema "bad-type" .* is not a valid JSON Schema:\n {2}- schema is invalid: .*type/);
    assert.match((await loadError(registry, 'bad-dialect')).message, /draft-04.* is not supported/);
    assert.match((await loadError(registry, 'bad-ref')).message, /"bad-ref" [\s\S]*can't resolve reference #\/definitions\/missing/);
  });

  test('compiles 2020-12 schemas with their own vocabulary', async () => {
    const registry = new SchemaRegistry({ schemas: [{ id: 'new', url: base64Url(schema2020) }], defaultSchemaId: 'new' });
    const schema = await registry.get('new');
    assert.equal(schema.dialect, '2020-12');
    assert.equal(schema.validateTraits({ email: 'a@example.com', nicknames: ['x'] }).ok, true);
    const bad = schema.validateTraits({ email: 'a@example.com', nicknames: ['x', 'y'], extra: true });
    assert.equal(bad.ok, false);
    assert.deepEqual(!bad.ok && bad.errors.map((e) => [e.pointer, e.message.id, e.message.text]), [
      ['#/traits/nicknames', 4000001, 'only 1 items are allowed, but found 2 items'],
      ['#/traits', 4000001, 'unevaluatedProperties "extra" not allowed'],
    ]);
  });

  test('recognises $schema with either scheme and with or without an empty fragment', async () => {
    const withSchema = (uri: string) => ({ $schema: uri, properties: { traits: { type: 'object', properties: { a: { type: 'string' } } } } });
    const uris = ['http://json-schema.org/draft-07/schema', 'https://json-schema.org/draft-07/schema#', 'http://json-schema.org/draft-06/schema#', 'https://json-schema.org/draft/2019-09/schema', 'https://json-schema.org/draft/2020-12/schema#'];
    const registry = new SchemaRegistry({ schemas: uris.map((uri, i) => ({ id: String(i), url: base64Url(withSchema(uri)) })), defaultSchemaId: '0' });
    const dialects = [];
    for (let i = 0; i < uris.length; i++) {
      const schema = await registry.get(String(i));
      assert.equal(schema.validateTraits({ a: 1 }).ok, false);
      assert.deepEqual(schema.raw(), withSchema(uris[i]), 'served as written');
      dialects.push(schema.dialect);
    }
    assert.deepEqual(dialects, ['draft-07', 'draft-07', 'draft-06', '2019-09', '2020-12']);
  });

  test('raw() hands out copies', async () => {
    const registry = new SchemaRegistry({ schemas: [{ id: 'default', url: base64Url(emailSchema) }], defaultSchemaId: 'default' });
    const raw = await registry.raw('default');
    (raw as { title: string }).title = 'changed';
    assert.equal((await registry.raw('default'))['title'], 'Person');
    assert.deepEqual((await registry.get('default')).raw(), emailSchema);
  });

  test('loadAll surfaces the first broken schema at startup', async () => {
    const registry = new SchemaRegistry({
      schemas: [{ id: 'ok', url: base64Url(emailSchema) }, { id: 'bad', url: 'base64://e30=' }],
      defaultSchemaId: 'ok',
    });
    await assert.rejects(registry.loadAll(), (err: unknown) => err instanceof SchemaLoadError && err.schemaId === 'bad');
  });
});
