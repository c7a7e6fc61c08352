// The escaping functions html/template inserts into pipelines.

import { evalArgs } from '../builtins.js';
import { sprint } from '../fmt.js';
import { goFunc } from '../funcs.js';
import type { GoFunc } from '../funcs.js';
import { jsonMarshal } from '../json.js';
import { MISSING } from '../values.js';
import { SafeContent } from './content.js';
import type { ContentKind } from './content.js';
import { CT, attrType, decodeCSS, isJSIdentPart } from './transition.js';

export const FILTER_FAILSAFE = 'ZgotmplZ';

function stringify(args: unknown[]): [string, ContentKind | 'Plain'] {
  if (args.length === 1) {
    const a = args[0];
    if (typeof a === 'string') return [a, 'Plain'];
    if (a instanceof SafeContent) return [a.value, a.kind];
  }
  const kept = args.filter((a) => a !== null && a !== undefined && a !== MISSING);
  return [sprint(kept), 'Plain'];
}

function table(entries: Record<string, string>): Map<number, string> {
  const m = new Map<number, string>();
  for (const [k, v] of Object.entries(entries)) m.set(k.charCodeAt(0), v);
  return m;
}

const HTML_TABLE = table({ '\0': '\uFFFD', '"': '&#34;', '&': '&amp;', "'": '&#39;', '+': '&#43;', '<': '&lt;', '>': '&gt;' });
const HTML_NORM_TABLE = table({ '\0': '\uFFFD', '"': '&#34;', "'": '&#39;', '+': '&#43;', '<': '&lt;', '>': '&gt;' });
const NOSPACE_TABLE = table({
  '\0': '&#xfffd;', '\t': '&#9;', '\n': '&#10;', '\v': '&#11;', '\f': '&#12;', '\r': '&#13;', ' ': '&#32;', '"': '&#34;',
  '&': '&amp;', "'": '&#39;', '+': '&#43;', '<': '&lt;', '=': '&#61;', '>': '&gt;', '`': '&#96;',
});
const NOSPACE_NORM_TABLE = new Map(NOSPACE_TABLE);
NOSPACE_NORM_TABLE.delete('&'.charCodeAt(0));

function htmlReplacer(s: string, t: Map<number, string>, badRunes: boolean): string {
  let out = '';
  let written = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let repl = t.get(c);
    if (repl === undefined) {
      if (!badRunes && ((c >= 0xfdd0 && c <= 0xfdef) || (c >= 0x80 && c <= 0x9f))) repl = `&#x${c.toString(16)};`;
      else continue;
    }
    out += s.slice(written, i) + repl;
    written = i + 1;
  }
  return written === 0 ? s : out + s.slice(written);
}

/** Removes HTML tags from trusted HTML going into an attribute (a close approximation of Go's stripTags). */
function stripTags(html: string): string {
  return html.replace(/<!--[\s\S]*?-->/g, '').replace(/<\/?[a-zA-Z][^>]*>/g, '');
}

export function htmlEscaper(...args: unknown[]): string {
  const [s, t] = stringify(args);
  if (t === 'HTML') return s;
  return htmlReplacer(s, HTML_TABLE, true);
}

function rcdataEscaper(...args: unknown[]): string {
  const [s, t] = stringify(args);
  if (t === 'HTML') return htmlReplacer(s, HTML_NORM_TABLE, true);
  return htmlReplacer(s, HTML_TABLE, true);
}

function attrEscaper(...args: unknown[]): string {
  const [s, t] = stringify(args);
  if (t === 'HTML') return htmlReplacer(stripTags(s), HTML_NORM_TABLE, true);
  return htmlReplacer(s, HTML_TABLE, true);
}

function nospaceEscaper(...args: unknown[]): string {
  const [s, t] = stringify(args);
  if (s === '') return FILTER_FAILSAFE;
  if (t === 'HTML') return htmlReplacer(stripTags(s), NOSPACE_NORM_TABLE, false);
  return htmlReplacer(s, NOSPACE_TABLE, false);
}

function htmlNameFilter(...args: unknown[]): string {
  let [s, t] = stringify(args);
  if (t === 'HTMLAttr') return s;
  if (s.length === 0) return FILTER_FAILSAFE;
  s = s.toLowerCase();
  if (attrType(s) !== CT.Plain) return FILTER_FAILSAFE;
  if (!/^[0-9a-z]+$/.test(s)) return FILTER_FAILSAFE;
  return s;
}

function commentEscaper(): string {
  return '';
}

export function isSafeURL(s: string): boolean {
  const i = s.indexOf(':');
  if (i >= 0) {
    const protocol = s.slice(0, i);
    if (!protocol.includes('/')) {
      const p = protocol.toLowerCase();
      if (p !== 'http' && p !== 'https' && p !== 'mailto') return false;
    }
  }
  return true;
}

function urlFilter(...args: unknown[]): string {
  const [s, t] = stringify(args);
  if (t === 'URL') return s;
  if (!isSafeURL(s)) return '#' + FILTER_FAILSAFE;
  return s;
}

const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/** Percent-encodes a URL (norm: keep reserved characters and valid escapes). Returns [text, changed]. */
export function processURL(s: string, norm: boolean): string {
  const b = Buffer.from(s, 'utf8');
  let out = '';
  let written = 0;
  let changed = false;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    switch (c) {
      case 0x21: case 0x23: case 0x24: case 0x26: case 0x2a: case 0x2b: case 0x2c: case 0x2f: case 0x3a:
      case 0x3b: case 0x3d: case 0x3f: case 0x40: case 0x5b: case 0x5d:
        if (norm) continue;
        break;
      case 0x2d: case 0x2e: case 0x5f: case 0x7e:
        continue;
      case 0x25:
        if (norm && i + 2 < b.length && isHex(b[i + 1]) && isHex(b[i + 2])) continue;
        break;
      default:
        if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39)) continue;
    }
    out += b.subarray(written, i).toString('latin1') + '%' + c.toString(16).padStart(2, '0');
    written = i + 1;
    changed = true;
  }
  if (!changed) return s;
  return Buffer.from(out + b.subarray(written).toString('latin1'), 'latin1').toString('utf8');
}

function urlEscaper(...args: unknown[]): string {
  const [s, t] = stringify(args);
  return processURL(s, t === 'URL');
}

function urlNormalizer(...args: unknown[]): string {
  const [s] = stringify(args);
  return processURL(s, true);
}

const isHTMLSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\f' || c === '\r';

function srcsetEscaper(...args: unknown[]): string {
  const [s, t] = stringify(args);
  if (t === 'Srcset') return s;
  if (t === 'URL') return processURL(s, true).replace(/,/g, '%2c');
  const parts: string[] = [];
  let written = 0;
  const elem = (left: number, right: number) => {
    let start = left;
    while (start < right && isHTMLSpace(s[start])) start++;
    let end = right;
    for (let i = start; i < right; i++) if (isHTMLSpace(s[i])) { end = i; break; }
    const url = s.slice(start, end);
    if (isSafeURL(url)) {
      const meta = s.slice(end, right);
      if (/^[\t\n\f\r a-zA-Z0-9]*$/.test(meta)) {
        parts.push(s.slice(left, start) + processURL(url, true) + meta);
        return;
      }
    }
    parts.push('#' + FILTER_FAILSAFE);
  };
  for (let i = 0; i < s.length; i++) {
    if (s[i] === ',') {
      elem(written, i);
      parts.push(',');
      written = i + 1;
    }
  }
  elem(written, s.length);
  return parts.join('');
}

// --- JS ---

const JS_STR_TABLE: Record<string, string> = {
  '\0': '\\u0000', '\t': '\\t', '\n': '\\n', '\v': '\\u000b', '\f': '\\f', '\r': '\\r', '"': '\\u0022', '`': '\\u0060',
  '&': '\\u0026', "'": '\\u0027', '+': '\\u002b', '/': '\\/', '<': '\\u003c', '>': '\\u003e', '\\': '\\\\',
};
const JS_STR_NORM_TABLE: Record<string, string> = { ...JS_STR_TABLE };
delete JS_STR_NORM_TABLE['\\'];
const JS_BQ_TABLE: Record<string, string> = { ...JS_STR_TABLE, $: '\\u0024', '{': '\\u007b', '}': '\\u007d' };
const JS_REGEXP_TABLE: Record<string, string> = {
  ...JS_STR_TABLE, $: '\\$', '(': '\\(', ')': '\\)', '*': '\\*', '-': '\\-', '.': '\\.', '?': '\\?', '[': '\\[', ']': '\\]',
  '^': '\\^', '{': '\\{', '|': '\\|', '}': '\\}',
};

function jsReplace(s: string, t: Record<string, string>): string {
  let out = '';
  let written = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const c = s.charCodeAt(i);
    let repl: string | undefined;
    if (c < 0x20) repl = t[ch] ?? '\\u00' + c.toString(16).padStart(2, '0');
    else if (c === 0x2028) repl = '\\u2028';
    else if (c === 0x2029) repl = '\\u2029';
    else repl = t[ch];
    if (repl === undefined) continue;
    out += s.slice(written, i) + repl;
    written = i + 1;
  }
  return written === 0 ? s : out + s.slice(written);
}

function jsStrEscaper(...args: unknown[]): string {
  const [s, t] = stringify(args);
  if (t === 'JSStr') return jsReplace(s, JS_STR_NORM_TABLE);
  return jsReplace(s, JS_STR_TABLE);
}

function jsTmplLitEscaper(...args: unknown[]): string {
  const [s] = stringify(args);
  return jsReplace(s, JS_BQ_TABLE);
}

function jsRegexpEscaper(...args: unknown[]): string {
  const [s] = stringify(args);
  const r = jsReplace(s, JS_REGEXP_TABLE);
  return r === '' ? '(?:)' : r;
}

function jsValEscaper(...args: unknown[]): string {
  let a: unknown;
  if (args.length === 1) {
    a = args[0];
    if (a instanceof SafeContent) {
      if (a.kind === 'JS') return a.value;
      if (a.kind === 'JSStr') return '"' + a.value + '"';
      a = a.value;
    } else if (a === MISSING || a === undefined) a = null;
    else if (a !== null && typeof a === 'object' && !(a instanceof Date) && typeof (a as { String?: unknown }).String === 'function' && typeof (a as { toJSON?: unknown }).toJSON !== 'function') {
      // a fmt.Stringer (and not a json.Marshaler) is marshalled as its string
      a = String((a as { String: () => unknown }).String());
    }
  } else {
    a = sprint(args.map((x) => (x === MISSING || x === undefined ? null : x)));
  }
  let b: string;
  try {
    b = jsonMarshal(a, true);
  } catch (e) {
    let msg = e instanceof Error ? e.message : String(e);
    msg = msg.replace(/<\/script/gi, '\\x3C/script').replace(/\*\//g, '* /').replace(/<!--/g, '\\x3C!--');
    return ` /* ${msg} */null `;
  }
  if (b.length === 0) return ' null ';
  b = b.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  const pad = isJSIdentPart(b[0]) || isJSIdentPart(b[b.length - 1]);
  return pad ? ' ' + b + ' ' : b;
}

// --- CSS ---

const CSS_TABLE: Record<string, string> = {
  '\0': '\\0', '\t': '\\9', '\n': '\\a', '\f': '\\c', '\r': '\\d', '"': '\\22', '&': '\\26', "'": '\\27', '(': '\\28',
  ')': '\\29', '+': '\\2b', '/': '\\2f', ':': '\\3a', ';': '\\3b', '<': '\\3c', '>': '\\3e', '\\': '\\\\', '{': '\\7b', '}': '\\7d',
};

function cssEscaper(...args: unknown[]): string {
  const [s] = stringify(args);
  let out = '';
  let written = 0;
  for (let i = 0; i < s.length; i++) {
    const repl = CSS_TABLE[s[i]];
    if (repl === undefined) continue;
    out += s.slice(written, i) + repl;
    written = i + 1;
    if (repl !== '\\\\' && (written === s.length || /[0-9a-fA-F \t\n\f\r]/.test(s[written]))) out += ' ';
  }
  return written === 0 ? s : out + s.slice(written);
}

function cssValueFilter(...args: unknown[]): string {
  const [s, t] = stringify(args);
  if (t === 'CSS') return s;
  const b = decodeCSS(s);
  let id = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    switch (c) {
      case '\0': case '"': case "'": case '(': case ')': case '/': case ';': case '@': case '[': case '\\': case ']':
      case '`': case '{': case '}': case '<': case '>':
        return FILTER_FAILSAFE;
      case '-':
        if (i !== 0 && b[i - 1] === '-') return FILTER_FAILSAFE;
        id += c;
        break;
      default:
        if (/[a-zA-Z0-9_-]/.test(c)) id += c;
    }
  }
  id = id.toLowerCase();
  if (id.includes('expression') || id.includes('mozbinding')) return FILTER_FAILSAFE;
  return b;
}

const v = (fn: (...a: unknown[]) => string): GoFunc => goFunc([], fn, 'any');

/** The escapers by the names the escaper inserts into pipelines. */
export const HTML_ESCAPERS: Record<string, GoFunc> = {
  _eval_args_: v((...a: unknown[]) => evalArgs(a)),
  _html_template_attrescaper: v(attrEscaper),
  _html_template_commentescaper: v(commentEscaper),
  _html_template_cssescaper: v(cssEscaper),
  _html_template_cssvaluefilter: v(cssValueFilter),
  _html_template_htmlnamefilter: v(htmlNameFilter),
  _html_template_htmlescaper: v(htmlEscaper),
  _html_template_jsregexpescaper: v(jsRegexpEscaper),
  _html_template_jsstrescaper: v(jsStrEscaper),
  _html_template_jstmpllitescaper: v(jsTmplLitEscaper),
  _html_template_jsvalescaper: v(jsValEscaper),
  _html_template_nospaceescaper: v(nospaceEscaper),
  _html_template_rcdataescaper: v(rcdataEscaper),
  _html_template_srcsetescaper: v(srcsetEscaper),
  _html_template_urlescaper: v(urlEscaper),
  _html_template_urlfilter: v(urlFilter),
  _html_template_urlnormalizer: v(urlNormalizer),
};
