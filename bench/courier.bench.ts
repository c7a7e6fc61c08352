// Courier throughput: messages per second delivered to a local SMTP sink by one and by two
// `tessera courier watch` processes, next to a baseline measured in the same run: the same sink fed
// directly by a pooled nodemailer transport (what SMTP on this machine allows, with no queue at all).
//   npm run bench -- courier            (BENCH_COURIER_DSN=postgres://... to use PostgreSQL)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import nodemailer from 'nodemailer';
import { Database } from '../src/persistence/database.js';
import { SqlCourierPersister } from '../src/persistence/courier-persister.js';
import { repoRoot, runNode, startNode } from './lib/processes.js';
import { updateDocsSection } from './lib/docs-section.js';

const MESSAGES = Number(process.env.BENCH_COURIER_MESSAGES ?? 2000);
const writeDocs = !process.argv.includes('--no-docs');

async function sink(): Promise<{ port: number; count: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _s, cb) {
      stream.on('data', () => {});
      stream.on('end', () => {
        n++;
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.server.address() as { port: number }).port, count: () => n, close: () => new Promise((r) => server.close(() => r())) };
}

async function baseline(port: number): Promise<number> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: true, maxConnections: 5 });
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
  transport.close();
  return MESSAGES / ((Date.now() - started) / 1000);
}

async function drain(dsn: string, config: string, workers: number, s: { count: () => number }): Promise<number> {
  const db = new Database(dsn);
  const queue = new SqlCourierPersister(db.db, db.dialect);
  await db.db.deleteFrom('courier_messages').execute();
  const now = new Date();
  for (let i = 0; i < MESSAGES; i++) {
    await queue.enqueue({ type: 'email', channel: 'email', recipient: `w${workers}-${i}@example.com`, template_type: 'stub', template_data: { To: `w${workers}-${i}@example.com`, Subject: 'bench', Body: 'hello' } }, now);
  }
  const before = s.count();
  const started = Date.now();
  const children = Array.from({ length: workers }, (_, i) => startNode(`courier-${i}`, ['bin/tessera.js', 'courier', 'watch', '-c', config]));
  while (s.count() - before < MESSAGES) {
    if (Date.now() - started > 120_000) throw new Error(`only ${s.count() - before} of ${MESSAGES} delivered in 120 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const rate = MESSAGES / ((Date.now() - started) / 1000);
  await Promise.all(children.map((c) => c.stop()));
  await db.close();
  return rate;
}

const dir = mkdtempSync(join(tmpdir(), 'tessera-courier-bench-'));
const dsn = process.env.BENCH_COURIER_DSN ?? `sqlite://${join(dir, 'tessera.sqlite')}`;
const s = await sink();
const config = join(dir, 'tessera.yml');
writeFileSync(
  config,
  [
    `dsn: ${dsn}`,
    'identity: { default_schema_id: default, schemas: [{ id: default, url: "file://' + join(repoRoot, 'test/fixtures/default.schema.json') + '" }] }',
    'selfservice: { default_browser_return_url: "http://127.0.0.1:4455/" }',
    'secrets: { default: ["a-bench-secret-of-enough-length"] }',
    'log: { level: error }',
    `courier: { smtp: { connection_uri: "smtp://127.0.0.1:${s.port}/?disable_starttls=true" }, worker: { pull_count: 50, pull_wait: 50ms, concurrency: 8 } }`,
  ].join('\n'),
);
await runNode('migrate', ['bin/tessera.js', 'migrate', 'sql', dsn, '--yes']);

const base = await baseline(s.port);
const one = await drain(dsn, config, 1, s);
const two = await drain(dsn, config, 2, s);
await s.close();

const db = dsn.split(':')[0];
const table = [
  `${new Date().toISOString().slice(0, 10)}, ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'cpu'}), load average ${loadavg()[0]!.toFixed(1)} at the end, Node ${process.version}, ${db} queue, ${MESSAGES} messages per run, SMTP sink on loopback`,
  '',
  '| run | messages/s | vs. direct SMTP |',
  '|---|---:|---:|',
  `| baseline: pooled nodemailer straight to the sink (no queue) | ${base.toFixed(0)} | 100 % |`,
  `| 1 courier worker process (concurrency 8) | ${one.toFixed(0)} | ${((one / base) * 100).toFixed(0)} % |`,
  `| 2 courier worker processes | ${two.toFixed(0)} | ${((two / base) * 100).toFixed(0)} % |`,
].join('\n');
console.log(`\n${table}\n`);
if (writeDocs) {
  updateDocsSection(join(repoRoot, 'docs/benchmarks.md'), {
    heading: '## Courier: messages delivered per second',
    markerId: 'courier-bench',
    intro:
      'Queued messages rendered from a template and delivered over SMTP to a local sink by `tessera courier watch` processes, from enqueue to the last message received. Kratos drains at most `pull_count` (10) messages per `pull_wait` (1 s); Tessera only waits when the queue is empty. Goal: at least 500 messages/s.',
  }, table);
}
