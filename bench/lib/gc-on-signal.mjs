// Preloaded (`node --expose-gc --import ./bench/lib/gc-on-signal.mjs ...`) into a process whose
// memory a benchmark measures: SIGUSR2 runs a full garbage collection, so "memory after a GC" can
// be read from outside without changing the program under test.
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  globalThis.gc?.();
});
