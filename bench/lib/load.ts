// Load generation and the figures every benchmark reports: rate, p50 and p99 latency.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import autocannon, { type AutocannonOptions } from 'autocannon';

/** What one measured run produced. */
export interface Sample {
  /** Operations completed (2xx responses, or operations that resolved). */
  count: number;
  /** Operations that failed (non-2xx, socket errors, timeouts, rejections). */
  failed: number;
  seconds: number;
  /** Latency of each completed operation, milliseconds. */
  latencies: number[];
  /** CPU time the measured server process used meanwhile, milliseconds (when its pid was given). */
  serverCpu?: CpuTime;
  /** CPU time this process (the load generator) used meanwhile, milliseconds. */
  clientCpu?: CpuTime;
}

export interface CpuTime {
  user: number;
  system: number;
}

export interface Figures {
  /** Completed operations per second. */
  rate: number;
  /** Latency percentiles in milliseconds (null when nothing completed). */
  p50: number | null;
  p99: number | null;
  count: number;
  failed: number;
  seconds: number;
  /** CPU microseconds per completed operation, of the server and of the load generator (when measured). */
  serverCpuUs?: CpuTime;
  clientCpuUs?: CpuTime;
}

/** A process's CPU time so far, from /proc (Linux); null elsewhere or once it is gone. */
export function processCpu(pid: number): CpuTime | null {
  try {
    // Fields after the command name (which may hold spaces, so split after its closing parenthesis).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const tick = 1000 / CLOCK_TICKS_PER_SECOND;
    return { user: Number(fields[11]) * tick, system: Number(fields[12]) * tick };
  } catch {
    return null;
  }
}

/** USER_HZ, which Linux fixes at 100 for /proc on every architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

const cpuSince = (a: CpuTime | null, b: CpuTime | null): CpuTime | undefined => (a && b ? { user: b.user - a.user, system: b.system - a.system } : undefined);

const selfCpu = (): CpuTime => {
  const u = process.cpuUsage();
  return { user: u.user / 1000, system: u.system / 1000 };
};

/** The value below which `p` (0..100) percent of the sorted samples fall (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Merges runs of the same measurement into one set of figures. */
export function figuresOf(samples: Sample[]): Figures {
  const count = samples.reduce((n, s) => n + s.count, 0);
  const seconds = samples.reduce((n, s) => n + s.seconds, 0);
  const all = new Float64Array(samples.reduce((n, s) => n + s.latencies.length, 0));
  let at = 0;
  for (const s of samples) {
    all.set(s.latencies, at);
    at += s.latencies.length;
  }
  all.sort();
  const perOp = (pick: (s: Sample) => CpuTime | undefined): CpuTime | undefined => {
    if (count === 0 || samples.some((s) => !pick(s))) return undefined;
    const sum = (k: keyof CpuTime) => (samples.reduce((n, s) => n + pick(s)![k], 0) * 1000) / count;
    return { user: sum('user'), system: sum('system') };
  };
  return {
    rate: count / seconds,
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    count,
    failed: samples.reduce((n, s) => n + s.failed, 0),
    seconds,
    serverCpuUs: perOp((s) => s.serverCpu),
    clientCpuUs: perOp((s) => s.clientCpu),
  };
}

/**
 * Runs autocannon once. Latencies are each 2xx response's own time in fractional milliseconds
 * (autocannon's histogram rounds to whole milliseconds, too coarse for sub-millisecond routes).
 */
export async function httpLoad(opts: AutocannonOptions, serverPid?: number): Promise<Sample> {
  const latencies: number[] = [];
  const server0 = serverPid === undefined ? null : processCpu(serverPid);
  const client0 = selfCpu();
  const instance = autocannon(opts);
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status <= 299) latencies.push(ms);
  });
  const raw = await instance;
  const clientCpu = cpuSince(client0, selfCpu());
  const serverCpu = serverPid === undefined ? undefined : cpuSince(server0, processCpu(serverPid));
  return { count: raw['2xx'], failed: raw.non2xx + raw.errors + raw.timeouts, seconds: raw.duration, latencies, serverCpu, clientCpu };
}

/**
 * Runs `op` back to back on `concurrency` parallel lanes until `seconds` have passed; operations
 * under way then are finished and counted, and the elapsed time runs until the last one ends.
 */
export async function concurrentLoop(op: () => Promise<unknown>, concurrency: number, seconds: number, serverPid?: number): Promise<Sample> {
  const latencies: number[] = [];
  let failed = 0;
  const server0 = serverPid === undefined ? null : processCpu(serverPid);
  const client0 = selfCpu();
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          await op();
          latencies.push(performance.now() - t0);
        } catch {
          failed++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const clientCpu = cpuSince(client0, selfCpu());
  const serverCpu = serverPid === undefined ? undefined : cpuSince(server0, processCpu(serverPid));
  return { count: latencies.length, failed, seconds: elapsed, latencies, serverCpu, clientCpu };
}

/**
 * Runs each measurement `rounds` times, taking turns (A B C A B C ...), so that a slow spell of a
 * shared machine weighs on all of them alike; returns each one's merged figures.
 */
export async function interleaved<K extends string>(rounds: number, runs: Record<K, () => Promise<Sample>>): Promise<Record<K, Figures>> {
  const samples = {} as Record<K, Sample[]>;
  for (const k of Object.keys(runs) as K[]) samples[k] = [];
  for (let r = 0; r < rounds; r++) for (const k of Object.keys(runs) as K[]) samples[k].push(await runs[k]());
  const out = {} as Record<K, Figures>;
  for (const k of Object.keys(runs) as K[]) out[k] = figuresOf(samples[k]);
  return out;
}

/** A JSON answer: status and parsed body (the text when it is not JSON). */
export interface JsonAnswer {
  status: number;
  body: any;
}

/** How long a flow request may go unanswered before the operation fails. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * A lean HTTP client for benchmarks whose operations are a few requests each (flows): node:http over
 * kept-alive connections. `fetch` cost the load generator about 2.5 times as much CPU per login (0.65 against 0.26 ms), and on a
 * two-core machine the load generator's CPU comes off what the server gets.
 */
export class JsonClient {
  private readonly agent = new http.Agent({ keepAlive: true });

  request(url: string, opts: { method?: string; body?: unknown } = {}): Promise<JsonAnswer> {
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers: Record<string, string | number> = { accept: 'application/json' };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method: opts.method ?? 'GET', headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // Not JSON: the text itself is the answer.
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on('error', reject);
      // A server that stops answering fails the operation instead of holding the benchmark forever.
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`${opts.method ?? 'GET'} ${url}: no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
