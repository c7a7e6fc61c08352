// Preloaded into every test file's process by scripts/test.mjs: a file that has not finished within
// TEST_FILE_TIMEOUT_MS (default 10 minutes) is stopped with a clear message instead of hanging the run.
// node:test's own --test-timeout covers single tests; this covers the rest (module top level, hooks).
if (process.env.NODE_TEST_CONTEXT) {
  const limit = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 10 * 60_000);
  setTimeout(() => {
    process.stderr.write(`\n# TIMEOUT: ${process.argv[1]} did not finish within ${limit} ms; stopping it\n`);
    process.exit(124);
  }, limit).unref();
}
