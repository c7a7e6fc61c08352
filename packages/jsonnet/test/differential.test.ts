// The same programs through this interpreter and through the reference C++ implementation
// (jsonnet 0.20): identical output, or both fail. The reference's answers are stored in
// golden/reference.json (regenerate with `npm run golden:jsonnet`), so the test needs no native build.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { evaluateSnippet } from '../src/index.js';
import { generated, handWritten } from './corpus.js';
import { GOLDEN_COUNT, claims, ctx, goldenPath, type GoldenCase, type GoldenFile } from './reference-inputs.js';

const golden = JSON.parse(readFileSync(goldenPath, 'utf8')) as GoldenFile;
const byCode = new Map(golden.cases.map((c) => [c.code, c]));

function compare(expected: GoldenCase): string | null {
  const { code } = expected;
  let actual: string | Error;
  try {
    actual = evaluateSnippet(code, { extCode: { ctx, claims }, tlaCode: { ctx } });
  } catch (e) {
    actual = e as Error;
  }
  if (expected.output !== undefined) {
    if (actual === expected.output) return null;
    return `${code}\n  reference: ${JSON.stringify(expected.output).slice(0, 400)}\n  ours:      ${typeof actual === 'string' ? JSON.stringify(actual).slice(0, 400) : actual.message}`;
  }
  if (actual instanceof Error) return null;
  return `${code}\n  reference failed: ${expected.error}\n  ours: ${JSON.stringify(actual).slice(0, 400)}`;
}

function run(programs: string[]): void {
  const missing = programs.filter((p) => !byCode.has(p));
  assert.equal(missing.length, 0, `${missing.length} programs have no reference answer; run \`npm run golden:jsonnet\`:\n${missing.slice(0, 5).join('\n')}`);
  const failures = programs.map((p) => compare(byCode.get(p)!)).filter((f) => f !== null);
  assert.equal(failures.length, 0, `${failures.length} of ${programs.length} differ from ${golden.reference}:\n\n${failures.join('\n\n')}`);
}

test('the golden file holds exactly the current corpus', () => {
  const corpus = new Set([...handWritten, ...generated(GOLDEN_COUNT)]);
  assert.equal(golden.cases.length, corpus.size, 'run `npm run golden:jsonnet` after changing corpus.ts');
  assert.ok(golden.cases.every((c) => corpus.has(c.code)), 'stale golden cases; run `npm run golden:jsonnet`');
  assert.ok(golden.cases.filter((c) => c.output !== undefined).length > golden.cases.length / 2, 'most reference answers are outputs, not failures');
});
test(`Kratos-style and hand-written programs match the reference (${handWritten.length})`, () => run(handWritten));
const corpus = generated(GOLDEN_COUNT);
test(`generated programs match the reference (${corpus.length})`, () => run(corpus));
