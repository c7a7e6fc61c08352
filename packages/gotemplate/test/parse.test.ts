// Lexing and parsing: delimiters, trim markers, comments, literals and parse errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Template, ParseError } from '../src/index.js';
import { err, perr, runCases } from './cases.js';
import type { Case } from './cases.js';

const cases: Case[] = [
  // text and trim markers
  ['plain text', null, 'plain text'],
  ['', null, ''],
  ['a {{- "b" -}} c', null, 'abc'],
  ['a  \n\t{{- "b"}}', null, 'ab'],
  ['{{"b" -}}\n\n  c', null, 'bc'],
  ['a {{- /* comment */ -}} b', null, 'ab'],
  ['a {{/* comment */}} b', null, 'a  b'],
  ['{{/* multi\nline\ncomment */}}x', null, 'x'],
  ['{{- 3 }}', null, '3'],
  ['{{-3}}', null, '-3'],
  ['{{3 -}}', null, '3'],
  ['x{{ 3 -}}  \n  y', null, 'x3y'],
  ['x  {{- 3}}', null, 'x3'],
  ['{{"a" -}} {{- "b"}}', null, 'ab'],
  ['line1\n{{- if true }}\nyes\n{{- end }}\n', null, 'line1\nyes\n'],
  // literals
  ['{{"quoted \\"str\\" \\n\\t\\u00e9\\x41"}}', null, 'quoted "str" \n\téA'],
  ['{{`raw \\n string`}}', null, 'raw \\n string'],
  ['{{`multi\nline`}}', null, 'multi\nline'],
  ["{{'a'}}", null, '97'],
  ["{{'\\n'}}", null, '10'],
  ["{{'é'}}", null, '233'],
  ['{{0x1F}}', null, '31'],
  ['{{0X1f}}', null, '31'],
  ['{{0o17}}', null, '15'],
  ['{{017}}', null, '15'],
  ['{{0b101}}', null, '5'],
  ['{{1_000_000}}', null, '1000000'],
  ['{{0x_1F}}', null, '31'],
  ['{{1.5}}', null, '1.5'],
  ['{{1e3}}', null, '1000'],
  ['{{-2.5e-3}}', null, '-0.0025'],
  ['{{.5}}', null, '0.5'],
  ['{{+7}}', null, '7'],
  ['{{0x1p-2}}', null, '0.25'],
  ['{{true}} {{false}}', null, 'true false'],
  ['{{print nil}}', null, '<nil>'],
  ['{{1e6}}', null, '1e+06'],
  ['{{1.25e7}}', null, '1.25e+07'],
  ['{{123456.0}}', null, '123456'],
  ['{{1.0}} {{-0.0}}', null, '1 -0'],
  // custom delimiters are tested separately; newlines within actions
  ['{{\n  printf "%d"\n  3\n}}', null, '3'],
  // parse errors
  ['{{', null, perr('unclosed action')],
  ['{{.X', null, perr('unclosed action')],
  ['a\n{{.X\n', null, perr('unclosed action')],
  ['{{if true}}x', null, perr('unexpected EOF')],
  ['{{end}}', null, perr('unexpected {{end}}')],
  ['{{else}}', null, perr('unexpected {{else}}')],
  ['{{if true}}a{{else}}b{{else}}c{{end}}', null, perr('expected end; found {{else}}')],
  ['{{range .}}{{end}}{{break}}', null, perr('{{break}} outside {{range}}')],
  ['{{continue}}', null, perr('{{continue}} outside {{range}}')],
  ['{{nosuchfunc 1}}', null, perr('function "nosuchfunc" not defined')],
  ['{{$x}}', null, perr('undefined variable "$x"')],
  ['{{$x = 3}}', null, perr('undefined variable "$x"')],
  ['{{if true}}{{$x := 1}}{{end}}{{$x}}', null, perr('undefined variable "$x"')],
  ['{{"unterminated}}', null, perr('unterminated quoted string')],
  ['{{`raw}}', null, perr('unterminated raw quoted string')],
  ["{{'ab'}}", null, perr('malformed character constant')],
  ['{{3x}}', null, perr('bad number syntax')],
  ['{{1.2.3}}', null, perr('unexpected ".3" in operand')],
  ['{{)}}', null, perr('unexpected right paren')],
  ['{{(1}}', null, perr('unclosed left paren')],
  ['{{/* unclosed', null, perr('unclosed comment')],
  ['{{/* c */ 3}}', null, perr('comment ends before closing delimiter')],
  ['{{if}}{{end}}', null, perr('missing value for if')],
  ['{{range}}{{end}}', null, perr('missing value for range')],
  ['{{with}}{{end}}', null, perr('missing value for with')],
  ['{{template}}', null, perr('unexpected "}}" in template clause')],
  ['{{template .X}}', null, perr('in template clause')],
  ['{{define "x"}}a{{end}}{{define "x"}}b{{end}}', null, perr('multiple definition of template "x"')],
  ['{{define "x"}}a', null, perr('unexpected EOF')],
  ['{{ . | 3 }}', null, perr('non executable command in pipeline stage 2')],
  ['{{ . | "x" }}', null, perr('non executable command in pipeline stage 2')],
  ['{{ 3 . }}', null, err("can't give argument to non-function 3")],
  ['{{ "x".Foo }}', null, perr('unexpected . after term "\\"x\\""')],
  ['{{ nil.Foo }}', null, perr('unexpected . after term "nil"')],
  ['{{range $a, $b, $c := .}}{{end}}', null, perr('too many declarations in range')],
  ['{{$a, $b := 1}}', null, perr('too many declarations in command')],
  ['{{ 1 2i }}', null, perr('complex numbers are not supported')],
  ['{{ | .X }}', null, perr('unexpected "|" in command')],
  ['{{ # }}', null, perr('unexpected "#" in command')],
  ['{{ a€ }}', null, perr("bad character U+20AC '€'")],
  ['{{ héllo }}', null, perr('function "héllo" not defined')],
  ['{{ \u0001 }}', null, perr('bad character U+0001')],
];

runCases('parse', cases);

test('parse errors name the template and line', () => {
  assert.throws(() => new Template('mail.gotmpl').parse('line1\nline2 {{ if }}'), (e: unknown) => {
    assert.ok(e instanceof ParseError);
    assert.equal((e as Error).message, 'template: mail.gotmpl:2: missing value for if');
    return true;
  });
  assert.throws(() => new Template('x').parse('a\nb\n{{ .Foo\n'), /template: x:4: unclosed action started at x:3/);
});

test('custom delimiters', () => {
  const t = new Template('d').delims('[[', ']]').parse('{{ literal }} [[ .X ]] [[- " trimmed" -]] end');
  assert.equal(t.execute({ X: 1 }), '{{ literal }} 1 trimmedend');
  const t2 = new Template('d2').delims('<%', '%>').parse('<%/* c */%><% if .A %>yes<% end %>');
  assert.equal(t2.execute({ A: true }), 'yes');
  assert.equal(new Template('d3').delims('', '').parse('{{ 1 }}').execute(null), '1');
});

test('empty define does not replace a non-empty one', () => {
  const t = new Template('root').parse('{{define "a"}}A{{end}}');
  t.parse('{{define "a"}}  {{end}}');
  assert.equal(t.executeTemplate('a', null), 'A');
  t.parse('{{define "a"}}B{{end}}');
  assert.equal(t.executeTemplate('a', null), 'B');
});
