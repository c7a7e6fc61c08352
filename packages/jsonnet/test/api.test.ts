import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  FileImporter, MemoryImporter, RuntimeError, StaticError, compile, evaluate, evaluateFile, evaluateSnippet,
} from '../src/index.js';

describe('evaluation API', () => {
  test('evaluateSnippet prints like the jsonnet command, evaluate returns data', () => {
    assert.equal(evaluateSnippet('{ b: [1, 2], a: {} }'), '{\n   "a": { },\n   "b": [\n      1,\n      2\n   ]\n}\n');
    assert.deepEqual(evaluate('{ b: [1, 2], a: {}, h:: 1, s: "x" }'), { a: {}, b: [1, 2], s: 'x' });
    assert.equal(evaluate('"text"'), 'text');
  });

  test('a compiled program is reused with different inputs', () => {
    const program = compile('function(ctx) { to: ctx.recipient, body: "Code: " + ctx.code }', 'sms.jsonnet');
    assert.deepEqual(program.evaluateToValue({ tlaValues: { ctx: { recipient: '+1555', code: '1234' } } }), { to: '+1555', body: 'Code: 1234' });
    assert.deepEqual(program.evaluateToValue({ tlaValues: { ctx: { recipient: '+1666', code: '9' } } }), { to: '+1666', body: 'Code: 9' });
  });

  test('external variables: strings, code and plain values', () => {
    const out = evaluate('[std.extVar("s"), std.extVar("c"), std.extVar("v").claims.email]', {
      extVars: { s: 'str' },
      extCode: { c: '{ n: 1 + 1 }' },
      extValues: { v: { claims: { email: 'a@example.com' } } },
    });
    assert.deepEqual(out, ['str', { n: 2 }, 'a@example.com']);
    assert.throws(() => evaluate('std.extVar("missing")'), (e: Error) => e instanceof RuntimeError && e.message.startsWith('RUNTIME ERROR: undefined external variable: missing'));
  });

  test('OIDC claims mapper in the Kratos style', () => {
    const mapper = `
      local claims = { email_verified: false } + std.extVar('claims');
      {
        identity: {
          traits: {
            [if 'email' in claims && claims.email_verified then 'email' else null]: claims.email,
            name: { first: claims.given_name, last: claims.family_name },
          },
        },
      }`;
    assert.deepEqual(evaluate(mapper, { extCode: { claims: JSON.stringify({ email: 'x@y.z', email_verified: true, given_name: 'A', family_name: 'B' }) } }), {
      identity: { traits: { email: 'x@y.z', name: { first: 'A', last: 'B' } } },
    });
    assert.deepEqual(evaluate(mapper, { extValues: { claims: { email: 'x@y.z', given_name: 'A', family_name: 'B' } } }), {
      identity: { traits: { name: { first: 'A', last: 'B' } } },
    });
  });

  test('top-level arguments: strings, code, values and defaults', () => {
    const code = 'function(a, b="dflt", c=null) [a, b, c]';
    assert.deepEqual(evaluate(code, { tlaVars: { a: 'x' } }), ['x', 'dflt', null]);
    assert.deepEqual(evaluate(code, { tlaCode: { a: '1 + 1', c: '[3]' }, tlaVars: { b: 'y' } }), [2, 'y', [3]]);
    assert.deepEqual(evaluate(code, { tlaValues: { a: { k: [1] } } }), [{ k: [1] }, 'dflt', null]);
    assert.throws(() => evaluate(code), /RUNTIME ERROR: function parameter a not bound in call\.\n\tTop-level function/);
    assert.throws(() => evaluate(code, { tlaVars: { a: '1', zz: '2' } }), /function has no parameter zz/);
    // A program that is not a function ignores top-level arguments, like the reference.
    assert.equal(evaluate('42', { tlaVars: { a: 'x' } }), 42);
  });

  test('native functions receive and return plain data', () => {
    const out = evaluate('std.native("concat")("a", [1, { b: 2 }]) + std.native("upper")("x")', {
      nativeFunctions: {
        concat: { params: ['s', 'v'], fn: (s, v) => String(s) + JSON.stringify(v) },
        upper: { params: ['s'], fn: (s) => String(s).toUpperCase() },
      },
    });
    assert.equal(out, 'a[1,{"b":2}]X');
    assert.throws(
      () => evaluate('std.native("boom")(1)', { nativeFunctions: { boom: { params: ['x'], fn: () => { throw new Error('host failure'); } } } }),
      /RUNTIME ERROR: native function boom failed: host failure/,
    );
    assert.throws(() => evaluate('std.native("f")()', { nativeFunctions: { f: { params: ['x'], fn: (x) => x } } }), /function parameter x not bound in call/);
  });

  test('string and YAML stream output modes', () => {
    assert.equal(evaluateSnippet('"raw\\ntext"', { stringOutput: true }), 'raw\ntext\n');
    assert.throws(() => evaluateSnippet('1', { stringOutput: true }), /expected string result, got: number/);
    assert.equal(evaluateSnippet('[{ a: 1 }, [1, 2], "s"]', { yamlStream: true }), '---\n"a": 1\n---\n- 1\n- 2\n---\n"s"\n...\n');
  });

  test('std.trace goes to the trace hook with file and line', () => {
    const lines: string[] = [];
    assert.equal(evaluate('local x = 1;\nstd.trace("value " + x, x + 1)', { trace: (m) => lines.push(m), filename: 't.jsonnet' }), 2);
    assert.deepEqual(lines, ['TRACE: t.jsonnet:2 value 1']);
  });

  test('std.thisFile is the evaluated file name', () => {
    assert.equal(evaluate('std.thisFile', { filename: 'conf/main.jsonnet' }), 'conf/main.jsonnet');
  });
});

describe('errors', () => {
  test('static errors carry file, line and column', () => {
    assert.throws(() => evaluateSnippet('{\n  a: b,\n}', { filename: 'f.jsonnet' }), (e: Error) => e instanceof StaticError && e.message === 'STATIC ERROR: f.jsonnet:2:6: Unknown variable: b');
    assert.throws(() => evaluateSnippet('local x = ;', { filename: 'f.jsonnet' }), (e: Error) => e instanceof StaticError && e.message.startsWith('STATIC ERROR: f.jsonnet:1:11:'));
  });

  test('runtime errors carry a stack trace with locations and frame names', () => {
    const code = 'local check(x) =\n  if x > 0 then x\n  else error "negative: " + x;\n{ result: check(-1) }';
    try {
      evaluateSnippet(code, { filename: 'rt.jsonnet' });
      assert.fail('should have thrown');
    } catch (e) {
      assert.ok(e instanceof RuntimeError);
      assert.equal(e.message, [
        'RUNTIME ERROR: negative: -1',
        '\trt.jsonnet:3:8-30\tfunction <check>',
        '\trt.jsonnet:4:11-20\tobject <anonymous>',
        '\tDuring manifestation\t',
      ].join('\n'));
      assert.equal(e.rawMessage, 'negative: -1');
      assert.equal(e.limit, null);
    }
  });

  test('multi-line locations use the (line:col)-(line:col) form', () => {
    assert.throws(() => evaluateSnippet('error (\n"x")', { filename: 'm' }), (e: Error) => e.message === 'RUNTIME ERROR: x\n\tm:(1:1)-(2:5)\t');
  });
});

describe('imports', () => {
  test('in-memory files: import, importstr, importbin and nested relative imports', () => {
    const importer = new MemoryImporter({
      'lib/util.libsonnet': '{ double(x):: x * 2, other: import "other.libsonnet" }',
      'lib/other.libsonnet': '"other"',
      'data/greeting.txt': 'hello\n',
      'data/bytes.bin': new Uint8Array([0, 1, 255]),
    });
    const code = 'local u = import "lib/util.libsonnet"; [u.double(21), u.other, importstr "data/greeting.txt", importbin "data/bytes.bin"]';
    assert.deepEqual(evaluate(code, { importer }), [42, 'other', 'hello\n', [0, 1, 255]]);
    assert.throws(() => evaluate('import "nope.libsonnet"', { importer }), /RUNTIME ERROR: couldn't open import "nope.libsonnet": no match locally or in the Jsonnet library paths\./);
  });

  test('an import cycle ends with an error, not a crash', () => {
    const importer = new MemoryImporter({ 'a.libsonnet': '{ b: (import "b.libsonnet").a }', 'b.libsonnet': '{ a: (import "a.libsonnet").b }' });
    assert.throws(() => evaluate('(import "a.libsonnet").b', { importer }), (e: Error) => e instanceof RuntimeError && /max stack frames exceeded/.test(e.message));
    const self = new MemoryImporter({ 'self.libsonnet': 'import "self.libsonnet"' });
    assert.throws(() => evaluate('import "self.libsonnet"', { importer: self }), /max stack frames exceeded/);
  });

  test('imports are refused by default', () => {
    assert.throws(() => evaluate('importstr "/etc/passwd"'), /couldn't open import "\/etc\/passwd"/);
  });

  test('an imported file with a syntax error reports its own name', () => {
    const importer = new MemoryImporter({ 'bad.libsonnet': '{ a: }' });
    assert.throws(() => evaluate('import "bad.libsonnet"', { importer }), /STATIC ERROR: bad\.libsonnet:1:6/);
  });

  const dir = mkdtempSync(join(tmpdir(), 'jsonnet-import-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'root');
  const lib = join(dir, 'lib');
  const outside = join(dir, 'outside');
  for (const d of [root, join(root, 'sub'), lib, outside]) mkdirSync(d, { recursive: true });
  writeFileSync(join(root, 'main.jsonnet'), 'local l = import "shared.libsonnet"; { shared: l, sub: import "sub/x.libsonnet", text: importstr "sub/t.txt" }');
  writeFileSync(join(root, 'sub', 'x.libsonnet'), '{ x: import "../leaf.libsonnet" }');
  writeFileSync(join(root, 'sub', 't.txt'), 'T');
  writeFileSync(join(root, 'leaf.libsonnet'), '"leaf"');
  writeFileSync(join(lib, 'shared.libsonnet'), '{ from: "lib" }');
  writeFileSync(join(outside, 'secret.txt'), 'SECRET');
  symlinkSync(join(outside, 'secret.txt'), join(root, 'link.txt'));
  symlinkSync(outside, join(root, 'linkdir'));

  test('files on disk: relative imports and library paths', () => {
    const importer = new FileImporter({ roots: [root, lib], libraryPaths: [lib] });
    const out = evaluateFile(join(root, 'main.jsonnet'), { importer });
    assert.deepEqual(JSON.parse(out), { shared: { from: 'lib' }, sub: { x: 'leaf' }, text: 'T' });
  });

  test('files on disk: no escape by .., absolute paths or symlinks', () => {
    const importer = new FileImporter({ roots: [root] });
    const from = join(root, 'main.jsonnet');
    for (const path of ['../outside/secret.txt', join(outside, 'secret.txt'), 'link.txt', 'linkdir/secret.txt', 'sub/../../outside/secret.txt']) {
      assert.throws(() => evaluate(`importstr ${JSON.stringify(path)}`, { importer, filename: from }), /couldn't open import/, path);
    }
    // the library path is searched, but only inside the roots
    const withLib = new FileImporter({ roots: [root], libraryPaths: [lib] });
    assert.throws(() => evaluate('import "shared.libsonnet"', { importer: withLib, filename: from }), /couldn't open import/);
  });
});
