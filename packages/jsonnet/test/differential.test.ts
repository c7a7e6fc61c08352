// The same programs through this interpreter and through the reference C++ implementation
// (the @hanazuki/node-jsonnet addon, jsonnet 0.20): identical output, or both fail.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { evaluateSnippet } from '../src/index.js';
import { generated, handWritten } from './corpus.js';

const require = createRequire(import.meta.url);
interface NativeJsonnet {
  extCode(k: string, v: string): NativeJsonnet;
  tlaCode(k: string, v: string): NativeJsonnet;
  evaluateSnippet(code: string): Promise<string>;
}
const { Jsonnet } = require('@hanazuki/node-jsonnet') as { Jsonnet: new () => NativeJsonnet };

const ctx = JSON.stringify({
  recipient: '+15551234567',
  body: 'Your code is 123456 — valid for 15 minutes.',
  identity: { id: 'f2c0c4d5-1a2b-4c3d-9e8f-001122334455', traits: { email: 'user@example.com' } },
  flow: { type: 'browser' },
  request_headers: { 'User-Agent': ['test'], Accept: ['*/*'] },
  template_data: { identity: { traits: { email: 'user@example.com' } }, recovery_code: '987654' },
});
const claims = JSON.stringify({ sub: '123', email: 'gh@example.com', email_verified: true, given_name: 'Grace', family_name: 'Hopper' });

async function compare(code: string): Promise<string | null> {
  const ref = new Jsonnet().extCode('ctx', ctx).extCode('claims', claims).tlaCode('ctx', ctx);
  let expected: string | Error;
  try {
    expected = await ref.evaluateSnippet(code);
  } catch (e) {
    expected = e as Error;
  }
  let actual: string | Error;
  try {
    actual = evaluateSnippet(code, { extCode: { ctx, claims }, tlaCode: { ctx } });
  } catch (e) {
    actual = e as Error;
  }
  if (typeof expected === 'string') {
    if (actual === expected) return null;
    return `${code}\n  reference: ${JSON.stringify(expected).slice(0, 400)}\n  ours:      ${typeof actual === 'string' ? JSON.stringify(actual).slice(0, 400) : actual.message}`;
  }
  if (actual instanceof Error) return null;
  return `${code}\n  reference failed: ${expected.message.split('\n')[0]}\n  ours: ${JSON.stringify(actual).slice(0, 400)}`;
}

async function run(programs: string[]): Promise<void> {
  const failures: string[] = [];
  for (const p of programs) {
    const f = await compare(p);
    if (f) failures.push(f);
  }
  assert.equal(failures.length, 0, `${failures.length} of ${programs.length} differ:\n\n${failures.join('\n\n')}`);
}

test(`Kratos-style and hand-written programs match the reference (${handWritten.length})`, () => run(handWritten));
const corpus = generated(400);
test(`generated programs match the reference (${corpus.length})`, () => run(corpus));
