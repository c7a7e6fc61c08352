// Courier throughput: messages per second delivered to a local SMTP sink by `tessera courier watch`
// processes, next to a baseline measured right before and right after each run: the same sink fed
// directly by a pooled nodemailer transport (what SMTP on this machine allows, with no queue at all).
// The sink runs in a process of its own, so the workers and the baseline both talk to it across
// processes (a sender in the sink's own process would have its commands answered within its own
// event loop, which the workers cannot have).
// One and two workers on SQLite, and on PostgreSQL and MySQL when TEST_POSTGRES_DSN / TEST_MYSQL_DSN
// name servers on which the benchmark may create (and then drop) a database, as the tests do.
//   npm run bench -- courier             every database available
//   npm run bench -- courier --no-docs   without updating docs/benchmarks.md
//   npm run bench -- courier --profile   workers under --cpu-prof; prints where the first worker's time goes
// BENCH_PROFILE_TOP (default 20) sets how many rows each part of the profile lists.
// BENCH_COURIER_MESSAGES (default 6000) sets the messages per run; BENCH_COURIER_DATABASES (e.g.
// `postgres,mysql`) limits the databases.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { fork } from 'node:child_process';
import nodemailer from 'nodemailer';
import { Courier } from '../src/courier/courier.js';
import { createTemplateRenderer } from '../src/courier/templates/template-renderer.js';
import { Database } from '../src/persistence/database.js';
import { SqlCourierPersister } from '../src/persistence/courier-persister.js';
import { testDatabases, type TestDatabase } from '../test/testkit/databases.js';
import { renderProfileSummary, summariseCpuProfile } from './lib/cpu-profile.js';
import { repoRoot, runNode, startNode, type NodeChild } from './lib/processes.js';
import { processCpu, type CpuTime } from './lib/load.js';
import { updateDocsSection } from './lib/docs-section.js';

const MESSAGES = Number(process.env.BENCH_COURIER_MESSAGES ?? 6000);
/**
 * Messages each worker delivers before the clock starts, so that it is measured with its code
 * optimised, as a worker that has been running for a while is (the baseline's warm-up is a whole run).
 */
const WARM_UP = Math.min(500, MESSAGES);
/** Node flags for the worker processes (space-separated), e.g. `--perf-basic-prof` for Linux perf. */
const WORKER_NODE_ARGS = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
const PROFILE = process.argv.includes('--profile');
/** How many functions and categories each part of the profile lists (BENCH_PROFILE_TOP). */
const PROFILE_TOP = Number(process.env.BENCH_PROFILE_TOP ?? 20);
const writeDocs = !PROFILE && !process.argv.includes('--no-docs');
const GOALS: Record<string, Record<number, number>> = { sqlite: { 1: 0.5 }, postgres: { 2: 0.7 }, mysql: { 2: 0.7 } };
const log = (msg: string) => process.stderr.write(`[courier bench] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sink {
  port: number;
  count: () => number;
  close: () => Promise<void>;
}

/** The SMTP sink, in a process of its own (bench/lib/smtp-sink.ts). */
async function sink(): Promise<Sink> {
  const child = fork(join(repoRoot, 'bench/lib/smtp-sink.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let received = 0;
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the SMTP sink exited with ${code}`)));
    setTimeout(() => reject(new Error('the SMTP sink did not start listening within 30 s')), 30_000).unref();
    child.on('message', (m: { port?: number; received?: number }) => {
      if (m.port !== undefined) resolve(m.port);
      if (m.received !== undefined) received = m.received;
    });
  });
  return {
    port,
    count: () => received,
    close: async () => {
      child.disconnect();
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** CPU microseconds per message: total of the listed processes between two readings. */
function cpuPerMessage(before: Array<CpuTime | null>, after: Array<CpuTime | null>): number {
  let ms = 0;
  before.forEach((b, i) => {
    const a = after[i];
    if (a && b) ms += a.user + a.system - b.user - b.system;
  });
  return (ms * 1000) / MESSAGES;
}

/** A measured run: messages per second, and the CPU the senders used per message. */
interface Run {
  rate: number;
  senderCpuUs: number;
}

async function direct(s: Sink): Promise<Run> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: s.port, secure: false, ignoreTLS: true, pool: true, maxConnections: 5 });
  const cpu0 = [processCpu(process.pid)];
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < MESSAGES) {
        const i = next++;
        await transport.sendMail({ from: 'bench@tessera.test', to: `b${i}@example.com`, subject: 'bench', text: 'hello', html: '<p>hello</p>' });
      }
    }),
  );
  const rate = MESSAGES / ((Date.now() - started) / 1000);
  const cpu1 = [processCpu(process.pid)];
  transport.close();
  return { rate, senderCpuUs: cpuPerMessage(cpu0, cpu1) };
}

async function waitFor(s: Sink, target: number, what: string, workers: NodeChild[]): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (s.count() < target) {
    if (Date.now() > deadline) throw new Error(`${what}: only ${s.count()} of ${target} delivered in 120 s\n${workers.map((w) => w.stderr()).join('\n')}`);
    await sleep(5);
  }
}

/**
 * Messages are queued the way flows queue them (rendered at enqueue, through Courier) but not yet
 * due; the workers are started and warmed up on WARM_UP probe messages each; then every message is made due in
 * one statement and the clock runs until the sink has the last one.
 */
async function drain(dsn: string, config: string, workers: number, s: Sink): Promise<Run> {
  const db = new Database(dsn);
  const queue = new SqlCourierPersister(db.db, db.dialect);
  await db.db.deleteFrom('courier_messages').execute();
  const later = new Date(Date.now() + 3_600_000);
  const courier = new Courier({ queue, logger: pino({ level: 'silent' }), abuseLimit: { maxPerWindow: 0, windowMs: 0 }, renderer: createTemplateRenderer({}), now: () => later });
  for (let i = 0; i < MESSAGES; i++) await courier.queueEmail(`w${workers}-${i}@example.com`, 'stub', { Subject: 'bench', Body: 'hello' });
  const profileDir = join(dir, `profile-${workers}-${Date.now()}`);
  const nodeArgs = [...WORKER_NODE_ARGS, ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
  const children = Array.from({ length: workers }, (_, i) => startNode(`courier-${i}`, ['bin/tessera.js', 'courier', 'watch', '-c', config], { nodeArgs }));
  try {
    const probes = new Courier({ queue, logger: pino({ level: 'silent' }), abuseLimit: { maxPerWindow: 0, windowMs: 0 }, renderer: createTemplateRenderer({}) });
    const before = s.count();
    for (let i = 0; i < WARM_UP * workers; i++) await probes.queueEmail(`probe-${i}@example.com`, 'stub', { Subject: 'probe', Body: 'probe' });
    await waitFor(s, before + WARM_UP * workers, 'warm-up', children);
    await sleep(1500);
    const start = s.count();
    const pids = children.map((c) => c.proc.pid!);
    const cpu0 = pids.map(processCpu);
    const started = Date.now();
    await db.db.updateTable('courier_messages').set({ next_attempt_at: db.dialect.toTime(new Date()) as never }).where('status', '=', 'queued').execute();
    await waitFor(s, start + MESSAGES, `${workers} worker(s)`, children);
    const rate = MESSAGES / ((Date.now() - started) / 1000);
    const cpu1 = pids.map(processCpu);
    const sent = await db.db.selectFrom('courier_messages').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'sent').executeTakeFirstOrThrow();
    // Exactly once: the sink got MESSAGES (checked above) and the queue records each as sent once.
    await sleep(200);
    if (s.count() !== start + MESSAGES) throw new Error(`${s.count() - start - MESSAGES} messages were delivered twice`);
    if (Number(sent.n) < MESSAGES) log(`note: ${Number(sent.n)} of ${MESSAGES + WARM_UP * workers} recorded as sent when the last arrived (recording trails sending)`);
    return { rate, senderCpuUs: cpuPerMessage(cpu0, cpu1) };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await db.close();
    if (PROFILE) {
      const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
      if (file) process.stdout.write(`\n${dsn.split(':')[0]}, ${workers} worker(s), one worker's profile (whole process life, start-up included):\n${renderProfileSummary(summariseCpuProfile(join(profileDir, file), PROFILE_TOP))}\n`);
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), 'tessera-courier-bench-'));
const s = await sink();
const rows: string[] = [];
const verdicts: string[] = [];
const loadAtStart = loadavg()[0]!;
try {
  await direct(s); // warm-up
  const only = process.env.BENCH_COURIER_DATABASES?.split(',').filter((d) => d !== '');
  for (const factory of testDatabases().filter((f) => !only || only.includes(f.name))) {
    const tdb: TestDatabase = await factory.create();
    try {
      const config = join(dir, `tessera-${factory.name}.yml`);
      writeFileSync(
        config,
        [
          `dsn: ${tdb.dsn}`,
          'identity: { default_schema_id: default, schemas: [{ id: default, url: "file://' + join(repoRoot, 'test/fixtures/default.schema.json') + '" }] }',
          'selfservice: { default_browser_return_url: "http://127.0.0.1:4455/" }',
          'secrets: { default: ["a-bench-secret-of-enough-length"] }',
          'log: { level: error }',
          `courier: { smtp: { connection_uri: "smtp://127.0.0.1:${s.port}/?disable_starttls=true" }, worker: { pull_count: 50, pull_wait: 50ms, concurrency: 8 } }`,
        ].join('\n'),
      );
      await runNode('migrate', ['bin/tessera.js', 'migrate', 'sql', tdb.dsn, '--yes']);
      for (const workers of [1, 2]) {
        // In turns: the baseline right before and right after each run (their mean), so both see
        // the same machine load.
        log(`${factory.name}: direct SMTP, ${workers} worker(s), direct SMTP again, ${MESSAGES} messages each`);
        const before = await direct(s);
        const run = await drain(tdb.dsn, config, workers, s);
        const after = await direct(s);
        const base = (before.rate + after.rate) / 2;
        const ratio = run.rate / base;
        const us = (n: number) => `${Math.round(n)} µs`;
        const goal = GOALS[factory.name]?.[workers];
        rows.push(
          `| ${factory.name}, ${workers} worker process${workers > 1 ? 'es' : ''} (concurrency 8) | ${run.rate.toFixed(0)} | ${us(run.senderCpuUs)} | ${base.toFixed(0)} | ${us((before.senderCpuUs + after.senderCpuUs) / 2)} | ${ratio.toFixed(2)}× | ${goal ? `≥ ${goal}×` : '–'} |`,
        );
        if (goal) verdicts.push(`${factory.name}, ${workers} worker(s): ${ratio.toFixed(2)}× (goal ≥ ${goal}×: ${ratio >= goal ? 'met' : 'NOT met'})`);
      }
    } finally {
      await tdb.drop();
    }
  }
} finally {
  await s.close();
  rmSync(dir, { recursive: true, force: true });
}

const table = [
  `${new Date().toISOString().slice(0, 10)}, ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'cpu'}), load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end (a shared machine: compare the ratios), Node ${process.version}, ${MESSAGES} messages per run, SMTP sink on loopback`,
  '',
  '| run | messages/s | workers\' CPU per message | direct SMTP, mean of just before and just after (messages/s) | direct sender\'s CPU per message | ratio | goal |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...rows,
].join('\n');
console.log(`\n${table}\n\n${verdicts.join('\n')}\n`);
if (writeDocs) {
  updateDocsSection(
    join(repoRoot, 'docs/benchmarks.md'),
    {
      heading: '## Courier: messages delivered per second',
      markerId: 'courier-bench',
      intro:
        'Messages queued as flows queue them (rendered at enqueue) and delivered over SMTP to a local sink (a process of its own) by `tessera courier watch` processes, timed from the moment they all become due to the last one received, each run between two of the baseline: pooled nodemailer in the benchmark process sending straight to the same sink. CPU per message is read from /proc for the worker processes together and for the benchmark process while it sends directly. Goals: ≥ 0.5× with one worker on SQLite, ≥ 0.7× with two workers on PostgreSQL and MySQL.',
    },
    table,
  );
}
