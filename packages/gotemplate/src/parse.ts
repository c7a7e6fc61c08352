// Parser for Go's template language: builds one Tree per template (the main text plus each
// {{define}} / {{block}}), as Go's text/template/parse does.

import { lex, T, quoteRune } from './lexer.js';
import type { Token } from './lexer.js';

export interface Pos {
  pos: number;
  line: number;
}

export interface ListNode extends Pos { type: 'list'; nodes: Node[] }
export interface TextNode extends Pos { type: 'text'; text: string }
export interface CommentNode extends Pos { type: 'comment'; text: string }
export interface ActionNode extends Pos { type: 'action'; pipe: PipeNode }
export interface PipeNode extends Pos { type: 'pipe'; isAssign: boolean; decl: VariableNode[]; cmds: CommandNode[] }
export interface CommandNode extends Pos { type: 'command'; args: ArgNode[] }
export interface IdentifierNode extends Pos { type: 'identifier'; ident: string }
export interface VariableNode extends Pos { type: 'variable'; ident: string[] }
export interface DotNode extends Pos { type: 'dot' }
export interface NilNode extends Pos { type: 'nil' }
export interface FieldNode extends Pos { type: 'field'; ident: string[] }
export interface ChainNode extends Pos { type: 'chain'; node: ArgNode; field: string[] }
export interface BoolNode extends Pos { type: 'bool'; value: boolean }
export interface NumberNode extends Pos {
  type: 'number';
  text: string;
  isInt: boolean;
  isFloat: boolean;
  /** value used when the constant stands alone: int or float64 per Go's ideal constant rules */
  value: number;
  /** the constant reads as a float (has ".eEpP" and is not a hex int or rune) */
  floatish: boolean;
}
export interface StringNode extends Pos { type: 'string'; quoted: string; text: string }
export interface BranchNode extends Pos { type: 'if' | 'range' | 'with'; pipe: PipeNode; list: ListNode; elseList: ListNode | null }
export interface TemplateNode extends Pos { type: 'template'; name: string; pipe: PipeNode | null }
export interface BreakNode extends Pos { type: 'break' }
export interface ContinueNode extends Pos { type: 'continue' }
interface EndNode extends Pos { type: 'end' }
interface ElseNode extends Pos { type: 'else' }

export type ArgNode =
  | IdentifierNode
  | VariableNode
  | DotNode
  | NilNode
  | FieldNode
  | ChainNode
  | BoolNode
  | NumberNode
  | StringNode
  | PipeNode;

export type Node =
  | ListNode
  | TextNode
  | CommentNode
  | ActionNode
  | BranchNode
  | TemplateNode
  | BreakNode
  | ContinueNode;

type AnyNode = Node | EndNode | ElseNode;

export class Tree {
  root: ListNode;
  constructor(
    public name: string,
    /** name of the top-level template this tree was parsed from */
    public parseName: string,
    /** the full text it was parsed from */
    public text: string,
    root?: ListNode,
  ) {
    this.root = root ?? { type: 'list', nodes: [], pos: 0, line: 1 };
  }

  /** "name:line:col" and the node text, as Go's Tree.ErrorContext. */
  errorContext(n: Pos & { type: string }): [string, string] {
    const pos = n.pos;
    const text = this.text.slice(0, pos);
    const nl = text.lastIndexOf('\n');
    const lineStart = nl + 1;
    let col = 0;
    for (let i = lineStart; i < pos; i++) {
      const c = text.charCodeAt(i);
      col += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? (i++, 4) : 3;
    }
    let line = 1;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
    return [`${this.parseName}:${line}:${col}`, nodeString(n as Node)];
  }
}

export function isEmptyTree(n: Node | null): boolean {
  if (!n) return true;
  switch (n.type) {
    case 'list':
      return n.nodes.every((x) => isEmptyTree(x));
    case 'text':
      return n.text.trim() === '';
    case 'comment':
      return true;
    default:
      return false;
  }
}

export class ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParseError';
  }
}

export interface ParseOptions {
  leftDelim?: string;
  rightDelim?: string;
  /** names of functions that exist; the parser rejects calls to any other */
  hasFunction: (name: string) => boolean;
  /** keep comments as nodes (Go's ParseComments mode) */
  parseComments?: boolean;
  /** Go's SkipFuncCheck mode */
  skipFuncCheck?: boolean;
}

/** Parses text; returns the trees by name: the main one under `name`, plus each define/block. */
export function parse(name: string, text: string, opts: ParseOptions): Map<string, Tree> {
  const toks = lex(name, text, { leftDelim: opts.leftDelim, rightDelim: opts.rightDelim, emitComment: opts.parseComments });
  const treeSet = new Map<string, Tree>();
  const p = new Parser(name, text, toks, opts, treeSet);
  p.parseTop();
  return treeSet;
}

function keywordName(t: Token): string {
  switch (t.type) {
    case T.EOF:
      return 'EOF';
    case T.Error:
      return t.val;
    case T.Block:
    case T.Break:
    case T.Continue:
    case T.Define:
    case T.Else:
    case T.End:
    case T.If:
    case T.Nil:
    case T.Range:
    case T.Template:
    case T.With:
      return `<${t.val}>`;
    default:
      if (t.val.length > 10) return goQuote(t.val.slice(0, 10)) + '...';
      return goQuote(t.val);
  }
}

class Parser {
  private i = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private actionLine = 0;
  private tree: Tree;

  constructor(
    private readonly parseName: string,
    private readonly text: string,
    private readonly toks: Token[],
    private readonly opts: ParseOptions,
    private readonly treeSet: Map<string, Tree>,
  ) {
    this.tree = new Tree(parseName, parseName, text);
  }

  // --- token stream ---
  private next(): Token {
    return this.toks[Math.min(this.i++, this.toks.length - 1)];
  }
  private backup(n = 1) {
    this.i -= n;
  }
  private peek(): Token {
    return this.toks[Math.min(this.i, this.toks.length - 1)];
  }
  private nextNonSpace(): Token {
    let t: Token;
    do t = this.next();
    while (t.type === T.Space);
    return t;
  }
  private peekNonSpace(): Token {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }

  private errorf(msg: string, line?: number): never {
    const ln = line ?? this.toks[Math.max(0, Math.min(this.i - 1, this.toks.length - 1))].line;
    throw new ParseError(`template: ${this.parseName}:${ln}: ${msg}`);
  }

  private expect(type: T, context: string): Token {
    const t = this.nextNonSpace();
    if (t.type !== type) this.unexpected(t, context);
    return t;
  }

  private unexpected(t: Token, context: string): never {
    if (t.type === T.Error) {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== t.line) {
        extra = ` in action started at ${this.parseName}:${this.actionLine}`;
        if (t.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(`${t.val}${extra}`, t.line);
    }
    this.errorf(`unexpected ${keywordName(t)} in ${context}`, t.line);
  }

  // --- top level ---
  parseTop() {
    const root = this.tree.root;
    while (this.peek().type !== T.EOF) {
      if (this.peek().type === T.LeftDelim) {
        const save = this.i;
        const delim = this.next();
        if (this.nextNonSpace().type === T.Define) {
          this.parseDefinition(delim);
          continue;
        }
        this.i = save;
      }
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') this.errorf(`unexpected ${anyNodeString(n)}`, n.line);
      root.nodes.push(n as Node);
    }
    this.add(this.tree);
  }

  private add(t: Tree) {
    const existing = this.treeSet.get(t.name);
    if (!existing || isEmptyTree(existing.root)) {
      this.treeSet.set(t.name, t);
      return;
    }
    if (!isEmptyTree(t.root)) this.errorf(`template: multiple definition of template ${goQuote(t.name)}`);
  }

  private parseDefinition(_delim: Token) {
    const context = 'define clause';
    const nameTok = this.nextNonSpace();
    if (nameTok.type !== T.String && nameTok.type !== T.RawString) this.unexpected(nameTok, context);
    const name = this.unquote(nameTok);
    this.expect(T.RightDelim, context);
    const saveVars = this.vars;
    const saveRange = this.rangeDepth;
    this.vars = ['$'];
    this.rangeDepth = 0;
    const [list, end] = this.itemList();
    if (end.type !== 'end') this.errorf(`unexpected ${anyNodeString(end)} in ${context}`);
    this.vars = saveVars;
    this.rangeDepth = saveRange;
    this.add(new Tree(name, this.parseName, this.text, list));
  }

  private itemList(): [ListNode, AnyNode] {
    const list: ListNode = { type: 'list', nodes: [], pos: this.peekNonSpace().pos, line: this.peekNonSpace().line };
    while (this.peekNonSpace().type !== T.EOF) {
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return [list, n];
      list.nodes.push(n as Node);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): AnyNode {
    const t = this.nextNonSpace();
    switch (t.type) {
      case T.Text:
        return { type: 'text', text: t.val, pos: t.pos, line: t.line };
      case T.LeftDelim:
        this.actionLine = t.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      case T.Comment:
        return { type: 'comment', text: t.val, pos: t.pos, line: t.line };
      default:
        this.unexpected(t, 'input');
    }
  }

  private action(): AnyNode {
    const t = this.nextNonSpace();
    switch (t.type) {
      case T.Block:
        return this.blockControl();
      case T.Break:
        return this.breakControl(t, 'break');
      case T.Continue:
        return this.breakControl(t, 'continue');
      case T.Else:
        return this.elseControl();
      case T.End:
        this.expect(T.RightDelim, 'end');
        return { type: 'end', pos: t.pos, line: t.line };
      case T.If:
        return this.parseControl('if', t);
      case T.Range:
        return this.parseControl('range', t);
      case T.Template:
        return this.templateControl(t);
      case T.With:
        return this.parseControl('with', t);
      case T.Define:
        this.errorf('unexpected <define> in command');
    }
    this.backup();
    const p = this.peek();
    const pipe = this.pipeline('command', T.RightDelim);
    return { type: 'action', pipe, pos: p.pos, line: p.line };
  }

  private breakControl(t: Token, kind: 'break' | 'continue'): AnyNode {
    const tok = this.nextNonSpace();
    if (tok.type !== T.RightDelim) this.unexpected(tok, `{{${kind}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${kind}}} outside {{range}}`);
    return { type: kind, pos: t.pos, line: t.line };
  }

  private elseControl(): AnyNode {
    const p = this.peekNonSpace();
    if (p.type === T.If || p.type === T.With) return { type: 'else', pos: p.pos, line: p.line };
    const t = this.expect(T.RightDelim, 'else');
    return { type: 'else', pos: t.pos, line: t.line };
  }

  private parseControl(context: 'if' | 'range' | 'with', start: Token): BranchNode {
    const nvars = this.vars.length;
    try {
      const pipe = this.pipeline(context, T.RightDelim);
      if (context === 'range') this.rangeDepth++;
      let [list, next] = this.itemList();
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | null = null;
      if (next.type === 'else') {
        if ((context === 'if' && this.peek().type === T.If) || (context === 'with' && this.peek().type === T.With)) {
          const kw = this.next();
          elseList = { type: 'list', nodes: [this.parseControl(context, kw)], pos: next.pos, line: next.line };
        } else {
          [elseList, next] = this.itemList();
          if (next.type !== 'end') this.errorf(`expected end; found ${anyNodeString(next)}`);
        }
      }
      return { type: context, pipe, list, elseList, pos: pipe.pos, line: start.line };
    } finally {
      this.vars.length = nvars;
    }
  }

  private parseTemplateName(t: Token, context: string): string {
    if (t.type === T.String || t.type === T.RawString) return this.unquote(t);
    this.unexpected(t, context);
  }

  private templateControl(start: Token): TemplateNode {
    const context = 'template clause';
    const tok = this.nextNonSpace();
    const name = this.parseTemplateName(tok, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().type !== T.RightDelim) {
      this.backup();
      pipe = this.pipeline(context, T.RightDelim);
    }
    return { type: 'template', name, pipe, pos: tok.pos, line: start.line };
  }

  private blockControl(): TemplateNode {
    const context = 'block clause';
    const tok = this.nextNonSpace();
    const name = this.parseTemplateName(tok, context);
    const pipe = this.pipeline(context, T.RightDelim);
    const saveVars = this.vars;
    const saveRange = this.rangeDepth;
    this.vars = ['$'];
    this.rangeDepth = 0;
    const [list, end] = this.itemList();
    if (end.type !== 'end') this.errorf(`unexpected ${anyNodeString(end)} in ${context}`);
    this.vars = saveVars;
    this.rangeDepth = saveRange;
    this.add(new Tree(name, this.parseName, this.text, list));
    return { type: 'template', name, pipe, pos: tok.pos, line: tok.line };
  }

  // --- pipelines ---
  private pipeline(context: string, end: T): PipeNode {
    const tok = this.peekNonSpace();
    const pipe: PipeNode = { type: 'pipe', isAssign: false, decl: [], cmds: [], pos: tok.pos, line: tok.line };
    // declarations
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== T.Variable) break;
      const save = this.i;
      this.nextNonSpace();
      const n = this.peekNonSpace();
      if (n.type === T.Assign || n.type === T.Declare) {
        pipe.isAssign = n.type === T.Assign;
        this.nextNonSpace();
        pipe.decl.push({ type: 'variable', ident: [v.val], pos: v.pos, line: v.line });
        if (!pipe.isAssign) this.vars.push(v.val);
        else this.useVarCheck(v.val);
        break;
      }
      if (n.type === T.Char && n.val === ',') {
        this.nextNonSpace();
        pipe.decl.push({ type: 'variable', ident: [v.val], pos: v.pos, line: v.line });
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace().type;
          if (p === T.Variable || p === T.RightDelim || p === T.RightParen) continue decls;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      }
      this.i = save;
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      if (t.type === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      switch (t.type) {
        case T.Bool:
        case T.CharConstant:
        case T.Complex:
        case T.Dot:
        case T.Field:
        case T.Identifier:
        case T.Number:
        case T.Nil:
        case T.RawString:
        case T.String:
        case T.Variable:
        case T.LeftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(t, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string) {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    for (let i = 1; i < pipe.cmds.length; i++) {
      const a = pipe.cmds[i].args[0];
      switch (a.type) {
        case 'bool':
        case 'dot':
        case 'nil':
        case 'number':
        case 'string':
          this.errorf(`non executable command in pipeline stage ${i + 1}`);
      }
    }
  }

  private command(): CommandNode {
    const p = this.peekNonSpace();
    const cmd: CommandNode = { type: 'command', args: [], pos: p.pos, line: p.line };
    for (;;) {
      this.peekNonSpace();
      const op = this.operand();
      if (op) cmd.args.push(op);
      const t = this.next();
      if (t.type === T.Space) continue;
      if (t.type === T.RightDelim || t.type === T.RightParen) this.backup();
      else if (t.type !== T.Pipe) this.unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | null {
    const node = this.term();
    if (!node) return null;
    if (this.peek().type === T.Field) {
      const fields: string[] = [];
      while (this.peek().type === T.Field) fields.push(this.next().val.slice(1));
      switch (node.type) {
        case 'field':
          return { type: 'field', ident: [...node.ident, ...fields], pos: node.pos, line: node.line };
        case 'variable':
          return { type: 'variable', ident: [...node.ident, ...fields], pos: node.pos, line: node.line };
        case 'bool':
        case 'string':
        case 'number':
        case 'nil':
        case 'dot':
          this.errorf(`unexpected . after term ${goQuote(argString(node))}`);
        default:
          return { type: 'chain', node, field: fields, pos: node.pos, line: node.line };
      }
    }
    return node;
  }

  private term(): ArgNode | null {
    const t = this.nextNonSpace();
    switch (t.type) {
      case T.Identifier:
        if (!this.opts.skipFuncCheck && !this.opts.hasFunction(t.val)) this.errorf(`function ${goQuote(t.val)} not defined`);
        return { type: 'identifier', ident: t.val, pos: t.pos, line: t.line };
      case T.Dot:
        return { type: 'dot', pos: t.pos, line: t.line };
      case T.Nil:
        return { type: 'nil', pos: t.pos, line: t.line };
      case T.Variable:
        this.useVarCheck(t.val);
        return { type: 'variable', ident: [t.val], pos: t.pos, line: t.line };
      case T.Field:
        return { type: 'field', ident: [t.val.slice(1)], pos: t.pos, line: t.line };
      case T.Bool:
        return { type: 'bool', value: t.val === 'true', pos: t.pos, line: t.line };
      case T.CharConstant:
      case T.Complex:
      case T.Number:
        return this.number(t);
      case T.LeftParen:
        return this.pipeline('parenthesized pipeline', T.RightParen);
      case T.String:
      case T.RawString:
        return { type: 'string', quoted: t.val, text: this.unquote(t), pos: t.pos, line: t.line };
    }
    this.backup();
    return null;
  }

  private useVarCheck(name: string) {
    if (!this.vars.includes(name)) this.errorf(`undefined variable ${goQuote(name)}`);
  }

  private unquote(t: Token): string {
    if (t.type === T.RawString) return t.val.slice(1, -1).replace(/\r/g, '');
    try {
      return unquoteGo(t.val);
    } catch {
      this.errorf(`invalid syntax: ${t.val}`);
    }
  }

  private number(t: Token): NumberNode {
    const base = { type: 'number' as const, text: t.val, pos: t.pos, line: t.line };
    if (t.type === T.CharConstant) {
      let r: string;
      try {
        r = unquoteGo('"' + t.val.slice(1, -1).replace(/\\'/g, "'").replace(/"/g, '\\"') + '"');
      } catch {
        this.errorf(`malformed character constant: ${t.val}`);
      }
      const cps = [...r];
      if (cps.length !== 1) this.errorf(`malformed character constant: ${t.val}`);
      const v = cps[0].codePointAt(0)!;
      return { ...base, isInt: true, isFloat: true, value: v, floatish: false };
    }
    if (t.type === T.Complex) {
      if (!parseGoNumber(t.val.slice(0, -1))) this.errorf(`illegal number syntax: ${goQuote(t.val)}`);
      this.errorf(`complex numbers are not supported: ${t.val}`);
    }
    const n = parseGoNumber(t.val);
    if (!n) this.errorf(`illegal number syntax: ${goQuote(t.val)}`);
    const isHexInt = /^[+-]?0[xX]/.test(t.val) && !/[pP]/.test(t.val);
    const floatish = !isHexInt && /[.eEpP]/.test(t.val);
    return { ...base, isInt: n.isInt, isFloat: n.isFloat, value: n.value, floatish };
  }
}

/** Parses a Go number literal (ints in any base with underscores, floats, hex floats). */
export function parseGoNumber(text: string): { value: number; isInt: boolean; isFloat: boolean } | null {
  let s = text;
  let neg = false;
  if (s[0] === '+' || s[0] === '-') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  const u = (x: string) => {
    if (/^_|_$|__/.test(x)) return null;
    return x.replace(/_/g, '');
  };
  let intVal: number | null = null;
  let m: RegExpExecArray | null;
  if ((m = /^0[xX]([0-9a-fA-F_]+)$/.exec(s))) {
    const d = u(m[1].replace(/^_/, ''));
    if (d !== null) intVal = parseInt(d, 16);
  } else if ((m = /^0[oO]([0-7_]+)$/.exec(s))) {
    const d = u(m[1].replace(/^_/, ''));
    if (d !== null) intVal = parseInt(d, 8);
  } else if ((m = /^0[bB]([01_]+)$/.exec(s))) {
    const d = u(m[1].replace(/^_/, ''));
    if (d !== null) intVal = parseInt(d, 2);
  } else if ((m = /^0([0-7_]+)$/.exec(s))) {
    const d = u(m[1].replace(/^_/, ''));
    if (d !== null) intVal = parseInt(d, 8);
  } else if (/^(0|[1-9][0-9_]*)$/.test(s)) {
    const d = u(s);
    if (d !== null) intVal = Number(d);
  }
  if (intVal !== null) {
    const v = neg ? -intVal : intVal;
    return { value: v, isInt: true, isFloat: true };
  }
  let f: number | null = null;
  if (/^[0-9_]*\.?[0-9_]*([eE][+-]?[0-9_]+)?$/.test(s) && /[0-9]/.test(s)) {
    const d = u(s);
    if (d !== null && !/^\./.test(d) ? true : d !== null) f = Number(d);
  } else if ((m = /^0[xX]([0-9a-fA-F_]*)\.?([0-9a-fA-F_]*)[pP]([+-]?[0-9_]+)$/.exec(s))) {
    const mant = parseInt((m[1] || '0') + (m[2] || ''), 16);
    f = mant * Math.pow(2, Number(m[3].replace(/_/g, '')) - 4 * (m[2] || '').length);
  }
  if (f === null || Number.isNaN(f)) return null;
  const v = neg ? -f : f;
  return { value: v, isInt: Number.isInteger(v) && Math.abs(v) <= 2 ** 63, isFloat: true };
}

/** strconv.Unquote for double-quoted Go strings. */
export function unquoteGo(q: string): string {
  if (q.length < 2 || q[0] !== '"' || q[q.length - 1] !== '"') throw new Error('invalid syntax');
  const s = q.slice(1, -1);
  let out = '';
  const bytes: number[] = [];
  const flushBytes = () => {
    if (bytes.length) {
      out += Buffer.from(bytes).toString('utf8');
      bytes.length = 0;
    }
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"' || c === '\n') throw new Error('invalid syntax');
    if (c !== '\\') {
      flushBytes();
      out += c;
      continue;
    }
    const e = s[++i];
    switch (e) {
      case 'a': flushBytes(); out += '\x07'; break;
      case 'b': flushBytes(); out += '\b'; break;
      case 'f': flushBytes(); out += '\f'; break;
      case 'n': flushBytes(); out += '\n'; break;
      case 'r': flushBytes(); out += '\r'; break;
      case 't': flushBytes(); out += '\t'; break;
      case 'v': flushBytes(); out += '\v'; break;
      case '\\': flushBytes(); out += '\\'; break;
      case '"': flushBytes(); out += '"'; break;
      case "'": flushBytes(); out += "'"; break;
      case 'x': {
        const h = s.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new Error('invalid syntax');
        bytes.push(parseInt(h, 16));
        i += 2;
        break;
      }
      case 'u':
      case 'U': {
        const n = e === 'u' ? 4 : 8;
        const h = s.slice(i + 1, i + 1 + n);
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) throw new Error('invalid syntax');
        const cp = parseInt(h, 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) throw new Error('invalid syntax');
        flushBytes();
        out += String.fromCodePoint(cp);
        i += n;
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          const o = s.slice(i, i + 3);
          if (!/^[0-7]{3}$/.test(o)) throw new Error('invalid syntax');
          const v = parseInt(o, 8);
          if (v > 255) throw new Error('invalid syntax');
          bytes.push(v);
          i += 2;
          break;
        }
        throw new Error('invalid syntax');
    }
  }
  flushBytes();
  return out;
}

/** strconv.Quote: a Go double-quoted string literal (Go's %q for strings). */
export function goQuote(s: string, asciiOnly = false): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"': out += '\\"'; continue;
      case '\\': out += '\\\\'; continue;
      case '\n': out += '\\n'; continue;
      case '\r': out += '\\r'; continue;
      case '\t': out += '\\t'; continue;
      case '\x07': out += '\\a'; continue;
      case '\b': out += '\\b'; continue;
      case '\f': out += '\\f'; continue;
      case '\v': out += '\\v'; continue;
    }
    if (cp === 0xfffd && ch === '\ufffd') {
      out += ch;
      continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp >= 0xd800 && cp < 0xe000) out += '\\ufffd';
    else if (cp < 0x7f) out += ch;
    else if (asciiOnly || !isPrintable(cp)) out += cp > 0xffff ? '\\U' + cp.toString(16).padStart(8, '0') : '\\u' + cp.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

export function isPrintable(cp: number): boolean {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp === 0xad) return false;
  return /[\p{L}\p{M}\p{N}\p{P}\p{S}\u0020]/u.test(String.fromCodePoint(cp));
}

// --- String forms (used in error messages, as Go's Node.String) ---

function anyNodeString(n: AnyNode): string {
  if (n.type === 'end') return '{{end}}';
  if (n.type === 'else') return '{{else}}';
  return nodeString(n);
}

export function argString(a: ArgNode): string {
  switch (a.type) {
    case 'identifier':
      return a.ident;
    case 'variable':
      return a.ident.join('.');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'field':
      return '.' + a.ident.join('.');
    case 'chain': {
      const inner = a.node.type === 'pipe' ? '(' + pipeString(a.node) + ')' : argString(a.node);
      return inner + '.' + a.field.join('.');
    }
    case 'bool':
      return String(a.value);
    case 'number':
      return a.text;
    case 'string':
      return a.quoted;
    case 'pipe':
      return '(' + pipeString(a) + ')';
  }
}

export function commandString(c: CommandNode): string {
  return c.args.map((a) => (a.type === 'pipe' ? '(' + pipeString(a) + ')' : argString(a))).join(' ');
}

export function pipeString(p: PipeNode): string {
  let s = '';
  if (p.decl.length) s = p.decl.map((v) => v.ident.join('.')).join(', ') + (p.isAssign ? ' = ' : ' := ');
  return s + p.cmds.map(commandString).join(' | ');
}

export function nodeString(n: Node | ArgNode | CommandNode): string {
  switch (n.type) {
    case 'list':
      return n.nodes.map(nodeString).join('');
    case 'text':
      return goQuote(n.text);
    case 'comment':
      return '{{' + n.text + '}}';
    case 'action':
      return '{{' + pipeString(n.pipe) + '}}';
    case 'if':
    case 'range':
    case 'with': {
      let s = `{{${n.type} ${pipeString(n.pipe)}}}${nodeString(n.list)}`;
      if (n.elseList) s += `{{else}}${nodeString(n.elseList)}`;
      return s + '{{end}}';
    }
    case 'template':
      return n.pipe ? `{{template ${goQuote(n.name)} ${pipeString(n.pipe)}}}` : `{{template ${goQuote(n.name)}}}`;
    case 'break':
      return '{{break}}';
    case 'continue':
      return '{{continue}}';
    case 'command':
      return commandString(n);
    case 'pipe':
      return pipeString(n);
    default:
      return argString(n);
  }
}

export { quoteRune };
