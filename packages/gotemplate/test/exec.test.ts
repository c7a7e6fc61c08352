// Execution: fields, variables, control structures, templates, missing keys and limits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Template, ExecError, newTemplate } from '../src/index.js';
import { err, render, runCases } from './cases.js';
import type { Case } from './cases.js';

class User {
  constructor(
    public Name: string,
    public Age: number,
  ) {}
  Greet(greeting: string) {
    return `${greeting}, ${this.Name}`;
  }
  Fail(): string {
    throw new Error('boom');
  }
}

const data = {
  Name: 'Ada',
  Zero: 0,
  Empty: '',
  Nil: null,
  True: true,
  False: false,
  List: ['a', 'b', 'c'],
  EmptyList: [],
  Map: { z: 26, a: 1, m: 13 },
  EmptyMap: {},
  Nested: { Inner: { Value: 'deep', List: [1, 2] } },
  Identity: { traits: { email: 'ada@example.com', name: { first: 'Ada', last: 'Lovelace' } } },
  User: new User('Grace', 85),
  Fn: (a: number, b: number) => a + b,
  Method: { double: (x: number) => x * 2 },
  Float: 1.5,
  Big: 10n,
  Nums: [3, 1, 2],
};

const cases: Case[] = [
  // fields and chains
  ['{{.Name}}', data, 'Ada'],
  ['{{.Nested.Inner.Value}}', data, 'deep'],
  ['{{.Identity.traits.email}}', data, 'ada@example.com'],
  ['{{.Identity.traits.name.first}} {{.Identity.traits.name.last}}', data, 'Ada Lovelace'],
  ['{{.Missing}}', data, '<no value>'],
  ['{{.Missing.Deeper}}', data, '<no value>'],
  ['{{.Nil}}', data, '<no value>'],
  ['{{.Nil.Field}}', data, err('nil pointer evaluating interface {}.Field')],
  ['{{.}}', 'dot', 'dot'],
  ['{{.}}', null, '<no value>'],
  ['{{.}}', 42, '42'],
  ['{{.}}', [1, 2], '[1 2]'],
  ['{{.}}', { b: 1, a: [true, null] }, 'map[a:[true <nil>] b:1]'],
  ['{{.Name.Foo}}', data, err("can't evaluate field Foo in type string")],
  ['{{.List.Foo}}', data, err("can't evaluate field Foo in type []interface {}")],
  ['{{.Zero.Foo}}', data, err("can't evaluate field Foo in type int")],
  ['{{.User.Name}} is {{.User.Age}}', data, 'Grace is 85'],
  ['{{.User.Greet "Hi"}}', data, 'Hi, Grace'],
  ['{{"Hello" | .User.Greet}}', data, 'Hello, Grace'],
  ['{{.User.Fail}}', data, err('error calling Fail: boom')],
  ['{{.User.Nope}}', data, err("can't evaluate field Nope in type *User")],
  ['{{.Name "arg"}}', data, err('Name is not a method but has arguments')],
  ['{{.Method.double 21}}', data, '42'],
  ['{{call .Fn 2 3}}', data, '5'],
  ['{{call .Name}}', data, err('non-function')],
  ['{{call .Missing}}', data, err('call of nil')],
  ['{{(index .Nested "Inner").Value}}', data, 'deep'],
  ['{{(.Nested).Inner.Value}}', data, 'deep'],
  ['{{.Big}}', data, '10'],
  ['{{.Float}}', data, '1.5'],
  // variables
  ['{{$x := 1}}{{$x}}', null, '1'],
  ['{{$x := 1}}{{$x = 2}}{{$x}}', null, '2'],
  ['{{$x := "a"}}{{if true}}{{$x = "b"}}{{end}}{{$x}}', null, 'b'],
  ['{{$x := "a"}}{{if true}}{{$x := "b"}}{{$x}}{{end}}{{$x}}', null, 'ba'],
  ['{{$}}', 'root', 'root'],
  ['{{with .Nested}}{{$.Name}}{{end}}', data, 'Ada'],
  ['{{$u := .User}}{{$u.Name}}', data, 'Grace'],
  ['{{$m := .Map}}{{$m.a}}', data, '1'],
  ['{{$x := .Missing}}{{$x}}', data, '<no value>'],
  ['{{$x := 3}}{{$x 1}}', null, err("can't give argument to non-function $x")],
  // if
  ['{{if .True}}T{{else}}F{{end}}', data, 'T'],
  ['{{if .False}}T{{else}}F{{end}}', data, 'F'],
  ['{{if .Zero}}T{{else}}F{{end}}', data, 'F'],
  ['{{if .Empty}}T{{else}}F{{end}}', data, 'F'],
  ['{{if .Nil}}T{{else}}F{{end}}', data, 'F'],
  ['{{if .Missing}}T{{else}}F{{end}}', data, 'F'],
  ['{{if .EmptyList}}T{{else}}F{{end}}', data, 'F'],
  ['{{if .EmptyMap}}T{{else}}F{{end}}', data, 'F'],
  ['{{if .List}}T{{else}}F{{end}}', data, 'T'],
  ['{{if .User}}T{{else}}F{{end}}', data, 'T'],
  ['{{if .Fn}}T{{else}}F{{end}}', data, 'T'],
  ['{{if .Float}}T{{end}}', data, 'T'],
  ['{{if 0.0}}T{{else}}F{{end}}', null, 'F'],
  ['{{if eq .Name "Bob"}}B{{else if eq .Name "Ada"}}A{{else}}?{{end}}', data, 'A'],
  ['{{if false}}1{{else if false}}2{{else if true}}3{{end}}', null, '3'],
  ['{{if $x := .Name}}{{$x}}{{end}}', data, 'Ada'],
  // with
  ['{{with .Nested.Inner}}{{.Value}}{{end}}', data, 'deep'],
  ['{{with .Missing}}has{{else}}none{{end}}', data, 'none'],
  ['{{with .Empty}}has{{else with .Name}}{{.}}{{end}}', data, 'Ada'],
  ['{{with $v := .Name}}{{$v}}{{.}}{{end}}', data, 'AdaAda'],
  ['{{with 0}}x{{else}}zero{{end}}', null, 'zero'],
  // range
  ['{{range .List}}[{{.}}]{{end}}', data, '[a][b][c]'],
  ['{{range $i, $e := .List}}{{$i}}={{$e}} {{end}}', data, '0=a 1=b 2=c '],
  ['{{range $e := .List}}{{$e}}{{end}}', data, 'abc'],
  ['{{range .Map}}{{.}},{{end}}', data, '1,13,26,'],
  ['{{range $k, $v := .Map}}{{$k}}:{{$v}} {{end}}', data, 'a:1 m:13 z:26 '],
  ['{{range .EmptyList}}x{{else}}empty{{end}}', data, 'empty'],
  ['{{range .EmptyMap}}x{{else}}empty{{end}}', data, 'empty'],
  ['{{range .Missing}}x{{else}}none{{end}}', data, 'none'],
  ['{{range .Nil}}x{{else}}none{{end}}', data, 'none'],
  ['{{range 3}}{{.}}{{end}}', null, '012'],
  ['{{range $i := 4}}{{$i}}{{end}}', null, '0123'],
  ['{{range 0}}x{{else}}zero{{end}}', null, 'zero'],
  ['{{range $i, $j := 3}}{{end}}', null, err("can't use 3 to iterate over more than one variable")],
  ['{{range .Name}}{{end}}', data, err("range can't iterate over Ada")],
  ['{{range .List}}{{if eq . "b"}}{{break}}{{end}}{{.}}{{end}}', data, 'a'],
  ['{{range .List}}{{if eq . "b"}}{{continue}}{{end}}{{.}}{{end}}', data, 'ac'],
  ['{{range $i, $e := .List}}{{range $.Nums}}{{if eq . 1}}{{break}}{{end}}{{$e}}{{.}}{{end}};{{end}}', data, 'a3;b3;c3;'],
  ['{{range .Nested.Inner.List}}{{$.Name}}{{.}}{{end}}', data, 'Ada1Ada2'],
  ['{{$x := 0}}{{range .List}}{{$x = .}}{{end}}{{$x}}', data, 'c'],
  ['{{range $i, $e := .List}}{{end}}{{$i}}', data, { parseError: 'undefined variable "$i"' }],
  ['{{$i := 9}}{{range $i = .Nums}}{{end}}{{$i}}', data, '2'],
  ['{{range .}}{{.}}{{end}}', new Map([[2, 'b'], [1, 'a']]), 'ab'],
  // templates
  ['{{define "T"}}[{{.}}]{{end}}{{template "T" .Name}}', data, '[Ada]'],
  ['{{define "T"}}[{{.}}]{{end}}{{template "T"}}', data, '[<no value>]'],
  ['{{define "T"}}{{$}}{{end}}{{$x := 1}}{{template "T" "in"}}', data, 'in'],
  ['{{template "nope"}}', data, err('template "nope" not defined')],
  ['{{block "B" .Name}}<{{.}}>{{end}}', data, '<Ada>'],
  ['{{define "list"}}{{range .}}({{template "item" .}}){{end}}{{end}}{{define "item"}}{{.}}{{end}}{{template "list" .List}}', data, '(a)(b)(c)'],
  ['{{define "r"}}{{if gt . 0}}{{.}}{{template "r" (sub1 .)}}{{end}}{{end}}{{template "r" 3}}', null, { parseError: 'function "sub1" not defined' }],
  ['{{define "loop"}}{{template "loop" .}}{{end}}{{template "loop" .}}', null, err('exceeded maximum template depth (1000)')],
  // comparisons in control flow
  ['{{if and .True .Name}}{{and .True .Name}}{{end}}', data, 'Ada'],
  ['{{or .Empty .Zero "fallback"}}', data, 'fallback'],
  ['{{and 1 0 2}}', null, '0'],
  ['{{or 0 "" nil}}', null, '<no value>'],
  ['{{if not .Empty}}empty{{end}}', data, 'empty'],
  // pipelines
  ['{{.Name | printf "%s!"}}', data, 'Ada!'],
  ['{{"x" | printf "%s-%s" "y"}}', null, 'y-x'],
  ['{{.List | len | printf "%d items"}}', data, '3 items'],
  ['{{(len .List) | printf "%d"}}', data, '3'],
  ['{{printf "%d" (len (index .Nested.Inner "List"))}}', data, '2'],
  ['{{print (print "a" 1) (print 2 3)}}', null, 'a12 3'],
  ['{{. | .Method.double}}', 4, err("can't evaluate field Method in type int")],
  ['{{3 | .Method.double}}', data, '6'],
  ['{{.Fn}}', data, err("can't print {{.Fn}} of type func")],
  ['{{.User.Greet}}', data, err('wrong number of args for Greet: want 1 got 0')],
  ['{{if .Method.double}}fn{{end}}', data, 'fn'],
];

runCases('exec', cases);

test('missingkey options', () => {
  const src = '{{.A}}|{{.M.B}}';
  const d = { M: {} };
  assert.equal(render(src, d), '<no value>|<no value>');
  assert.equal(render(src, d, { option: ['missingkey=default'] }), '<no value>|<no value>');
  assert.equal(render(src, d, { option: ['missingkey=invalid'] }), '<no value>|<no value>');
  assert.equal(render(src, d, { option: ['missingkey=zero'] }), '<no value>|<no value>');
  assert.throws(() => render(src, d, { option: ['missingkey=error'] }), /template: t:1:2: executing "t" at <.A>: map has no entry for key "A"/);
  assert.throws(() => render('{{.M.X.Y}}', d, { option: ['missingkey=error'] }), /map has no entry for key "X"/);
  assert.equal(render('{{$x := .Q}}{{$x.Y}}', {}, { option: ['missingkey=zero'] }), '<no value>');
  assert.throws(() => newTemplate('x').option('missingkey=bogus'), /unrecognized option/);
  assert.equal(render('{{.A}}', {}, { missingKey: 'zero' }), '<no value>');
});

test('execution errors have Go format and position', () => {
  assert.throws(
    () => new Template('name').parse('line1\nline2\nab {{.Foo.Bar}}').execute({ Foo: null }),
    (e: unknown) => {
      assert.ok(e instanceof ExecError);
      assert.equal((e as Error).message, 'template: name:3:5: executing "name" at <.Foo.Bar>: nil pointer evaluating interface {}.Bar');
      return true;
    },
  );
  assert.throws(() => new Template('n').parse('{{define "sub"}}\n  {{index . 9}}{{end}}{{template "sub" .}}').execute([1]), /template: n:2:4: executing "sub" at <index . 9>: error calling index: index out of range: 9/);
  assert.throws(() => new Template('x').execute({}), /template: x: "x" is an incomplete or empty template/);
  assert.throws(() => new Template('x').parse('a').executeTemplate('y', {}), /template: no template "y" associated with template "x"/);
});

test('no partial output on error', () => {
  const t = new Template('p').parse('lots of output {{range .}}{{.}}{{end}} then {{.Bad.Thing}}');
  assert.throws(() => t.execute([1, 2, 3]));
});

test('limits: output size, iterations and call depth', () => {
  const big = new Template('big', { maxOutputSize: 1000 }).parse('{{range .}}0123456789{{end}}');
  assert.throws(() => big.execute(Array(200).fill(0)), /output exceeds the limit of 1000/);
  assert.equal(big.execute(Array(10).fill(0)).length, 100);
  const loop = new Template('loop', { maxIterations: 1000 }).parse('{{range 100000000}}{{end}}');
  assert.throws(() => loop.execute(null), /range exceeded the limit of 1000 iterations/);
  const deep = new Template('deep', { maxCallDepth: 10 }).parse('{{define "a"}}x{{template "a"}}{{end}}{{template "a"}}');
  assert.throws(() => deep.execute(null), /exceeded maximum template depth \(10\)/);
  const mutual = new Template('m').parse('{{define "a"}}{{template "b" .}}{{end}}{{define "b"}}{{template "a" .}}{{end}}{{template "a" .}}');
  assert.throws(() => mutual.execute(null), /exceeded maximum template depth \(1000\)/);
});

test('templates are reusable and independent of data', () => {
  const t = new Template('r').parse('{{.}}');
  for (let i = 0; i < 5; i++) assert.equal(t.execute(i), String(i));
});

test('range over an iterator function (Go 1.23 range-over-func)', () => {
  const seq2 = (yieldFn: (k: unknown, v: unknown) => boolean) => {
    for (const [k, v] of [['a', 1], ['b', 2], ['c', 3]] as const) if (!yieldFn(k, v)) return;
  };
  assert.equal(render('{{range $k, $v := .}}{{$k}}={{$v}};{{end}}', seq2), 'a=1;b=2;c=3;');
  assert.equal(render('{{range $k, $v := .}}{{if eq $k "b"}}{{break}}{{end}}{{$k}}{{end}}', seq2), 'a');
});

test('pathological nesting fails cleanly', () => {
  const deep = '{{' + '('.repeat(20000) + '1' + ')'.repeat(20000) + '}}';
  assert.throws(() => new Template('deep').parse(deep), /nested too deeply/);
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  assert.match(render('{{.}}', cyclic), /^map\[a:1 self:map\[a:1 self:/);
  assert.throws(() => render('{{ deepCopy . }}', cyclic, { sprig: true }), /nested too deeply|error calling deepCopy/);
});

test('JS Date values behave as time.Time', () => {
  const d = new Date('2024-03-05T06:07:08Z');
  process.env.TZ = 'UTC';
  assert.equal(render('{{.D.Format "2006-01-02 15:04"}} {{.D.Year}} {{.D.Unix}}', { D: d }), '2024-03-05 06:07 2024 1709618828');
  assert.equal(render('{{printf "%T" .D}}', { D: d }), 'time.Time');
});

test('exceptions from data become execution errors with a position', () => {
  const data = {
    get Boom(): string {
      throw new Error('getter failed');
    },
  };
  assert.throws(() => render('ok {{.Boom}}', data), /template: t:1:5: executing "t" at <.Boom>: getter failed/);
  const weird = { toString() { throw new Error('no string'); }, String() { throw new Error('no String'); } };
  assert.throws(() => render('{{.}}', Object.assign(Object.create({ x: 1 }), weird)), ExecError);
});
