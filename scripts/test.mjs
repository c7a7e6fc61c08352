#!/usr/bin/env node
// Finds every *.test.ts under test/ and packages/*/test/ and runs them with node:test through tsx.
// Node 20's test runner does not expand globs itself. Arguments narrow the run to paths containing them.
//
// Nothing may hang: every test has a time limit (TEST_TIMEOUT_MS), every file too (TEST_FILE_TIMEOUT_MS,
// enforced inside the file's process by test/testkit/file-timeout.mjs), and a file's process exits when
// its tests are done even if something left a handle open. Suites that need something from outside the
// repository (test/testkit/outside.ts) and did not run are listed at the end.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build, isStale } from './build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const roots = ['test', ...readdirSync(join(root, 'packages')).map((p) => join('packages', p, 'test'))];

function walk(dir, out) {
  let entries;
  try { entries = readdirSync(join(root, dir)); } catch { return out; }
  for (const name of entries) {
    const rel = join(dir, name);
    if (statSync(join(root, rel)).isDirectory()) walk(rel, out);
    else if (name.endsWith('.test.ts')) out.push(rel);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = roots.flatMap((d) => walk(d, [])).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Test files run the TypeScript sources (the `tessera-source` export condition maps @tessera/* to
// packages/*/src), but the suites that start bin/tessera.js run dist/, so it must be current.
if (isStale()) await build({ clean: false });
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const testTimeout = process.env.TEST_TIMEOUT_MS ?? String(5 * 60_000);
const scratch = mkdtempSync(join(tmpdir(), 'tessera-test-run-'));
const notRunLog = join(scratch, 'not-run.jsonl');
const result = spawnSync(
  process.execPath,
  [
    '--conditions=tessera-source', '--import', 'tsx',
    '--import', './test/testkit/file-timeout.mjs',
    '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${testTimeout}`, '--test-force-exit',
    ...files.map((f) => relative(root, join(root, f))),
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, TESSERA_TEST_NOT_RUN: notRunLog } },
);

let notRun = [];
try {
  notRun = readFileSync(notRunLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
} catch { /* every suite ran */ }
rmSync(scratch, { recursive: true, force: true });
if (notRun.length > 0) {
  // One block per missing thing and reason; long lists of files (the database variants) are shortened.
  const groups = new Map();
  for (const r of notRun) {
    const key = `${r.thing}\0${r.why}\0${r.what}`;
    if (!groups.has(key)) groups.set(key, { ...r, suites: new Set() });
    groups.get(key).suites.add(r.suite);
  }
  console.log('\n# Did not run, because something outside the repository is missing (with CI=true each is a failure):');
  for (const g of [...groups.values()].sort((a, b) => a.thing.localeCompare(b.thing))) {
    const suites = [...g.suites].sort();
    const what = g.what === 'suite' ? 'suites' : g.what;
    console.log(`#   ${g.thing} (${g.why}): ${what} in ${suites.length} file${suites.length === 1 ? '' : 's'}`);
    for (const s of suites.slice(0, 8)) console.log(`#     - ${s}`);
    if (suites.length > 8) console.log(`#     - and ${suites.length - 8} more`);
  }
}
process.exit(result.status ?? 1);
