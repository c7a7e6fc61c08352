import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import pino from 'pino';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { apiSpecPath } from '../../testkit/openapi.js';

// Hostile requests to every documented public and admin route and method: random and malicious
// path parameters, query strings (repeated keys, NUL, lone surrogates, bytes that are not UTF-8),
// headers, content types and bodies, some aimed at live flows and a live session so they reach
// the strategies. The property: no 5xx, the process keeps serving, and nothing is written that a
// refused request must not write (identities, credentials, sessions, courier messages).
// Bounded by FUZZ_RUNS requests (default 600 per database) and FUZZ_SECONDS (default 60).

const RUNS = Number(process.env.FUZZ_RUNS ?? 600);
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 60);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

interface Route {
  api: 'public' | 'admin';
  path: string;
  methods: string[];
  query: string[];
}

function routes(): Route[] {
  const out: Route[] = [];
  const add = (spec: { paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>> }, admin: boolean) => {
    for (const [path, ops] of Object.entries(spec.paths)) {
      const methods = Object.keys(ops).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m)).map((m) => m.toUpperCase());
      const query = [...new Set(Object.values(ops).flatMap((o) => (o.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name)))];
      out.push({ api: admin || path.startsWith('/admin') ? 'admin' : 'public', path, methods, query });
    }
  };
  add(JSON.parse(readFileSync(apiSpecPath(), 'utf8')), false);
  add(JSON.parse(readFileSync(new URL('../../../docs/openapi/tessera-admin.json', import.meta.url), 'utf8')), true);
  return out;
}

/** Percent-encodes the UTF-8 bytes of a string (lone surrogates become U+FFFD, as a browser sends them). */
const pct = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

// Escapes a string cannot express in UTF-8: NUL, overlong and truncated sequences, an encoded surrogate.
const RAW_ESCAPES = ['%00', '%FF', '%C0%AF', '%E2%82', '%ED%A0%80', '%', '%zz', '%2e%2e%2f', '..%2f..%2f'];
const HOSTILE = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '💥',
  '',
  ' ',
  '../../etc/passwd',
  "' OR 1=1 --",
  '${7*7}{{7*7}}',
  '<script>alert(1)</script>',
  'null',
  'true',
  '-1',
  '1e309',
  '9'.repeat(400),
  'a'.repeat(5000),
  '__proto__',
  'constructor',
  '00000000-0000-0000-0000-000000000000',
  'password',
  'code',
  'totp',
  'oidc',
];

function run(factoryName: string, setup: () => Promise<{ s: TestServer; drop: () => Promise<void>; errors: string[] }>) {
  describe(`fuzzing every route (${factoryName})`, () => {
    let s: TestServer;
    let drop: () => Promise<void>;
    let errors: string[];
    before(async () => {
      ({ s, drop, errors } = await setup());
    });
    after(async () => {
      await s?.close();
      await drop?.();
    });

    test(`no 5xx, no exit, no stray write in up to ${RUNS} hostile requests`, { timeout: (SECONDS + 120) * 1000 }, async () => {
      // Live objects, so that hostile input reaches past the "unknown flow" answers.
      const login = (await s.publicApi.get('/self-service/login/api')).body.id as string;
      const registration = (await s.publicApi.get('/self-service/registration/api')).body.id as string;
      const verification = (await s.publicApi.get('/self-service/verification/api')).body.id as string;
      const recovery = (await s.publicApi.get('/self-service/recovery/api')).body.id as string;
      const email = `fuzz-${Math.random().toString(36).slice(2, 8)}@example.com`;
      const identity = (await s.adminApi.post('/admin/identities', { schema_id: 'default', traits: { email }, credentials: { password: { config: { password: 'a sufficiently long passphrase 42' } } } })).body;
      const signIn = await s.publicApi.post(`/self-service/login?flow=${(await s.publicApi.get('/self-service/login/api')).body.id}`, {
        method: 'password',
        identifier: email,
        password: 'a sufficiently long passphrase 42',
      });
      const token = signIn.body.session_token as string;
      const settings = (await s.publicApi.get('/self-service/settings/api', { headers: { 'x-session-token': token } })).body.id as string;
      const flowIds = [login, registration, verification, recovery, settings];

      const count = async () => {
        const db = s.registry.database.db;
        const n = async (t: 'identities' | 'identity_credentials' | 'sessions' | 'courier_messages') =>
          Number((await db.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
        return { identities: await n('identities'), credentials: await n('identity_credentials'), sessions: await n('sessions'), messages: await n('courier_messages') };
      };
      const before = await count();

      const all = routes();
      const str = fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...HOSTILE) },
        { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
        { weight: 1, arbitrary: fc.constantFrom(...flowIds, token) },
      );
      const rawPiece = fc.oneof({ weight: 3, arbitrary: str.map(pct) }, { weight: 1, arbitrary: fc.constantFrom(...RAW_ESCAPES) });
      const json = fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc.dictionary(
          fc.constantFrom('method', 'identifier', 'password', 'traits', 'csrf_token', 'code', 'email', 'flow', 'schema_id', 'state', 'credentials', 'op', 'path', 'value', 'recipient', 'totp_code', 'lookup_secret', 'resend', 'provider', 'transient_payload', 'metadata_public'),
          fc.oneof(str, fc.jsonValue({ maxDepth: 2 }), fc.dictionary(str, str, { maxKeys: 3 }), fc.array(fc.dictionary(fc.constantFrom('op', 'path', 'value', 'from'), str), { maxLength: 3 })),
          { maxKeys: 6 },
        ),
        fc.array(fc.record({ op: fc.constantFrom('add', 'replace', 'remove', 'move', 'copy', 'test', 'x'), path: fc.constantFrom('', '/', '/traits', '/traits/email', '/state', '/credentials', '/~1', '/a/-'), value: fc.jsonValue({ maxDepth: 2 }) }), { maxLength: 3 }),
      );
      const body = fc.oneof(
        { weight: 4, arbitrary: json.map((v) => Buffer.from(JSON.stringify(v) ?? 'null')) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
        { weight: 2, arbitrary: fc.array(fc.tuple(rawPiece, rawPiece), { maxLength: 5 }).map((kv) => Buffer.from(kv.map(([k, v]) => `${k}=${v}`).join('&'))) },
        { weight: 1, arbitrary: fc.constant(undefined) },
      );
      const request = fc.record({
        route: fc.constantFrom(...all),
        method: fc.option(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'), { freq: 5 }),
        param: rawPiece,
        query: fc.array(fc.tuple(fc.oneof(fc.constant(''), rawPiece), rawPiece), { maxLength: 4 }),
        knownQuery: fc.array(fc.tuple(fc.nat(), rawPiece), { maxLength: 3 }),
        contentType: fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'application/json-patch+json', 'text/plain', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'foo/bar', undefined),
        accept: fc.constantFrom('application/json', 'text/html', '*/*', undefined),
        sessionToken: fc.option(fc.oneof(fc.constant(token), fc.string({ maxLength: 20 }).filter((x) => /^[\x21-\x7e]*$/.test(x))), { freq: 3 }),
        cookie: fc.option(fc.constantFrom('ory_kratos_session=garbage', 'csrf_token=x; ory_kratos_session=', 'a=%00'), { freq: 4 }),
        body,
      });

      // Flow submissions with the fields each method reads, hostile values in them: the route to the strategies.
      const flowByKind = { login, registration, verification, recovery, settings };
      const submission = fc.record({
        kind: fc.constantFrom(...(Object.keys(flowByKind) as Array<keyof typeof flowByKind>)),
        fields: fc.record(
          {
            method: fc.constantFrom('password', 'code', 'profile', 'link', 'totp', 'webauthn', 'oidc', 'passkey', 'lookup_secret', 'x'),
            identifier: str,
            password: str,
            email: str,
            code: str,
            resend: str,
            csrf_token: str,
            traits: fc.oneof(str, fc.record({ email: str, name: fc.oneof(str, fc.record({ first: str, last: str })), age: fc.oneof(str, fc.integer()) }, { requiredKeys: [] })),
            transient_payload: fc.oneof(str, fc.dictionary(str, str, { maxKeys: 2 })),
          },
          { requiredKeys: ['method'] },
        ),
        form: fc.boolean(),
        withToken: fc.boolean(),
      });
      const formEncode = (o: Record<string, unknown>): string =>
        Object.entries(o)
          .flatMap(([k, v]) => (v !== null && typeof v === 'object' ? Object.entries(v as Record<string, unknown>).map(([k2, v2]) => [`${k}.${k2}`, v2] as const) : [[k, v] as const]))
          .map(([k, v]) => `${pct(k)}=${pct(typeof v === 'string' ? v : JSON.stringify(v) ?? '')}`)
          .join('&');

      // Every documented query parameter of one route at once, each with a hostile value: list filters and page tokens.
      const withQuery = all.filter((r) => r.query.length > 0);
      const queryProbe = fc.record({ probe: fc.constantFrom(...withQuery), values: fc.array(rawPiece, { minLength: 1, maxLength: 8 }), repeat: fc.boolean() });

      const statuses = new Map<number, number>();
      const failures: string[] = [];
      let requests = 0;
      const started = Date.now();
      const send = async (method: string, url: string, headers: Record<string, string>, payload: Buffer | undefined) => {
        requests++;
        const res = await fetch(url, { method, headers, body: payload, redirect: 'manual' });
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) {
          failures.push(`${method} ${url.slice(0, 300)} [${headers['content-type'] ?? '-'}] ${payload ? JSON.stringify(payload.toString('utf8').slice(0, 300)) : ''} -> ${res.status} ${text.slice(0, 200)}`);
        }
        return res.status < 500;
      };
      const submit = async (r: typeof submission extends fc.Arbitrary<infer T> ? T : never) => {
        const headers: Record<string, string> = { accept: 'application/json', 'content-type': r.form ? 'application/x-www-form-urlencoded' : 'application/json' };
        if (r.withToken || r.kind === 'settings') headers['x-session-token'] = token;
        const payload = Buffer.from(r.form ? formEncode(r.fields) : JSON.stringify(r.fields));
        return send('POST', `${s.publicUrl}self-service/${r.kind}?flow=${flowByKind[r.kind]}`, headers, payload);
      };
      await fc.assert(
        fc.asyncProperty(fc.oneof({ weight: 3, arbitrary: request }, { weight: 2, arbitrary: submission }, { weight: 1, arbitrary: queryProbe }), async (r) => {
          if ('kind' in r) return submit(r);
          if ('probe' in r) {
            const qs = r.probe.query.map((k, i) => `${k}=${r.values[i % r.values.length]}${r.repeat ? `&${k}=${r.values[(i + 1) % r.values.length]}` : ''}`).join('&');
            const path = r.probe.path.replace(/\{[^}]+\}/g, () => r.values[0]!);
            return send(r.probe.methods.includes('GET') ? 'GET' : r.probe.methods[0]!, `${r.probe.api === 'admin' ? s.adminUrl : s.publicUrl}${path.replace(/^\//, '')}?${qs}`, { accept: 'application/json', 'x-session-token': token }, undefined);
          }
          const method = r.method ?? r.route.methods[requests % r.route.methods.length] ?? 'GET';
          const path = r.route.path.replace(/\{[^}]+\}/g, () => r.param);
          const known = r.knownQuery.filter(() => r.route.query.length > 0).map(([i, v]) => `${r.route.query[i % r.route.query.length]}=${v}`);
          const flowHint = r.route.query.includes('flow') ? [`flow=${flowIds[requests % flowIds.length]}`] : [];
          const qs = [...flowHint, ...known, ...r.query.map(([k, v]) => `${k}=${v}`)].join('&');
          const base = r.route.api === 'admin' ? s.adminUrl : s.publicUrl;
          const url = `${base}${path.replace(/^\//, '')}${qs ? `?${qs}` : ''}`;
          const headers: Record<string, string> = {};
          if (r.contentType && r.body !== undefined) headers['content-type'] = r.contentType;
          if (r.accept) headers.accept = r.accept;
          if (r.sessionToken) headers['x-session-token'] = r.sessionToken;
          if (r.cookie) headers.cookie = r.cookie;
          const withBody = method !== 'GET' && r.body !== undefined;
          return send(method, url, headers, withBody ? r.body : undefined);
        }),
        { numRuns: RUNS, interruptAfterTimeLimit: SECONDS * 1000, markInterruptAsFailure: false, endOnFailure: true, ...(SEED !== undefined ? { seed: SEED } : {}) },
      ).catch((err) => {
        // The counterexample and the server's own log of the failure say more than the shrunk case alone.
        throw new Error(`${(err as Error).message.slice(0, 2000)}\nfailures:\n${failures.join('\n')}\nserver errors:\n${errors.join('\n')}`);
      });

      // Then a sweep, since a few hundred random picks can miss one parameter of one route: every
      // documented query parameter of every operation with each unstorable value (and given twice),
      // and every field each flow method reads with each unstorable value, as JSON and as a form.
      const sweepValues = [...['\u0000', 'a\u0000b', '\ud800', 'x\udfff', 'a'.repeat(3000), '-1', '__proto__'].map(pct), ...RAW_ESCAPES];
      for (const r of withQuery) {
        const base = r.api === 'admin' ? s.adminUrl : s.publicUrl;
        const path = r.path.replace(/\{[^}]+\}/g, () => crypto.randomUUID()).replace(/^\//, '');
        const method = r.methods.includes('GET') ? 'GET' : r.methods[0]!;
        for (const k of r.query) {
          for (const v of sweepValues) await send(method, `${base}${path}?${k}=${v}`, { accept: 'application/json', 'x-session-token': token }, undefined);
          await send(method, `${base}${path}?${k}=a&${k}=b`, { accept: 'application/json', 'x-session-token': token }, undefined);
        }
      }
      const unstorable = ['\u0000', 'a\u0000b', '\ud800', 'x\udfff'];
      const fieldsOf: Record<keyof typeof flowByKind, Record<string, string[]>> = {
        login: { password: ['identifier', 'password'], code: ['identifier', 'code'] },
        registration: { password: ['traits.email', 'traits.name.first', 'password'], code: ['traits.email', 'code'], profile: ['traits.email', 'traits.name.first'] },
        verification: { code: ['email', 'code'], link: ['email'] },
        recovery: { code: ['email', 'code'], link: ['email'] },
        settings: { profile: ['traits.email', 'traits.name.first'], password: ['password'] },
      };
      const setPath = (o: Record<string, unknown>, path: string, v: string) => {
        const [head, ...rest] = path.split('.');
        if (rest.length === 0) o[head!] = v;
        else setPath((o[head!] ??= {}) as Record<string, unknown>, rest.join('.'), v);
      };
      for (const [kind, methods] of Object.entries(fieldsOf) as Array<[keyof typeof flowByKind, Record<string, string[]>]>) {
        for (const [method, fields] of Object.entries(methods)) {
          for (const field of fields) {
            for (const v of unstorable) {
              const body: Record<string, unknown> = { method };
              // Otherwise valid, so the unstorable value is the only thing wrong with the submission.
              if (kind === 'registration') setPath(body, 'traits.email', `sweep-${crypto.randomUUID()}@example.com`);
              if (kind === 'login') body.identifier = email;
              setPath(body, field, v);
              const url = `${s.publicUrl}self-service/${kind}?flow=${flowByKind[kind]}`;
              await send('POST', url, { accept: 'application/json', 'content-type': 'application/json', 'x-session-token': token }, Buffer.from(JSON.stringify(body)));
              await send('POST', url, { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', 'x-session-token': token }, Buffer.from(formEncode(body)));
            }
          }
        }
      }

      const fiveXX = [...statuses].filter(([st]) => st >= 500).reduce((n, [, c]) => n + c, 0);
      console.log(`fuzz (${factoryName}): ${requests} requests (random and sweep) in ${((Date.now() - started) / 1000).toFixed(1)} s, 5xx = ${fiveXX}, by status ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
      assert.equal(fiveXX, 0, `${failures.join('\n')}\nserver errors:\n${errors.join('\n')}`);
      assert.ok(requests >= Math.min(RUNS, 100), `only ${requests} requests ran`);
      assert.equal((await fetch(`${s.publicUrl}health/alive`)).status, 200, 'the server still serves');
      assert.deepEqual(await count(), before, 'no identity, credential, session or message was written by a refused request');
    });
  });
}

for (const factory of testDatabases()) {
  run(factory.name, async () => {
    const db: TestDatabase = await factory.create();
    const errors: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        errors.push(String(chunk).slice(0, 1000));
        cb();
      },
    });
    const s = await startTestServer({
      dsn: db.dsn,
      logger: pino({ level: 'error' }, sink),
      config: {
        selfservice: {
          methods: { password: { config: { haveibeenpwned_enabled: false } }, code: { enabled: true } },
          flows: { verification: { enabled: true, use: 'code' }, recovery: { enabled: true, use: 'code' } },
        },
      },
    });
    return { s, drop: () => db.drop(), errors };
  });
}
