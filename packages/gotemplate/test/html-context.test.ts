// The HTML parse context after runs of template text (the state machine behind html/template).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ctx, ctxString } from '../src/html/context.js';
import { contextAfterText } from '../src/html/transition.js';

function after(s: string): string {
  let c = ctx();
  let i = 0;
  while (i < s.length) {
    const [c1, n] = contextAfterText(c, s.slice(i));
    c = c1;
    i += n;
    if (ctxString(c).startsWith('{stateError')) return '{stateError}';
  }
  return ctxString(c);
}

const cases: [string, string][] = [
  ['plain words', '{stateText}'],
  ['5 <7 and 3 < 4', '{stateText}'],
  ['x<y', '{stateTag}'],
  ['<p', '{stateTag}'],
  ['<p class', '{stateAttrName}'],
  ['<p class ', '{stateAfterName}'],
  ['<p class = ', '{stateBeforeValue}'],
  ['<p class="x', '{stateAttr delimDoubleQuote}'],
  ["<p class='x' ", '{stateTag}'],
  ['<p class=x', '{stateAttr delimSpaceOrTagEnd}'],
  ['<p class=x>', '{stateText}'],
  ['<area href', '{stateAttrName attrURL}'],
  ['<form action="', '{stateURL delimDoubleQuote attrURL}'],
  ['<a href="/p', '{stateURL delimDoubleQuote urlPartPreQuery attrURL}'],
  ['<a href="/p?q=', '{stateURL delimDoubleQuote urlPartQueryOrFrag attrURL}'],
  ['<a href=&#34;', '{stateURL delimSpaceOrTagEnd urlPartPreQuery attrURL}'],
  ['<img title="a>b"', '{stateTag}'],
  ['<b onmouseover="', '{stateJS delimDoubleQuote attrScript}'],
  ['<b onmouseover="x = &quot;', '{stateJSDqStr delimDoubleQuote attrScript}'],
  ["<b onmouseover='y()", '{stateJS delimSingleQuote jsCtxDivOp attrScript}'],
  ['<b onmouseover="a /re', '{stateJS delimDoubleQuote jsCtxDivOp attrScript}'],
  ['<b onmouseover="return /re', '{stateJSRegexp delimDoubleQuote attrScript}'],
  ['<b onmouseover="// c', '{stateJSLineCmt delimDoubleQuote attrScript}'],
  ['<b onmouseover="/* c */', '{stateJS delimDoubleQuote attrScript}'],
  ['<b style="', '{stateCSS delimDoubleQuote attrStyle}'],
  ['<b style="font: \'', '{stateCSSSqStr delimDoubleQuote attrStyle}'],
  ['<b style="background: URL(/x?y=', '{stateCSSURL delimDoubleQuote urlPartQueryOrFrag attrStyle}'],
  ['<b style="background: url(x) ', '{stateCSS delimDoubleQuote attrStyle}'],
  ['<!-- note', '{stateHTMLCmt}'],
  ['<!-- note --> after', '{stateText}'],
  ['<script', '{stateTag elementScript}'],
  ['<SCRIPT>', '{stateJS elementScript}'],
  ['<script>x', '{stateJS jsCtxDivOp elementScript}'],
  ['<script>x = "</script>', '{stateJSDqStr elementScript}'],
  ['<script>x()</script>', '{stateText}'],
  ['<script type="application/json">', '{stateJS elementScript}'],
  ['<script type="text/x-template">', '{stateText}'],
  ['<style>', '{stateCSS elementStyle}'],
  ['<style>p{}</style>', '{stateText}'],
  ['<textarea>', '{stateRCDATA elementTextarea}'],
  ['<textarea><b></textarea>', '{stateText}'],
  ['<title>t', '{stateRCDATA elementTitle}'],
  ['<a data-src', '{stateAttrName attrURL}'],
  ['<a data-name', '{stateAttrName}'],
  ['<a foo:href', '{stateAttrName attrURL}'],
  ['<a onzzz', '{stateAttrName attrScript}'],
  ['<img srcset="', '{stateSrcset delimDoubleQuote attrSrcset}'],
  ['<script>t = `a', '{stateJSTmplLit elementScript}'],
  ['<script>t = `a${', '{stateJS jsBraceDepth0 elementScript}'],
  ['<script>t = `a${ {', '{stateJS jsBraceDepth1 elementScript}'],
  ['<script>t = `a${ {} }`', '{stateJS jsCtxDivOp elementScript}'],
  ['<a b="c"d', '{stateAttrName}'],
  ['<a "x', '{stateError}'],
  ['<a class=x"y', '{stateError}'],
];

cases.forEach(([input, want], i) => {
  test(`html context #${i + 1}: ${input}`, () => {
    assert.equal(after(input), want);
  });
});
