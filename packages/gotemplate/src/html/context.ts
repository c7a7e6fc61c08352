// The parse state of an HTML document at a point between template actions: which grammar
// (HTML text, a tag, an attribute value, a URL, JS, CSS, a comment ...) the next output lands in.

export const enum S {
  Text,
  Tag,
  AttrName,
  AfterName,
  BeforeValue,
  HTMLCmt,
  RCDATA,
  Attr,
  URL,
  Srcset,
  JS,
  JSDqStr,
  JSSqStr,
  JSTmplLit,
  JSRegexp,
  JSBlockCmt,
  JSLineCmt,
  JSHTMLOpenCmt,
  JSHTMLCloseCmt,
  CSS,
  CSSDqStr,
  CSSSqStr,
  CSSDqURL,
  CSSSqURL,
  CSSURL,
  CSSBlockCmt,
  CSSLineCmt,
  Error,
  Dead,
  /** the content attribute of a meta element: "0; url=..." holds a URL */
  MetaContent,
  MetaContentURL,
}

export const STATE_NAMES = [
  'stateText', 'stateTag', 'stateAttrName', 'stateAfterName', 'stateBeforeValue', 'stateHTMLCmt', 'stateRCDATA',
  'stateAttr', 'stateURL', 'stateSrcset', 'stateJS', 'stateJSDqStr', 'stateJSSqStr', 'stateJSTmplLit', 'stateJSRegexp',
  'stateJSBlockCmt', 'stateJSLineCmt', 'stateJSHTMLOpenCmt', 'stateJSHTMLCloseCmt', 'stateCSS', 'stateCSSDqStr',
  'stateCSSSqStr', 'stateCSSDqURL', 'stateCSSSqURL', 'stateCSSURL', 'stateCSSBlockCmt', 'stateCSSLineCmt',
  'stateError', 'stateDead', 'stateMetaContent', 'stateMetaContentURL',
];

export const enum Delim { None, DoubleQuote, SingleQuote, SpaceOrTagEnd }
export const DELIM_NAMES = ['delimNone', 'delimDoubleQuote', 'delimSingleQuote', 'delimSpaceOrTagEnd'];
export const enum UrlPart { None, PreQuery, QueryOrFrag, Unknown }
export const URLPART_NAMES = ['urlPartNone', 'urlPartPreQuery', 'urlPartQueryOrFrag', 'urlPartUnknown'];
export const enum JsCtx { Regexp, DivOp, Unknown }
export const JSCTX_NAMES = ['jsCtxRegexp', 'jsCtxDivOp', 'jsCtxUnknown'];
export const enum Attr { None, Script, ScriptType, Style, URL, Srcset, MetaContent }
export const ATTR_NAMES = ['attrNone', 'attrScript', 'attrScriptType', 'attrStyle', 'attrURL', 'attrSrcset', 'attrMetaContent'];
export const enum Elem { None, Script, Style, Textarea, Title, Meta }
export const ELEM_NAMES = ['elementNone', 'elementScript', 'elementStyle', 'elementTextarea', 'elementTitle', 'elementMeta'];

export interface Ctx {
  state: S;
  delim: Delim;
  urlPart: UrlPart;
  jsCtx: JsCtx;
  /** open "{" counts of JS template-literal substitutions */
  jsBraceDepth: readonly number[];
  attr: Attr;
  element: Elem;
  err?: EscapeError;
}

export class EscapeError extends Error {
  constructor(
    public description: string,
    public location?: string,
  ) {
    super(description);
    this.name = 'EscapeError';
  }
}

export function ctx(p: Partial<Ctx> = {}): Ctx {
  return {
    state: S.Text,
    delim: Delim.None,
    urlPart: UrlPart.None,
    jsCtx: JsCtx.Regexp,
    jsBraceDepth: [],
    attr: Attr.None,
    element: Elem.None,
    ...p,
  };
}

export function errCtx(err: EscapeError): Ctx {
  return ctx({ state: S.Error, err });
}

export function ctxEq(a: Ctx, b: Ctx): boolean {
  return (
    a.state === b.state &&
    a.delim === b.delim &&
    a.urlPart === b.urlPart &&
    a.jsCtx === b.jsCtx &&
    a.attr === b.attr &&
    a.element === b.element &&
    a.jsBraceDepth.length === b.jsBraceDepth.length &&
    a.jsBraceDepth.every((x, i) => x === b.jsBraceDepth[i]) &&
    a.err === b.err
  );
}

export function ctxString(c: Ctx): string {
  const parts = [STATE_NAMES[c.state]];
  if (c.delim !== Delim.None) parts.push(DELIM_NAMES[c.delim]);
  if (c.urlPart !== UrlPart.None) parts.push(URLPART_NAMES[c.urlPart]);
  if (c.jsCtx !== JsCtx.Regexp) parts.push(JSCTX_NAMES[c.jsCtx]);
  if (c.jsBraceDepth.length) parts.push('jsBraceDepth' + c.jsBraceDepth.join(','));
  if (c.attr !== Attr.None) parts.push(ATTR_NAMES[c.attr]);
  if (c.element !== Elem.None) parts.push(ELEM_NAMES[c.element]);
  if (c.err) parts.push(c.err.description);
  return '{' + parts.join(' ') + '}';
}

/** A name for a template derived for context c (the original name in the default context). */
export function mangle(c: Ctx, name: string): string {
  if (ctxEq(c, ctx())) return name;
  let s = name + '$htmltemplate_' + STATE_NAMES[c.state];
  if (c.delim !== Delim.None) s += '_' + DELIM_NAMES[c.delim];
  if (c.urlPart !== UrlPart.None) s += '_' + URLPART_NAMES[c.urlPart];
  if (c.jsCtx !== JsCtx.Regexp) s += '_' + JSCTX_NAMES[c.jsCtx];
  if (c.jsBraceDepth.length) s += '_jsBraceDepth' + c.jsBraceDepth.join('.');
  if (c.attr !== Attr.None) s += '_' + ATTR_NAMES[c.attr];
  if (c.element !== Elem.None) s += '_' + ELEM_NAMES[c.element];
  return s;
}

export const ATTR_START_STATES: Record<number, S> = {
  [Attr.None]: S.Attr,
  [Attr.Script]: S.JS,
  [Attr.ScriptType]: S.Attr,
  [Attr.Style]: S.CSS,
  [Attr.URL]: S.URL,
  [Attr.Srcset]: S.Srcset,
  [Attr.MetaContent]: S.MetaContent,
};

/** Moves a context that is about to receive output to the state the output starts in. */
export function nudge(c: Ctx): Ctx {
  switch (c.state) {
    case S.Tag:
      return { ...c, state: S.AttrName };
    case S.BeforeValue:
      return { ...c, state: ATTR_START_STATES[c.attr], delim: Delim.SpaceOrTagEnd, attr: Attr.None };
    case S.AfterName:
      return { ...c, state: S.AttrName, attr: Attr.None };
  }
  return c;
}

export function isComment(s: S): boolean {
  switch (s) {
    case S.HTMLCmt:
    case S.JSBlockCmt:
    case S.JSLineCmt:
    case S.JSHTMLOpenCmt:
    case S.JSHTMLCloseCmt:
    case S.CSSBlockCmt:
    case S.CSSLineCmt:
      return true;
  }
  return false;
}

export function isInTag(s: S): boolean {
  switch (s) {
    case S.Tag:
    case S.AttrName:
    case S.AfterName:
    case S.BeforeValue:
    case S.Attr:
      return true;
  }
  return false;
}

export function isInScriptLiteral(s: S): boolean {
  return s === S.JSDqStr || s === S.JSSqStr || s === S.JSTmplLit || s === S.JSRegexp;
}
