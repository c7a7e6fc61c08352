// Session check and password login throughput, each next to the ceiling it is judged against:
//   - GET /sessions/whoami (X-Session-Token, rotating over 1,000 sessions) against a bare Fastify
//     route that reads one session row from the same SQLite file (goal: whoami >= 70 % of it);
//   - complete API password logins (flow init + submit) against the raw rate of argon2id
//     verifications with the same parameters on all cores (goal: login within 15 % of it).
// Tessera runs as users run it (`tessera migrate sql`, then `tessera serve -c <config>`) in a child
// process, with production defaults (info logging, argon2id at its default cost); the baseline runs
// in another child; this process only generates load (autocannon) and seeds data.
//
//   npm run bench -- sessions               run everything, print a table, update docs/benchmarks.md
//   npm run bench -- sessions --no-docs     same, without touching the docs
//   npm run bench -- sessions --profile     whoami only, with Tessera under --cpu-prof; prints where its time goes
//   npm run bench -- sessions --profile=login   the same for password logins
// BENCH_SECONDS (default 10) sets the length of each measured run. BENCH_TESSERA_NODE_ARGS adds
// Node flags to the Tessera process (space-separated, e.g. `--import /path/to/experiment.mjs`), to
// try a change's effect without editing the sources.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { verify as argon2Verify } from '@node-rs/argon2';
import pino from 'pino';
import { DEV_IDENTITY_SCHEMA } from '../src/config/dev.js';
import { loadConfig } from '../src/config/index.js';
import { createRegistry } from '../src/registry/registry.js';
import { renderProfileSummary, summariseCpuProfile } from './lib/cpu-profile.js';
import { updateDocsSection } from './lib/docs-section.js';
import { concurrentLoop, figuresOf, httpLoad, interleaved, type Figures, type Sample } from './lib/load.js';
import { cleanEnv, freePort, repoRoot, runNode, startNode, waitForHttp, type NodeChild } from './lib/processes.js';

const args = process.argv.slice(2);
const profileArg = args.find((a) => a === '--profile' || a.startsWith('--profile='));
const PROFILE = profileArg === undefined ? null : profileArg === '--profile' ? 'whoami' : profileArg.slice('--profile='.length);
if (PROFILE !== null && PROFILE !== 'whoami' && PROFILE !== 'login') throw new Error('--profile takes whoami (the default) or login');
const WRITE_DOCS = !PROFILE && !args.includes('--no-docs');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const TESSERA_NODE_ARGS = (process.env.BENCH_TESSERA_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
const WARMUP_SECONDS = 2;
/** Measurements that are compared run in turns, this many each, SECONDS / ROUNDS at a time. */
const WHOAMI_ROUNDS = 5;
const LOGIN_ROUNDS = 5;
const CORES = availableParallelism();
const SESSIONS = 1000;
const WHOAMI_CONNECTIONS = 10;
const LOGIN_CONNECTIONS = CORES;
const LOGIN_IDENTITIES = 8;
const PASSWORD = 'bench-correct-horse-battery-staple';
const GOAL_WHOAMI = 0.7;
const GOAL_LOGIN = 0.85;

const log = (msg: string) => process.stderr.write(`[sessions bench] ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// Setup: a migrated SQLite file, Tessera serving it, identities and sessions.

const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
const dbFile = join(dir, 'tessera.sqlite');
const schemaFile = join(dir, 'identity.schema.json');
const configFile = join(dir, 'tessera.config.json');
const profileDir = join(dir, 'cpu-profile');
const [publicPort, adminPort, baselinePort] = [await freePort(), await freePort(), await freePort()];
const publicUrl = `http://127.0.0.1:${publicPort}`;
const adminUrl = `http://127.0.0.1:${adminPort}`;
const baselineUrl = `http://127.0.0.1:${baselinePort}`;

writeFileSync(schemaFile, JSON.stringify(DEV_IDENTITY_SCHEMA));
// Only what a production config must have; everything else (hasher cost, log level) is default.
writeFileSync(
  configFile,
  JSON.stringify({
    dsn: `sqlite://${dbFile}`,
    serve: {
      public: { host: '127.0.0.1', port: publicPort, base_url: `${publicUrl}/` },
      admin: { host: '127.0.0.1', port: adminPort, base_url: `${adminUrl}/` },
    },
    identity: { default_schema_id: 'default', schemas: [{ id: 'default', url: `file://${schemaFile}` }] },
    selfservice: { default_browser_return_url: 'http://127.0.0.1:4455/' },
    secrets: { default: [randomBytes(24).toString('hex')] },
    hashers: { algorithm: 'argon2' },
  }),
);

const children: NodeChild[] = [];
async function cleanup(): Promise<void> {
  await Promise.all(children.map((c) => c.stop()));
  rmSync(dir, { recursive: true, force: true });
}

function startTessera(profile: boolean): NodeChild {
  const child = startNode('tessera serve', ['bin/tessera.js', 'serve', '-c', configFile], {
    nodeArgs: [...TESSERA_NODE_ARGS, ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
  });
  children.push(child);
  return child;
}

async function json(res: Response): Promise<any> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function createIdentity(email: string, password?: string): Promise<string> {
  const body = { schema_id: 'default', traits: { email }, ...(password ? { credentials: { password: { config: { password } } } } : {}) };
  const res = await fetch(`${adminUrl}/admin/identities`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const out = await json(res);
  if (res.status !== 201) throw new Error(`POST /admin/identities answered ${res.status}: ${JSON.stringify(out)}`);
  return out.id as string;
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

/** Issues one session per identity through Tessera's own session manager on the same database. */
async function issueSessions(identityIds: string[]): Promise<string[]> {
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

function storedPasswordHash(): string {
  const db = new Database(dbFile, { readonly: true });
  try {
    const row = db.prepare("select config from identity_credentials where type = 'password' and config like '%hashed_password%' limit 1").get() as { config: string } | undefined;
    const hash = row ? (JSON.parse(row.config) as { hashed_password?: string }).hashed_password : undefined;
    if (!hash) throw new Error('no stored password hash found');
    return hash;
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Measurements.

/** GET `path` on `url` for `seconds`, each request presenting the next session token in turn. */
function rotatingTokenLoad(url: string, path: string, tokens: string[], seconds: number): Promise<Sample> {
  let i = 0;
  return httpLoad({
    url,
    connections: WHOAMI_CONNECTIONS,
    duration: seconds,
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
  });
}

let lastLoginError: string | null = null;
let nextLogin = 0;

/** One complete API login: GET /self-service/login/api, then POST the password to the flow. */
async function loginOnce(identifiers: string[]): Promise<void> {
  const init = await fetch(`${publicUrl}/self-service/login/api`, { headers: { accept: 'application/json' } });
  const flow = await json(init);
  if (init.status !== 200) throw new Error((lastLoginError = `login flow init answered ${init.status}: ${JSON.stringify(flow).slice(0, 500)}`));
  const res = await fetch(`${publicUrl}/self-service/login?flow=${encodeURIComponent(flow.id)}`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({ method: 'password', identifier: identifiers[nextLogin++ % identifiers.length], password: PASSWORD }),
  });
  const out = await json(res);
  if (res.status !== 200 || typeof out.session_token !== 'string') throw new Error((lastLoginError = `login submit answered ${res.status}: ${JSON.stringify(out).slice(0, 500)}`));
}

const loginLoad = (identifiers: string[], seconds: number) => concurrentLoop(() => loginOnce(identifiers), LOGIN_CONNECTIONS, seconds);

/** Fails the run when a measurement had failures: its figures would not mean what they say. */
function noFailures(name: string, f: Figures, detail = ''): void {
  if (f.failed > 0) throw new Error(`${name}: ${f.failed} operations failed${detail ? `; last: ${detail}` : ''}`);
}

// ---------------------------------------------------------------------------------------------
// Report.

const fmtRate = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const fmtMs = (n: number | null) => (n === null ? '–' : n >= 100 ? `${Math.round(n)} ms` : `${n.toFixed(n < 10 ? 2 : 1)} ms`);
const fmtRatio = (r: number) => `${(100 * r).toFixed(1)} %`;

interface Row {
  name: string;
  unit: string;
  f: Figures;
}

function table(rows: Row[]): string {
  const head = ['measurement', 'rate', 'p50', 'p99', 'completed', 'failed'];
  const body = rows.map((r) => [r.name, `${fmtRate(r.f.rate)} ${r.unit}/s`, fmtMs(r.f.p50), fmtMs(r.f.p99), String(r.f.count), String(r.f.failed)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function markdownTable(rows: Row[]): string {
  return [
    '| measurement | rate | p50 | p99 |',
    '|---|---:|---:|---:|',
    ...rows.map((r) => `| ${r.name} | ${fmtRate(r.f.rate)} ${r.unit}/s | ${fmtMs(r.f.p50)} | ${fmtMs(r.f.p99)} |`),
  ].join('\n');
}

const SECTION_INTRO = `\`npm run bench -- sessions\` (\`bench/sessions.bench.ts\`) runs Tessera as users run it — \`tessera migrate sql\`,
then \`tessera serve -c <config>\` in its own process against a SQLite file, with production defaults (info
logging, argon2id at its default cost) — and generates load with autocannon from a separate process on
loopback. It measures two things, each next to the ceiling it is judged against:

- **whoami**: \`GET /sessions/whoami\` with \`X-Session-Token\`, every request presenting the next of 1,000
  sessions (one per identity). The baseline is a bare Fastify app in another process (no logging, no
  hooks) that digests the token and reads ONE row, \`select * from sessions where token_hash = ?\`, from
  the same file and returns it as JSON — once through a better-sqlite3 prepared statement (the ratio the
  goal uses) and once through Kysely. Goal: whoami at no less than 70 % of the bare route's throughput.
  A diagnostic row runs the five queries whoami issues as prepared statements on the same bare app.
- **password login**: complete API logins (\`GET /self-service/login/api\`, then \`POST
  /self-service/login?flow=…\` with the password) with as many connections as cores, next to the rate of
  argon2id verifications with the same parameters (\`@node-rs/argon2\` \`verify\` in a loop, concurrency =
  cores, same duration). Goal: logins within 15 % of what the hash cost allows.

The machine is shared and has 2 cores: the load generator and the server compete for them, and other
work on the machine slows whole runs down, so the ratios mean more than the absolute figures. The
measurements that are compared run in turns (A B C A B C …) for that reason. Near 20,000–40,000 req/s
the bare route is partly limited by the load generator on the other core, so its true ceiling is, if
anything, higher than shown. \`--profile\` (whoami) and \`--profile=login\` run Tessera under
\`--cpu-prof\` and print where its time goes; \`BENCH_TESSERA_NODE_ARGS\` passes Node flags to the Tessera
process (e.g. \`--import\` of a patch, to measure a change before making it).`;

// ---------------------------------------------------------------------------------------------

const loadAtStart = loadavg()[0]!;

try {
  log(`migrating ${dbFile}`);
  await runNode('tessera migrate', ['bin/tessera.js', 'migrate', 'sql', '-c', configFile, '--yes'], { env: cleanEnv() });
  let tessera = startTessera(false);
  await waitForHttp(`${publicUrl}/health/ready`, tessera);
  await waitForHttp(`${adminUrl}/health/ready`, tessera);

  log(`seeding ${SESSIONS} identities with one session each, and ${LOGIN_IDENTITIES} with a password`);
  const ids = await eachLimited(
    Array.from({ length: SESSIONS }, (_, i) => i),
    8,
    (i) => createIdentity(`bench-${i}@example.com`),
  );
  const tokens = await issueSessions(ids);
  const loginIdentifiers = Array.from({ length: LOGIN_IDENTITIES }, (_, i) => `login-${i}@example.com`);
  for (const email of loginIdentifiers) await createIdentity(email, PASSWORD);
  const hash = storedPasswordHash();
  const hashParams = /^\$argon2id\$v=19\$(m=\d+,t=\d+,p=\d+)\$/.exec(hash)?.[1];
  if (!hashParams) throw new Error(`the stored hash is not argon2id: ${hash.slice(0, 20)}…`);
  const memoryMiB = Number(/m=(\d+)/.exec(hashParams)![1]) / 1024;

  // Sanity: every path answers as expected before anything is timed.
  const probe = await fetch(`${publicUrl}/sessions/whoami`, { headers: { 'x-session-token': tokens[0]!, accept: 'application/json' } });
  const probeBody = await json(probe);
  if (probe.status !== 200 || probeBody.identity?.id !== ids[0]) throw new Error(`whoami probe answered ${probe.status}: ${JSON.stringify(probeBody)}`);
  const whoamiBytes = JSON.stringify(probeBody).length;

  if (PROFILE) {
    // Restart under the profiler so seeding is not in the profile.
    await tessera.stop();
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir);
    tessera = startTessera(true);
    await waitForHttp(`${publicUrl}/health/ready`, tessera);
    log(`profiling ${PROFILE}: ${WARMUP_SECONDS} s warm-up + ${SECONDS} s under load`);
    let row: Row;
    if (PROFILE === 'whoami') {
      await rotatingTokenLoad(publicUrl, '/sessions/whoami', tokens, WARMUP_SECONDS);
      row = { name: 'GET /sessions/whoami (under --cpu-prof)', unit: 'req', f: figuresOf([await rotatingTokenLoad(publicUrl, '/sessions/whoami', tokens, SECONDS)]) };
    } else {
      await loginLoad(loginIdentifiers, WARMUP_SECONDS);
      row = { name: 'password login (under --cpu-prof)', unit: 'login', f: figuresOf([await loginLoad(loginIdentifiers, SECONDS)]) };
    }
    await tessera.stop();
    const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no CPU profile written:\n${tessera.stderr()}`);
    process.stdout.write(`\n${table([row])}\n\n`);
    process.stdout.write(`${renderProfileSummary(summariseCpuProfile(join(profileDir, file), 25))}\n`);
  } else {
    const baseline = startNode('baseline server', ['--import', 'tsx', 'bench/lib/baseline-server.ts', dbFile, String(baselinePort)]);
    children.push(baseline);
    await waitForHttp(`${baselineUrl}/health/alive`, baseline);
    for (const path of ['/better-sqlite3', '/kysely', '/five-queries']) {
      const r = await fetch(`${baselineUrl}${path}`, { headers: { 'x-session-token': tokens[0]! } });
      const b = await json(r);
      if (r.status !== 200 || b.identity_id !== ids[0]) throw new Error(`baseline ${path} probe answered ${r.status}: ${JSON.stringify(b)}`);
    }
    const baselineBytes = JSON.stringify(await json(await fetch(`${baselineUrl}/better-sqlite3`, { headers: { 'x-session-token': tokens[0]! } }))).length;

    log(`whoami and baselines: ${WHOAMI_CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up each, then ${WHOAMI_ROUNDS} turns of ${SECONDS / WHOAMI_ROUNDS} s each`);
    const targets = {
      whoami: () => rotatingTokenLoad(publicUrl, '/sessions/whoami', tokens, SECONDS / WHOAMI_ROUNDS),
      bareDirect: () => rotatingTokenLoad(baselineUrl, '/better-sqlite3', tokens, SECONDS / WHOAMI_ROUNDS),
      bareKysely: () => rotatingTokenLoad(baselineUrl, '/kysely', tokens, SECONDS / WHOAMI_ROUNDS),
      fiveQueries: () => rotatingTokenLoad(baselineUrl, '/five-queries', tokens, SECONDS / WHOAMI_ROUNDS),
    };
    for (const path of ['/sessions/whoami', '/better-sqlite3', '/kysely', '/five-queries']) {
      await rotatingTokenLoad(path === '/sessions/whoami' ? publicUrl : baselineUrl, path, tokens, WARMUP_SECONDS);
    }
    const { whoami, bareDirect, bareKysely, fiveQueries } = await interleaved(WHOAMI_ROUNDS, targets);
    noFailures('whoami', whoami);
    noFailures('baseline (better-sqlite3)', bareDirect);
    noFailures('baseline (Kysely)', bareKysely);
    noFailures('diagnostic (five queries)', fiveQueries);
    await baseline.stop();

    log(`password login and raw argon2id verify (${hashParams}): concurrency ${CORES}, ${WARMUP_SECONDS} s warm-up, then ${LOGIN_ROUNDS} turns of ${SECONDS / LOGIN_ROUNDS} s each`);
    if (!(await argon2Verify(hash, PASSWORD))) throw new Error('argon2 verify rejected the password');
    await loginLoad(loginIdentifiers, WARMUP_SECONDS);
    const verifyOnce = async () => {
      if (!(await argon2Verify(hash, PASSWORD))) throw new Error('argon2 verify rejected the password');
    };
    const { login, raw } = await interleaved(LOGIN_ROUNDS, {
      login: () => loginLoad(loginIdentifiers, SECONDS / LOGIN_ROUNDS),
      raw: () => concurrentLoop(verifyOnce, CORES, SECONDS / LOGIN_ROUNDS),
    });
    noFailures('password login', login, lastLoginError ?? '');
    noFailures('argon2id verify', raw);
    await tessera.stop();

    const whoamiRatio = whoami.rate / bareDirect.rate;
    const whoamiKyselyRatio = whoami.rate / bareKysely.rate;
    const whoamiFiveRatio = whoami.rate / fiveQueries.rate;
    const loginRatio = login.rate / raw.rate;
    const rows: Row[] = [
      { name: `GET /sessions/whoami (Tessera, ${SESSIONS.toLocaleString('en-US')} sessions, ${WHOAMI_CONNECTIONS} connections)`, unit: 'req', f: whoami },
      { name: 'baseline: bare Fastify + better-sqlite3, one session row by token_hash', unit: 'req', f: bareDirect },
      { name: 'baseline: bare Fastify + Kysely (SqliteDialect), same query', unit: 'req', f: bareKysely },
      { name: "diagnostic: bare Fastify + better-sqlite3, whoami's 5 queries, nested JSON", unit: 'req', f: fiveQueries },
      { name: `password login, API flow init + submit (${LOGIN_CONNECTIONS} connections)`, unit: 'login', f: login },
      { name: `raw argon2id verify (${hashParams}), concurrency ${CORES}`, unit: 'verify', f: raw },
    ];
    const verdict = (r: number, goal: number) => (r >= goal ? 'meets the goal' : 'BELOW the goal');
    const ratios = [
      `whoami / bare route (better-sqlite3): ${fmtRatio(whoamiRatio)}  (goal >= ${fmtRatio(GOAL_WHOAMI)}: ${verdict(whoamiRatio, GOAL_WHOAMI)})`,
      `whoami / bare route (Kysely):         ${fmtRatio(whoamiKyselyRatio)}`,
      `whoami / its 5 queries, bare:         ${fmtRatio(whoamiFiveRatio)}`,
      `login / raw argon2id verify:          ${fmtRatio(loginRatio)}  (goal >= ${fmtRatio(GOAL_LOGIN)}: ${verdict(loginRatio, GOAL_LOGIN)})`,
    ];
    const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
    const date = new Date().toISOString().slice(0, 10);
    const machine = `${CORES} cores (${cpu}), load average ${loadAtStart.toFixed(1)} at the start (the machine is shared), Node ${process.version}`;
    process.stdout.write(`\n${date}, ${machine}, SQLite file, loopback\n\n${table(rows)}\n\n${ratios.join('\n')}\n`);
    process.stdout.write(`response sizes: whoami ${whoamiBytes} bytes, baseline row ${baselineBytes} bytes\n`);

    if (WRITE_DOCS) {
      const generated = [
        `Last run: ${date} on ${machine}; SQLite file, loopback; ${SECONDS} s per measurement after a ${WARMUP_SECONDS} s warm-up, in turns (whoami and the baselines ${WHOAMI_ROUNDS} × ${SECONDS / WHOAMI_ROUNDS} s each, login and argon2id ${LOGIN_ROUNDS} × ${SECONDS / LOGIN_ROUNDS} s each).`,
        '',
        markdownTable(rows),
        '',
        '| ratio | measured | goal |',
        '|---|---:|---:|',
        `| whoami / bare route (better-sqlite3) | ${fmtRatio(whoamiRatio)} | ≥ ${fmtRatio(GOAL_WHOAMI)} |`,
        `| whoami / bare route (Kysely) | ${fmtRatio(whoamiKyselyRatio)} | – |`,
        `| whoami / its 5 queries on a bare route (diagnostic) | ${fmtRatio(whoamiFiveRatio)} | – |`,
        `| login / raw argon2id verify | ${fmtRatio(loginRatio)} | ≥ ${fmtRatio(GOAL_LOGIN)} |`,
        '',
        `Response sizes: whoami ${whoamiBytes} bytes, baseline row ${baselineBytes} bytes. Argon2id at the production default: ${memoryMiB} MiB, ${hashParams}.`,
      ].join('\n');
      updateDocsSection(
        join(repoRoot, 'docs/benchmarks.md'),
        {
          heading: '## Sessions: whoami and password login',
          markerId: 'sessions-bench',
          intro: SECTION_INTRO,
        },
        generated,
      );
      log('updated docs/benchmarks.md');
    }
  }
} finally {
  await cleanup();
}
