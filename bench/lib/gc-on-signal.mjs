// Preloaded (`node --expose-gc --import ./bench/lib/gc-on-signal.mjs ...`) into a process whose
// memory a benchmark measures: SIGUSR2 runs a full garbage collection, so "memory after a GC" can
// be read from outside without changing the program under test. After it, one line on stderr tells
// how much of the process's memory is JavaScript's (`gc-heap used=<bytes> total=<bytes>
// external=<bytes>`), to tell a growing heap from native memory.
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  globalThis.gc?.();
  const m = process.memoryUsage();
  process.stderr.write(`gc-heap used=${m.heapUsed} total=${m.heapTotal} external=${m.external}\n`);
});
