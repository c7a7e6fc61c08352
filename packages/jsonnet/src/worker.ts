/** Worker-thread entry of JsonnetWorkerPool: evaluates requests posted by the pool. */
import { parentPort } from 'node:worker_threads';
import { FileImporter, MemoryImporter, RuntimeError, compile, type Importer } from './index.js';
import type { WorkerEvaluateRequest } from './worker-pool.js';

parentPort?.on('message', (msg: { id: number; req: WorkerEvaluateRequest }) => {
  const { id, req } = msg;
  try {
    let importer: Importer | undefined;
    if (req.fileImporter) importer = new FileImporter(req.fileImporter);
    else if (req.files) importer = new MemoryImporter(req.files);
    const program = compile(req.code, req.filename ?? '(snippet)');
    const options = { ...req, importer };
    const result = req.asValue ? program.evaluateToValue(options) : program.evaluate(options);
    parentPort?.postMessage({ id, ok: true, result });
  } catch (err) {
    const e = err as Error;
    parentPort?.postMessage({ id, ok: false, name: e?.name ?? 'Error', message: e?.message ?? String(err), limit: err instanceof RuntimeError ? err.limit : null });
  }
});
