// Hostile programs end with a clear error within their budget, and never escape as a JS crash.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { JsonnetWorkerPool, RuntimeError, StaticError, evaluateSnippet } from '../src/index.js';

interface Hostile {
  name: string;
  code: string;
  message: RegExp;
  limit?: 'stack' | 'steps' | 'time' | 'size';
}

const hostile: Hostile[] = [
  { name: 'infinite recursion', code: 'local f(n) = f(n + 1); f(0)', message: /max stack frames exceeded/, limit: 'stack' },
  { name: 'non-tail infinite recursion', code: 'local f(n) = 1 + f(n); f(0)', message: /max stack frames exceeded/, limit: 'stack' },
  { name: 'mutually recursive locals', code: 'local a = b, b = a; a', message: /max stack frames exceeded/, limit: 'stack' },
  { name: 'self-referencing field', code: '{ a: self.a + 1 }', message: /max stack frames exceeded/, limit: 'stack' },
  { name: 'endless tailstrict loop', code: 'local loop(n) = loop(n + 1) tailstrict; loop(0)', message: /step budget/, limit: 'steps' },
  { name: 'std.repeat to gigabytes', code: 'std.repeat("x", 1e10)', message: /string of length 10000000000 exceeds the limit/, limit: 'size' },
  { name: 'array repeat to billions', code: 'std.repeat([1, 2], 1e9)', message: /array of length 2000000000 exceeds the limit/, limit: 'size' },
  { name: 'doubling strings', code: 'local s(n) = if n == 0 then "xx" else local t = s(n - 1); t + t; std.length(s(40))', message: /string of length \d+ exceeds the limit/, limit: 'size' },
  { name: 'exponential string tree', code: 'local s(n) = if n == 0 then "x" else s(n - 1) + s(n - 1); std.length(s(40))', message: /step budget/, limit: 'steps' },
  { name: 'exponential array tree', code: 'local a(n) = if n == 0 then [1] else a(n - 1) + a(n - 1); std.length(a(40))', message: /step budget|exceeds the limit/ },
  { name: 'exponential object merges', code: 'local o(n) = if n == 0 then {} else o(n - 1) + o(n - 1); std.length(o(40))', message: /exceeds the limit|step budget/ },
  { name: 'exponential super chains', code: 'local f(n) = if n == 0 then { a: 1 } else f(n - 1) { a: super.a + super.a }; f(60).a', message: /step budget/, limit: 'steps' },
  { name: 'huge std.range', code: 'std.length(std.range(0, 1e9))', message: /array of length 1000000001 exceeds the limit/, limit: 'size' },
  { name: 'huge std.makeArray', code: 'std.makeArray(1e12, function(i) i)', message: /exceeds the limit/, limit: 'size' },
  { name: 'quadratic comprehension', code: 'std.length([x for x in std.range(1, 5000) for y in std.range(1, 5000)])', message: /exceeds the limit|step budget/ },
  { name: 'sum of a long loop', code: 'std.foldl(function(a, b) a + b, std.range(1, 4000000), 0) + std.foldl(function(a, b) a + b, std.range(1, 4000000), 0)', message: /step budget/, limit: 'steps' },
  { name: 'string built by format', code: 'std.format("%0999999999d", [1])', message: /exceeds the limit/, limit: 'size' },
  { name: 'deep nesting of expressions', code: '['.repeat(50000) + ']'.repeat(50000), message: /Exceeded max depth of nested expressions/ },
  { name: 'deep nesting of objects', code: '{a:'.repeat(20000) + '1' + '}'.repeat(20000), message: /Exceeded max depth of nested expressions/ },
  { name: 'long operator chains', code: 'local x = ' + '1 + '.repeat(200000) + '1; x', message: /Exceeded max depth of nested expressions/ },
  { name: 'deep data built at run time', code: 'local f(n) = if n == 0 then [] else [f(n - 1)]; std.length(std.toString(f(100000)))', message: /max stack frames exceeded/, limit: 'stack' },
  { name: 'deep data folded then printed', code: 'std.foldl(function(acc, i) [acc], std.range(1, 200000), [])', message: /max stack frames exceeded/, limit: 'stack' },
];

describe('hostile programs end with an error, quickly', () => {
  for (const h of hostile) {
    test(h.name, () => {
      const started = performance.now();
      let error: unknown;
      try {
        evaluateSnippet(h.code);
      } catch (e) {
        error = e;
      }
      const ms = performance.now() - started;
      assert.ok(error instanceof RuntimeError || error instanceof StaticError, `expected a Jsonnet error, got ${String(error)}`);
      assert.match((error as Error).message, h.message);
      if (h.limit) assert.equal((error as RuntimeError).limit, h.limit);
      assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms`);
    });
  }
});

describe('legitimate heavy programs stay within the default budget', () => {
  test('an object built field by field in a fold (linear, not quadratic)', () => {
    const started = performance.now();
    assert.equal(evaluateSnippet('std.length(std.foldl(function(acc, i) acc + { ["k" + i]: i }, std.range(1, 20000), {}))'), '20000\n');
    assert.ok(performance.now() - started < 2000);
  });

  test('a long array fold and a big manifest', () => {
    assert.equal(evaluateSnippet('std.foldl(function(a, b) a + b, std.range(1, 100000), 0)'), '5000050000\n');
    assert.equal(evaluateSnippet('std.length(std.manifestJsonEx({ ["k" + i]: [i, { v: i }] for i in std.range(1, 5000) }, "  "))'), '276681\n');
  });
});

describe('budgets are configurable', () => {
  test('a small step budget stops a long loop', () => {
    assert.throws(
      () => evaluateSnippet('std.foldl(function(a, b) a + b, std.range(1, 100000), 0)', { limits: { maxSteps: 10_000 } }),
      (e: Error) => e instanceof RuntimeError && e.limit === 'steps' && /step budget of 10000 steps/.test(e.message),
    );
  });

  test('a time budget stops a long loop', () => {
    const started = performance.now();
    assert.throws(
      () => evaluateSnippet('local loop(n) = loop(n + 1) tailstrict; loop(0)', { limits: { timeoutMs: 50, maxSteps: Infinity } }),
      (e: Error) => e instanceof RuntimeError && e.limit === 'time',
    );
    assert.ok(performance.now() - started < 1000);
  });

  test('stack depth, string and array size limits', () => {
    assert.throws(() => evaluateSnippet('local f(n) = if n == 0 then 0 else 1 + f(n - 1); f(50)', { limits: { maxStack: 20 } }), /max stack frames exceeded/);
    assert.equal(evaluateSnippet('local f(n) = if n == 0 then 0 else 1 + f(n - 1); f(50)', { limits: { maxStack: 100 } }), '50\n');
    assert.throws(() => evaluateSnippet('std.length(std.repeat("ab", 600))', { limits: { maxStringLength: 1000 } }), /string of length 1200 exceeds the limit of 1000/);
    assert.throws(() => evaluateSnippet('std.range(1, 20)', { limits: { maxArrayLength: 10 } }), /array of length 20 exceeds the limit of 10/);
  });

  test('the interpreter is usable after a hostile program', () => {
    assert.throws(() => evaluateSnippet('local f(n) = f(n + 1); f(0)'));
    assert.equal(evaluateSnippet('{ ok: true }'), '{\n   "ok": true\n}\n');
  });
});

describe('worker pool', () => {
  const pool = new JsonnetWorkerPool({ size: 1 });
  after(() => pool.close());

  test('evaluates off the main thread with the same output', async () => {
    assert.equal(await pool.evaluate({ code: 'function(ctx) { to: ctx.to }', tlaValues: { ctx: { to: '+1' } } }), '{\n   "to": "+1"\n}\n');
    assert.deepEqual(await pool.evaluate({ code: '{ a: std.extVar("x") }', extVars: { x: 'y' }, asValue: true }), { a: 'y' });
  });

  test('errors come back with the reference message', async () => {
    await assert.rejects(pool.evaluate({ code: 'error "bad"' }), (e: Error) => e.name === 'RuntimeError' && e.message.startsWith('RUNTIME ERROR: bad'));
  });

  test('a long program does not block the event loop, and the pool recovers', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = performance.now();
    await assert.rejects(
      pool.evaluate({ code: 'local loop(n) = loop(n + 1) tailstrict; loop(0)', limits: { timeoutMs: 300, maxSteps: Infinity } }),
      (e: Error & { limit?: string }) => e.limit === 'time',
    );
    clearInterval(timer);
    assert.ok(performance.now() - started < 2000);
    assert.ok(ticks >= 10, `event loop ran only ${ticks} ticks`);
    assert.equal(await pool.evaluate({ code: '1 + 1' }), '2\n');
  });
});
