/**
 * Evaluation off the main thread: a small pool of worker threads. A program that runs past its
 * time budget is stopped by the evaluator itself; should a worker still not answer shortly after
 * (a bug, a runaway host), the pool terminates it and starts a fresh one, so the event loop of the
 * caller is never blocked by a Jsonnet program.
 */
import { Worker } from 'node:worker_threads';
import type { FileImporterOptions } from './importer.js';
import type { Limits } from './evaluator.js';

/** What can cross to a worker: everything but functions (no native functions, no custom importer). */
export interface WorkerEvaluateRequest {
  code: string;
  filename?: string;
  extVars?: Record<string, string>;
  extCode?: Record<string, string>;
  extValues?: Record<string, unknown>;
  tlaVars?: Record<string, string>;
  tlaCode?: Record<string, string>;
  tlaValues?: Record<string, unknown>;
  limits?: Partial<Limits>;
  /** Imports from disk, confined to these directories. */
  fileImporter?: FileImporterOptions;
  /** Imports from these in-memory files. */
  files?: Record<string, string>;
  /** Return plain data instead of JSON text. */
  asValue?: boolean;
  stringOutput?: boolean;
  yamlStream?: boolean;
}

export interface WorkerPoolOptions {
  /** Number of worker threads (default 1). */
  size?: number;
  /** Extra time granted past the request's timeoutMs before the worker is terminated (default 250 ms). */
  graceMs?: number;
  /** Heap limit per worker in MiB (default 256). */
  maxHeapMb?: number;
  /** Stack size per worker in MiB (default 8). */
  stackSizeMb?: number;
}

interface Job {
  id: number;
  req: WorkerEvaluateRequest;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
  timer: NodeJS.Timeout | null;
}

/** Error from a worker, rebuilt on the calling side with the same name and message. */
export class WorkerEvaluationError extends Error {
  constructor(name: string, message: string, readonly limit: string | null) {
    super(message);
    this.name = name;
  }
}

const workerUrl = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);

export class JsonnetWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private readonly graceMs: number;
  private readonly resourceLimits: { maxOldGenerationSizeMb: number; stackSizeMb: number };

  constructor(options: WorkerPoolOptions = {}) {
    this.graceMs = options.graceMs ?? 250;
    this.resourceLimits = { maxOldGenerationSizeMb: options.maxHeapMb ?? 256, stackSizeMb: options.stackSizeMb ?? 8 };
    const size = Math.max(1, options.size ?? 1);
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const worker = new Worker(workerUrl, { resourceLimits: this.resourceLimits });
    const slot: Slot = { worker, job: null, timer: null };
    worker.unref();
    worker.on('message', (msg: { id: number; ok: boolean; result?: unknown; name?: string; message?: string; limit?: string | null }) => {
      const job = slot.job;
      if (!job || job.id !== msg.id) return;
      this.done(slot);
      if (msg.ok) job.resolve(msg.result);
      else job.reject(new WorkerEvaluationError(msg.name ?? 'Error', msg.message ?? 'evaluation failed', msg.limit ?? null));
    });
    worker.on('error', (err) => this.replace(slot, err));
    worker.on('exit', () => {
      if (slot.job) this.replace(slot, new Error('jsonnet worker exited'));
    });
    return slot;
  }

  private done(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
    this.pump();
  }

  private replace(slot: Slot, err: Error): void {
    const job = slot.job;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
    void slot.worker.terminate();
    const i = this.slots.indexOf(slot);
    if (i >= 0 && !this.closed) this.slots[i] = this.spawn();
    if (job) job.reject(err);
    this.pump();
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.job !== null || this.queue.length === 0) continue;
      const job = this.queue.shift() as Job;
      slot.job = job;
      const budget = job.req.limits?.timeoutMs ?? 5000;
      if (Number.isFinite(budget)) {
        slot.timer = setTimeout(() => {
          const e = new WorkerEvaluationError('RuntimeError', `RUNTIME ERROR: evaluation exceeded the time budget of ${budget} ms.`, 'time');
          this.replace(slot, e);
        }, budget + this.graceMs);
      }
      slot.worker.postMessage({ id: job.id, req: job.req });
    }
  }

  /** Evaluates in a worker: JSON text (or plain data with `asValue`). Rejects with the same messages as the sync API. */
  evaluate(req: WorkerEvaluateRequest): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, req, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.queue.splice(0)) j.reject(new Error('pool is closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
