/** Recursive-descent parser from tokens to the AST, with the reference's static checks. */
import { OBJ_LOCALS, type Arg, type AssertNode, type Bind, type CompSpec, type Expr, type FieldNode, type Hide, type Param } from './ast.js';
import { StaticError, type Loc, type SourceFile } from './errors.js';
import { lex, type Token } from './lexer.js';

const BINARY_PREC: Record<string, number> = {
  '*': 10, '/': 10, '%': 10,
  '+': 9, '-': 9,
  '<<': 8, '>>': 8,
  '<': 7, '<=': 7, '>': 7, '>=': 7, in: 7,
  '==': 6, '!=': 6,
  '&': 5,
  '^': 4,
  '|': 3,
  '&&': 2,
  '||': 1,
};

const MAX_NESTING = 400;
const MAX_CHAIN = 5000;

/** Parses a whole program and runs the static checks (unknown variables, self outside objects...). */
export function parse(src: SourceFile): Expr {
  const p = new Parser(src, lex(src));
  try {
    const e = p.parseExpr(0);
    const t = p.peek();
    if (t.kind !== 'eof') p.fail(`did not expect: ${describe(t)}`, t);
    checkStatic(src, e);
    return e;
  } catch (err) {
    if (err instanceof RangeError) throw new StaticError('Exceeded max depth of nested expressions.', { src, b: 0, e: 0 }, true);
    throw err;
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof': return 'end of file';
    case 'str': case 'vstr': case 'block': return `(STRING, "${t.value}")`;
    case 'num': return `(NUMBER, "${t.value}")`;
    case 'id': return `(IDENTIFIER, "${t.value}")`;
    case 'op': return `(OPERATOR, "${t.value}")`;
    default: return `(${t.value}, "${t.value}")`;
  }
}

class Parser {
  private pos = 0;
  private depth = 0;
  private objDepth = 0;
  constructor(private readonly src: SourceFile, private readonly toks: Token[]) {}

  loc(b: number, e: number): Loc {
    return { src: this.src, b, e };
  }
  peek(o = 0): Token {
    return this.toks[Math.min(this.pos + o, this.toks.length - 1)];
  }
  next(): Token {
    const t = this.toks[this.pos];
    if (this.pos < this.toks.length - 1) this.pos++;
    return t;
  }
  get lastEnd(): number {
    return this.toks[this.pos - 1]?.e ?? 0;
  }
  fail(msg: string, t: Token): never {
    if (t.kind === 'eof') throw new StaticError('unexpected end of file.', this.loc(t.b, t.b), true);
    throw new StaticError(msg, this.loc(t.b, t.b), true);
  }
  is(kind: Token['kind'], value?: string): boolean {
    const t = this.peek();
    return t.kind === kind && (value === undefined || t.value === value);
  }
  isPunct(v: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.value === v;
  }
  isOp(v: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.value === v;
  }
  isKw(v: string): boolean {
    const t = this.peek();
    return t.kind === 'kw' && t.value === v;
  }
  expect(kind: Token['kind'], value: string): Token {
    const t = this.peek();
    if (t.kind !== kind || t.value !== value) this.fail(`expected token ${kind === 'kw' ? value.toUpperCase() : kind === 'op' ? 'OPERATOR' : `"${value}"`} but got ${describe(t)}`, t);
    return this.next();
  }
  ident(): Token {
    const t = this.peek();
    if (t.kind !== 'id') this.fail(`expected token IDENTIFIER but got ${describe(t)}`, t);
    return this.next();
  }

  parseExpr(minPrec: number): Expr {
    if (++this.depth > MAX_NESTING) {
      const t = this.peek();
      throw new StaticError('Exceeded max depth of nested expressions.', this.loc(t.b, t.e));
    }
    try {
      const start = this.peek().b;
      let left = this.parseUnary();
      let chain = 0;
      while (true) {
        const t = this.peek();
        let op: string | null = null;
        if (t.kind === 'op') op = t.value;
        else if (t.kind === 'kw' && t.value === 'in') op = 'in';
        if (op === null) break;
        const prec = BINARY_PREC[op];
        if (prec === undefined) {
          if (op === '=' ) this.fail(`not a binary operator: ${op}`, t);
          break;
        }
        if (prec <= minPrec) break;
        this.next();
        if (op === 'in' && this.isKw('super')) {
          this.next();
          left = { k: 'insuper', key: left, depth: 0, loc: this.loc(start, this.lastEnd) };
          continue;
        }
        const right = this.parseExpr(prec);
        left = { k: 'binary', op, l: left, r: right, loc: this.loc(start, this.lastEnd) };
        if (++chain + this.depth > MAX_CHAIN) throw new StaticError('Exceeded max depth of nested expressions.', this.loc(t.b, t.e));
      }
      return left;
    } finally {
      this.depth--;
    }
  }

  parseUnary(): Expr {
    const t = this.peek();
    if (t.kind === 'op' && (t.value === '-' || t.value === '+' || t.value === '!' || t.value === '~')) {
      this.next();
      if (++this.depth > MAX_NESTING) throw new StaticError('Exceeded max depth of nested expressions.', this.loc(t.b, t.e));
      try {
        const e = this.parseUnary();
        return { k: 'unary', op: t.value, e, loc: this.loc(t.b, this.lastEnd) };
      } finally {
        this.depth--;
      }
    }
    if (t.kind === 'kw') {
      switch (t.value) {
        case 'local': return this.parseLocal();
        case 'if': {
          this.next();
          const cond = this.parseExpr(0);
          this.expect('kw', 'then');
          const then = this.parseExpr(0);
          let els: Expr | null = null;
          if (this.isKw('else')) {
            this.next();
            els = this.parseExpr(0);
          }
          return { k: 'if', cond, then, else: els, loc: this.loc(t.b, this.lastEnd) };
        }
        case 'function': {
          this.next();
          this.expect('punct', '(');
          const params = this.parseParams();
          const body = this.parseExpr(0);
          return { k: 'function', params, body, name: 'anonymous', loc: this.loc(t.b, this.lastEnd) };
        }
        case 'assert': {
          this.next();
          const cond = this.parseExpr(0);
          let msg: Expr | null = null;
          if (this.isOp(':')) {
            this.next();
            msg = this.parseExpr(0);
          }
          this.expect('punct', ';');
          const rest = this.parseExpr(0);
          return { k: 'assert', cond, msg, rest, loc: this.loc(t.b, this.lastEnd) };
        }
        case 'error': {
          this.next();
          const e = this.parseExpr(0);
          return { k: 'error', e, loc: this.loc(t.b, this.lastEnd) };
        }
      }
    }
    return this.parsePostfix();
  }

  parseLocal(): Expr {
    const t = this.next();
    const binds: Bind[] = [];
    const seen = new Set<string>();
    while (true) {
      const b = this.parseBind();
      if (seen.has(b.name)) throw new StaticError(`duplicate local var: ${b.name}`, this.loc(b.loc.b, b.loc.b), true);
      seen.add(b.name);
      binds.push(b);
      if (this.isPunct(',')) {
        this.next();
        continue;
      }
      if (!this.isPunct(';')) {
        const bad = this.peek();
        if (bad.kind === 'eof') this.fail('', bad);
        throw new StaticError(`expected , or ; but got ${describe(bad)}`, this.loc(bad.b, bad.kind === 'id' ? bad.b : bad.e), bad.kind === 'id');
      }
      this.next();
      break;
    }
    const body = this.parseExpr(0);
    return { k: 'local', binds, body, loc: this.loc(t.b, this.lastEnd) };
  }

  parseBind(): Bind {
    const id = this.ident();
    if (this.isPunct('(')) {
      const fb = this.next().b;
      const params = this.parseParams();
      this.expect('op', '=');
      const body = this.parseExpr(0);
      return { name: id.value, body: { k: 'function', params, body, name: id.value, loc: this.loc(fb, this.lastEnd) }, loc: this.loc(id.b, this.lastEnd) };
    }
    this.expect('op', '=');
    const body = this.parseExpr(0);
    if (body.k === 'function' && body.name === 'anonymous') body.name = id.value;
    return { name: id.value, body, loc: this.loc(id.b, this.lastEnd) };
  }

  /** After '(' was consumed; consumes the closing ')'. */
  parseParams(): Param[] {
    const params: Param[] = [];
    const seen = new Set<string>();
    while (!this.isPunct(')')) {
      const pt = this.peek();
      if (pt.kind !== 'id') {
        if (pt.kind === 'eof') this.fail('', pt);
        throw new StaticError('could not parse parameter here.', this.loc(pt.b, pt.e));
      }
      const id = this.ident();
      let def: Expr | null = null;
      if (this.isOp('=')) {
        this.next();
        def = this.parseExpr(0);
      }
      if (seen.has(id.value)) throw new StaticError(`Duplicate function parameter: ${id.value}`, this.loc(id.b, id.b), true);
      seen.add(id.value);
      params.push({ name: id.value, def, loc: this.loc(id.b, id.e) });
      if (this.isPunct(',')) this.next();
      else if (!this.isPunct(')')) this.fail(`expected a comma before next function parameter, got ${describe(this.peek())}.`, this.peek());
    }
    this.next();
    return params;
  }

  parsePostfix(): Expr {
    const start = this.peek().b;
    let e = this.parsePrimary();
    while (true) {
      const t = this.peek();
      if (t.kind !== 'punct') break;
      if (t.value === '.') {
        this.next();
        const id = this.ident();
        e = { k: 'index', target: e, index: { k: 'lit', v: id.value, loc: this.loc(id.b, id.e) }, loc: this.loc(start, id.e) };
      } else if (t.value === '[') {
        this.next();
        e = this.parseIndexOrSlice(e, start);
      } else if (t.value === '(') {
        this.next();
        e = this.parseCall(e, start);
      } else if (t.value === '{') {
        const obj = this.parseObject();
        e = { k: 'binary', op: '+', l: e, r: obj, loc: this.loc(start, this.lastEnd) };
      } else break;
    }
    return e;
  }

  parseIndexOrSlice(target: Expr, start: number): Expr {
    const parts: (Expr | null)[] = [];
    let colons = 0;
    let cur: Expr | null = null;
    let sawColon = false;
    while (true) {
      const t = this.peek();
      if (t.kind === 'punct' && t.value === ']') {
        this.next();
        break;
      }
      if (t.kind === 'op' && (t.value === ':' || t.value === '::')) {
        this.next();
        sawColon = true;
        const n = t.value.length;
        for (let i = 0; i < n; i++) {
          parts.push(cur);
          cur = null;
          colons++;
        }
        if (colons > 2) this.fail(`expected token "]" but got ":"`, t);
        continue;
      }
      if (cur !== null) this.fail(`Expected token "]" but got ${describe(t)}`, t);
      cur = this.parseExpr(0);
    }
    parts.push(cur);
    const loc = this.loc(start, this.lastEnd);
    if (!sawColon) {
      if (cur === null) this.fail('Expected an index expression', this.toks[this.pos - 1]);
      return { k: 'index', target, index: cur as Expr, loc };
    }
    return { k: 'slice', target, start: parts[0] ?? null, end: parts[1] ?? null, step: parts[2] ?? null, loc };
  }

  parseCall(fn: Expr, start: number): Expr {
    const args: Arg[] = [];
    let positional = 0;
    const named = new Set<string>();
    while (!this.isPunct(')')) {
      const t = this.peek();
      if (t.kind === 'id' && this.peek(1).kind === 'op' && this.peek(1).value === '=') {
        this.next();
        this.next();
        const expr = this.parseExpr(0);
        named.add(t.value);
        args.push({ name: t.value, expr });
      } else {
        if (named.size > 0) this.fail('Positional argument after a named argument is not allowed', t);
        args.push({ name: null, expr: this.parseExpr(0) });
        positional++;
      }
      if (this.isPunct(',')) this.next();
      else if (!this.isPunct(')')) this.fail(`expected a comma before next function argument, got ${describe(this.peek())}.`, this.peek());
    }
    this.next();
    let tailstrict = false;
    if (this.isKw('tailstrict')) {
      this.next();
      tailstrict = true;
    }
    return { k: 'apply', fn, args, positional, tailstrict, loc: this.loc(start, this.lastEnd) };
  }

  parsePrimary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'num':
        this.next();
        if (!Number.isFinite(t.num)) return { k: 'error', e: { k: 'lit', v: 'overflow', loc: this.loc(t.b, t.e) }, loc: this.loc(t.b, t.e) };
        return { k: 'lit', v: t.num, loc: this.loc(t.b, t.e) };
      case 'str': case 'vstr': case 'block':
        this.next();
        return { k: 'lit', v: t.value, loc: this.loc(t.b, t.e) };
      case 'id':
        this.next();
        return { k: 'var', name: t.value, depth: 0, idx: 0, loc: this.loc(t.b, t.e) };
      case 'kw':
        switch (t.value) {
          case 'null': this.next(); return { k: 'lit', v: null, loc: this.loc(t.b, t.e) };
          case 'true': this.next(); return { k: 'lit', v: true, loc: this.loc(t.b, t.e) };
          case 'false': this.next(); return { k: 'lit', v: false, loc: this.loc(t.b, t.e) };
          case 'self': this.next(); return { k: 'self', depth: 0, loc: this.loc(t.b, t.e) };
          case 'super': {
            this.next();
            const n = this.peek();
            if (n.kind === 'punct' && n.value === '.') {
              this.next();
              const id = this.ident();
              return { k: 'superindex', index: { k: 'lit', v: id.value, loc: this.loc(id.b, id.e) }, depth: 0, loc: this.loc(t.b, t.e) };
            }
            if (n.kind === 'punct' && n.value === '[') {
              this.next();
              const idx = this.parseExpr(0);
              this.expect('punct', ']');
              return { k: 'superindex', index: idx, depth: 0, loc: this.loc(t.b, this.lastEnd) };
            }
            throw new StaticError('expected . or [ after super.', this.loc(t.b, t.e));
            break;
          }
          case 'import': case 'importstr': case 'importbin': {
            this.next();
            const p = this.peek();
            const arg = this.parseExpr(0);
            if (arg.k !== 'lit' || typeof arg.v !== 'string') throw new StaticError('computed imports are not allowed.', arg.loc);
            if (p.kind === 'block') throw new StaticError('Cannot use text blocks in import statements.', arg.loc);
            return { k: 'import', kind: t.value, path: arg.v, loc: this.loc(t.b, this.lastEnd) };
          }
          case 'local': case 'if': case 'function': case 'assert': case 'error':
            return this.parseUnary();
        }
        break;
      case 'punct':
        switch (t.value) {
          case '$': this.next(); return { k: 'dollar', depth: 0, loc: this.loc(t.b, t.e) };
          case '(': {
            this.next();
            const e = this.parseExpr(0);
            this.expect('punct', ')');
            return e;
          }
          case '[': return this.parseArray();
          case '{': return this.parseObject();
        }
        break;
    }
    if (t.kind === 'kw') throw new StaticError(`unexpected: ${t.value} while parsing terminal`, this.loc(t.b, t.e));
    return this.fail(`unexpected: ${JSON.stringify(t.value)} while parsing terminal`, t);
  }

  parseArray(): Expr {
    const open = this.next();
    const elems: Expr[] = [];
    while (!this.isPunct(']')) {
      const e = this.parseExpr(0);
      elems.push(e);
      let comma = false;
      if (this.isPunct(',')) {
        this.next();
        comma = true;
      }
      if (this.isKw('for')) {
        if (elems.length !== 1) this.fail('Array comprehension must have exactly one element expression', this.peek());
        const specs = this.parseCompSpecs(']');
        this.expect('punct', ']');
        return { k: 'arrcomp', body: e, specs, loc: this.loc(open.b, this.lastEnd) };
      }
      if (!comma && !this.isPunct(']')) this.fail(`expected a comma before next array element.`, this.peek());
    }
    this.next();
    return { k: 'array', elems, loc: this.loc(open.b, this.lastEnd) };
  }

  parseCompSpecs(close: string): CompSpec[] {
    const specs: CompSpec[] = [];
    while (true) {
      if (this.isKw('for')) {
        this.next();
        const id = this.ident();
        this.expect('kw', 'in');
        specs.push({ kind: 'for', name: id.value, expr: this.parseExpr(0) });
      } else if (this.isKw('if')) {
        this.next();
        specs.push({ kind: 'if', cond: this.parseExpr(0) });
      } else if (this.isPunct(close)) {
        return specs;
      } else {
        this.fail(`Expected for, if or "${close}" after for clause, got: ${describe(this.peek())}`, this.peek());
      }
    }
  }

  parseObject(): Expr {
    const open = this.next();
    const outermost = this.objDepth === 0;
    this.objDepth++;
    try {
      const locals: Bind[] = [];
      const fields: FieldNode[] = [];
      const asserts: AssertNode[] = [];
      const names = new Set<string>();
      const localNames = new Set<string>();
      let compField: FieldNode | null = null;
      let members = 0;
      while (!this.isPunct('}')) {
        const t = this.peek();
        if (t.kind === 'kw' && t.value === 'local') {
          this.next();
          const b = this.parseBind();
          if (localNames.has(b.name)) throw new StaticError(`Duplicate local var: ${b.name}`, this.loc(b.loc.b, b.loc.b), true);
          localNames.add(b.name);
          locals.push(b);
        } else if (t.kind === 'kw' && t.value === 'assert') {
          this.next();
          const cond = this.parseExpr(0);
          let msg: Expr | null = null;
          if (this.isOp(':')) {
            this.next();
            msg = this.parseExpr(0);
          }
          asserts.push({ cond, msg, loc: this.loc(t.b, this.lastEnd) });
        } else {
          const f = this.parseField();
          if (f.name !== null) {
            if (names.has(f.name)) {
              const point = t.kind === 'id';
              throw new StaticError(`duplicate field: ${f.name}`, this.loc(t.b, point ? t.b : t.e), point);
            }
            names.add(f.name);
          }
          fields.push(f);
          compField = f;
        }
        members++;
        let comma = false;
        if (this.isPunct(',')) {
          this.next();
          comma = true;
        }
        if (this.isKw('for')) {
          const ft = this.peek();
          if (fields.length !== 1 || compField === null || asserts.length > 0) {
            throw new StaticError('object comprehension can only have one field.', this.loc(ft.b, ft.e));
          }
          if (compField.nameExpr === null) throw new StaticError('object comprehensions can only have [e] fields.', this.loc(ft.b, ft.e));
          const cf = compField as FieldNode;
          if (cf.hide !== 0) this.fail('Object comprehensions cannot have hidden fields.', this.peek());
          const specs = this.parseCompSpecs('}');
          this.expect('punct', '}');
          return { k: 'objcomp', locals, nameExpr: cf.nameExpr as Expr, plus: cf.plus, body: cf.body, specs, outermost, loc: this.loc(open.b, this.lastEnd) };
        }
        if (!comma && !this.isPunct('}')) this.fail(`expected a comma before next field.`, this.peek());
      }
      void members;
      this.next();
      return { k: 'object', locals, fields, asserts, outermost, loc: this.loc(open.b, this.lastEnd) };
    } finally {
      this.objDepth--;
    }
  }

  parseField(): FieldNode {
    const t = this.peek();
    let name: string | null = null;
    let nameExpr: Expr | null = null;
    if (t.kind === 'id' || t.kind === 'str' || t.kind === 'vstr' || t.kind === 'block') {
      this.next();
      name = t.value;
    } else if (t.kind === 'punct' && t.value === '[') {
      this.next();
      // the name expression is evaluated outside the object
      this.objDepth--;
      try {
        nameExpr = this.parseExpr(0);
      } finally {
        this.objDepth++;
      }
      this.expect('punct', ']');
    } else {
      this.fail(`Unexpected: ${describe(t)} while parsing field definition`, t);
    }
    let params: Param[] | null = null;
    let fnStart = 0;
    if (this.isPunct('(')) {
      fnStart = this.next().b;
      params = this.parseParams();
    }
    const op = this.peek();
    let plus = false;
    let hide: Hide = 0;
    if (op.kind !== 'op') this.fail(`expected token OPERATOR but got ${describe(op)}`, op);
    switch (op.value) {
      case ':': break;
      case '::': hide = 1; break;
      case ':::': hide = 2; break;
      case '+:': plus = true; break;
      case '+::': plus = true; hide = 1; break;
      case '+:::': plus = true; hide = 2; break;
      default: this.fail(`expected one of :, ::, :::, +:, +::, +:::, got: ${op.value}`, op);
    }
    if (plus && params !== null) this.fail('Cannot use +: syntax sugar in a method: ' + (name ?? ''), op);
    this.next();
    let body = this.parseExpr(0);
    if (params !== null) {
      body = { k: 'function', params, body, name: name ?? 'anonymous', loc: this.loc(fnStart, this.lastEnd) };
    } else if (body.k === 'function' && body.name === 'anonymous' && name !== null) {
      body.name = name;
    }
    return { name, nameExpr, hide, plus, body, loc: this.loc(t.b, this.lastEnd) };
  }
}

/**
 * Unknown variables and self/super/$ outside objects are errors before evaluation starts. The same
 * walk resolves each variable to its frame depth and slot (see ast.ts), mirroring exactly where the
 * evaluator creates frames.
 */
function checkStatic(src: SourceFile, root: Expr): void {
  void src;
  interface Scope {
    names: string[];
    /** slot of names[0] in the frame */
    base: number;
    obj: boolean;
    parent: Scope | null;
  }
  const push = (parent: Scope, names: string[], obj = false): Scope => ({ names, base: obj ? OBJ_LOCALS : 1, obj, parent });
  const rootScope: Scope = { names: ['std'], base: 1, obj: false, parent: null };
  const walk = (e: Expr, s: Scope): void => {
    switch (e.k) {
      case 'lit': case 'import': return;
      case 'self': case 'dollar': {
        let depth = 0;
        let found = -1;
        for (let c: Scope | null = s; c; c = c.parent, depth++) {
          if (c.obj) {
            found = depth;
            if (e.k === 'self') break;
          }
        }
        if (found < 0) {
          if (e.k === 'dollar') throw new StaticError('No top-level object found.', { src: e.loc.src, b: e.loc.b, e: e.loc.b }, true);
          throw new StaticError("Can't use self outside of an object.", e.loc);
        }
        e.depth = found;
        return;
      }
      case 'var': {
        let depth = 0;
        for (let c: Scope | null = s; c; c = c.parent, depth++) {
          const i = c.names.lastIndexOf(e.name);
          if (i >= 0) {
            e.depth = depth;
            e.idx = c.base + i;
            return;
          }
        }
        throw new StaticError(`Unknown variable: ${e.name}`, { src: e.loc.src, b: e.loc.b, e: e.loc.b }, true);
      }
      case 'array':
        for (const x of e.elems) walk(x, s);
        return;
      case 'arrcomp': {
        let cur = s;
        for (const sp of e.specs) {
          if (sp.kind === 'for') {
            walk(sp.expr, cur);
            cur = push(cur, [sp.name]);
          } else walk(sp.cond, cur);
        }
        walk(e.body, cur);
        return;
      }
      case 'object': {
        for (const f of e.fields) if (f.nameExpr) walk(f.nameExpr, s);
        const inner = push(s, e.locals.map((b) => b.name), true);
        for (const b of e.locals) walk(b.body, inner);
        for (const f of e.fields) walk(f.body, inner);
        for (const a of e.asserts) {
          walk(a.cond, inner);
          if (a.msg) walk(a.msg, inner);
        }
        return;
      }
      case 'objcomp': {
        let cur = s;
        for (const sp of e.specs) {
          if (sp.kind === 'for') {
            walk(sp.expr, cur);
            cur = push(cur, [sp.name]);
          } else walk(sp.cond, cur);
        }
        walk(e.nameExpr, cur);
        const inner = push(cur, e.locals.map((b) => b.name), true);
        for (const b of e.locals) walk(b.body, inner);
        walk(e.body, inner);
        return;
      }
      case 'index':
        walk(e.target, s);
        walk(e.index, s);
        return;
      case 'superindex': case 'insuper': {
        let depth = 0;
        let c: Scope | null = s;
        while (c && !c.obj) {
          c = c.parent;
          depth++;
        }
        if (!c) throw new StaticError("Can't use super outside of an object.", e.loc);
        e.depth = depth;
        walk(e.k === 'superindex' ? e.index : e.key, s);
        return;
      }
      case 'slice':
        walk(e.target, s);
        if (e.start) walk(e.start, s);
        if (e.end) walk(e.end, s);
        if (e.step) walk(e.step, s);
        return;
      case 'local': {
        const inner = push(s, e.binds.map((b) => b.name));
        for (const b of e.binds) walk(b.body, inner);
        walk(e.body, inner);
        return;
      }
      case 'apply':
        walk(e.fn, s);
        for (const a of e.args) walk(a.expr, s);
        return;
      case 'function': {
        const inner = push(s, e.params.map((p) => p.name));
        for (const p of e.params) if (p.def) walk(p.def, inner);
        walk(e.body, inner);
        return;
      }
      case 'if':
        walk(e.cond, s);
        walk(e.then, s);
        if (e.else) walk(e.else, s);
        return;
      case 'binary':
        walk(e.l, s);
        walk(e.r, s);
        return;
      case 'unary':
        walk(e.e, s);
        return;
      case 'assert':
        walk(e.cond, s);
        if (e.msg) walk(e.msg, s);
        walk(e.rest, s);
        return;
      case 'error':
        walk(e.e, s);
        return;
    }
  };
  walk(root, rootScope);
}
