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
  worker: Worker | null;
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

const fromSource = import.meta.url.endsWith('.ts');
const workerUrl = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url);

/** Starts a worker; when running from TypeScript sources (tests, tsx) the worker loads them through tsx. */
function startWorker(resourceLimits: { maxOldGenerationSizeMb: number; stackSizeMb: number }): Worker {
  if (!fromSource) return new Worker(workerUrl, { resourceLimits });
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(workerUrl.href)}); });`;
  return new Worker(boot, { eval: true, resourceLimits, execArgv: [] });
}

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
    for (let i = 0; i < size; i++) this.slots.push({ worker: null, job: null, timer: null });
  }

  private spawn(slot: Slot): Worker {
    const worker = startWorker(this.resourceLimits);
    slot.worker = worker;
    worker.on('message', (msg: { id: number; ok: boolean; result?: unknown; name?: string; message?: string; limit?: string | null }) => {
      const job = slot.job;
      if (!job || job.id !== msg.id) return;
      if (slot.timer) clearTimeout(slot.timer);
      slot.timer = null;
      slot.job = null;
      worker.unref();
      if (msg.ok) job.resolve(msg.result);
      else job.reject(new WorkerEvaluationError(msg.name ?? 'Error', msg.message ?? 'evaluation failed', msg.limit ?? null));
      this.pump();
    });
    worker.on('error', (err) => this.drop(slot, worker, err));
    worker.on('exit', () => this.drop(slot, worker, new Error('jsonnet worker exited')));
    return worker;
  }

  /** Forgets a worker that failed, timed out or exited; its job (if any) fails; a new one starts on demand. */
  private drop(slot: Slot, worker: Worker, err: Error): void {
    if (slot.worker !== worker) return;
    slot.worker = null;
    void worker.terminate();
    const job = slot.job;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
    if (job) job.reject(err);
    this.pump();
  }

  private pump(): void {
    if (this.closed) return;
    for (const slot of this.slots) {
      if (slot.job !== null || this.queue.length === 0) continue;
      const job = this.queue.shift() as Job;
      const worker = slot.worker ?? this.spawn(slot);
      slot.job = job;
      const budget = job.req.limits?.timeoutMs ?? 2000;
      if (Number.isFinite(budget)) {
        slot.timer = setTimeout(() => {
          this.drop(slot, worker, new WorkerEvaluationError('RuntimeError', `RUNTIME ERROR: evaluation exceeded the time budget of ${budget} ms.`, 'time'));
        }, budget + this.graceMs);
      }
      worker.ref();
      worker.postMessage({ id: job.id, req: job.req });
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
    await Promise.all(
      this.slots.map((s) => {
        const w = s.worker;
        s.worker = null;
        return w ? w.terminate() : undefined;
      }),
    );
  }
}
