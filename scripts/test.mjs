#!/usr/bin/env node
// Finds every *.test.ts under test/ and packages/*/test/ and runs them with node:test through tsx.
// Node 20's test runner does not expand globs itself. Arguments narrow the run to paths containing them.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files.map((f) => relative(root, join(root, f)))], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
