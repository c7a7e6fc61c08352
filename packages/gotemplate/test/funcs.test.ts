// Built-in functions: and or not len index slice print* html js urlquery call and comparisons.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Template, goFunc } from '../src/index.js';
import { err, perr, render, runCases } from './cases.js';
import type { Case } from './cases.js';

const d = { S: 'héllo', L: [10, 20, 30], M: { a: 1, b: { c: 'deep' } }, N: null, E: '', Z: 0, T: true, F: false, B: new Uint8Array([104, 105]) };

const cases: Case[] = [
  // len
  ['{{len .S}}', d, '6'],
  ['{{len "abc"}}', null, '3'],
  ['{{len .L}}', d, '3'],
  ['{{len .M}}', d, '2'],
  ['{{len .B}}', d, '2'],
  ['{{len 3}}', null, err('error calling len: len of type int')],
  ['{{len .N}}', d, err('error calling len: len of nil pointer')],
  ['{{len}}', null, err('wrong number of args for len: want 1 got 0')],
  // index
  ['{{index .L 1}}', d, '20'],
  ['{{index .M "a"}}', d, '1'],
  ['{{index .M "b" "c"}}', d, 'deep'],
  ['{{index .M "zz"}}', d, '<no value>'],
  ['{{index .S 1}}', d, '195'],
  ['{{index "abc" 0}}', null, '97'],
  ['{{index .L}}', d, '[10 20 30]'],
  ['{{index .L 3}}', d, err('error calling index: reflect: slice index out of range')],
  ['{{index .L 5}}', d, err('error calling index: index out of range: 5')],
  ['{{index .L -1}}', d, err('error calling index: index out of range: -1')],
  ['{{index .L "x"}}', d, err('error calling index: cannot index slice/array with type string')],
  ['{{index .M 1}}', d, err('error calling index: value has type int; should be string')],
  ['{{index .N 1}}', d, err('error calling index: index of untyped nil')],
  ['{{index 5 1}}', null, err("error calling index: can't index item of type int")],
  ['{{index .L nil}}', d, err('error calling index: cannot index slice/array with nil')],
  // slice
  ['{{slice .L 1}}', d, '[20 30]'],
  ['{{slice .L 1 2}}', d, '[20]'],
  ['{{slice .L}}', d, '[10 20 30]'],
  ['{{slice "abcdef" 1 3}}', null, 'bc'],
  ['{{slice "abcdef" 2}}', null, 'cdef'],
  ['{{slice .L 2 1}}', d, err('error calling slice: invalid slice index: 2 > 1')],
  ['{{slice .L 0 4}}', d, err('error calling slice: index out of range: 4')],
  ['{{slice "abc" 0 1 2}}', null, err('error calling slice: cannot 3-index slice a string')],
  ['{{slice .L 0 1 2}}', d, '[10]'],
  ['{{slice 3 1}}', null, err("error calling slice: can't slice item of type int")],
  ['{{slice .N 1}}', d, err('error calling slice: slice of untyped nil')],
  // not, and, or
  ['{{not true}} {{not 0}} {{not ""}} {{not .L}} {{not .N}}', d, 'false true true false true'],
  ['{{and 1 2}} {{and 0 2}} {{and "" "x"}}', null, '2 0 '],
  ['{{or 0 2}} {{or "a" "b"}} {{or false ""}}', null, '2 a '],
  ['{{and .T .L}}', d, '[10 20 30]'],
  ['{{or .N .E .Z}}', d, '0'],
  ['{{and}}', null, err('wrong number of args for and: want at least 1 got 0')],
  ['{{not 1 2}}', null, err('wrong number of args for not: want 1 got 2')],
  ['{{if and .T (index .M "a")}}ok{{end}}', d, 'ok'],
  ['{{and false (index .N 1)}}', d, 'false'],
  ['{{or true (index .N 1)}}', d, 'true'],
  ['{{and true (index .N 1)}}', d, err('index of untyped nil')],
  ['{{"x" | and true}}', null, 'x'],
  ['{{"x" | or false}}', null, 'x'],
  // eq/ne/lt/le/gt/ge
  ['{{eq 1 1}} {{eq 1 2}} {{eq "a" "a"}} {{eq true true}}', null, 'true false true true'],
  ['{{eq 1 2 3 1}}', null, 'true'],
  ['{{eq "b" "a" "c"}}', null, 'false'],
  ['{{eq 1.5 1.5}} {{eq 1 1.0}}', null, 'true true'],
  ['{{eq .N nil}} {{eq .Missing nil}}', d, 'true true'],
  ['{{eq .Missing "x"}}', d, 'false'],
  ['{{eq "x" .Missing}}', d, 'false'],
  ['{{eq 1 "1"}}', null, err('error calling eq: incompatible types for comparison')],
  ['{{eq .L .L}}', d, err('error calling eq: invalid type for comparison')],
  ['{{eq 1}}', null, err('missing argument for comparison')],
  ['{{ne 1 2}} {{ne "a" "a"}}', null, 'true false'],
  ['{{lt 1 2}} {{lt 2 1}} {{lt "a" "b"}} {{lt 1.5 2}}', null, 'true false true true'],
  ['{{le 2 2}} {{gt 3 2}} {{ge 2 3}} {{ge "b" "b"}}', null, 'true true false true'],
  ['{{lt true false}}', null, err('error calling lt: invalid type for comparison')],
  ['{{lt 1 "a"}}', null, err('error calling lt: incompatible types for comparison')],
  ['{{lt .Missing 1}}', d, err('error calling lt: invalid type for comparison')],
  ['{{gt .L 1}}', d, err('invalid type for comparison')],
  ['{{lt 1 2 3}}', null, err('wrong number of args for lt: want 2 got 3')],
  ['{{if lt .Z 1}}small{{end}}', d, 'small'],
  // print family
  ['{{print "a" "b"}}', null, 'ab'],
  ['{{print 1 2}}', null, '1 2'],
  ['{{print "a" 1 2 "b"}}', null, 'a1 2b'],
  ['{{print 1 "a" 2}}', null, '1a2'],
  ['{{print}}', null, ''],
  ['{{print .N}}', d, '<nil>'],
  ['{{print .L}}', d, '[10 20 30]'],
  ['{{print true 1.5}}', null, 'true 1.5'],
  ['{{println "a" 1}}', null, 'a 1\n'],
  ['{{println}}', null, '\n'],
  ['{{printf "%s=%d" "a" 1}}', null, 'a=1'],
  ['{{printf}}', null, err('wrong number of args for printf: want at least 1 got 0')],
  ['{{printf 1}}', null, err('expected string; found 1')],
  // html js urlquery
  ['{{html "<a href=\'x\'>&\\"</a>"}}', null, '&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt;'],
  ['{{html .N}}', d, '&lt;no value&gt;'],
  ['{{html 1 2}}', null, '1 2'],
  ['{{"<b>" | html}}', null, '&lt;b&gt;'],
  ['{{js "it\'s \\"q\\" <tag> & = \\\\"}}', null, "it\\'s \\\"q\\\" \\u003Ctag\\u003E \\u0026 \\u003D \\\\"],
  ['{{js "a\\nb\\tc"}}', null, 'a\\u000Ab\\u0009c'],
  ['{{js "é"}}', null, 'é'],
  ['{{urlquery "a b&c=d/é"}}', null, 'a+b%26c%3Dd%2F%C3%A9'],
  ['{{urlquery "x" 1}}', null, 'x1'],
  // call
  ['{{call .F 1 2}}', { F: (a: number, b: number) => a * b }, '2'],
  ['{{call .F}}', { F: () => 'no args' }, 'no args'],
  ['{{call .F "x"}}', { F: () => { throw new Error('bad'); } }, err('error calling call: bad')],
  ['{{call .X}}', { X: 3 }, err('error calling call: non-function .X of type int')],
];

runCases('funcs', cases);

test('custom functions: plain JS and Go-typed', () => {
  const funcs = {
    shout: (s: string) => String(s).toUpperCase() + '!',
    join2: goFunc(['string', 'string'], (a: string, b: string) => a + b),
    rep: goFunc(['int', 'string'], (n: number, s: string) => s.repeat(n)),
    fl: goFunc(['float64'], (x: number) => x * 2),
    opt: goFunc(['string'], (a: string, ...r: string[]) => [a, ...r].join('+'), 'string'),
    fails: () => {
      throw new Error('custom failure');
    },
    len: (x: unknown) => `custom len of ${String(x)}`,
    kind: (x: unknown) => typeof x,
  };
  const r = (src: string, data: unknown = null) => render(src, data, { funcs });
  assert.equal(r('{{shout "hi"}}'), 'HI!');
  assert.equal(r('{{"hi" | shout}}'), 'HI!');
  assert.equal(r('{{join2 "a" "b"}}'), 'ab');
  assert.equal(r('{{rep 3 "x"}}'), 'xxx');
  assert.equal(r('{{rep 2.0 "x"}}'), 'xx');
  assert.equal(r('{{fl 1.5}}'), '3');
  assert.equal(r('{{opt "a"}} {{opt "a" "b" "c"}}'), 'a a+b+c');
  assert.equal(r('{{len 5}}'), 'custom len of 5');
  assert.equal(r('{{kind 2.0}} {{kind 2}} {{kind "s"}}'), 'number number string');
  assert.throws(() => r('{{join2 "a"}}'), /wrong number of args for join2: want 2 got 1/);
  assert.throws(() => r('{{join2 "a" 1}}'), /expected string; found 1/);
  assert.throws(() => r('{{join2 "a" .}}', 5), /wrong type for value; expected string; got int/);
  assert.throws(() => r('{{rep "x" "y"}}'), /expected integer; found "x"/);
  assert.throws(() => r('{{rep 1.5 "y"}}'), /expected integer; found 1.5/);
  assert.throws(() => r('{{rep . "y"}}', 1.5), /wrong type for value; expected int; got float64/);
  assert.throws(() => r('{{opt}}'), /want at least 1 got 0/);
  assert.throws(() => r('{{fails}}'), /template: t:1:2: executing "t" at <fails>: error calling fails: custom failure/);
  assert.throws(() => r('{{join2 "a" .X}}', {}), /invalid value; expected string/);
  assert.throws(() => new Template('x').funcs({ 'bad-name': () => 1 }), /function name "bad-name" is not a valid identifier/);
  assert.throws(() => new Template('x').funcs({ ok: 3 as never }), /not a function/);
  assert.throws(() => new Template('x').parse('{{undefinedFn}}'), /function "undefinedFn" not defined/);
  assert.throws(() => render('{{toString 1}}', null), /function "toString" not defined/);
  assert.throws(() => render('{{constructor}}', null), /function "constructor" not defined/);
  void perr;
});
