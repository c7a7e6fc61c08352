// Context transitions over template text: given a context and a run of text, the context after
// some prefix of the text. Modelled on the HTML5, ECMAScript and CSS grammars as html/template does.

import { ATTR_START_STATES, Attr, Delim, Elem, EscapeError, JsCtx, S, UrlPart, ctx, errCtx, isComment, isInScriptLiteral } from './context.js';
import type { Ctx } from './context.js';

type Transition = (c: Ctx, s: string) => [Ctx, number];

const ELEMENT_CONTENT: Record<number, S> = {
  [Elem.None]: S.Text,
  [Elem.Script]: S.JS,
  [Elem.Style]: S.CSS,
  [Elem.Textarea]: S.RCDATA,
  [Elem.Title]: S.RCDATA,
  [Elem.Meta]: S.Text,
};

const isHTMLSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\f' || c === '\r';

function eatWhiteSpace(s: string, i: number): number {
  while (i < s.length && isHTMLSpace(s[i])) i++;
  return i;
}

function eatTagName(s: string, i: number): [number, Elem] {
  let j = i;
  while (j < s.length) {
    const x = s[j];
    if ((x >= 'a' && x <= 'z') || (x >= 'A' && x <= 'Z') || (x >= '0' && x <= '9' && i !== j)) j++;
    else if ((x === ':' || x === '-') && j > i) j++;
    else break;
  }
  const name = s.slice(i, j).toLowerCase();
  const e = name === 'script' ? Elem.Script : name === 'style' ? Elem.Style : name === 'textarea' ? Elem.Textarea : name === 'title' ? Elem.Title : name === 'meta' ? Elem.Meta : Elem.None;
  return [j, e];
}

function eatAttrName(s: string, i: number): number | EscapeError {
  for (let j = i; j < s.length; j++) {
    switch (s[j]) {
      case ' ':
      case '\t':
      case '\n':
      case '\f':
      case '\r':
      case '=':
      case '>':
        return j;
      case "'":
      case '"':
      case '<':
        return new EscapeError(`${JSON.stringify(s[j])} in attribute name: ${JSON.stringify(s.slice(0, 32))}`);
    }
  }
  return s.length;
}

const URL_ATTRS = new Set(['action', 'archive', 'background', 'cite', 'classid', 'codebase', 'data', 'formaction', 'href', 'icon', 'longdesc', 'manifest', 'poster', 'profile', 'src', 'usemap', 'xmlns']);

export const enum CT { Plain, CSS, HTML, HTMLAttr, JS, JSStr, URL, Srcset, Unsafe }

/** The content type of an attribute's value, by its (lower-case) name. */
export function attrType(name: string): CT {
  if (name.startsWith('data-')) name = name.slice(5);
  else {
    const k = name.indexOf(':');
    if (k >= 0) {
      if (name.slice(0, k) === 'xmlns') return CT.URL;
      name = name.slice(k + 1);
    }
  }
  if (URL_ATTRS.has(name)) return CT.URL;
  if (name === 'style') return CT.CSS;
  if (name === 'srcset') return CT.Srcset;
  if (name === 'dir' || name === 'type' || name === 'lang' || name === 'id' || name === 'class' || name === 'name' || name === 'title' || name === 'alt' || name === 'value') return CT.Plain;
  if (name.startsWith('on')) return CT.JS;
  if (name.includes('src') || name.includes('uri') || name.includes('url')) return CT.URL;
  return CT.Plain;
}

const tText: Transition = (c, s) => {
  let k = 0;
  for (;;) {
    let i = s.indexOf('<', k);
    if (i < 0 || i + 1 === s.length) return [c, s.length];
    if (s.startsWith('<!--', i)) return [ctx({ state: S.HTMLCmt }), i + 4];
    i++;
    let end = false;
    if (s[i] === '/') {
      if (i + 1 === s.length) return [c, s.length];
      end = true;
      i++;
    }
    const [j, e] = eatTagName(s, i);
    if (j !== i) return [ctx({ state: S.Tag, element: end ? Elem.None : e }), j];
    k = j;
  }
};

const tTag: Transition = (c, s) => {
  const i = eatWhiteSpace(s, 0);
  if (i === s.length) return [c, s.length];
  if (s[i] === '>') {
    const element = c.element === Elem.Meta ? Elem.None : c.element;
    return [ctx({ state: ELEMENT_CONTENT[element], element }), i + 1];
  }
  const j = eatAttrName(s, i);
  if (j instanceof EscapeError) return [errCtx(j), s.length];
  if (i === j) return [errCtx(new EscapeError(`expected space, attr name, or end of tag, but got ${JSON.stringify(s.slice(i))}`)), s.length];
  const name = s.slice(i, j).toLowerCase();
  let attr = Attr.None;
  if (c.element === Elem.Script && name === 'type') attr = Attr.ScriptType;
  else if (c.element === Elem.Meta && name === 'content') attr = Attr.MetaContent;
  else {
    switch (attrType(name)) {
      case CT.URL:
        attr = Attr.URL;
        break;
      case CT.CSS:
        attr = Attr.Style;
        break;
      case CT.JS:
        attr = Attr.Script;
        break;
      case CT.Srcset:
        attr = Attr.Srcset;
        break;
    }
  }
  return [ctx({ state: j === s.length ? S.AttrName : S.AfterName, element: c.element, attr }), j];
};

const tAttrName: Transition = (c, s) => {
  const i = eatAttrName(s, 0);
  if (i instanceof EscapeError) return [errCtx(i), s.length];
  if (i !== s.length) return [{ ...c, state: S.AfterName }, i];
  return [c, i];
};

const tAfterName: Transition = (c, s) => {
  const i = eatWhiteSpace(s, 0);
  if (i === s.length) return [c, s.length];
  if (s[i] !== '=') return [{ ...c, state: S.Tag }, i];
  return [{ ...c, state: S.BeforeValue }, i + 1];
};

const tBeforeValue: Transition = (c, s) => {
  let i = eatWhiteSpace(s, 0);
  if (i === s.length) return [c, s.length];
  let delim = Delim.SpaceOrTagEnd;
  if (s[i] === "'") {
    delim = Delim.SingleQuote;
    i++;
  } else if (s[i] === '"') {
    delim = Delim.DoubleQuote;
    i++;
  }
  return [{ ...c, state: ATTR_START_STATES[c.attr], delim }, i];
};

const tHTMLCmt: Transition = (c, s) => {
  const i = s.indexOf('-->');
  if (i >= 0) return [ctx(), i + 3];
  return [c, s.length];
};

const tURL: Transition = (c, s) => {
  if (/[#?]/.test(s)) return [{ ...c, urlPart: UrlPart.QueryOrFrag }, s.length];
  if (s.length !== eatWhiteSpace(s, 0) && c.urlPart === UrlPart.None) return [{ ...c, urlPart: UrlPart.PreQuery }, s.length];
  return [c, s.length];
};

const REGEXP_PRECEDERS = new Set(['break', 'case', 'continue', 'delete', 'do', 'else', 'finally', 'in', 'instanceof', 'return', 'throw', 'try', 'typeof', 'void']);

export function isJSIdentPart(c: string): boolean {
  return c === '$' || c === '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

export function nextJSCtx(s: string, preceding: JsCtx): JsCtx {
  s = s.replace(/[\t\n\f\r \u2028\u2029]+$/, '');
  const n = s.length;
  if (n === 0) return preceding;
  const c = s[n - 1];
  switch (c) {
    case '+':
    case '-': {
      let start = n - 1;
      while (start > 0 && s[start - 1] === c) start--;
      return (n - start) & 1 ? JsCtx.Regexp : JsCtx.DivOp;
    }
    case '.':
      if (n !== 1 && s[n - 2] >= '0' && s[n - 2] <= '9') return JsCtx.DivOp;
      return JsCtx.Regexp;
    case ',': case '<': case '>': case '=': case '*': case '%': case '&': case '|': case '^': case '?':
    case '!': case '~': case '(': case '[': case ':': case ';': case '{': case '}':
      return JsCtx.Regexp;
    default: {
      let j = n;
      while (j > 0 && isJSIdentPart(s[j - 1])) j--;
      if (REGEXP_PRECEDERS.has(s.slice(j))) return JsCtx.Regexp;
    }
  }
  return JsCtx.DivOp;
}

const tJS: Transition = (c, s) => {
  const m = /["`'/{}<\-#]/.exec(s);
  if (!m) return [{ ...c, jsCtx: nextJSCtx(s, c.jsCtx) }, s.length];
  let i = m.index;
  c = { ...c, jsCtx: nextJSCtx(s.slice(0, i), c.jsCtx) };
  switch (s[i]) {
    case '"':
      c = { ...c, state: S.JSDqStr, jsCtx: JsCtx.Regexp };
      break;
    case "'":
      c = { ...c, state: S.JSSqStr, jsCtx: JsCtx.Regexp };
      break;
    case '`':
      c = { ...c, state: S.JSTmplLit, jsCtx: JsCtx.Regexp };
      break;
    case '/':
      if (s[i + 1] === '/') {
        c = { ...c, state: S.JSLineCmt };
        i++;
      } else if (s[i + 1] === '*') {
        c = { ...c, state: S.JSBlockCmt };
        i++;
      } else if (c.jsCtx === JsCtx.Regexp) c = { ...c, state: S.JSRegexp };
      else if (c.jsCtx === JsCtx.DivOp) c = { ...c, jsCtx: JsCtx.Regexp };
      else return [errCtx(new EscapeError(`'/' could start a division or regexp: ${JSON.stringify(s.slice(i, i + 32))}`)), s.length];
      break;
    case '<':
      if (s.startsWith('<!--', i)) {
        c = { ...c, state: S.JSHTMLOpenCmt };
        i += 3;
      }
      break;
    case '-':
      if (s.startsWith('-->', i)) {
        c = { ...c, state: S.JSHTMLCloseCmt };
        i += 2;
      }
      break;
    case '{':
      c = { ...c, jsCtx: JsCtx.Regexp };
      if (c.jsBraceDepth.length) {
        const d = [...c.jsBraceDepth];
        d[d.length - 1]++;
        c = { ...c, jsBraceDepth: d };
      }
      break;
    case '}':
      if (c.jsBraceDepth.length) {
        const d = [...c.jsBraceDepth];
        if (d[d.length - 1] === 0) {
          d.pop();
          c = { ...c, state: S.JSTmplLit, jsBraceDepth: d };
        } else {
          d[d.length - 1]--;
          c = { ...c, jsCtx: JsCtx.Regexp, jsBraceDepth: d };
        }
      } else c = { ...c, jsCtx: JsCtx.Regexp };
      break;
    case '#':
      if (s[i + 1] === '!') {
        c = { ...c, state: S.JSLineCmt };
        i++;
      }
      break;
  }
  return [c, i + 1];
};

const tJSDelimited: Transition = (c, s) => {
  let specials = '\\"';
  if (c.state === S.JSSqStr) specials = "\\'";
  else if (c.state === S.JSRegexp) specials = '\\/[]';
  else if (c.state === S.JSTmplLit) specials = '\\`$';
  let inCharset = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (!specials.includes(ch)) continue;
    switch (ch) {
      case '\\':
        i++;
        if (i === s.length) return [errCtx(new EscapeError(`unfinished escape sequence in JS string: ${JSON.stringify(s)}`)), s.length];
        break;
      case '[':
        inCharset = true;
        break;
      case ']':
        inCharset = false;
        break;
      case '$':
        if (s[i + 1] === '{') return [{ ...c, state: S.JS, jsCtx: JsCtx.Regexp, jsBraceDepth: [...c.jsBraceDepth, 0] }, i + 2];
        break;
      default:
        // "</script" inside a regexp literal does not end it; escapeText rewrites it to "\x3C/script"
        if (ch === '/' && i > 0 && s.slice(i - 1, i + 7).toLowerCase() === '</script') break;
        if (!inCharset) return [{ ...c, state: S.JS, jsCtx: JsCtx.DivOp }, i + 1];
    }
  }
  if (inCharset) return [errCtx(new EscapeError(`unfinished JS regexp charset: ${JSON.stringify(s)}`)), s.length];
  return [c, s.length];
};

const tBlockCmt: Transition = (c, s) => {
  const i = s.indexOf('*/');
  if (i < 0) return [c, s.length];
  return [{ ...c, state: c.state === S.JSBlockCmt ? S.JS : S.CSS }, i + 2];
};

const tLineCmt: Transition = (c, s) => {
  const css = c.state === S.CSSLineCmt;
  const re = css ? /[\n\f\r]/ : /[\n\r\u2028\u2029]/;
  const m = re.exec(s);
  if (!m) return [c, s.length];
  return [{ ...c, state: css ? S.CSS : S.JS }, m.index];
};

function endsWithCSSKeyword(b: string, kw: string): boolean {
  const i = b.length - kw.length;
  if (i < 0) return false;
  if (i !== 0) {
    const ch = b[i - 1];
    if (/[-_a-zA-Z0-9\u0080-\uffff\\]/.test(ch)) return false;
  }
  return b.slice(i).toLowerCase() === kw;
}

const tCSS: Transition = (c, s) => {
  let k = 0;
  for (;;) {
    const m = /[("'/]/.exec(s.slice(k));
    if (!m) return [c, s.length];
    const i = k + m.index;
    switch (s[i]) {
      case '(': {
        const p = s.slice(0, i).replace(/[\t\n\f\r ]+$/, '');
        if (endsWithCSSKeyword(p, 'url')) {
          const rest = s.slice(i + 1);
          let j = s.length - rest.replace(/^[\t\n\f\r ]+/, '').length;
          if (j !== s.length && s[j] === '"') return [{ ...c, state: S.CSSDqURL }, j + 1];
          if (j !== s.length && s[j] === "'") return [{ ...c, state: S.CSSSqURL }, j + 1];
          return [{ ...c, state: S.CSSURL }, j];
        }
        break;
      }
      case '/':
        if (s[i + 1] === '/') return [{ ...c, state: S.CSSLineCmt }, i + 2];
        if (s[i + 1] === '*') return [{ ...c, state: S.CSSBlockCmt }, i + 2];
        break;
      case '"':
        return [{ ...c, state: S.CSSDqStr }, i + 1];
      case "'":
        return [{ ...c, state: S.CSSSqStr }, i + 1];
    }
    k = i + 1;
  }
};

const tCSSStr: Transition = (c, s) => {
  let endAndEsc: string;
  switch (c.state) {
    case S.CSSDqStr:
    case S.CSSDqURL:
      endAndEsc = '\\"';
      break;
    case S.CSSSqStr:
    case S.CSSSqURL:
      endAndEsc = "\\'";
      break;
    default:
      endAndEsc = '\\\t\n\f\r )';
  }
  let k = 0;
  for (;;) {
    let i = -1;
    for (let x = k; x < s.length; x++) if (endAndEsc.includes(s[x])) { i = x; break; }
    if (i < 0) {
      const [c2, n] = tURL(c, decodeCSS(s.slice(k)));
      return [c2, k + n];
    }
    if (s[i] === '\\') {
      i++;
      if (i === s.length) return [errCtx(new EscapeError(`unfinished escape sequence in CSS string: ${JSON.stringify(s)}`)), s.length];
    } else {
      return [{ ...c, state: S.CSS }, i + 1];
    }
    c = tURL(c, decodeCSS(s.slice(0, i + 1)))[0];
    k = i + 1;
  }
};

export function decodeCSS(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\([0-9a-fA-F]{1,6})[ \t\n\f\r]?|\\(.)/gs, (_, hex: string | undefined, ch: string | undefined) => {
    if (hex) {
      const cp = parseInt(hex, 16);
      return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
    }
    return ch === '\n' || ch === '\f' || ch === '\r' ? '' : ch!;
  });
}

const tError: Transition = (c, s) => [c, s.length];

// <meta http-equiv="refresh" content="5; url=..."> navigates to the URL after "url="
const tMetaContent: Transition = (c, s) => {
  const m = /url[\t\n\f\r ]*=[\t\n\f\r ]*/i.exec(s);
  if (!m) return [c, s.length];
  return [{ ...c, state: S.MetaContentURL, urlPart: UrlPart.None }, m.index + m[0].length];
};

const tMetaContentURL: Transition = (c, s) => {
  const i = s.indexOf(';');
  if (i >= 0) return [{ ...c, state: S.MetaContent, urlPart: UrlPart.None }, i + 1];
  return tURL(c, s);
};

const TRANSITIONS: Record<number, Transition> = {
  [S.Text]: tText,
  [S.Tag]: tTag,
  [S.AttrName]: tAttrName,
  [S.AfterName]: tAfterName,
  [S.BeforeValue]: tBeforeValue,
  [S.HTMLCmt]: tHTMLCmt,
  [S.RCDATA]: (c, s) => [c, s.length],
  [S.Attr]: (c, s) => [c, s.length],
  [S.URL]: tURL,
  [S.Srcset]: tURL,
  [S.JS]: tJS,
  [S.JSDqStr]: tJSDelimited,
  [S.JSSqStr]: tJSDelimited,
  [S.JSTmplLit]: tJSDelimited,
  [S.JSRegexp]: tJSDelimited,
  [S.JSBlockCmt]: tBlockCmt,
  [S.JSLineCmt]: tLineCmt,
  [S.JSHTMLOpenCmt]: tLineCmt,
  [S.JSHTMLCloseCmt]: tLineCmt,
  [S.CSS]: tCSS,
  [S.CSSDqStr]: tCSSStr,
  [S.CSSSqStr]: tCSSStr,
  [S.CSSDqURL]: tCSSStr,
  [S.CSSSqURL]: tCSSStr,
  [S.CSSURL]: tCSSStr,
  [S.CSSBlockCmt]: tBlockCmt,
  [S.CSSLineCmt]: tLineCmt,
  [S.Error]: tError,
  [S.Dead]: tError,
  [S.MetaContent]: tMetaContent,
  [S.MetaContentURL]: tMetaContentURL,
};

const SPECIAL_END: Record<number, string> = { [Elem.Script]: 'script', [Elem.Style]: 'style', [Elem.Textarea]: 'textarea', [Elem.Title]: 'title' };

/** Index of "</tag" (case-insensitive, followed by space, "/" or ">") in s, or -1. */
function indexTagEnd(s: string, tag: string): number {
  const lower = s.toLowerCase();
  let from = 0;
  for (;;) {
    const i = lower.indexOf('</' + tag, from);
    if (i < 0) return -1;
    const after = s[i + 2 + tag.length];
    if (after === undefined || after === '>' || after === '/' || isHTMLSpace(after)) return i;
    from = i + 1;
  }
}

function tSpecialTagEnd(c: Ctx, s: string): [Ctx, number] {
  if (c.element !== Elem.None) {
    if (c.element === Elem.Script && (isInScriptLiteral(c.state) || isComment(c.state))) return [c, s.length];
    const i = indexTagEnd(s, SPECIAL_END[c.element]);
    if (i >= 0) return [ctx(), i];
  }
  return [c, s.length];
}

const DELIM_ENDS: Record<number, RegExp> = {
  [Delim.DoubleQuote]: /"/,
  [Delim.SingleQuote]: /'/,
  [Delim.SpaceOrTagEnd]: /[ \t\n\f\r>]/,
};

const JS_TYPES = new Set(['application/ecmascript', 'application/javascript', 'application/json', 'application/ld+json', 'application/x-ecmascript', 'application/x-javascript', 'module', 'text/ecmascript', 'text/javascript', 'text/javascript1.0', 'text/javascript1.1', 'text/javascript1.2', 'text/javascript1.3', 'text/javascript1.4', 'text/javascript1.5', 'text/jscript', 'text/livescript', 'text/x-ecmascript', 'text/x-javascript']);

function isJSType(mime: string): boolean {
  const m = mime.split(';')[0].trim().toLowerCase();
  return m === '' || JS_TYPES.has(m);
}

/** Decodes HTML character references (for attribute values). */
export function htmlUnescape(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);?/g, (m, ref: string) => {
    if (ref[0] === '#') {
      const cp = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
    }
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', colon: ':', sol: '/', lpar: '(', rpar: ')', tab: '\t', newline: '\n' };
    return Object.hasOwn(named, ref) ? named[ref] : m;
  });
}

export function contextAfterText(c: Ctx, s: string): [Ctx, number] {
  if (c.delim === Delim.None) {
    const [c1, i] = tSpecialTagEnd(c, s);
    if (i === 0) return [c1, 0];
    return TRANSITIONS[c.state](c, s.slice(0, i));
  }
  const m = DELIM_ENDS[c.delim].exec(s);
  const i = m ? m.index : s.length;
  if (c.delim === Delim.SpaceOrTagEnd) {
    const bad = /["'<=`]/.exec(s.slice(0, i));
    if (bad) return [errCtx(new EscapeError(`${JSON.stringify(bad[0])} in unquoted attr: ${JSON.stringify(s.slice(0, i))}`)), s.length];
  }
  if (i === s.length) {
    let u = htmlUnescape(s);
    while (u.length) {
      const [c1, i1] = TRANSITIONS[c.state](c, u);
      c = c1;
      u = u.slice(i1);
      if (c.state === S.Error) break;
    }
    return [c, s.length];
  }
  let element = c.element;
  if (c.state === S.Attr && c.element === Elem.Script && c.attr === Attr.ScriptType && !isJSType(s.slice(0, i))) element = Elem.None;
  return [ctx({ state: S.Tag, element }), c.delim !== Delim.SpaceOrTagEnd ? i + 1 : i];
}
