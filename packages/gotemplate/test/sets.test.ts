// Template sets: define, lookup, sibling files loaded by glob, clone.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Template, parseGlob, parseFiles, matchPattern, newHTMLTemplate, sprigHermeticFuncMap } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'gotemplate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(join(dir, 'email.body.gotmpl'), '{{- if eq .Lang "de" -}}{{ template "email.body.de.gotmpl" . }}{{- else -}}Hello {{ .Name }}{{- end -}}');
writeFileSync(join(dir, 'email.body.de.gotmpl'), 'Hallo {{ .Name }}{{ template "footer" }}');
writeFileSync(join(dir, 'email.body.footer.gotmpl'), '{{ define "footer" }} -- Tessera{{ end }}');
writeFileSync(join(dir, 'email.subject.gotmpl'), 'Subject {{ upper .Name }}');
mkdirSync(join(dir, 'sub'));
writeFileSync(join(dir, 'sub', 'a.tmpl'), 'A{{template "b.tmpl" .}}');
writeFileSync(join(dir, 'sub', 'b.tmpl'), 'B');

test('parseGlob: names are base names and siblings can call each other', () => {
  const t = new Template('email.body.gotmpl').funcs(sprigHermeticFuncMap()).parseGlob(join(dir, 'email.body*'));
  assert.equal(t.execute({ Lang: 'en', Name: 'Ada' }), 'Hello Ada');
  assert.equal(t.execute({ Lang: 'de', Name: 'Ada' }), 'Hallo Ada -- Tessera');
  assert.deepEqual(t.templates().map((x) => x.name).sort(), ['email.body.de.gotmpl', 'email.body.footer.gotmpl', 'email.body.gotmpl', 'footer']);
  assert.equal(t.lookup('footer')?.execute(null), ' -- Tessera');
  assert.equal(t.lookup('nope'), undefined);
  assert.match(t.definedTemplates(), /^; defined templates are: /);
  assert.ok(t.definedTemplates().includes('"footer"'));
});

test('parseGlob function: the set is named after the first file', () => {
  const t = parseGlob(join(dir, 'sub', '*.tmpl'));
  assert.equal(t.name, 'a.tmpl');
  assert.equal(t.execute(null), 'AB');
  assert.equal(t.executeTemplate('b.tmpl', null), 'B');
  const f = parseFiles([join(dir, 'sub', 'b.tmpl'), join(dir, 'sub', 'a.tmpl')]);
  assert.equal(f.name, 'b.tmpl');
  assert.equal(f.executeTemplate('a.tmpl', null), 'AB');
  assert.equal(parseGlob(join(dir, '*', '?.tmpl')).name, 'a.tmpl');
  assert.throws(() => parseGlob(join(dir, '*.none')), /pattern matches no files/);
  assert.throws(() => parseFiles([]), /no files named/);
});

test('parseFS: patterns relative to a directory, as Kratos loads template overrides', () => {
  const t = new Template('email.body.gotmpl').funcs(sprigHermeticFuncMap()).parseFS(dir, 'email.body.gotmpl', 'email.body*');
  assert.equal(t.execute({ Lang: 'de', Name: 'Ada' }), 'Hallo Ada -- Tessera');
  assert.equal(new Template('x').parseFS(dir, 'sub/*.tmpl').executeTemplate('a.tmpl', null), 'AB');
  assert.throws(() => new Template('x').parseFS(dir, 'nothing*'), /pattern matches no files/);
});

test('parseGlob with html/template escapes sibling templates too', () => {
  const t = newHTMLTemplate('email.body.gotmpl').funcs(sprigHermeticFuncMap()).parseGlob(join(dir, 'email.body*'));
  assert.equal(t.execute({ Lang: 'de', Name: '<b>' }), 'Hallo &lt;b&gt; -- Tessera');
});

test('glob patterns follow filepath.Match', () => {
  assert.ok(matchPattern('*.gotmpl', 'a.gotmpl'));
  assert.ok(!matchPattern('*.gotmpl', 'a.gotmpl.bak'));
  assert.ok(matchPattern('email.body*', 'email.body.de.gotmpl'));
  assert.ok(matchPattern('[ab].txt', 'b.txt'));
  assert.ok(!matchPattern('[ab].txt', 'c.txt'));
  assert.ok(matchPattern('?.txt', 'x.txt'));
  assert.ok(matchPattern('a\\*b', 'a*b'));
});

test('sets: new, addParseTree, clone are independent', () => {
  const root = new Template('root').parse('{{define "x"}}X1{{end}}[{{template "x"}}]');
  const c = root.clone();
  c.parse('{{define "x"}}X2{{end}}[{{template "x"}}]');
  assert.equal(root.execute(null), '[X1]');
  assert.equal(c.execute(null), '[X2]');
  const n = root.new('other').parse('other {{template "x"}}');
  assert.equal(n.execute(null), 'other X1');
  assert.equal(root.executeTemplate('other', null), 'other X1');
  // redefinition across Parse calls replaces the template
  root.parse('{{define "x"}}X3{{end}}');
  assert.equal(root.executeTemplate('other', null), 'other X3');
});

test('a set shares functions and options', () => {
  const t = new Template('a').funcs({ hi: () => 'hi' }).option('missingkey=error');
  const b = t.new('b').parse('{{hi}} {{.X}}');
  assert.throws(() => b.execute({}), /map has no entry for key "X"/);
  assert.equal(b.execute({ X: 1 }), 'hi 1');
});
