// Session check, password login and registration throughput, each next to the ceiling it is judged
// against, measured in turns (A B A B ...) so machine load hits both alike:
//   - GET /sessions/whoami (X-Session-Token, rotating over 1,000 sessions) at 10 and at 50
//     connections against a bare Fastify route that reads one session row from the same database:
//     better-sqlite3 on SQLite (goal >= 0.8x, p99 < 5 ms at 50 connections), and `pg` on
//     PostgreSQL when TEST_POSTGRES_DSN names a server where a database may be created (goal >= 0.8x);
//   - complete API password logins (flow init + submit) with 2 and 4 in flight against the raw rate of
//     argon2id verifications with the same parameters and concurrency (goal >= 0.9x);
//   - complete API registrations (flow init + submit) against the raw argon2id hash rate (goal >= 0.85x).
// Tessera runs as users run it (`tessera migrate sql`, then `tessera serve -c <config>`) in a child
// process, with production defaults (info logging, argon2id at its default cost); the baseline runs
// in another child; this process only generates load (autocannon) and seeds data.
//
//   npm run bench -- sessions               run everything, print a table, update docs/benchmarks.md
//   npm run bench -- sessions --no-docs     same, without touching the docs
//   npm run bench -- sessions --only=whoami whoami rows only (SQLite, and PostgreSQL when set), no docs
//   npm run bench -- sessions --only=login  login and registration rows only (SQLite), no docs
//   npm run bench -- sessions --profile     whoami only, with Tessera under --cpu-prof; prints where its time goes
//   npm run bench -- sessions --profile=login   the same for password logins
// BENCH_SECONDS (default 10) sets the length of each measured run. BENCH_TESSERA_NODE_ARGS adds
// Node flags to the Tessera process (space-separated, e.g. `--import /path/to/experiment.mjs`), to
// try a change's effect without editing the sources. BENCH_HOLD=<file> seeds the SQLite deployment,
// starts the baseline, writes both (URLs, pids, config file, session tokens) to <file> as JSON and
// keeps them running until SIGINT, for measurements by hand (e.g. CPU per request at a fixed rate).
// Each row shows the CPU time the measured server process used per request (from /proc), which is
// steadier than the rate on a shared machine.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import pino from 'pino';
import { DEV_IDENTITY_SCHEMA } from '../src/config/dev.js';
import { loadConfig } from '../src/config/index.js';
import { createRegistry } from '../src/registry/registry.js';
import { testDatabases, type TestDatabase } from '../test/testkit/databases.js';
import { renderProfileSummary, summariseCpuProfile } from './lib/cpu-profile.js';
import { updateDocsSection } from './lib/docs-section.js';
import { concurrentLoop, figuresOf, httpLoad, interleaved, JsonClient, type CpuTime, type Figures, type Sample } from './lib/load.js';
import { cleanEnv, freePort, repoRoot, runNode, startNode, waitForHttp, type NodeChild } from './lib/processes.js';

const args = process.argv.slice(2);
const profileArg = args.find((a) => a === '--profile' || a.startsWith('--profile='));
const PROFILE = profileArg === undefined ? null : profileArg === '--profile' ? 'whoami' : profileArg.slice('--profile='.length);
if (PROFILE !== null && PROFILE !== 'whoami' && PROFILE !== 'login') throw new Error('--profile takes whoami (the default) or login');
const ONLY_WHOAMI = args.includes('--only=whoami');
const ONLY_LOGIN = args.includes('--only=login');
const WRITE_DOCS = !PROFILE && !ONLY_WHOAMI && !ONLY_LOGIN && !args.includes('--no-docs');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const TESSERA_NODE_ARGS = (process.env.BENCH_TESSERA_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
const WARMUP_SECONDS = 2;
/** Measurements that are compared run in turns, this many each, SECONDS / ROUNDS at a time. */
const ROUNDS = 5;
const CORES = availableParallelism();
const SESSIONS = 1000;
const WHOAMI_CONNECTIONS = [10, 50];
const LOGIN_IN_FLIGHT = [2, 4];
const LOGIN_IDENTITIES = 8;
/** argon2id at 1 MiB, single lane: about a millisecond, so a login against it is mostly everything else. */
const CHEAP_HASH = { memoryCost: 1024, timeCost: 1, parallelism: 1, algorithm: 2 } as const;
const PASSWORD = 'bench-correct-horse-battery-staple';
const GOAL_WHOAMI = 0.8;
const GOAL_WHOAMI_P99_MS = 5;
const GOAL_LOGIN = 0.9;
const GOAL_REGISTRATION = 0.85;
/** The steady load (per server) and connections of the whoami diagnostic that loads both servers at once. */
const FIXED_RATE = 2000;
const FIXED_RATE_CONNECTIONS = 10;

const log = (msg: string) => process.stderr.write(`[sessions bench] ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// Setup: a migrated database, Tessera serving it, identities and sessions.

const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
const schemaFile = join(dir, 'identity.schema.json');
const profileDir = join(dir, 'cpu-profile');
writeFileSync(schemaFile, JSON.stringify(DEV_IDENTITY_SCHEMA));

const children: NodeChild[] = [];
const dropLater: TestDatabase[] = [];
async function cleanup(): Promise<void> {
  flowClient.close();
  await Promise.all(children.map((c) => c.stop()));
  for (const d of dropLater) await d.drop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}

interface Deployment {
  name: 'sqlite' | 'postgres';
  dsn: string;
  configFile: string;
  publicUrl: string;
  adminUrl: string;
  tessera: NodeChild;
  identityIds: string[];
  tokens: string[];
  loginIdentifiers: string[];
  whoamiBytes: number;
}

async function json(res: Response): Promise<any> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function eachLimited<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

function startTessera(configFile: string, profile: boolean): NodeChild {
  const child = startNode('tessera serve', ['bin/tessera.js', 'serve', '-c', configFile], {
    nodeArgs: [...TESSERA_NODE_ARGS, ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
  });
  children.push(child);
  return child;
}

async function createIdentityAt(adminUrl: string, email: string, password?: string): Promise<string> {
  const body = { schema_id: 'default', traits: { email }, ...(password ? { credentials: { password: { config: { password } } } } : {}) };
  const res = await fetch(`${adminUrl}/admin/identities`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const out = await json(res);
  if (res.status !== 201) throw new Error(`POST /admin/identities answered ${res.status}: ${JSON.stringify(out)}`);
  return out.id as string;
}

/**
 * A second Tessera on the same database whose hasher is argon2id at 1 MiB (`CHEAP_HASH`), with
 * identities of its own: logins there measure everything a login does but the expensive hash. (A
 * cheap hash stored for the production config's server would not do: a login re-hashes a password
 * stored with other parameters than the configured ones.)
 */
async function deployCheapHash(d: Deployment): Promise<Deployment> {
  const config = JSON.parse(readFileSync(d.configFile, 'utf8'));
  const [publicPort, adminPort] = [await freePort(), await freePort()];
  const publicUrl = `http://127.0.0.1:${publicPort}`;
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  config.serve.public = { ...config.serve.public, port: publicPort, base_url: `${publicUrl}/` };
  config.serve.admin = { ...config.serve.admin, port: adminPort, base_url: `${adminUrl}/` };
  config.hashers = { algorithm: 'argon2', argon2: { memory: `${CHEAP_HASH.memoryCost / 1024}MB`, iterations: CHEAP_HASH.timeCost, parallelism: CHEAP_HASH.parallelism } };
  const configFile = join(dir, `tessera-${d.name}-cheap-hash.config.json`);
  writeFileSync(configFile, JSON.stringify(config));
  const tessera = startTessera(configFile, false);
  await waitForHttp(`${publicUrl}/health/ready`, tessera);
  await waitForHttp(`${adminUrl}/health/ready`, tessera);
  const loginIdentifiers = Array.from({ length: LOGIN_IDENTITIES }, (_, i) => `cheap-hash-login-${i}@example.com`);
  for (const email of loginIdentifiers) await createIdentityAt(adminUrl, email, PASSWORD);
  return { ...d, configFile, publicUrl, adminUrl, tessera, loginIdentifiers };
}

async function deploy(name: Deployment['name'], dsn: string): Promise<Deployment> {
  const [publicPort, adminPort] = [await freePort(), await freePort()];
  const publicUrl = `http://127.0.0.1:${publicPort}`;
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const configFile = join(dir, `tessera-${name}.config.json`);
  // Only what a production config must have; everything else (hasher cost, log level) is default.
  writeFileSync(
    configFile,
    JSON.stringify({
      dsn,
      serve: {
        public: { host: '127.0.0.1', port: publicPort, base_url: `${publicUrl}/` },
        admin: { host: '127.0.0.1', port: adminPort, base_url: `${adminUrl}/` },
      },
      identity: { default_schema_id: 'default', schemas: [{ id: 'default', url: `file://${schemaFile}` }] },
      selfservice: { default_browser_return_url: 'http://127.0.0.1:4455/', flows: { registration: { enabled: true } } },
      secrets: { default: [randomBytes(24).toString('hex')] },
      hashers: { algorithm: 'argon2' },
    }),
  );
  log(`${name}: migrating, starting tessera serve`);
  await runNode('tessera migrate', ['bin/tessera.js', 'migrate', 'sql', '-c', configFile, '--yes'], { env: cleanEnv() });
  const tessera = startTessera(configFile, false);
  await waitForHttp(`${publicUrl}/health/ready`, tessera);
  await waitForHttp(`${adminUrl}/health/ready`, tessera);

  const createIdentity = (email: string, password?: string) => createIdentityAt(adminUrl, email, password);
  log(`${name}: seeding ${SESSIONS} identities with one session each, and ${LOGIN_IDENTITIES} with a password`);
  const identityIds = await eachLimited(
    Array.from({ length: SESSIONS }, (_, i) => i),
    8,
    (i) => createIdentity(`bench-${i}@example.com`),
  );
  const tokens = await issueSessions(configFile, identityIds);
  const loginIdentifiers = Array.from({ length: LOGIN_IDENTITIES }, (_, i) => `login-${i}@example.com`);
  for (const email of loginIdentifiers) await createIdentity(email, PASSWORD);

  // Sanity: whoami answers as expected before anything is timed.
  const probe = await fetch(`${publicUrl}/sessions/whoami`, { headers: { 'x-session-token': tokens[0]!, accept: 'application/json' } });
  const probeBody = await json(probe);
  if (probe.status !== 200 || probeBody.identity?.id !== identityIds[0]) throw new Error(`whoami probe answered ${probe.status}: ${JSON.stringify(probeBody)}`);
  return { name, dsn, configFile, publicUrl, adminUrl, tessera, identityIds, tokens, loginIdentifiers, whoamiBytes: JSON.stringify(probeBody).length };
}

/** Issues one session per identity through Tessera's own session manager on the same database. */
async function issueSessions(configFile: string, identityIds: string[]): Promise<string[]> {
  const config = await loadConfig({ files: [configFile], env: {} });
  const registry = createRegistry(config, { logger: pino({ level: 'silent' }) });
  try {
    const tokens: string[] = [];
    for (const id of identityIds) {
      const identity = await registry.persister.identities.getIdentity(id);
      if (!identity) throw new Error(`identity ${id} vanished`);
      tokens.push((await registry.sessions.issue(identity, 'password', { ip: '127.0.0.1', userAgent: 'tessera-bench' })).token);
    }
    return tokens;
  } finally {
    await registry.close();
  }
}

async function storedPasswordHash(d: Deployment): Promise<string> {
  const config = await loadConfig({ files: [d.configFile], env: {} });
  const registry = createRegistry(config, { logger: pino({ level: 'silent' }) });
  try {
    const identity = await registry.persister.identities.findByCredentialsIdentifier('password', d.loginIdentifiers[0]!);
    const hash = identity?.credentials.password?.config.hashed_password;
    if (typeof hash !== 'string' || hash === '') throw new Error('no stored password hash found');
    return hash;
  } finally {
    await registry.close();
  }
}

async function startBaseline(d: Deployment, paths: string[]): Promise<{ url: string; child: NodeChild }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const baseline = startNode('baseline server', ['--import', 'tsx', 'bench/lib/baseline-server.ts', d.dsn, String(port)]);
  children.push(baseline);
  await waitForHttp(`${url}/health/alive`, baseline);
  for (const path of paths) {
    const r = await fetch(`${url}${path}`, { headers: { 'x-session-token': d.tokens[0]! } });
    const b = await json(r);
    if (r.status !== 200 || b.identity_id !== d.identityIds[0]) throw new Error(`baseline ${path} probe answered ${r.status}: ${JSON.stringify(b)}`);
  }
  return { url, child: baseline };
}

// ---------------------------------------------------------------------------------------------
// Measurements.

/** GET `path` on `url` for `seconds`, each request presenting the next session token in turn. */
function rotatingTokenLoad(url: string, path: string, tokens: string[], connections: number, seconds: number, serverPid?: number, rate?: number): Promise<Sample> {
  let i = 0;
  return httpLoad({
    url,
    connections,
    duration: seconds,
    ...(rate === undefined ? {} : { overallRate: rate }),
    requests: [
      {
        method: 'GET',
        path,
        headers: { accept: 'application/json' },
        setupRequest: (req) => {
          req.headers['x-session-token'] = tokens[i++ % tokens.length]!;
          return req;
        },
      },
    ],
  }, serverPid);
}

let lastFlowError: string | null = null;
let nextLogin = 0;
let nextRegistration = 0;

/** The load generator's client for flows (login, registration); see JsonClient. */
const flowClient = new JsonClient();

/** One complete API login: GET /self-service/login/api, then POST the password to the flow. */
async function loginOnce(d: Deployment): Promise<void> {
  const init = await flowClient.request(`${d.publicUrl}/self-service/login/api`);
  if (init.status !== 200) throw new Error((lastFlowError = `login flow init answered ${init.status}: ${JSON.stringify(init.body).slice(0, 500)}`));
  const res = await flowClient.request(`${d.publicUrl}/self-service/login?flow=${encodeURIComponent(init.body.id)}`, {
    method: 'POST',
    body: { method: 'password', identifier: d.loginIdentifiers[nextLogin++ % d.loginIdentifiers.length], password: PASSWORD },
  });
  if (res.status !== 200 || typeof res.body.session_token !== 'string') throw new Error((lastFlowError = `login submit answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`));
}

const runId = randomBytes(4).toString('hex');

/** One complete API registration: GET /self-service/registration/api, then POST traits and password. */
async function registerOnce(d: Deployment): Promise<void> {
  const init = await flowClient.request(`${d.publicUrl}/self-service/registration/api`);
  if (init.status !== 200) throw new Error((lastFlowError = `registration flow init answered ${init.status}: ${JSON.stringify(init.body).slice(0, 500)}`));
  const res = await flowClient.request(`${d.publicUrl}/self-service/registration?flow=${encodeURIComponent(init.body.id)}`, {
    method: 'POST',
    body: { method: 'password', traits: { email: `new-${runId}-${nextRegistration++}@example.com` }, password: `${PASSWORD}-${nextRegistration}` },
  });
  if (res.status !== 200) throw new Error((lastFlowError = `registration submit answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`));
}

/** Fails the run when a measurement had failures: its figures would not mean what they say. */
function noFailures(name: string, f: Figures, detail = ''): void {
  if (f.failed > 0) throw new Error(`${name}: ${f.failed} operations failed${detail ? `; last: ${detail}` : ''}`);
}

// ---------------------------------------------------------------------------------------------
// Report.

const fmtRate = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const fmtMs = (n: number | null) => (n === null ? '–' : n >= 100 ? `${Math.round(n)} ms` : `${n.toFixed(n < 10 ? 2 : 1)} ms`);
const fmtRatio = (r: number) => `${r.toFixed(2)}×`;
const fmtCpu = (c: CpuTime | undefined) => (c ? `${Math.round(c.user + c.system)} µs (${Math.round(c.user)}+${Math.round(c.system)})` : '–');

interface Row {
  name: string;
  unit: string;
  f: Figures;
}

interface Ratio {
  name: string;
  value: number;
  goal: number | null;
  /** Shown instead of the value's own formatting (e.g. a latency goal). */
  text?: string;
  met?: boolean;
}

function table(rows: Row[]): string {
  const head = ['measurement', 'rate', 'p50', 'p99', 'completed', 'failed', 'server CPU/op (user+sys)', 'load gen. CPU/op'];
  const body = rows.map((r) => [r.name, `${fmtRate(r.f.rate)} ${r.unit}/s`, fmtMs(r.f.p50), fmtMs(r.f.p99), String(r.f.count), String(r.f.failed), fmtCpu(r.f.serverCpuUs), fmtCpu(r.f.clientCpuUs)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function markdownTable(rows: Row[]): string {
  return [
    '| measurement | rate | p50 | p99 | server CPU per request (user+system) |',
    '|---|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.name} | ${fmtRate(r.f.rate)} ${r.unit}/s | ${fmtMs(r.f.p50)} | ${fmtMs(r.f.p99)} | ${fmtCpu(r.f.serverCpuUs)} |`),
  ].join('\n');
}

const verdictOf = (r: Ratio) => (r.goal === null ? '' : (r.met ?? r.value >= r.goal) ? 'met' : 'NOT met');

const SECTION_INTRO = `\`npm run bench -- sessions\` (\`bench/sessions.bench.ts\`) runs Tessera as users run it — \`tessera migrate sql\`,
then \`tessera serve -c <config>\` in its own process, with production defaults (info logging, argon2id at
its default cost) — and generates load from a separate process on loopback (autocannon for whoami,
node:http over kept-alive connections for the flows). Each
measurement runs in turns with the ceiling it is judged against (A B A B …), so the machine's load hits
both alike; the ratios are what the goals are about:

- **whoami**: \`GET /sessions/whoami\` with \`X-Session-Token\`, every request presenting the next of 1,000
  sessions (one per identity), at 10 and at 50 connections. The baseline is a bare Fastify app in another
  process (no logging, no hooks) that digests the token and reads ONE row, \`select * from sessions where
  token_hash = ?\`, from the same database and returns it as JSON: through a better-sqlite3 prepared
  statement on SQLite, through a \`pg\` named statement on PostgreSQL (run when \`TEST_POSTGRES_DSN\` is set;
  the benchmark creates and drops its own database there). A diagnostic row runs whoami's own statement
  on the bare app. Goals: ≥ 0.8× the bare route; p99 under 5 ms at 50 connections on SQLite. A second
  diagnostic loads whoami and the bare route at the same time at a fixed 2,000 requests a second each
  (10 connections each) and compares their CPU per request, measured over the same seconds: a slow
  spell of the machine then weighs on both alike.
- **password login**: complete API logins (\`GET /self-service/login/api\`, then \`POST
  /self-service/login?flow=…\`) with 2 and 4 in flight, against argon2id \`verify\` with the same parameters
  at the same concurrency (\`@node-rs/argon2\`). Goal: ≥ 0.9×.
- **registration**: complete API registrations against argon2id \`hash\` at the same concurrency (2).
  Goal: ≥ 0.85×.
- **login beside the hash** (diagnostic): the same logins against identities whose stored hash is
  argon2id at 1 MiB (about a millisecond; a second Tessera process on the same database, whose hasher
  is configured so), one at a time, next to that hash's own verification: the
  difference in server CPU per operation is what a login costs besides the hash. For the raw
  argon2id rows the server CPU is the benchmark process's, which runs them.

The machine is shared and has 2 cores: the load generator and the server compete for them, and other
work on the machine slows whole runs down, so the ratios mean more than the absolute figures. \`--profile\`
(whoami) and \`--profile=login\` run Tessera under \`--cpu-prof\` and print where its time goes;
\`--only=whoami\` and \`--only=login\` run one part (without touching this page);
\`BENCH_TESSERA_NODE_ARGS\` passes Node flags to the Tessera process. The last column is the CPU time the
measured server process used per request (user + system, from /proc), which machine load moves less
than the rate.`;

// ---------------------------------------------------------------------------------------------

const loadAtStart = loadavg()[0]!;
const rows: Row[] = [];
const ratios: Ratio[] = [];
const notes: string[] = [];

async function measureWhoami(d: Deployment): Promise<void> {
  const baselinePaths = d.name === 'sqlite' ? ['/better-sqlite3', '/whoami-sql'] : ['/pg', '/whoami-sql'];
  const { url: baselineUrl, child: baseline } = await startBaseline(d, baselinePaths);
  const [barePath, diagPath] = baselinePaths as [string, string];
  const bareName = d.name === 'sqlite' ? 'bare Fastify + better-sqlite3' : 'bare Fastify + pg';
  for (const connections of WHOAMI_CONNECTIONS) {
    const slice = SECONDS / ROUNDS;
    log(`${d.name}: whoami and baselines, ${connections} connections, ${WARMUP_SECONDS} s warm-up each, then ${ROUNDS} turns of ${slice} s`);
    await rotatingTokenLoad(d.publicUrl, '/sessions/whoami', d.tokens, connections, WARMUP_SECONDS);
    await rotatingTokenLoad(baselineUrl, barePath, d.tokens, connections, WARMUP_SECONDS);
    await rotatingTokenLoad(baselineUrl, diagPath, d.tokens, connections, WARMUP_SECONDS);
    const { whoami, bare, diag } = await interleaved(ROUNDS, {
      whoami: () => rotatingTokenLoad(d.publicUrl, '/sessions/whoami', d.tokens, connections, slice, d.tessera.proc.pid),
      bare: () => rotatingTokenLoad(baselineUrl, barePath, d.tokens, connections, slice, baseline.proc.pid),
      diag: () => rotatingTokenLoad(baselineUrl, diagPath, d.tokens, connections, slice, baseline.proc.pid),
    });
    noFailures('whoami', whoami);
    noFailures('baseline', bare);
    noFailures('diagnostic', diag);
    rows.push(
      { name: `${d.name}: GET /sessions/whoami (Tessera), ${connections} connections`, unit: 'req', f: whoami },
      { name: `${d.name}: baseline, ${bareName}, one session row, ${connections} connections`, unit: 'req', f: bare },
      { name: `${d.name}: diagnostic, whoami's statement on the bare app, ${connections} connections`, unit: 'req', f: diag },
    );
    ratios.push({ name: `${d.name}, ${connections} connections: whoami / bare one-row route`, value: whoami.rate / bare.rate, goal: GOAL_WHOAMI });
    ratios.push({ name: `${d.name}, ${connections} connections: whoami / its statement on the bare app`, value: whoami.rate / diag.rate, goal: null });
    if (d.name === 'sqlite' && connections === 50 && whoami.p99 !== null) {
      ratios.push({ name: 'sqlite, 50 connections: whoami p99', value: whoami.p99, goal: GOAL_WHOAMI_P99_MS, text: fmtMs(whoami.p99), met: whoami.p99 < GOAL_WHOAMI_P99_MS });
    }
  }
  // CPU per request at a steady load below saturation, with both servers loaded at the same time: a
  // slow spell of the shared machine then weighs on both alike, which turns at saturation cannot
  // promise, so differences of a few microseconds show.
  const slice = SECONDS / ROUNDS;
  log(`${d.name}: whoami and the bare route loaded together at ${FIXED_RATE} req/s each, ${ROUNDS} turns of ${slice} s`);
  const together: { whoami: Sample[]; bare: Sample[] } = { whoami: [], bare: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const [w, b] = await Promise.all([
      rotatingTokenLoad(d.publicUrl, '/sessions/whoami', d.tokens, FIXED_RATE_CONNECTIONS, slice, d.tessera.proc.pid, FIXED_RATE),
      rotatingTokenLoad(baselineUrl, barePath, d.tokens, FIXED_RATE_CONNECTIONS, slice, baseline.proc.pid, FIXED_RATE),
    ]);
    together.whoami.push(w);
    together.bare.push(b);
  }
  const [whoamiTogether, bareTogether] = [figuresOf(together.whoami), figuresOf(together.bare)];
  noFailures('whoami at a fixed rate', whoamiTogether);
  noFailures('baseline at a fixed rate', bareTogether);
  rows.push(
    { name: `${d.name}: diagnostic, whoami at a fixed ${FIXED_RATE} req/s, loaded together with the bare route`, unit: 'req', f: whoamiTogether },
    { name: `${d.name}: diagnostic, the bare route at a fixed ${FIXED_RATE} req/s, loaded together with whoami`, unit: 'req', f: bareTogether },
  );
  const cpuOf = (f: Figures) => (f.serverCpuUs ? f.serverCpuUs.user + f.serverCpuUs.system : NaN);
  ratios.push({ name: `${d.name}, a fixed ${FIXED_RATE} req/s each: bare route's CPU per request / whoami's`, value: cpuOf(bareTogether) / cpuOf(whoamiTogether), goal: null });
  await baseline.stop();
  notes.push(`${d.name}: whoami answers ${d.whoamiBytes} bytes`);
}

async function measureLoginAndRegistration(d: Deployment): Promise<void> {
  const hash = await storedPasswordHash(d);
  const hashParams = /^\$argon2id\$v=19\$(m=\d+,t=\d+,p=\d+)\$/.exec(hash)?.[1];
  if (!hashParams) throw new Error(`the stored hash is not argon2id: ${hash.slice(0, 20)}…`);
  const [, m, t, p] = /m=(\d+),t=(\d+),p=(\d+)/.exec(hashParams)!.map(Number) as [number, number, number, number];
  if (!(await argon2Verify(hash, PASSWORD))) throw new Error('argon2 verify rejected the password');
  const verifyOnce = async () => {
    if (!(await argon2Verify(hash, PASSWORD))) throw new Error('argon2 verify rejected the password');
  };
  const hashOnce = () => argon2Hash(randomBytes(16).toString('hex'), { memoryCost: m, timeCost: t, parallelism: p, algorithm: 2 });
  const slice = SECONDS / ROUNDS;
  await concurrentLoop(() => loginOnce(d), 2, WARMUP_SECONDS);
  for (const inFlight of LOGIN_IN_FLIGHT) {
    log(`${d.name}: password login and argon2id verify (${hashParams}), ${inFlight} in flight, ${ROUNDS} turns of ${slice} s`);
    const { login, raw } = await interleaved(ROUNDS, {
      login: () => concurrentLoop(() => loginOnce(d), inFlight, slice, d.tessera.proc.pid),
      raw: () => concurrentLoop(verifyOnce, inFlight, slice, process.pid),
    });
    noFailures('password login', login, lastFlowError ?? '');
    noFailures('argon2id verify', raw);
    rows.push(
      { name: `${d.name}: password login, API flow init + submit, ${inFlight} in flight`, unit: 'login', f: login },
      { name: `raw argon2id verify (${hashParams}), ${inFlight} in flight`, unit: 'verify', f: raw },
    );
    ratios.push({ name: `${d.name}, ${inFlight} in flight: login / argon2id verify`, value: login.rate / raw.rate, goal: GOAL_LOGIN });
  }
  // What a login costs beside the hash: the same flows against a 1 MiB hash, one at a time, next to
  // that hash's own verification. The difference in CPU per operation is the number to cut.
  log(`${d.name}: password login against a 1 MiB hash and its verification, 1 in flight, ${ROUNDS} turns of ${slice} s`);
  const cheapHash = await argon2Hash(PASSWORD, CHEAP_HASH);
  const cheap = await deployCheapHash(d);
  await concurrentLoop(() => loginOnce(cheap), 1, WARMUP_SECONDS);
  const beside = await interleaved(ROUNDS, {
    login: () => concurrentLoop(() => loginOnce(cheap), 1, slice, cheap.tessera.proc.pid),
    raw: () => concurrentLoop(() => argon2Verify(cheapHash, PASSWORD), 1, slice, process.pid),
  });
  await cheap.tessera.stop();
  noFailures('password login against a 1 MiB hash', beside.login, lastFlowError ?? '');
  rows.push(
    { name: `${d.name}: diagnostic, password login against a 1 MiB argon2id hash (m=1024,t=1,p=1), 1 in flight`, unit: 'login', f: beside.login },
    { name: 'raw argon2id verify (m=1024,t=1,p=1), 1 in flight', unit: 'verify', f: beside.raw },
  );
  log(`${d.name}: registration and argon2id hash, 2 in flight, ${ROUNDS} turns of ${slice} s`);
  await concurrentLoop(() => registerOnce(d), 2, WARMUP_SECONDS);
  const { registration, raw } = await interleaved(ROUNDS, {
    registration: () => concurrentLoop(() => registerOnce(d), 2, slice, d.tessera.proc.pid),
    raw: () => concurrentLoop(hashOnce, 2, slice, process.pid),
  });
  noFailures('registration', registration, lastFlowError ?? '');
  noFailures('argon2id hash', raw);
  rows.push(
    { name: `${d.name}: registration, API flow init + submit, 2 in flight`, unit: 'reg', f: registration },
    { name: `raw argon2id hash (${hashParams}), 2 in flight`, unit: 'hash', f: raw },
  );
  ratios.push({ name: `${d.name}, 2 in flight: registration / argon2id hash`, value: registration.rate / raw.rate, goal: GOAL_REGISTRATION });
  notes.push(`argon2id at the production default: ${m / 1024} MiB, ${hashParams}. For the raw argon2id rows the server CPU is this benchmark process's, which runs them.`);
}

try {
  const sqlite = await deploy('sqlite', `sqlite://${join(dir, 'tessera.sqlite')}`);
  if (process.env.BENCH_HOLD) {
    const { url, child } = await startBaseline(sqlite, ['/better-sqlite3']);
    writeFileSync(process.env.BENCH_HOLD, JSON.stringify({ configFile: sqlite.configFile, publicUrl: sqlite.publicUrl, tesseraPid: sqlite.tessera.proc.pid, baselineUrl: url, baselinePid: child.proc.pid, tokens: sqlite.tokens }));
    log(`holding; deployment in ${process.env.BENCH_HOLD}; stop with SIGINT`);
    await new Promise((resolve) => process.once('SIGINT', resolve));
  } else if (PROFILE) {
    // Restart under the profiler so seeding is not in the profile.
    await sqlite.tessera.stop();
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir);
    const tessera = startTessera(sqlite.configFile, true);
    await waitForHttp(`${sqlite.publicUrl}/health/ready`, tessera);
    log(`profiling ${PROFILE}: ${WARMUP_SECONDS} s warm-up + ${SECONDS} s under load`);
    let row: Row;
    if (PROFILE === 'whoami') {
      await rotatingTokenLoad(sqlite.publicUrl, '/sessions/whoami', sqlite.tokens, 50, WARMUP_SECONDS);
      row = { name: 'GET /sessions/whoami, 50 connections (under --cpu-prof)', unit: 'req', f: figuresOf([await rotatingTokenLoad(sqlite.publicUrl, '/sessions/whoami', sqlite.tokens, 50, SECONDS)]) };
    } else {
      await concurrentLoop(() => loginOnce(sqlite), 2, WARMUP_SECONDS);
      row = { name: 'password login, 2 in flight (under --cpu-prof)', unit: 'login', f: figuresOf([await concurrentLoop(() => loginOnce(sqlite), 2, SECONDS)]) };
    }
    await tessera.stop();
    const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no CPU profile written:\n${tessera.stderr()}`);
    process.stdout.write(`\n${table([row])}\n\n`);
    process.stdout.write(`${renderProfileSummary(summariseCpuProfile(join(profileDir, file), 25))}\n`);
  } else {
    if (!ONLY_LOGIN) await measureWhoami(sqlite);
    if (!ONLY_WHOAMI) await measureLoginAndRegistration(sqlite);
    await sqlite.tessera.stop();
    const pgFactory = ONLY_LOGIN ? undefined : testDatabases().find((f) => f.name === 'postgres');
    if (pgFactory) {
      const pgDb = await pgFactory.create();
      dropLater.push(pgDb);
      const postgres = await deploy('postgres', pgDb.dsn);
      await measureWhoami(postgres);
      await postgres.tessera.stop();
    } else if (!ONLY_LOGIN) {
      notes.push('PostgreSQL rows skipped: TEST_POSTGRES_DSN is not set');
    }

    const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
    const date = new Date().toISOString().slice(0, 10);
    const machine = `${CORES} cores (${cpu}), load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end (the machine is shared), Node ${process.version}`;
    const ratioLines = ratios.map((r) => `${r.name}: ${r.text ?? fmtRatio(r.value)}${r.goal === null ? '' : `  (goal ${r.text ? '<' : '≥'} ${r.text ? fmtMs(r.goal) : fmtRatio(r.goal)}: ${verdictOf(r)})`}`);
    process.stdout.write(`\n${date}, ${machine}, loopback\n\n${table(rows)}\n\n${ratioLines.join('\n')}\n${notes.join('\n')}\n`);

    if (WRITE_DOCS) {
      const generated = [
        `Last run: ${date} on ${machine}; loopback; ${SECONDS} s per measurement after a ${WARMUP_SECONDS} s warm-up, in ${ROUNDS} turns of ${SECONDS / ROUNDS} s.`,
        '',
        markdownTable(rows),
        '',
        '| ratio | measured | goal | |',
        '|---|---:|---:|---|',
        ...ratios.map((r) => `| ${r.name} | ${r.text ?? fmtRatio(r.value)} | ${r.goal === null ? '–' : r.text ? `< ${fmtMs(r.goal)}` : `≥ ${fmtRatio(r.goal)}`} | ${verdictOf(r)} |`),
        '',
        `${notes.join('. ')}.`,
      ].join('\n');
      updateDocsSection(join(repoRoot, 'docs/benchmarks.md'), { heading: '## Sessions: whoami and password login', markerId: 'sessions-bench', intro: SECTION_INTRO }, generated);
      log('updated docs/benchmarks.md');
    }
  }
} finally {
  await cleanup();
}
