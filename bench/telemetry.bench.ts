// What the request telemetry costs per request, in-process (no sockets, so the figure is the hook's
// own CPU time and not network noise): the same Fastify app built by createApp with a trivial
// `GET /sessions/whoami`-shaped route, answered through `inject()`, with and without the metrics
// hook (tracing off, as by default), in interleaved rounds. Also the bare cost of one
// HttpMetrics.observe() call and of one SecurityEvents counter+audit event with a silent logger.
//
//   npm run bench -- telemetry            print the table and update docs/benchmarks.md
//   npm run bench -- telemetry --no-docs  print only
import pino from 'pino';
import { cpus, loadavg } from 'node:os';
import { createApp } from '../src/http/app.js';
import { Metrics } from '../src/telemetry/metrics.js';
import { Tracing } from '../src/telemetry/tracing.js';
import { SecurityEvents } from '../src/telemetry/events.js';
import { updateDocsSection } from './lib/docs-section.js';

const WRITE_DOCS = !process.argv.includes('--no-docs');
const ROUNDS = 6;
const REQUESTS = 4000;
const logger = pino({ level: 'silent' });

async function app(withTelemetry: boolean) {
  const metrics = new Metrics();
  const a = await createApp({ logger, bodyLimit: 1 << 20, telemetry: withTelemetry ? { metrics, tracing: new Tracing(undefined, logger) } : undefined });
  a.get('/sessions/whoami', async () => ({ id: '7b2c5b4e-2a7e-4d0f-9a53-3c4f2f1b8e11', active: true }));
  await a.ready();
  return a;
}

async function perRequestUs(a: Awaited<ReturnType<typeof app>>): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < REQUESTS; i++) await a.inject({ method: 'GET', url: '/sessions/whoami', headers: { 'x-session-token': 'ory_st_x' } });
  return Number(process.hrtime.bigint() - started) / 1000 / REQUESTS;
}

function perCallNs(fn: () => void, n = 200_000): number {
  for (let i = 0; i < 10_000; i++) fn();
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - started) / n;
}

const bare = await app(false);
const hooked = await app(true);
await perRequestUs(bare);
await perRequestUs(hooked);
const without: number[] = [];
const withHook: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  without.push(await perRequestUs(bare));
  withHook.push(await perRequestUs(hooked));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(without);
const inst = median(withHook);

const metrics = new Metrics();
const observeNs = perCallNs(() => metrics.http.observe({ method: 'GET', route: '/sessions/whoami', status: 200, seconds: 0.0004, requestBytes: 180, responseBytes: 900 }));
const events = new SecurityEvents({ logger, metrics, tracing: new Tracing(undefined, logger) });
const flow = { id: 'f', type: 'api' };
const eventNs = perCallNs(() => events.loginFailed({ method: 'password', flow, reason: 4000006 }), 50_000);

const rows = [
  `| inject() GET /sessions/whoami, no telemetry (baseline) | ${base.toFixed(2)} µs | 1.00× |`,
  `| the same with the metrics hook | ${inst.toFixed(2)} µs | ${(inst / base).toFixed(2)}× |`,
  `| HttpMetrics.observe() alone | ${(observeNs / 1000).toFixed(3)} µs | — |`,
  `| SecurityEvents.loginFailed() (counter + audit line, silent logger, tracing off) | ${(eventNs / 1000).toFixed(3)} µs | — |`,
];
const table = [
  `Machine: ${cpus()[0]?.model.trim() ?? 'unknown'}, ${cpus().length} cores, Node ${process.version}. Date: ${new Date().toISOString().slice(0, 10)}. Median of ${ROUNDS} interleaved rounds of ${REQUESTS} requests. Load average during the run: ${loadavg()[0]!.toFixed(1)} (a shared machine: compare the ratio, not the times).`,
  '',
  '| measurement | time | vs baseline |',
  '|---|---|---|',
  ...rows,
  '',
  `The metrics hook adds ${(inst - base).toFixed(2)} µs per request in this run.`,
].join('\n');
console.log(table);
if (WRITE_DOCS) {
  updateDocsSection(new URL('../docs/benchmarks.md', import.meta.url).pathname, {
    heading: '## Request telemetry overhead',
    markerId: 'telemetry-bench',
    intro: 'What the Prometheus hook on every request costs, measured in-process with `inject()` (no sockets) so the figure is the hook\'s own CPU time; tracing off, as by default. Run: `npm run bench -- telemetry`.',
  }, table);
}
await Promise.all([bare.close(), hooked.close()]);
