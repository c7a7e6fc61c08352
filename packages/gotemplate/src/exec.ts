// The executor: walks a parsed tree against data, as Go's text/template exec.go does.

import { BUILTINS } from './builtins.js';
import { formatV } from './fmt.js';
import { ArgTypeError, convertArg, goTypeName, isGoFunc } from './funcs.js';
import type { GoFunc, ParamType, TemplateFunc } from './funcs.js';
import { argString, commandString, goQuote } from './parse.js';
import type { ArgNode, BranchNode, CommandNode, FieldNode, ChainNode, IdentifierNode, ListNode, Node, NumberNode, PipeNode, TemplateNode, Tree, VariableNode, Pos } from './parse.js';
import { GoTime } from './time.js';
import { MISSING, f64, isTrue, kindOf, mapGet, sortedKeys, toJS, typeName } from './values.js';

export type MissingKey = 'default' | 'invalid' | 'zero' | 'error';

export interface ExecLimits {
  /** maximum nesting of {{template}} calls (default 1000) */
  maxCallDepth: number;
  /** maximum output length in characters (default 16 MiB) */
  maxOutputSize: number;
  /** maximum loop iterations across one execution (default 10 million) */
  maxIterations: number;
}

/** What the executor needs from a template set. */
export interface ExecContext {
  lookupTree(name: string): Tree | undefined;
  findFunc(name: string): TemplateFunc | undefined;
  missingKey: MissingKey;
  limits: ExecLimits;
}

/** An error during execution; its message follows Go's format. */
export class ExecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecError';
  }
}

class Break {}
class Continue {}
const BREAK = new Break();
const CONTINUE = new Continue();

interface Variable {
  name: string;
  value: unknown;
}

type Node2 = Pos & { type: string };

export function execute(ctx: ExecContext, name: string, tree: Tree, data: unknown): string {
  // nil data is Go's invalid reflect.Value: fields of it are missing, not nil-pointer errors
  if (data === null || data === undefined) data = MISSING;
  const s = new State(ctx, name, tree, data);
  try {
    s.walk(data, tree.root);
  } catch (e) {
    if (e instanceof ExecError || e instanceof RangeError) throw e;
    // anything else (a throwing getter, a toString that fails) still gets Go's error shape
    s.errorf(e instanceof Error ? e.message : String(e));
  }
  return s.out;
}

class State {
  out = '';
  vars: Variable[];
  depth = 0;
  node: Node2 | null = null;
  iterations = 0;

  constructor(
    readonly ctx: ExecContext,
    public name: string,
    public tree: Tree,
    data: unknown,
  ) {
    this.vars = [{ name: '$', value: data }];
  }

  errorf(msg: string): never {
    if (!this.node) throw new ExecError(`template: ${this.name}: ${msg}`);
    const [loc, context] = this.tree.errorContext(this.node);
    throw new ExecError(`template: ${loc}: executing ${goQuote(this.name)} at <${context}>: ${msg}`);
  }

  at(n: Node2) {
    this.node = n;
  }

  write(s: string) {
    this.out += s;
    if (this.out.length > this.ctx.limits.maxOutputSize) {
      this.errorf(`output exceeds the limit of ${this.ctx.limits.maxOutputSize} bytes`);
    }
  }

  // --- variables ---
  mark() {
    return this.vars.length;
  }
  pop(mark: number) {
    this.vars.length = mark;
  }
  setVar(name: string, value: unknown) {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) {
        this.vars[i].value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }
  varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].value;
    this.errorf(`undefined variable: ${name}`);
  }

  // --- walking ---
  walk(dot: unknown, node: Node) {
    this.at(node);
    switch (node.type) {
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'text':
        this.write(node.text);
        return;
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'if':
      case 'with':
        this.walkIfOrWith(node, dot);
        return;
      case 'range':
        this.walkRange(node, dot);
        return;
      case 'template':
        this.walkTemplate(node, dot);
        return;
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
      case 'comment':
        return;
    }
  }

  walkIfOrWith(n: BranchNode, dot: unknown) {
    const mark = this.mark();
    try {
      const val = this.evalPipeline(dot, n.pipe);
      if (val !== MISSING && isTrue(val)) {
        this.walk(n.type === 'with' ? val : dot, n.list);
      } else if (n.elseList) {
        this.walk(dot, n.elseList);
      }
    } finally {
      this.pop(mark);
    }
  }

  walkRange(r: BranchNode, dot: unknown) {
    this.at(r);
    const outer = this.mark();
    try {
      const val = this.evalPipeline(dot, r.pipe);
      const mark = this.mark();
      const decl = r.pipe.decl;
      const one = (index: unknown, elem: unknown): boolean => {
        if (++this.iterations > this.ctx.limits.maxIterations) {
          this.at(r);
          this.errorf(`range exceeded the limit of ${this.ctx.limits.maxIterations} iterations`);
        }
        if (decl.length > 0) {
          if (r.pipe.isAssign) this.setVar(decl[0].ident[0], decl.length > 1 ? index : elem);
          else this.vars[mark - 1].value = elem;
        }
        if (decl.length > 1) {
          if (r.pipe.isAssign) this.setVar(decl[1].ident[0], elem);
          else this.vars[mark - 2].value = index;
        }
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (e === BREAK) return false;
          if (e !== CONTINUE) throw e;
        } finally {
          this.pop(mark);
        }
        return true;
      };
      let ran = false;
      switch (kindOf(val)) {
        case 'slice': {
          const a = val as unknown[];
          for (let i = 0; i < a.length; i++) {
            ran = true;
            const e = a[i];
            if (!one(i, e === undefined ? null : e)) break;
          }
          break;
        }
        case 'bytes': {
          const a = val as Uint8Array;
          for (let i = 0; i < a.length; i++) {
            ran = true;
            if (!one(i, a[i])) break;
          }
          break;
        }
        case 'map': {
          const m = val as Record<string, unknown>;
          for (const k of sortedKeys(m)) {
            ran = true;
            const v = mapGet(m, k);
            if (!one(k, v === MISSING ? null : v)) break;
          }
          break;
        }
        case 'int':
        case 'int64': {
          if (decl.length > 1) this.errorf(`can't use ${formatV(val)} to iterate over more than one variable`);
          const n = Number(val);
          for (let i = 0; i < n; i++) {
            ran = true;
            if (!one(i, i)) break;
          }
          break;
        }
        case 'invalid':
        case 'nil':
          break;
        case 'func': {
          // Go 1.23 iterator functions: f(yield)
          const f = val as (y: (...a: unknown[]) => boolean) => void;
          try {
            f((a?: unknown, b?: unknown) => {
              ran = true;
              return b === undefined ? one(a, a) : one(a, b);
            });
          } catch (e) {
            if (e instanceof ExecError) throw e;
            this.errorf(`range can't iterate over ${formatV(val)}`);
          }
          break;
        }
        default:
          this.errorf(`range can't iterate over ${formatV(val)}`);
      }
      if (!ran && r.elseList) this.walk(dot, r.elseList);
    } finally {
      this.pop(outer);
    }
  }

  walkTemplate(t: TemplateNode, dot: unknown) {
    this.at(t);
    const tree = this.ctx.lookupTree(t.name);
    if (!tree) this.errorf(`template ${goQuote(t.name)} not defined`);
    if (this.depth >= this.ctx.limits.maxCallDepth) this.errorf(`exceeded maximum template depth (${this.ctx.limits.maxCallDepth})`);
    const newDot = t.pipe ? this.evalPipeline(dot, t.pipe) : MISSING;
    const saved = { name: this.name, tree: this.tree, vars: this.vars };
    this.depth++;
    this.name = t.name;
    this.tree = tree;
    this.vars = [{ name: '$', value: newDot }];
    try {
      this.walk(newDot, tree.root);
    } finally {
      this.depth--;
      this.name = saved.name;
      this.tree = saved.tree;
      this.vars = saved.vars;
    }
  }

  // --- pipelines ---
  evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.at(pipe);
    let value: unknown = MISSING;
    let final = false;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value, final);
      final = true;
      if (value === null || value === undefined) value = MISSING;
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0], value);
      else this.vars.push({ name: v.ident[0], value });
    }
    return value;
  }

  notAFunction(args: ArgNode[], hasFinal: boolean) {
    if (args.length > 1 || hasFinal) this.errorf(`can't give argument to non-function ${argString(args[0])}`);
  }

  evalCommand(dot: unknown, cmd: CommandNode, final: unknown, hasFinal: boolean): unknown {
    const first = cmd.args[0];
    switch (first.type) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final, hasFinal);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final, hasFinal);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final, hasFinal);
      case 'pipe':
        this.notAFunction(cmd.args, hasFinal);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final, hasFinal);
    }
    this.at(first);
    this.notAFunction(cmd.args, hasFinal);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      case 'number':
        return idealConstant(first);
      case 'string':
        return first.text;
    }
    this.errorf(`can't evaluate command ${goQuote(argString(first))}`);
  }

  evalFieldNode(dot: unknown, field: FieldNode, args: ArgNode[], final: unknown, hasFinal: boolean): unknown {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final, hasFinal);
  }

  evalChainNode(dot: unknown, chain: ChainNode, args: ArgNode[], final: unknown, hasFinal: boolean): unknown {
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${argString(chain)}`);
    const pipe = this.evalArg(dot, 'value', chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final, hasFinal);
  }

  evalVariableNode(dot: unknown, v: VariableNode, args: ArgNode[], final: unknown, hasFinal: boolean): unknown {
    this.at(v);
    const value = this.varValue(v.ident[0]);
    if (v.ident.length === 1) {
      this.notAFunction(args, hasFinal);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final, hasFinal);
  }

  evalFieldChain(dot: unknown, receiver: unknown, node: Node2, ident: string[], args: ArgNode[], final: unknown, hasFinal: boolean): unknown {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) receiver = this.evalField(dot, ident[i], node, null, MISSING, false, receiver);
    return this.evalField(dot, ident[n - 1], node, args, final, hasFinal, receiver);
  }

  evalField(dot: unknown, fieldName: string, node: Node2, args: ArgNode[] | null, final: unknown, hasFinal: boolean, receiver: unknown): unknown {
    if (receiver === MISSING) {
      if (this.ctx.missingKey === 'error') this.errorf(`nil data; no entry for key ${goQuote(fieldName)}`);
      return MISSING;
    }
    if (receiver === null || receiver === undefined) this.errorf(`nil pointer evaluating interface {}.${fieldName}`);
    if (receiver instanceof Date) receiver = GoTime.fromDate(receiver);
    const hasArgs = (args !== null && args.length > 1) || hasFinal;
    const k = kindOf(receiver);
    if (k === 'map') {
      const m = receiver as Record<string, unknown>;
      const v = mapGet(m, fieldName);
      // A function in a map is a value (as in Go); given arguments, it is called like a method.
      if (typeof v === 'function' && hasArgs) return this.evalCall(dot, v as TemplateFunc, false, node, fieldName, args, final, hasFinal, m);
      if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
      if (v === MISSING) {
        switch (this.ctx.missingKey) {
          case 'zero':
            return null;
          case 'error':
            this.errorf(`map has no entry for key ${goQuote(fieldName)}`);
        }
      }
      return v;
    }
    if (k === 'struct' || k === 'time' || k === 'func' || k === 'slice' || k === 'string') {
      const o = receiver as Record<string, unknown>;
      let v: unknown;
      if (k === 'struct' || k === 'time' || k === 'func') v = fieldName in o ? o[fieldName] : MISSING;
      else v = MISSING;
      if (typeof v === 'function' && !(k === 'func')) return this.evalCall(dot, v as TemplateFunc, false, node, fieldName, args, final, hasFinal, o);
      if (v !== MISSING && k === 'struct') {
        if (hasArgs) this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
        return v === undefined ? null : v;
      }
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${typeName(receiver)}`);
  }

  evalFunction(dot: unknown, node: IdentifierNode, cmd: CommandNode, args: ArgNode[], final: unknown, hasFinal: boolean): unknown {
    this.at(node);
    const name = node.ident;
    const fn = this.ctx.findFunc(name);
    if (!fn) this.errorf(`${goQuote(name)} is not a defined function`);
    const isBuiltin = Object.hasOwn(BUILTINS, name) && fn === BUILTINS[name];
    return this.evalCall(dot, fn, isBuiltin, cmd, name, args, final, hasFinal, undefined);
  }

  evalCall(
    dot: unknown,
    fun: TemplateFunc,
    isBuiltin: boolean,
    node: Node2,
    name: string,
    argNodes: ArgNode[] | null,
    final: unknown,
    hasFinal: boolean,
    receiver: unknown,
  ): unknown {
    const args = argNodes ? argNodes.slice(1) : [];
    const sig: GoFunc | null = isGoFunc(fun) ? fun : null;
    const numIn = args.length + (hasFinal ? 1 : 0);
    if (sig) {
      const np = sig.params.length;
      if (sig.variadic !== undefined) {
        if (numIn < np) this.errorf(`wrong number of args for ${name}: want at least ${np} got ${numIn}`);
      } else if (numIn !== np) {
        this.errorf(`wrong number of args for ${name}: want ${np} got ${numIn}`);
      }
    }
    if (!sig && typeof fun === 'function' && numIn < fun.length) {
      this.errorf(`wrong number of args for ${name}: want ${fun.length} got ${numIn}`);
    }
    const paramType = (i: number): ParamType => {
      if (!sig) return 'any';
      return i < sig.params.length ? sig.params[i] : (sig.variadic ?? 'any');
    };

    // and / or short-circuit
    if (isBuiltin && (name === 'and' || name === 'or')) {
      let v: unknown = MISSING;
      const all = [...args];
      for (const a of all) {
        v = this.evalArg(dot, 'value', a);
        if ((v !== MISSING && isTrue(v)) === (name === 'or')) return v;
      }
      if (hasFinal) v = final;
      return v;
    }

    const argv: unknown[] = new Array(numIn);
    for (let i = 0; i < args.length; i++) argv[i] = this.evalArg(dot, paramType(i), args[i]);
    if (hasFinal) argv[args.length] = this.convert(final, paramType(args.length));

    if (isBuiltin && name === 'call') {
      const f = argv[0];
      this.at(node);
      if (f === MISSING || f === null) this.errorf(`error calling call: call of nil`);
      if (typeof f !== 'function' && !isGoFunc(f)) this.errorf(`error calling call: non-function ${argNodes && argNodes[1] ? argString(argNodes[1]) : ''} of type ${typeName(f)}`);
      return this.callFunction(f as TemplateFunc, argv.slice(1).map((x) => (x === MISSING ? null : x)), node, 'call', undefined, true);
    }
    return this.callFunction(fun, argv, node, name, receiver, false);
  }

  callFunction(fun: TemplateFunc, argv: unknown[], node: Node2, name: string, receiver: unknown, convert: boolean): unknown {
    try {
      if (isGoFunc(fun)) {
        if (convert) {
          if (argv.length < fun.params.length || (fun.variadic === undefined && argv.length !== fun.params.length)) {
            throw new Error(`wrong number of args for ${name}: want ${fun.params.length} got ${argv.length}`);
          }
          for (let i = 0; i < argv.length; i++) argv[i] = convertArg(argv[i], i < fun.params.length ? fun.params[i] : fun.variadic!);
        }
        return fun.fn.apply(receiver, argv);
      }
      for (let i = 0; i < argv.length; i++) argv[i] = argv[i] === MISSING ? null : toJS(argv[i]);
      return fun.apply(receiver, argv);
    } catch (e) {
      if (e instanceof ExecError) throw e;
      this.at(node);
      const msg = e instanceof Error ? e.message : String(e);
      this.errorf(`error calling ${name}: ${msg}`);
    }
  }

  convert(v: unknown, t: ParamType): unknown {
    try {
      return convertArg(v, t);
    } catch (e) {
      if (e instanceof ArgTypeError) this.errorf(e.message);
      throw e;
    }
  }

  evalArg(dot: unknown, t: ParamType, n: ArgNode): unknown {
    this.at(n);
    switch (n.type) {
      case 'dot':
        return this.convert(dot, t);
      case 'nil':
        if (t === 'any' || t === 'value' || t === 'map' || t === 'slice') return null;
        this.errorf(`cannot assign nil to ${goTypeName(t)}`);
      case 'field':
        return this.convert(this.evalFieldNode(dot, n, [n], MISSING, false), t);
      case 'variable':
        return this.convert(this.evalVariableNode(dot, n, [], MISSING, false), t);
      case 'pipe':
        return this.convert(this.evalPipeline(dot, n), t);
      case 'identifier':
        return this.convert(this.evalFunction(dot, n, { type: 'command', args: [n], pos: n.pos, line: n.line }, [n], MISSING, false), t);
      case 'chain':
        return this.convert(this.evalChainNode(dot, n, [], MISSING, false), t);
    }
    switch (t) {
      case 'bool':
        if (n.type === 'bool') return n.value;
        this.errorf(`expected bool; found ${argString(n)}`);
      case 'string':
        if (n.type === 'string') return n.text;
        this.errorf(`expected string; found ${argString(n)}`);
      case 'int':
      case 'int64':
        if (n.type === 'number' && n.isInt) return n.value;
        this.errorf(`expected integer; found ${argString(n)}`);
      case 'float64':
        if (n.type === 'number' && n.isFloat) return n.value;
        this.errorf(`expected float; found ${argString(n)}`);
      case 'any':
      case 'value':
        switch (n.type) {
          case 'bool':
            return n.value;
          case 'number':
            return idealConstant(n);
          case 'string':
            return n.text;
        }
    }
    this.errorf(`can't handle ${argString(n)} for arg of type ${goTypeName(t)}`);
  }

  printValue(n: Node2, v: unknown) {
    this.at(n);
    if (v === MISSING || v === null || v === undefined) {
      this.write('<no value>');
      return;
    }
    switch (typeof v) {
      case 'string':
        this.write(v);
        return;
      case 'function':
        this.errorf(`can't print ${nodeText(n)} of type ${typeName(v)}`);
    }
    this.write(formatV(v));
  }
}

function nodeText(n: Node2): string {
  if (n.type === 'action') return '{{' + (n as unknown as { pipe: PipeNode }).pipe.cmds.map(commandString).join(' | ') + '}}';
  return n.type;
}

/** A number literal standing alone: float64 when written as a float (Go's ideal constant rules). */
export function idealConstant(n: NumberNode): unknown {
  return n.floatish ? f64(n.value) : n.value;
}

export type { ListNode };
