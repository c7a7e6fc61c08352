#!/usr/bin/env node
// Runs every bench/*.bench.ts file, one after the other, through tsx. Benchmarks are not tests: they
// assert no timings and are not part of `npm test`.
//   npm run bench                      every benchmark
//   npm run bench -- sessions login    only files whose name contains one of the words
//   npm run bench -- sessions --profile   arguments starting with "-" go to each benchmark file
// With TEST_POSTGRES_DSN / TEST_MYSQL_DSN set (servers where a database may be created and dropped,
// as for the tests), the session and courier benchmarks add their PostgreSQL and MySQL rows. Each
// benchmark prints its table and writes it into its section of docs/benchmarks.md.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const filters = argv.filter((a) => !a.startsWith('-'));
const passThrough = argv.filter((a) => a.startsWith('-'));

const files = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(filters.length > 0 ? `no bench/*.bench.ts file matches ${filters.join(', ')}` : 'no bench/*.bench.ts files');
  process.exit(1);
}

let failed = 0;
for (const file of files) {
  console.error(`\n=== bench/${file}`);
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--conditions=tessera-source', '--import', 'tsx', join('bench', file), ...passThrough], { cwd: root, stdio: 'inherit' });
  const status = result.status ?? 1;
  console.error(`=== bench/${file}: ${status === 0 ? 'done' : `FAILED (exit ${status}${result.signal ? `, ${result.signal}` : ''})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
