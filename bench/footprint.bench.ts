// Footprint of `tessera serve` on SQLite (production mode, the compiled CLI as users run it) next to
// a bare Fastify + better-sqlite3 process on the same file, measured in the same run:
//   - start-up: from spawning the process to the first 200 from /health/ready (median of RUNS);
//     goal: Tessera <= 400 ms;
//   - idle resident memory (VmRSS after a full GC, once ready); goal: Tessera <= 1.5x the bare process;
//   - Tessera's resident memory after 1k password logins and 100k whoami requests rotating over the
//     sessions those logins issued, after a full GC, right away and after 20 s of quiet (what V8 grew
//     under load and releases at rest is not a leak); goal: the latter within 1.2x of idle.
// The GC is triggered from outside: both processes preload bench/lib/gc-on-signal.mjs with
// --expose-gc, which runs gc() on SIGUSR2. Nothing else is added to the process under test.
//
//   npm run bench -- footprint              run, print, update docs/benchmarks.md
//   npm run bench -- footprint --no-docs    run and print only
// FOOTPRINT_WHOAMI (default 100000) and FOOTPRINT_LOGINS (default 1000) size the load.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_IDENTITY_SCHEMA } from '../src/config/dev.js';
import { updateDocsSection } from './lib/docs-section.js';
import { concurrentLoop, httpLoad } from './lib/load.js';
import { cleanEnv, freePort, repoRoot, runNode, startNode, type NodeChild } from './lib/processes.js';

const WRITE_DOCS = !process.argv.includes('--no-docs');
const RUNS = 5;
const WHOAMI = Number(process.env.FOOTPRINT_WHOAMI ?? 100_000);
const LOGINS = Number(process.env.FOOTPRINT_LOGINS ?? 1000);
const PASSWORD = 'footprint-correct-horse-battery-staple';
const GC_ARGS = ['--expose-gc', '--import', './bench/lib/gc-on-signal.mjs'];
const log = (msg: string) => process.stderr.write(`[footprint] ${msg}\n`);

const dir = mkdtempSync(join(tmpdir(), 'tessera-footprint-'));
const dbFile = join(dir, 'tessera.sqlite');
const schemaFile = join(dir, 'identity.schema.json');
const configFile = join(dir, 'tessera.config.json');
const [publicPort, adminPort, barePort] = [await freePort(), await freePort(), await freePort()];
const publicUrl = `http://127.0.0.1:${publicPort}`;
const adminUrl = `http://127.0.0.1:${adminPort}`;
writeFileSync(schemaFile, JSON.stringify(DEV_IDENTITY_SCHEMA));
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
    log: { level: 'warning' },
  }),
);

/** CPU time (user + system) the process has used so far, in ms: start-up cost that machine load does not inflate. */
const cpuMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
};
const rssKiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Spawns, then polls /health/ready every 5 ms; returns the child and the milliseconds to the first 200. */
async function startTimed(name: string, args: string[], readyUrl: string): Promise<{ child: NodeChild; ms: number; cpu: number }> {
  const started = performance.now();
  const child = startNode(name, args, { nodeArgs: GC_ARGS, env: cleanEnv() });
  const deadline = started + 30_000;
  for (;;) {
    if (child.proc.exitCode !== null) throw new Error(`${name} exited:\n${child.stderr()}`);
    const ok = await fetch(readyUrl).then((r) => r.ok, () => false);
    if (ok) return { child, ms: performance.now() - started, cpu: cpuMs(child.proc.pid!) };
    if (performance.now() > deadline) throw new Error(`${name} not ready within 30 s:\n${child.stderr()}`);
    await sleep(5);
  }
}

/** Resident memory after two full GCs and a moment of quiet. */
async function settledRss(child: NodeChild): Promise<number> {
  child.proc.kill('SIGUSR2');
  await sleep(1500);
  return rssKiB(child.proc.pid!);
}

/** The JavaScript heap in use and held after the last forced GC, in KiB, as the preloaded hook reported them. */
function heapKiB(child: NodeChild): { used: number; total: number } {
  const last = [...child.stderr().matchAll(/^gc-heap used=(\d+) total=(\d+)/gm)].at(-1);
  if (!last) throw new Error(`${child.name} reported no heap figures`);
  return { used: Number(last[1]) / 1024, total: Number(last[2]) / 1024 };
}

/** How long the server is left alone after the load before its memory is read for the goal. */
const QUIET_AFTER_LOAD_MS = 20_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;

try {
  await runNode('tessera migrate', ['bin/tessera.js', 'migrate', 'sql', '-c', configFile, '--yes'], { env: cleanEnv() });
  const tesseraArgs = ['bin/tessera.js', 'serve', '-c', configFile];
  const bareArgs = ['bench/lib/bare-server.mjs', dbFile, String(barePort)];

  // Start-up and idle memory, alternating the two so machine load affects both alike.
  const startup = { tessera: [] as number[], bare: [] as number[] };
  const startupCpu = { tessera: [] as number[], bare: [] as number[] };
  const idle = { tessera: [] as number[], bare: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    for (const which of ['tessera', 'bare'] as const) {
      const { child, ms, cpu } = which === 'tessera' ? await startTimed('tessera serve', tesseraArgs, `${publicUrl}/health/ready`) : await startTimed('bare server', bareArgs, `http://127.0.0.1:${barePort}/health/ready`);
      startup[which].push(ms);
      startupCpu[which].push(cpu);
      idle[which].push(await settledRss(child));
      await child.stop();
    }
    log(`run ${i + 1}/${RUNS}: start-up tessera ${startup.tessera.at(-1)!.toFixed(0)} ms, bare ${startup.bare.at(-1)!.toFixed(0)} ms`);
  }

  // Memory after load, in one more Tessera process.
  const { child: tessera } = await startTimed('tessera serve', tesseraArgs, `${publicUrl}/health/ready`);
  const idleBeforeLoad = await settledRss(tessera);
  const heapBeforeLoad = heapKiB(tessera);
  const identifiers = Array.from({ length: 8 }, (_, i) => `footprint-${i}@example.com`);
  for (const email of identifiers) {
    const res = await fetch(`${adminUrl}/admin/identities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ schema_id: 'default', traits: { email }, credentials: { password: { config: { password: PASSWORD } } } }),
    });
    if (res.status !== 201) throw new Error(`creating an identity answered ${res.status}: ${await res.text()}`);
  }
  let logins = 0;
  // Every session the logins issue is checked in turn, as an app's users would: whoami keeps what it
  // renders per session, and that has to stay within the goal too.
  const tokens: string[] = [];
  const loginOnce = async () => {
    if (logins >= LOGINS) return;
    const n = logins++;
    const flow = (await (await fetch(`${publicUrl}/self-service/login/api`)).json()) as { id: string };
    const res = await fetch(`${publicUrl}/self-service/login?flow=${flow.id}`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'password', identifier: identifiers[n % identifiers.length], password: PASSWORD }),
    });
    const out = (await res.json()) as { session_token?: string };
    if (res.status !== 200 || !out.session_token) throw new Error(`login answered ${res.status}: ${JSON.stringify(out).slice(0, 300)}`);
    tokens.push(out.session_token);
  };
  log(`${LOGINS} password logins`);
  while (logins < LOGINS) await concurrentLoop(loginOnce, availableParallelism(), 5);
  log(`${WHOAMI} whoami requests`);
  let next = 0;
  const whoami = await httpLoad({
    url: `${publicUrl}/sessions/whoami`,
    connections: 10,
    amount: WHOAMI,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => {
          req.headers = { ...req.headers, 'x-session-token': tokens[next++ % tokens.length]! };
          return req;
        },
      },
    ],
  });
  if (whoami.failed > 0 || whoami.count !== WHOAMI) throw new Error(`whoami: ${whoami.count} ok, ${whoami.failed} failed`);
  const rightAfterLoad = await settledRss(tessera);
  const heapRightAfterLoad = heapKiB(tessera);
  // V8 keeps the young generation it grew under load until its memory reducer runs, some seconds
  // into a quiet spell; a leak is what is still held after that.
  await sleep(QUIET_AFTER_LOAD_MS);
  const afterLoad = await settledRss(tessera);
  const heapAfterLoad = heapKiB(tessera);
  await tessera.stop();

  const ready = median(startup.tessera);
  const idleT = median(idle.tessera);
  const idleB = median(idle.bare);
  const rows = [
    `| start-up to /health/ready (median of ${RUNS}) | ${ready.toFixed(0)} ms | ${median(startup.bare).toFixed(0)} ms | ≤ 400 ms | ${ready <= 400 ? 'met' : 'missed'} |`,
    `| CPU time used until ready (median of ${RUNS}) | ${median(startupCpu.tessera).toFixed(0)} ms | ${median(startupCpu.bare).toFixed(0)} ms | | |`,
    `| idle resident memory, after GC (median of ${RUNS}) | ${mib(idleT)} | ${mib(idleB)} | ≤ 1.5× bare (${mib(idleB * 1.5)}) | ${idleT <= idleB * 1.5 ? 'met' : 'missed'} (${(idleT / idleB).toFixed(2)}×) |`,
    `| resident memory right after ${LOGINS.toLocaleString('en-US')} logins and ${WHOAMI.toLocaleString('en-US')} whoami, after GC | ${mib(rightAfterLoad)} (idle before: ${mib(idleBeforeLoad)}, ${(rightAfterLoad / idleBeforeLoad).toFixed(2)}×) | | | |`,
    `| of which the JavaScript heap, in use / held by V8 | ${mib(heapRightAfterLoad.used)} / ${mib(heapRightAfterLoad.total)} (idle before: ${mib(heapBeforeLoad.used)} / ${mib(heapBeforeLoad.total)}) | | | |`,
    `| resident memory after that load and ${QUIET_AFTER_LOAD_MS / 1000} s of quiet, after GC | ${mib(afterLoad)} | | ≤ 1.2× idle | ${afterLoad <= idleBeforeLoad * 1.2 ? 'met' : 'missed'} (${(afterLoad / idleBeforeLoad).toFixed(2)}×) |`,
    `| of which the JavaScript heap, in use / held by V8 | ${mib(heapAfterLoad.used)} / ${mib(heapAfterLoad.total)} | | | |`,
  ];
  const table = ['| measure | tessera serve | bare Fastify + better-sqlite3 | goal | |', '|---|---|---|---|---|', ...rows].join('\n');
  console.log(table);
  console.log(`\nstart-up runs (ms): tessera ${startup.tessera.map((x) => x.toFixed(0)).join(', ')}; bare ${startup.bare.map((x) => x.toFixed(0)).join(', ')}`);

  if (WRITE_DOCS) {
    const machine = `${cpus()[0]?.model?.trim() ?? 'unknown CPU'}, ${availableParallelism()} cores, Node ${process.version}, load average ${loadavg()[0]!.toFixed(1)} at the end`;
    updateDocsSection(
      join(repoRoot, 'docs/benchmarks.md'),
      {
        heading: '## Footprint: start-up and memory',
        markerId: 'footprint-bench',
        intro: [
          '`npm run bench -- footprint` (`bench/footprint.bench.ts`) starts the compiled CLI as users run it',
          '(`tessera serve -c <config>`, SQLite, production mode, `log.level: warning`) and, in the same run and',
          'alternating with it, a bare Fastify + better-sqlite3 process on the same file',
          '(`bench/lib/bare-server.mjs`). Start-up is the time from spawning the process to the first 200',
          'from `/health/ready` (and the CPU time the process used until then, less sensitive to machine load',
          'than the wall clock); memory is VmRSS after two full GCs (triggered by SIGUSR2 through a preloaded',
          '`--expose-gc` hook) and 1.5 s of quiet.',
        ].join('\n'),
      },
      [`Machine: ${machine} (shared with other jobs). Date: ${new Date().toISOString().slice(0, 10)}.`, '', table].join('\n'),
    );
    log('updated docs/benchmarks.md (## Footprint: start-up and memory)');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
