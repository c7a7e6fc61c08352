// html/template: contextual auto-escaping by where each action lands.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newHTMLTemplate, safeHTML, safeURL, safeJS, safeCSS, safeHTMLAttr } from '../src/index.js';

const h = (src: string, data: unknown) => newHTMLTemplate('h').parse(src).execute(data);
const XSS = '<img src=x onerror=alert(1)>';

type HCase = [string, unknown, string];
const cases: HCase[] = [
  // HTML text
  ['<p>{{.}}</p>', XSS, '<p>&lt;img src=x onerror=alert(1)&gt;</p>'],
  ['<p>{{.}}</p>', `"quote" 'apos' & + \0`, '<p>&#34;quote&#34; &#39;apos&#39; &amp; &#43; \uFFFD</p>'],
  ['<p>{{.}}</p>', 42, '<p>42</p>'],
  ['<p>{{.}}</p>', null, '<p></p>'],
  ['<p>{{.Missing}}</p>', {}, '<p></p>'],
  ['<p>{{.}}</p>', ['<a>', 1], '<p>[&lt;a&gt; 1]</p>'],
  ['<p>{{.}}</p>', safeHTML('<b>bold</b>'), '<p><b>bold</b></p>'],
  ['<p>{{. | html}}</p>', '<+', '<p>&lt;+</p>'],
  ['<p>{{html .}}</p>', '<', '<p>&lt;</p>'],
  ['<p>{{html "a" "<"}}</p>', null, '<p>a&lt;</p>'],
  ['<a href="/q?x={{. | urlquery}}">', 'a b', '<a href="/q?x=a&#43;b">'],
  ['<a href="{{. | urlquery}}">', 'a b', '<a href="a&#43;b">'],
  ['<p>{{print "<" "b>"}}</p>', null, '<p>&lt;b&gt;</p>'],
  ['a < b {{.}}', 'x', 'a &lt; b x'],
  ['<ul>{{range .}}<li>{{.}}</li>{{end}}</ul>', ['<a>', 'b'], '<ul><li>&lt;a&gt;</li><li>b</li></ul>'],
  ['{{if .}}<b>{{.}}</b>{{else}}<i>none</i>{{end}}', '<x>', '<b>&lt;x&gt;</b>'],
  // comments are stripped
  ['<!-- secret {{.}} -->hi', 'x', 'hi'],
  ['a<!-- c -->b', null, 'ab'],
  // RCDATA
  ['<textarea>{{.}}</textarea>', '</textarea><script>', '<textarea>&lt;/textarea&gt;&lt;script&gt;</textarea>'],
  ['<title>{{.}}</title>', '</title>', '<title>&lt;/title&gt;</title>'],
  // attributes
  ['<a title="{{.}}">x</a>', '"><script>alert(1)</script>', '<a title="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">x</a>'],
  ["<a title='{{.}}'>x</a>", "'", "<a title='&#39;'>x</a>"],
  ['<a title={{.}}>x</a>', 'a b', '<a title=a&#32;b>x</a>'],
  ['<a title={{.}}>x</a>', '', '<a title=ZgotmplZ>x</a>'],
  ['<a title={{.}}>x</a>', 'x onmouseover=alert(1)', '<a title=x&#32;onmouseover&#61;alert(1)>x</a>'],
  ['<input value="{{.}}">', safeHTML('<b>x</b>'), '<input value="x">'],
  ['<input {{.}}>', 'checked', '<input checked>'],
  ['<input {{.}}>', 'onclick', '<input ZgotmplZ>'],
  ['<input {{.}}>', 'a=b', '<input ZgotmplZ>'],
  ['<input {{.}}>', safeHTMLAttr('onclick="x()"'), '<input onclick="x()">'],
  ['<input {{.}}="v">', 'style', '<input ZgotmplZ="v">'],
  // URLs
  ['<a href="{{.}}">x</a>', 'javascript:alert(1)', '<a href="#ZgotmplZ">x</a>'],
  ['<a href="{{.}}">x</a>', 'JavaScript:alert(1)', '<a href="#ZgotmplZ">x</a>'],
  ['<a href="{{.}}">x</a>', ' javascript:alert(1)', '<a href="#ZgotmplZ">x</a>'],
  ['<a href="{{.}}">x</a>', 'vbscript:msgbox(1)', '<a href="#ZgotmplZ">x</a>'],
  ['<a href="{{.}}">x</a>', 'data:text/html;base64,PHNjcmlwdD4=', '<a href="#ZgotmplZ">x</a>'],
  ['<a href="{{.}}">x</a>', 'mailto:a@b.c', '<a href="mailto:a@b.c">x</a>'],
  ['<a href="{{.}}">x</a>', 'https://example.com/a b?x=1&y=<2>', '<a href="https://example.com/a%20b?x=1&amp;y=%3c2%3e">x</a>'],
  ['<a href="{{.}}">x</a>', '/relative/path', '<a href="/relative/path">x</a>'],
  ['<a href="{{.}}">x</a>', 'https://ex.com/%41%zz', '<a href="https://ex.com/%41%25zz">x</a>'],
  ['<a href="{{.}}">x</a>', safeURL('javascript:trusted()'), '<a href="javascript:trusted%28%29">x</a>'],
  ['<a href="/search?q={{.}}">x</a>', 'a b&c=d', '<a href="/search?q=a%20b%26c%3dd">x</a>'],
  ['<a href="/p/{{.}}">x</a>', 'a b/c?', '<a href="/p/a%20b/c?">x</a>'],
  ['<a href="#{{.}}">x</a>', 'frag ment', '<a href="#frag%20ment">x</a>'],
  ['<a href={{.}}>x</a>', 'http://x.com/a b', '<a href=http://x.com/a%20b>x</a>'],
  ['<a href={{.}}>x</a>', 'javascript:alert(1)', '<a href=#ZgotmplZ>x</a>'],
  ['<img src="{{.}}">', 'javascript:alert(1)', '<img src="#ZgotmplZ">'],
  ['<form action="{{.}}">', 'javascript:x', '<form action="#ZgotmplZ">'],
  ['<div data-url="{{.}}">', 'javascript:x', '<div data-url="#ZgotmplZ">'],
  ['<a xlink:href="{{.}}">', 'javascript:x', '<a xlink:href="#ZgotmplZ">'],
  ['<img srcset="{{.}}">', 'a.png 1x, javascript:alert(1) 2x', '<img srcset="a.png 1x,#ZgotmplZ">'],
  ['<img srcset="{{.}}">', 'a b.png 1x', '<img srcset="#ZgotmplZ">'],
  ['<img srcset="{{.}}">', 'a.png 1x, b.png 2x', '<img srcset="a.png 1x, b.png 2x">'],
  ['<a href="{{.}}">{{.}}</a>', 'https://example.com/verify?flow=1&token=abc', '<a href="https://example.com/verify?flow=1&amp;token=abc">https://example.com/verify?flow=1&amp;token=abc</a>'],
  // JS
  ['<script>var x = {{.}};</script>', '</script><script>alert(1)</script>', '<script>var x = "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e";</script>'],
  ['<script>var x = {{.}};</script>', 42, '<script>var x =  42 ;</script>'],
  ['<script>var x = {{.}};</script>', 1.5, '<script>var x =  1.5 ;</script>'],
  ['<script>var x = {{.}};</script>', true, '<script>var x =  true ;</script>'],
  ['<script>var x = {{.}};</script>', null, '<script>var x =  null ;</script>'],
  ['<script>var x = {{.}};</script>', { b: [1, 'x'], a: '<' }, '<script>var x = {"a":"\\u003c","b":[1,"x"]};</script>'],
  ['<script>var x = {{.}};</script>', safeJS('f()'), '<script>var x = f();</script>'],
  ['<script>var s = "{{.}}";</script>', '"; alert(1); "', '<script>var s = "\\u0022; alert(1); \\u0022";</script>'],
  ["<script>var s = '{{.}}';</script>", "'</script>", "<script>var s = '\\u0027\\u003c\\/script\\u003e';</script>"],
  ['<script>var s = "{{.}}";</script>', 'a\nb\\c', '<script>var s = "a\\nb\\\\c";</script>'],
  ['<script>var r = /{{.}}/;</script>', 'a.b*', '<script>var r = /a\\.b\\*/;</script>'],
  ['<script>var r = /{{.}}/;</script>', '', '<script>var r = /(?:)/;</script>'],
  ['<script>var t = `{{.}}`;</script>', '${x}`', '<script>var t = `\\u0024\\u007bx\\u007d\\u0060`;</script>'],
  ['<script>// {{.}}\nx()</script>', 'gone', '<script>\nx()</script>'],
  ['<script>/* {{.}} */x()</script>', 'gone', '<script>  x()</script>'],
  ['<script>/* a\n{{.}} */x()</script>', 'gone', '<script>\n x()</script>'],
  ['<button onclick="f({{.}})">', 'x"y', '<button onclick="f(&#34;x\\&#34;y&#34;)">'],
  ["<a onclick=\"alert('{{.}}')\">", "');evil('", "<a onclick=\"alert('\\u0027);evil(\\u0027')\">"],
  ['<script type="text/template">{{.}}</script>', '<b>', '<script type="text/template">&lt;b&gt;</script>'],
  // CSS
  ['<p style="color: {{.}}">', 'red', '<p style="color: red">'],
  ['<p style="color: {{.}}">', 'expression(alert(1))', '<p style="color: ZgotmplZ">'],
  ['<p style="color: {{.}}">', 'red; background: url(x)', '<p style="color: ZgotmplZ">'],
  ['<p style="color: {{.}}">', safeCSS('red; font-weight: bold'), '<p style="color: red; font-weight: bold">'],
  ['<style>p { color: {{.}} }</style>', '</style><script>', '<style>p { color: ZgotmplZ }</style>'],
  ['<style>p { font-family: "{{.}}" }</style>', 'a"b</style>', '<style>p { font-family: "a\\22 b\\3c\\2fstyle\\3e " }</style>'],
  ['<p style="background: url({{.}})">', 'javascript:x', '<p style="background: url(#ZgotmplZ)">'],
  ['<p style="background: url(\'{{.}}\')">', 'a b', `<p style="background: url('a%20b')">`],
  // text normalisation, dynamic names and comments
  ['x << y', null, 'x &lt;&lt; y'],
  ['<!DOCTYPE html><p>{{.}}</p>', 'a', '<!DOCTYPE html><p>a</p>'],
  ['<!{{.}}>', 'DOCTYPE html', '&lt;!DOCTYPE html>'],
  ['<{{.}}>', 'script', '&lt;script>'],
  ['<h{{.}}>title</h{{.}}>', 2, '<h2>title</h2>'],
  ['<div on{{.}}="go({{.}})">', 'click', '<div onclick="go(&#34;click&#34;)">'],
  ['<input{{if .}} disabled{{end}} type=text>', true, '<input disabled type=text>'],
  ['<p class={{.}}>', null, '<p class=ZgotmplZ>'],
  ['<p class="{{.}}">', null, '<p class="">'],
  ['<b>hi <!-- {{if .}}a -->{{.}}{{else}}b -->{{.}}{{end}}</b>', 'x', '<b>hi x</b>'],
  ['<script>let a = 1/*x*//2;\n</script>', null, '<script>let a = 1 /2;\n</script>'],
  ['<script>#!shebang\nrun()</script>', null, '<script>\nrun()</script>'],
  ['<script>var s = "</script-like <!-- ";</script>', null, '<script>var s = "\\x3C/script-like \\x3C!-- ";</script>'],
  ['<script>var r = /a</script>/;</script>', null, '<script>var r = /a\\x3C/script>/;</script>'],
  ['<style>/* c {{.}} */a{color:{{.}}}</style>', 'red', '<style>  a{color:red}</style>'],
  ['<a onclick="// {{.}}">', 'x', '<a onclick="// ">'],
  ['<script>var t = `a ${ f("{{.}}") } b`;</script>', 'q"', '<script>var t = `a ${ f("q\\u0022") } b`;</script>'],
  ['<script>var n = {{.}};</script>', 'line\u2028sep', '<script>var n = "line\\u2028sep";</script>'],
  ['<p style="width: {{.}}">', '100%', '<p style="width: 100%">'],
  ['<p style="width: {{.}}">', 'e\\78pression(x)', '<p style="width: ZgotmplZ">'],
  ["<p style=\"background: '{{.}}'\">", 'javascript:x', "<p style=\"background: '#ZgotmplZ'\">"],
  ['<style>a { background: url("{{.}}") }</style>', '/a?b=c&d=e f', '<style>a { background: url("/a?b=c&d=e%20f") }</style>'],
  ['<a href="{{.}}">', '//evil.example/x', '<a href="//evil.example/x">'],
  ['<a href="{{.}}">', '/javascript:not-a-scheme', '<a href="/javascript:not-a-scheme">'],
  ['<a href="http://{{.}}/p">', 'javascript:80', '<a href="http://javascript:80/p">'],
  ['<img srcset="{{.}}">', '/img.png#,javascript:alert(1)', '<img srcset="/img.png#,#ZgotmplZ">'],
  ['<meta http-equiv="refresh" content="3; URL={{.}}">', 'javascript:alert(1)', '<meta http-equiv="refresh" content="3; URL=#ZgotmplZ">'],
  ['<meta http-equiv="refresh" content="3;url = {{.}}">', '/next page', '<meta http-equiv="refresh" content="3;url = /next%20page">'],
  ['<meta name="description" content="{{.}}"><p>{{.}}</p>', 'a<b', '<meta name="description" content="a&lt;b"><p>a&lt;b</p>'],
];

cases.forEach(([src, data, want], i) => {
  test(`html #${i + 1}: ${src}`, () => {
    assert.equal(h(src, data), want);
  });
});

test('stored XSS through traits cannot execute in an email body', () => {
  const body = newHTMLTemplate('email.body.gotmpl').parse(
    '<p>Hi {{ .Identity.traits.name }},</p><a href="{{ .RecoveryURL }}">reset</a><img alt="{{ .Identity.traits.name }}" src="{{ .Identity.traits.avatar }}">',
  );
  const out = body.execute({
    RecoveryURL: 'javascript:alert(1)',
    Identity: { traits: { name: '<img src=x onerror=alert(1)>"\'', avatar: 'javascript:alert(document.cookie)' } },
  });
  assert.equal(
    out,
    '<p>Hi &lt;img src=x onerror=alert(1)&gt;&#34;&#39;,</p><a href="#ZgotmplZ">reset</a><img alt="&lt;img src=x onerror=alert(1)&gt;&#34;&#39;" src="#ZgotmplZ">',
  );
  assert.ok(!out.includes('<img src=x'));
  assert.ok(!out.includes('javascript:'));
});

test('JS values: Stringers become strings, GoTime and Date become RFC 3339 strings', () => {
  class Money {
    constructor(private readonly cents: number) {}
    String() {
      return `$${(this.cents / 100).toFixed(2)}`;
    }
  }
  assert.equal(h('<script>var p = {{.}};</script>', new Money(1999)), '<script>var p = "$19.99";</script>');
  assert.equal(h('<script>var d = {{.}};</script>', new Date('2024-01-02T03:04:05Z')), '<script>var d = "2024-01-02T03:04:05Z";</script>');
});

test('templates called from attributes are escaped for that context', () => {
  const t = newHTMLTemplate('t').parse('{{define "u"}}{{.}}{{end}}<a href="{{template "u" .}}">{{template "u" .}}</a>');
  assert.equal(t.execute('javascript:x<'), '<a href="#ZgotmplZ">javascript:x&lt;</a>');
  assert.equal(t.execute('/ok'), '<a href="/ok">/ok</a>');
  assert.equal(t.executeTemplate('u', '<b>'), '&lt;b&gt;');
});

test('template sets: recursion and calls from several contexts', () => {
  const tree = { Children: [{ X: 'one' }, { X: '<two>' }, { Children: [{ X: 'three' }] }] };
  const rec = newHTMLTemplate('root').parse('{{define "main"}}{{if .Children}}<ul>{{range .Children}}<li>{{template "main" .}}</li>{{end}}</ul>{{else}}{{.X}}{{end}}{{end}}');
  assert.equal(rec.executeTemplate('main', tree), '<ul><li>one</li><li>&lt;two&gt;</li><li><ul><li>three</li></ul></li></ul>');
  const two = newHTMLTemplate('root').parse('{{define "n"}}{{.}} &amp; {{"<x>"}}{{end}}<i title="{{template "n" .}}">{{template "n" .}}</i><script>var s=\'{{template "n" .}}\'</script>');
  assert.equal(two.execute(7), '<i title="7 &amp; &lt;x&gt;">7 &amp; &lt;x&gt;</i><script>var s=\'7 &amp; \\u003cx\\u003e\'</script>');
  const count = newHTMLTemplate('root')
    .funcs({ dec: (n: number) => n - 1 })
    .parse('<script>var x=[{{template "c" 3}}];</script>{{define "c"}}{{.}}{{if .}},{{template "c" (dec .)}}{{end}}{{end}}');
  assert.equal(count.execute(null), '<script>var x=[ 3 , 2 , 1 , 0 ];</script>');
});

test('escaping errors', () => {
  assert.throws(() => h('<a href="{{.}}', 'x'), /html\/template:h: ends in a non-text context: \{stateAttr|html\/template:h: ends in a non-text context: \{stateURL/);
  assert.throws(() => h('<a {{if .}}href="{{else}}title="{{end}}x">', true), /\{\{if\}\} branches end in different contexts/);
  assert.throws(() => h('{{range .}}<a {{end}}', [1]), /on range loop re-entry|branches end in different contexts|ends in a non-text context/);
  assert.equal(h('<script>var x = 1 / {{.}} / 2</script>', 1), '<script>var x = 1 /  1  / 2</script>');
  assert.throws(() => h('<a href="{{.}}{{if .}}?{{end}}{{.}}">', 'x'), /ambiguous context within a URL/);
  assert.throws(() => h('{{template "nope"}}', null), /no such template "nope"|template "nope" not defined/);
  assert.throws(() => newHTMLTemplate('x').parse('a').executeTemplate('zz', null), /html\/template: "zz" is undefined/);
  assert.throws(() => h('{{range .}}<b{{if .}}{{break}}{{end}}>{{end}}', [1]), /html\/template:h:1:23: at range loop break: \{\{range\}\} branches end in different contexts/);
  assert.throws(() => h('<p title=a=b>', null), /html\/template:h: "=" in unquoted attr: "a=b"/);
  assert.throws(() => h('<script>{{if .}}x = 1{{end}}/y/.test(s)</script>', true), /'\/' could start a division or regexp/);
  assert.throws(() => h("<a onclick='f(\"x\\", null), /unfinished escape sequence in JS string/);
  assert.throws(() => h('<script>var r = /[a/;</script>', null), /unfinished JS regexp charset/);
  assert.throws(() => h('<p {{template "t"}}>{{define "t"}}a<b{{end}}', null), /"<" in attribute name/);
  assert.throws(() => h('Hi {{. | html | print}}', 'x'), /predefined escaper "html" disallowed in template/);
  assert.throws(() => h('Hi {{. | urlquery | html}}', 'x'), /predefined escaper "urlquery" disallowed in template/);
  assert.throws(() => h('<p class={{. | html}}>', 'x'), /predefined escaper "html" disallowed in template/);
  // a failed template keeps failing
  const bad = newHTMLTemplate('bad').parse('<a href="{{.}}');
  assert.throws(() => bad.execute('x'));
  assert.throws(() => bad.execute('x'));
});

test('parse after execute is refused; text templates are untouched', () => {
  const t = newHTMLTemplate('p').parse('{{.}}');
  assert.equal(t.execute('<'), '&lt;');
  assert.throws(() => t.parse('x'), /cannot Parse after Execute/);
  assert.equal(t.execute('<'), '&lt;');
});
