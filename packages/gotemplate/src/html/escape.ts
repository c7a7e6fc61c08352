// html/template's escaper: walks a template, tracks the HTML context at each action and adds
// the escaping functions that context needs to the action's pipeline. Templates called from a
// non-default context are escaped as derived copies. Changes are committed only when the whole
// walk succeeds.

import { BUILTINS } from '../builtins.js';
import { ExecError } from '../exec.js';
import type { TemplateFunc } from '../funcs.js';
import { Tree, goQuote } from '../parse.js';
import type { ActionNode, BranchNode, CommandNode, IdentifierNode, ListNode, Node, TemplateNode, TextNode } from '../parse.js';
import { Delim, EscapeError, JsCtx, S, UrlPart, ctx, ctxEq, ctxString, errCtx, isComment, isInScriptLiteral, mangle, nudge } from './context.js';
import type { Ctx } from './context.js';
import { HTML_ESCAPERS } from './escapers.js';
import { contextAfterText } from './transition.js';

export { HTML_ESCAPERS };

/** What the escaper needs from a template set. */
export interface EscapeSet {
  lookupTree(name: string): Tree | undefined;
  readonly tmpl: Map<string, { tree: Tree | null }>;
  readonly escaped: Set<string>;
  readonly derived: Map<string, Tree>;
  findFunc(name: string): TemplateFunc | undefined;
}

/** Escape errors are remembered so that later executions fail the same way. */
const failures = new WeakMap<EscapeSet, Map<string, string>>();
/** Output contexts of templates already escaped and committed, per set. */
const committedOutput = new WeakMap<EscapeSet, Map<string, Ctx>>();

interface RangeCtx {
  outer: RangeCtx | null;
  breaks: [Ctx, { pos: number }][];
  continues: [Ctx, { pos: number }][];
}

class Escaper {
  output = new Map<string, Ctx>();
  derived = new Map<string, Tree>();
  called = new Set<string>();
  actionEdits = new Map<ActionNode, string[]>();
  textEdits = new Map<TextNode, string>();
  templateEdits = new Map<TemplateNode, string>();
  rangeContext: RangeCtx | null = null;
  currentTree: Tree | null = null;

  constructor(readonly set: EscapeSet, seed = true) {
    if (seed) {
      const done = committedOutput.get(set);
      if (done) for (const [k, v] of done) this.output.set(k, v);
    }
  }

  err(node: { pos: number } | null, desc: string): EscapeError {
    let loc: string | undefined;
    if (node && this.currentTree) loc = this.currentTree.errorContext(node as never)[0];
    return new EscapeError(desc, loc);
  }

  template(name: string): Tree | undefined {
    return this.derived.get(name) ?? this.set.derived.get(name) ?? this.set.tmpl.get(name)?.tree ?? undefined;
  }

  escape(c: Ctx, n: Node): Ctx {
    switch (n.type) {
      case 'action':
        return this.escapeAction(c, n);
      case 'break':
        this.rangeContext?.breaks.push([c, n]);
        return ctx({ state: S.Dead });
      case 'continue':
        this.rangeContext?.continues.push([c, n]);
        return ctx({ state: S.Dead });
      case 'comment':
        return c;
      case 'if':
      case 'with':
      case 'range':
        return this.escapeBranch(c, n);
      case 'list':
        return this.escapeList(c, n);
      case 'template':
        return this.escapeTemplateCall(c, n);
      case 'text':
        return this.escapeText(c, n);
    }
  }

  escapeList(c: Ctx, n: ListNode | null): Ctx {
    if (!n) return c;
    for (const m of n.nodes) {
      c = this.escape(c, m);
      if (c.state === S.Dead) break;
    }
    return c;
  }

  /** Escapes n in a scratch copy of the escaper state; keeps the changes only if filter agrees. */
  escapeListConditionally(c: Ctx, n: ListNode, filter: ((e: Escaper, c: Ctx) => boolean) | null): [Ctx, boolean] {
    const e1 = new Escaper(this.set, false);
    e1.rangeContext = this.rangeContext;
    e1.currentTree = this.currentTree;
    for (const [k, v] of this.output) e1.output.set(k, v);
    const c1 = e1.escapeList(c, n);
    const ok = filter !== null && filter(e1, c1);
    if (ok) {
      for (const [k, v] of e1.output) this.output.set(k, v);
      for (const [k, v] of e1.derived) this.derived.set(k, v);
      for (const k of e1.called) this.called.add(k);
      for (const [k, v] of e1.actionEdits) this.actionEdits.set(k, v);
      for (const [k, v] of e1.textEdits) this.textEdits.set(k, v);
      for (const [k, v] of e1.templateEdits) this.templateEdits.set(k, v);
    }
    return [c1, ok];
  }

  join(a: Ctx, b: Ctx, node: { pos: number }, name: string): Ctx {
    if (a.state === S.Error) return a;
    if (b.state === S.Error) return b;
    if (a.state === S.Dead) return b;
    if (b.state === S.Dead) return a;
    if (ctxEq(a, b)) return a;
    let c = { ...a, urlPart: b.urlPart };
    if (ctxEq(c, b)) return { ...c, urlPart: UrlPart.Unknown };
    c = { ...a, jsCtx: b.jsCtx };
    if (ctxEq(c, b)) return { ...c, jsCtx: JsCtx.Unknown };
    const na = nudge(a);
    const nb = nudge(b);
    if (!(ctxEq(na, a) && ctxEq(nb, b))) {
      const e = this.join(na, nb, node, name);
      if (e.state !== S.Error) return e;
    }
    return errCtx(this.err(node, `{{${name}}} branches end in different contexts: ${ctxString(a)}, ${ctxString(b)}`));
  }

  joinRange(c0: Ctx, rc: RangeCtx, _node: { pos: number }): Ctx {
    for (const [c, at] of rc.breaks) {
      c0 = this.join(c0, c, at, 'range');
      if (c0.state === S.Error) return { ...c0, err: this.err(at, 'at range loop break: ' + c0.err!.description) };
    }
    for (const [c, at] of rc.continues) {
      c0 = this.join(c0, c, at, 'range');
      if (c0.state === S.Error) return { ...c0, err: this.err(at, 'at range loop continue: ' + c0.err!.description) };
    }
    return c0;
  }

  escapeBranch(c: Ctx, n: BranchNode): Ctx {
    const name = n.type;
    if (name === 'range') this.rangeContext = { outer: this.rangeContext, breaks: [], continues: [] };
    let c0 = this.escapeList(c, n.list);
    if (name === 'range') {
      if (c0.state !== S.Error) c0 = this.joinRange(c0, this.rangeContext!, n);
      this.rangeContext = this.rangeContext!.outer;
      if (c0.state === S.Error) return c0;
      // The body can run again: escaping it from its own end context must give the same context.
      this.rangeContext = { outer: this.rangeContext, breaks: [], continues: [] };
      const [c1] = this.escapeListConditionally(c0, n.list, null);
      c0 = this.join(c0, c1, n, name);
      if (c0.state === S.Error) {
        this.rangeContext = this.rangeContext.outer;
        const loc = c0.err!.location ?? (this.currentTree ? `${this.currentTree.parseName}:${n.line}` : undefined);
        return { ...c0, err: new EscapeError('on range loop re-entry: ' + c0.err!.description, loc) };
      }
      c0 = this.joinRange(c0, this.rangeContext, n);
      this.rangeContext = this.rangeContext.outer;
      if (c0.state === S.Error) return c0;
    }
    const c1 = this.escapeList(c, n.elseList);
    return this.join(c0, c1, n, name);
  }

  escapeAction(c: Ctx, n: ActionNode): Ctx {
    if (n.pipe.decl.length) return c;
    c = nudge(c);
    // html and urlquery may only end a pipeline (their output would be escaped again otherwise)
    const cmds = n.pipe.cmds;
    for (let pos = 0; pos < cmds.length; pos++) {
      const id = cmds[pos].args[0];
      if (id.type !== 'identifier' || (id.ident !== 'html' && id.ident !== 'urlquery')) continue;
      if (pos < cmds.length - 1 || (c.state === S.Attr && c.delim === Delim.SpaceOrTagEnd && id.ident === 'html')) {
        return errCtx(this.err(n, `predefined escaper ${goQuote(id.ident)} disallowed in template`));
      }
    }
    const s: string[] = [];
    switch (c.state) {
      case S.Error:
        return c;
      case S.MetaContentURL:
      case S.URL:
      case S.CSSDqStr:
      case S.CSSSqStr:
      case S.CSSDqURL:
      case S.CSSSqURL:
      case S.CSSURL:
        switch (c.urlPart) {
          case UrlPart.None:
          case UrlPart.PreQuery:
            if (c.urlPart === UrlPart.None) s.push('_html_template_urlfilter');
            if (c.state === S.CSSDqStr || c.state === S.CSSSqStr) s.push('_html_template_cssescaper');
            else s.push('_html_template_urlnormalizer');
            break;
          case UrlPart.QueryOrFrag:
            s.push('_html_template_urlescaper');
            break;
          case UrlPart.Unknown:
            return errCtx(this.err(n, `${actionString(n)} appears in an ambiguous context within a URL`));
        }
        break;
      case S.JS:
        s.push('_html_template_jsvalescaper');
        c = { ...c, jsCtx: JsCtx.DivOp };
        break;
      case S.JSDqStr:
      case S.JSSqStr:
        s.push('_html_template_jsstrescaper');
        break;
      case S.JSTmplLit:
        s.push('_html_template_jstmpllitescaper');
        break;
      case S.JSRegexp:
        s.push('_html_template_jsregexpescaper');
        break;
      case S.CSS:
        s.push('_html_template_cssvaluefilter');
        break;
      case S.Text:
        s.push('_html_template_htmlescaper');
        break;
      case S.RCDATA:
        s.push('_html_template_rcdataescaper');
        break;
      case S.Attr:
      case S.MetaContent:
        break;
      case S.AttrName:
      case S.Tag:
        c = { ...c, state: S.AttrName };
        s.push('_html_template_htmlnamefilter');
        break;
      case S.Srcset:
        s.push('_html_template_srcsetescaper');
        break;
      default:
        if (isComment(c.state)) s.push('_html_template_commentescaper');
        else return errCtx(this.err(n, `unexpected state ${ctxString(c)}`));
    }
    switch (c.delim) {
      case Delim.None:
        break;
      case Delim.SpaceOrTagEnd:
        s.push('_html_template_nospaceescaper');
        break;
      default:
        s.push('_html_template_attrescaper');
    }
    this.actionEdits.set(n, s);
    return c;
  }

  escapeText(c: Ctx, n: TextNode): Ctx {
    const s = n.text;
    let written = 0;
    let i = 0;
    let out = '';
    while (i !== s.length) {
      const [c1, nread] = contextAfterText(c, s.slice(i));
      const i1 = i + nread;
      if (c.state === S.Text || c.state === S.RCDATA) {
        let end = i1;
        if (c1.state !== c.state) {
          for (let j = end - 1; j >= i; j--) {
            if (s[j] === '<') {
              end = j;
              break;
            }
          }
        }
        for (let j = i; j < end; j++) {
          if (s[j] === '<' && !s.slice(j, j + 9).toUpperCase().startsWith('<!DOCTYPE')) {
            out += s.slice(written, j) + '&lt;';
            written = j + 1;
          }
        }
      } else if (isComment(c.state) && c.delim === Delim.None) {
        switch (c.state) {
          case S.JSBlockCmt:
            // A block comment becomes a space or newline so tokens stay apart.
            out += s.slice(i, i1).includes('\n') || s.slice(i, i1).includes('\r') || s.slice(i, i1).includes('\u2028') || s.slice(i, i1).includes('\u2029') ? '\n' : ' ';
            break;
          case S.CSSBlockCmt:
            out += ' ';
            break;
        }
        written = i1;
      }
      if (isInScriptLiteral(c.state) && SPECIAL_SCRIPT_TAG.test(s.slice(i, i1))) {
        // "<script", "</script" and "<!--" inside JS string and regexp literals would end or
        // confuse the script element; \x3C keeps the literal's value.
        out += s.slice(written, i) + s.slice(i, i1).replace(SPECIAL_SCRIPT_TAGS, '\\x3C$1');
        written = i1;
      }
      if (c.state !== c1.state && isComment(c1.state) && c1.delim === Delim.None) {
        let cs = i1 - 2;
        if (c1.state === S.HTMLCmt || c1.state === S.JSHTMLOpenCmt) cs -= 2;
        else if (c1.state === S.JSHTMLCloseCmt) cs -= 1;
        out += s.slice(written, cs);
        written = i1;
      }
      if (i === i1 && c.state === c1.state) {
        return errCtx(this.err(n, `infinite loop escaping ${JSON.stringify(s.slice(0, 40))}`));
      }
      c = c1;
      i = i1;
      if (c.state === S.Error) break;
    }
    if (written !== 0 && c.state !== S.Error) {
      if (!isComment(c.state) || c.delim !== Delim.None) out += s.slice(written);
      this.textEdits.set(n, out);
    } else if (written === 0 && out === '' && isComment(c.state) && c.delim === Delim.None && c.state !== S.Error) {
      // whole node is inside a comment
    }
    return c;
  }

  escapeTemplateCall(c: Ctx, n: TemplateNode): Ctx {
    const [c1, dname] = this.escapeTree(c, n, n.name);
    if (dname !== n.name) this.templateEdits.set(n, dname);
    return c1;
  }

  escapeTree(c: Ctx, node: { pos: number } | null, name: string): [Ctx, string] {
    const dname = mangle(c, name);
    this.called.add(dname);
    const out = this.output.get(dname);
    if (out) return [out, dname];
    let t = this.template(name);
    if (!t) {
      if (this.set.tmpl.has(name)) return [errCtx(this.err(node, `${goQuote(name)} is an incomplete or empty template`)), dname];
      return [errCtx(this.err(node, `no such template ${goQuote(name)}`)), dname];
    }
    if (dname !== name) {
      let dt = this.template(dname);
      if (!dt) {
        dt = new Tree(dname, t.parseName, t.text, structuredClone(t.root));
        this.derived.set(dname, dt);
      }
      t = dt;
    }
    return [this.computeOutCtx(c, dname, t), dname];
  }

  computeOutCtx(c: Ctx, name: string, t: Tree): Ctx {
    let [c1, ok] = this.escapeTemplateBody(c, name, t);
    if (!ok) {
      const [c2, ok2] = this.escapeTemplateBody(c1, name, t);
      if (ok2) {
        c1 = c2;
        ok = true;
      }
    }
    if (!ok && c1.state !== S.Error) {
      return errCtx(new EscapeError(`cannot compute output context for template ${name}`, t.parseName));
    }
    return c1;
  }

  escapeTemplateBody(c: Ctx, name: string, t: Tree): [Ctx, boolean] {
    const filter = (e1: Escaper, c1: Ctx) => {
      if (c1.state === S.Error) return false;
      if (!e1.called.has(name)) return true;
      return ctxEq(c, c1);
    };
    this.output.set(name, c);
    const saved = this.currentTree;
    this.currentTree = t;
    try {
      return this.escapeListConditionally(c, t.root, filter);
    } finally {
      this.currentTree = saved;
    }
  }

  commit() {
    for (const [n, names] of this.actionEdits) {
      const cmds = n.pipe.cmds;
      let s = [...names];
      // A pipeline ending in a predefined escaper ("html", "urlquery") keeps it in place of an
      // equivalent contextual escaper, as html/template does.
      const last = cmds[cmds.length - 1];
      const head = last?.args[0];
      if (head && head.type === 'identifier' && (head.ident === 'html' || head.ident === 'urlquery') && isBuiltinEscaper(this.set, head.ident)) {
        const esc = head.ident;
        if (cmds.length === 1 && last.args.length > 1) {
          // {{html a b}} becomes {{_eval_args_ a b | html}}
          last.args[0] = { type: 'identifier', ident: '_eval_args_', pos: head.pos, line: head.line };
          cmds.push({ type: 'command', args: [{ type: 'identifier', ident: esc, pos: n.pos, line: n.line }], pos: n.pos, line: n.line });
        }
        let dup = false;
        s = s.map((x) => {
          if (EQUIVALENT_ESCAPERS[x] === esc) {
            dup = true;
            return esc;
          }
          return x;
        });
        if (dup) cmds.pop();
      }
      for (const name of s) {
        const id: IdentifierNode = { type: 'identifier', ident: name, pos: n.pos, line: n.line };
        const cmd: CommandNode = { type: 'command', args: [id], pos: n.pos, line: n.line };
        cmds.push(cmd);
      }
    }
    for (const [n, text] of this.textEdits) n.text = text;
    for (const [n, name] of this.templateEdits) n.name = name;
    for (const [name, t] of this.derived) this.set.derived.set(name, t);
    let done = committedOutput.get(this.set);
    if (!done) {
      done = new Map();
      committedOutput.set(this.set, done);
    }
    for (const [name, c] of this.output) {
      done.set(name, c);
      if (!name.includes('$htmltemplate_')) this.set.escaped.add(name);
    }
  }
}

const SPECIAL_SCRIPT_TAG = /<(script|\/script|!--)/i;
const SPECIAL_SCRIPT_TAGS = /<(script|\/script|!--)/gi;

const EQUIVALENT_ESCAPERS: Record<string, string> = {
  _html_template_attrescaper: 'html',
  _html_template_htmlescaper: 'html',
  _html_template_rcdataescaper: 'html',
  _html_template_urlescaper: 'urlquery',
  _html_template_urlnormalizer: 'urlquery',
};

function isBuiltinEscaper(set: EscapeSet, name: string): boolean {
  return Object.hasOwn(BUILTINS, name) && set.findFunc(name) === BUILTINS[name];
}

function actionString(n: ActionNode): string {
  return '{{' + n.pipe.cmds.map((c) => c.args.map((a) => ('ident' in a ? (Array.isArray(a.ident) ? (a.type === 'field' ? '.' : '') + a.ident.join('.') : a.ident) : a.type === 'string' ? a.quoted : a.type === 'dot' ? '.' : a.type)).join(' ')).join(' | ') + '}}';
}

/** Escapes the named template (and what it calls) in place. Throws ExecError on failure. */
export function escapeTemplate(set: EscapeSet, name: string): void {
  let f = failures.get(set);
  const prev = f?.get(name);
  if (prev) throw new ExecError(prev);
  const e = new Escaper(set);
  const [c] = e.escapeTree(ctx(), null, name);
  let msg: string | undefined;
  if (c.err) msg = c.err.location ? `html/template:${c.err.location}: ${c.err.description}` : `html/template:${name}: ${c.err.description}`;
  else if (c.state !== S.Text) msg = `html/template:${name}: ends in a non-text context: ${ctxString(c)}`;
  if (msg) {
    if (!f) {
      f = new Map();
      failures.set(set, f);
    }
    f.set(name, msg);
    throw new ExecError(msg);
  }
  e.commit();
}
