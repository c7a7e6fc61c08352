// Load generation and the figures every benchmark reports: rate, p50 and p99 latency.
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
}

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
  return { rate: count / seconds, p50: percentile(all, 50), p99: percentile(all, 99), count, failed: samples.reduce((n, s) => n + s.failed, 0), seconds };
}

/**
 * Runs autocannon once. Latencies are each 2xx response's own time in fractional milliseconds
 * (autocannon's histogram rounds to whole milliseconds, too coarse for sub-millisecond routes).
 */
export async function httpLoad(opts: AutocannonOptions): Promise<Sample> {
  const latencies: number[] = [];
  const instance = autocannon(opts);
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status <= 299) latencies.push(ms);
  });
  const raw = await instance;
  return { count: raw['2xx'], failed: raw.non2xx + raw.errors + raw.timeouts, seconds: raw.duration, latencies };
}

/**
 * Runs `op` back to back on `concurrency` parallel lanes until `seconds` have passed; operations
 * under way then are finished and counted, and the elapsed time runs until the last one ends.
 */
export async function concurrentLoop(op: () => Promise<unknown>, concurrency: number, seconds: number): Promise<Sample> {
  const latencies: number[] = [];
  let failed = 0;
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
  return { count: latencies.length, failed, seconds: (performance.now() - start) / 1000, latencies };
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
