/** The tree-walking evaluator: lazy, with bounded stack depth, a step/time budget and size caps. */
import { OBJ_LOCALS, OBJ_SELF, OBJ_SUPER, type Arg, type CompSpec, type Expr, type ExprOf } from './ast.js';
import { RuntimeError, type Loc, type SourceFile } from './errors.js';
import { JArray, JFunction, JObject, Thunk, typeOf, type Env, type FieldDef, type Layer, type Lazy, type Value } from './value.js';

export interface Limits {
  /** Jsonnet call/thunk frames (the reference's default is 500). */
  maxStack: number;
  /** Evaluation steps (roughly, AST nodes visited); Infinity for none. */
  maxSteps: number;
  /** Wall-clock budget in milliseconds; Infinity for none. */
  timeoutMs: number;
  /** Longest string (UTF-16 units) the program may build. */
  maxStringLength: number;
  /** Longest array the program may build. */
  maxArrayLength: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxStack: 500,
  maxSteps: 20_000_000,
  timeoutMs: 2_000,
  maxStringLength: 64 * 1024 * 1024,
  maxArrayLength: 4 * 1024 * 1024,
};

/** Loads an imported file: the importing file's name, the path as written. */
export type ImportFn = (importedFrom: string, path: string, kind: 'import' | 'importstr' | 'importbin') => Value;

export interface Context {
  limits: Limits;
  /** frames allowed: maxStack less the few the reference spends on its own entry */
  stackLimit: number;
  depth: number;
  steps: number;
  nextCheck: number;
  deadline: number;
  importer: ImportFn;
  extVar: (name: string) => Value | undefined;
  native: (name: string) => Value | undefined;
  trace: (msg: string) => void;
}

export let ctx: Context = null as unknown as Context;

/** Runs `f` with `c` as the current context; contexts nest (an import evaluates inside another). */
export function withContext<T>(c: Context, f: () => T): T {
  const prev = ctx;
  ctx = c;
  try {
    return f();
  } finally {
    ctx = prev;
  }
}

function checkBudget(): void {
  const c = ctx;
  c.nextCheck = c.steps + 2048;
  if (c.steps > c.limits.maxSteps) {
    const err = new RuntimeError(`evaluation exceeded the step budget of ${c.limits.maxSteps} steps.`);
    err.limit = 'steps';
    throw err;
  }
  if (c.deadline !== Infinity && performance.now() > c.deadline) {
    const err = new RuntimeError(`evaluation exceeded the time budget of ${c.limits.timeoutMs} ms.`);
    err.limit = 'time';
    throw err;
  }
}

/** Counts `n` units of work done natively (copies, sorts, builtin loops) against the step budget. */
export function charge(n: number): void {
  const c = ctx;
  c.steps += n;
  if (c.steps >= c.nextCheck) checkBudget();
}

export function rtError(msg: string, loc: Loc | null): RuntimeError {
  const e = new RuntimeError(msg);
  e.pendingLoc = loc;
  return e;
}

export function stackError(loc: Loc | null): RuntimeError {
  const e = rtError('max stack frames exceeded.', loc);
  e.limit = 'stack';
  return e;
}

export function sizeError(what: string, n: number, max: number): RuntimeError {
  const e = new RuntimeError(`${what} of length ${n} exceeds the limit of ${max}.`);
  e.limit = 'size';
  return e;
}

export function checkString(s: string): string {
  if (s.length > ctx.limits.maxStringLength) throw sizeError('string', s.length, ctx.limits.maxStringLength);
  if (s.length > 4096) charge(s.length >> 6);
  return s;
}

export function checkArrayLength(n: number): void {
  if (n > ctx.limits.maxArrayLength) throw sizeError('array', n, ctx.limits.maxArrayLength);
  charge(n >> 2);
}

export function force(x: Lazy): Value {
  return x instanceof Thunk ? forceThunk(x) : x;
}

export function forceThunk(t: Thunk, at: Loc | null = null): Value {
  if (t.state === 2) return t.value;
  const c = ctx;
  if (++c.depth > c.stackLimit) {
    c.depth--;
    throw stackError(at);
  }
  try {
    const v = t.native !== null ? t.native() : evaluate(t.expr as Expr, t.env as Env);
    t.value = v;
    t.state = 2;
    t.expr = null;
    t.env = null;
    t.native = null;
    return v;
  } catch (err) {
    if (err instanceof RuntimeError) err.unwind(`thunk <${t.name}>`, at);
    throw err;
  } finally {
    c.depth--;
  }
}

/** The frame `depth` levels up from `env`. */
function up(env: Env, depth: number): Env {
  let f = env;
  for (let d = depth; d > 0; d--) f = f[0] as Env;
  return f;
}

function lazy(e: Expr, env: Env): Lazy {
  switch (e.k) {
    case 'lit': return e.v;
    case 'var': {
      let f = env;
      for (let d = e.depth; d > 0; d--) f = f[0] as Env;
      return f[e.idx] as Lazy;
    }
    case 'function': return new JFunction(e.params, e.body, env, e.name);
  }
  return new Thunk(e, env);
}

export function evaluate(e: Expr, env: Env): Value {
  const c = ctx;
  if (++c.steps >= c.nextCheck) checkBudget();
  switch (e.k) {
    case 'lit': return e.v;
    case 'var': {
      let f = env;
      for (let d = e.depth; d > 0; d--) f = f[0] as Env;
      const x = f[e.idx] as Lazy;
      return x instanceof Thunk ? forceThunk(x, e.loc) : x;
    }
    case 'self': case 'dollar': return up(env, e.depth)[OBJ_SELF] as JObject;
    case 'index': {
      const target = evaluate(e.target, env);
      const idx = e.index.k === 'lit' ? e.index.v : evaluate(e.index, env);
      if (target === stdObject && idx === 'thisFile') return e.loc.src.name;
      return indexValue(target, idx, e.loc);
    }
    case 'apply': return evalApply(e, env);
    case 'object': return evalObject(e, env);
    case 'binary':
      if (e.op === '&&' || e.op === '||') return evalBinary(e, env);
      return binary(e.op, evaluate(e.l, env), evaluate(e.r, env), e.loc);
    case 'local': return evaluate(e.body, bindLocals(e, env));
    case 'if': return evaluate(pickBranch(e, env), env);
    case 'array': return evalArray(e, env);
    case 'function': return new JFunction(e.params, e.body, env, e.name);
    case 'unary': return evalUnary(e, env);
    case 'arrcomp': return evalArrComp(e, env);
    case 'objcomp': return evalObjComp(e, env);
    case 'superindex': return evalSuperIndex(e, env);
    case 'insuper': return evalInSuper(e, env);
    case 'slice': return evalSlice(e, env);
    case 'assert':
      checkAssert(e, env);
      return evaluate(e.rest, env);
    case 'error': throw rtError(errorText(evaluate(e.e, env)), e.loc);
    case 'import': return evalImport(e);
  }
}

const NULL_EXPR: Expr = { k: 'lit', v: null, loc: null as unknown as Loc };

function bindLocals(e: ExprOf<'local'>, env: Env): Env {
  const binds = e.binds;
  const env2: Env = new Array(binds.length + 1);
  env2[0] = env;
  for (let i = 0; i < binds.length; i++) {
    const b = binds[i];
    env2[i + 1] = b.body.k === 'function' ? new JFunction(b.body.params, b.body.body, env2, b.name) : new Thunk(b.body, env2, null, b.name);
  }
  return env2;
}

function pickBranch(e: ExprOf<'if'>, env: Env): Expr {
  const cond = evaluate(e.cond, env);
  if (cond === true) return e.then;
  if (cond === false) return e.else ?? NULL_EXPR;
  throw rtError(`condition must be boolean, got ${typeOf(cond)}.`, e.loc);
}

function evalArray(e: ExprOf<'array'>, env: Env): JArray {
  const items: Lazy[] = new Array(e.elems.length);
  for (let i = 0; i < items.length; i++) items[i] = lazy(e.elems[i], env);
  return new JArray(items);
}

function evalSuperIndex(e: ExprOf<'superindex'>, env: Env): Value {
  const name = evaluate(e.index, env);
  if (typeof name !== 'string') throw rtError(`super index must be string, got ${typeOf(name)}.`, e.loc);
  return superField(up(env, e.depth), name, e.loc);
}

function evalInSuper(e: ExprOf<'insuper'>, env: Env): boolean {
  const name = evaluate(e.key, env);
  if (typeof name !== 'string') throw rtError(`in super requires a string, got ${typeOf(name)}.`, e.loc);
  const frame = up(env, e.depth);
  const self = frame[OBJ_SELF] as JObject;
  return self.findLayer(name, frame[OBJ_SUPER] as number) >= 0;
}

function checkAssert(e: ExprOf<'assert'>, env: Env): void {
  const cond = evaluate(e.cond, env);
  if (cond === true) return;
  if (cond !== false) throw rtError(`condition must be boolean, got ${typeOf(cond)}.`, e.loc);
  if (e.msg === null) throw rtError('Assertion failed.', e.loc);
  throw rtError(errorText(evaluate(e.msg, env)), e.loc);
}

function errorText(v: Value): string {
  return typeof v === 'string' ? v : toStringValue(v);
}

function evalImport(e: ExprOf<'import'>): Value {
  try {
    return ctx.importer(e.loc.src.name, e.path, e.kind);
  } catch (err) {
    if (err instanceof RuntimeError) {
      if (err.pendingLoc === null && err.trace.length === 0) err.pendingLoc = e.loc;
      throw err;
    }
    throw err;
  }
}

// ---------------------------------------------------------------- indexing and objects

let stdObject: JObject | null = null;
export function setStdObject(o: JObject): void {
  stdObject = o;
}

export function indexValue(target: Value, idx: Value, loc: Loc | null): Value {
  if (target instanceof JObject) {
    if (typeof idx !== 'string') throw rtError(`object index must be string, got ${typeOf(idx)}.`, loc);
    return getField(target, idx, loc);
  }
  if (target instanceof JArray) {
    if (typeof idx !== 'number') {
      if (typeof idx === 'string') throw rtError(`attempted index an array with string ${JSON.stringify(idx)}.`, loc);
      throw rtError(`array index must be number, got ${typeOf(idx)}.`, loc);
    }
    if (!Number.isInteger(idx)) throw rtError(`array index was not integer: ${fmtNumber(idx)}`, loc);
    const items = target.items;
    if (idx < 0 || idx >= items.length) throw rtError(`array bounds error: ${fmtG(idx, 6)} not within [0, ${items.length})`, loc);
    const x = items[idx];
    return x instanceof Thunk ? forceThunk(x) : x;
  }
  if (typeof target === 'string') {
    if (typeof idx !== 'number') throw rtError(`string index must be a number, got ${typeOf(idx)}.`, loc);
    if (!Number.isInteger(idx)) throw rtError(`string index was not integer: ${fmtNumber(idx)}`, loc);
    const cps = codepoints(target);
    if (idx < 0 || idx >= cps.length) throw rtError(`string bounds error: ${fmtG(idx, 6)} not within [0, ${cps.length})`, loc);
    return cps[idx];
  }
  throw rtError(`can only index objects, strings, and arrays, got ${typeOf(target)}.`, loc);
}

/** Field of an object as seen from outside (checks the object's assertions first). */
export function getField(obj: JObject, name: string, loc: Loc | null): Value {
  let cache = obj.cache;
  if (cache === null) cache = obj.cache = new Map();
  else {
    const cached = cache.get(name);
    if (cached !== undefined) return cached;
  }
  if (!obj.assertsChecked) checkAsserts(obj, loc);
  const ls = obj.layers;
  let i = ls.length - 1;
  while (i >= 0 && !ls[i].fields.has(name)) i--;
  if (i < 0) throw rtError(`field does not exist: ${name}`, loc);
  const v = fieldAt(obj, i, name);
  cache.set(name, v);
  return v;
}

/** Field value from layer `i` of `obj`, with self = obj. */
export function fieldAt(obj: JObject, i: number, name: string): Value {
  const layer = obj.layers[i];
  const f = layer.fields.get(name) as FieldDef;
  let v: Value;
  if (f.expr === null) {
    v = force(f.value);
  } else {
    const c = ctx;
    if (++c.depth > c.stackLimit) {
      c.depth--;
      throw stackError(f.expr.loc);
    }
    try {
      v = evaluate(f.expr, fieldEnv(obj, i, layer, f));
    } catch (err) {
      if (err instanceof RuntimeError) err.unwind(`object <anonymous>`, null);
      throw err;
    } finally {
      c.depth--;
    }
  }
  if (f.plus) {
    const j = obj.findLayer(name, i);
    if (j >= 0) v = plus(fieldAt(obj, j, name), v, f.expr ? f.expr.loc : null);
  }
  return v;
}

function fieldEnv(obj: JObject, i: number, layer: Layer, f: FieldDef): Env {
  if (f.env === null) {
    let envs = obj.envs;
    if (envs === null) envs = obj.envs = new Array(obj.layers.length);
    const cached = envs[i];
    if (cached !== undefined) return cached;
    return (envs[i] = makeLayerEnv(obj, i, layer, layer.env as Env));
  }
  return makeLayerEnv(obj, i, layer, f.env);
}

function makeLayerEnv(obj: JObject, i: number, layer: Layer, base: Env): Env {
  const locals = layer.locals;
  if (locals === null) return [base, obj, i];
  const env: Env = new Array(locals.length + OBJ_LOCALS);
  env[0] = base;
  env[OBJ_SELF] = obj;
  env[OBJ_SUPER] = i;
  for (let j = 0; j < locals.length; j++) {
    const b = locals[j];
    env[j + OBJ_LOCALS] = b.body.k === 'function' ? new JFunction(b.body.params, b.body.body, env, b.name) : new Thunk(b.body, env, null, b.name);
  }
  return env;
}

export function checkAsserts(obj: JObject, at: Loc | null = null): void {
  if (obj.assertsChecked) return;
  obj.assertsChecked = true;
  const ls = obj.layers;
  for (let i = 0; i < ls.length; i++) {
    const layer = ls[i];
    if (layer.asserts === null) continue;
    const env = fieldEnv(obj, i, layer, { env: null } as FieldDef);
    for (const a of layer.asserts) {
      const c = ctx;
      if (++c.depth > c.stackLimit) {
        c.depth--;
        throw stackError(a.loc);
      }
      try {
        const cond = evaluate(a.cond, env);
        if (cond !== true) {
          if (cond !== false) throw rtError(`object assertion condition must be boolean, got ${typeOf(cond)}.`, a.cond.loc);
          if (a.msg === null) throw rtError('Object assertion failed.', a.cond.loc);
          throw rtError(errorText(evaluate(a.msg, env)), a.msg.loc);
        }
      } catch (err) {
        obj.assertsChecked = false;
        if (err instanceof RuntimeError) err.unwind('thunk <object_assert>', at);
        throw err;
      } finally {
        c.depth--;
      }
    }
  }
}

function superField(frame: Env, name: string, loc: Loc): Value {
  const self = frame[OBJ_SELF] as JObject;
  const i = frame[OBJ_SUPER] as number;
  if (i === 0) throw rtError('attempt to use super when there is no super class.', loc);
  const j = self.findLayer(name, i);
  if (j < 0) throw rtError(`field does not exist: ${name}`, loc);
  return fieldAt(self, j, name);
}

function evalObject(e: ExprOf<'object'>, env: Env): JObject {
  const fields = new Map<string, FieldDef>();
  for (const f of e.fields) {
    let name = f.name;
    if (name === null) {
      const n = evaluate(f.nameExpr as Expr, env);
      if (n === null) continue;
      if (typeof n !== 'string') throw rtError('field name was not a string.', e.loc);
      if (fields.has(n)) throw rtError(`duplicate field name: "${n}"`, e.loc);
      name = n;
    }
    fields.set(name, { hide: f.hide, plus: f.plus, expr: f.body, env: null, value: null, name });
  }
  return new JObject([{ fields, asserts: e.asserts.length > 0 ? e.asserts : null, env, locals: e.locals.length > 0 ? e.locals : null, outermost: e.outermost }]);
}

function forEachBinding(specs: CompSpec[], env: Env, loc: Loc, body: (env: Env) => void, i = 0): void {
  if (i === specs.length) {
    body(env);
    return;
  }
  const s = specs[i];
  if (s.kind === 'if') {
    const c = evaluate(s.cond, env);
    if (c === true) forEachBinding(specs, env, loc, body, i + 1);
    else if (c !== false) throw rtError(`condition must be boolean, got ${typeOf(c)}.`, loc);
    return;
  }
  const arr = evaluate(s.expr, env);
  if (!(arr instanceof JArray)) throw rtError('In comprehension, can only iterate over array.', loc);
  for (const item of arr.items) {
    forEachBinding(specs, [env, item], loc, body, i + 1);
  }
}

function evalArrComp(e: ExprOf<'arrcomp'>, env: Env): JArray {
  const out: Lazy[] = [];
  forEachBinding(e.specs, env, e.loc, (env2) => {
    out.push(lazy(e.body, env2));
    if (out.length > ctx.limits.maxArrayLength) checkArrayLength(out.length);
  });
  return new JArray(out);
}

function evalObjComp(e: ExprOf<'objcomp'>, env: Env): JObject {
  const fields = new Map<string, FieldDef>();
  forEachBinding(e.specs, env, e.loc, (env2) => {
    const n = evaluate(e.nameExpr, env2);
    if (n === null) return;
    if (typeof n !== 'string') throw rtError(`field must be string, got: ${typeOf(n)}`, e.loc);
    if (fields.has(n)) throw rtError(`duplicate field name: "${n}"`, e.loc);
    fields.set(n, { hide: 0, plus: e.plus, expr: e.body, env: env2, value: null, name: n });
  });
  return new JObject([{ fields, asserts: null, env: null, locals: e.locals.length > 0 ? e.locals : null, outermost: e.outermost }]);
}

export function objectPlus(a: JObject, b: JObject): JObject {
  const n = a.layerCount + b.layerCount;
  if (n > 100_000) throw sizeError('object inheritance chain', n, 100_000);
  const top = b.layers;
  charge(top.length);
  return new JObject(top, a);
}

// ---------------------------------------------------------------- functions

function evalApply(e: ExprOf<'apply'>, env: Env): Value {
  const fn = evaluate(e.fn, env);
  if (!(fn instanceof JFunction)) throw rtError(`only functions can be called, got ${typeOf(fn)}`, e.loc);
  const args = e.args;
  const positional: Lazy[] = new Array(e.positional);
  let named: [string, Lazy][] | null = null;
  for (let i = 0; i < args.length; i++) {
    const a: Arg = args[i];
    let v = lazy(a.expr, env);
    if (e.tailstrict) v = force(v);
    if (a.name === null) positional[i] = v;
    else (named ??= []).push([a.name, v]);
  }
  return callFunction(fn, positional, named, e.loc);
}

export function callFunction(fn: JFunction, positional: Lazy[], named: [string, Lazy][] | null, loc: Loc | null): Value {
  const params = fn.params;
  const c = ctx;
  if (fn.native !== null) {
    if (positional.length > params.length) throw rtError(`too many args, function has ${params.length} parameter(s)`, loc);
    const slots: (Lazy | undefined)[] = positional.slice();
    slots.length = params.length;
    if (named !== null) bindNamed(params, slots, named, loc);
    for (let i = 0; i < fn.required; i++) {
      if (slots[i] === undefined) throw rtError(`function parameter ${params[i].name} not bound in call.`, loc);
    }
    if (++c.depth > c.stackLimit) {
      c.depth--;
      throw stackError(loc);
    }
    try {
      return fn.native(slots as Lazy[], loc);
    } catch (err) {
      if (err instanceof RuntimeError && err.pendingLoc === null && err.trace.length === 0) err.pendingLoc = loc;
      throw err;
    } finally {
      c.depth--;
    }
  }
  let env = bindParams(fn, positional, named, loc);
  if (++c.depth > c.stackLimit) {
    c.depth--;
    throw stackError(loc);
  }
  let cur = fn;
  let curLoc = loc;
  try {
    // Calls marked tailstrict in tail position reuse this frame (as the reference does).
    while (true) {
      const r = evalTail(cur.body as Expr, env);
      if (!(r instanceof TailCall)) return r;
      cur = r.fn;
      curLoc = r.loc;
      env = bindParams(cur, r.positional, r.named, r.loc);
    }
  } catch (err) {
    if (err instanceof RuntimeError) err.unwind(`function <${cur.name}>`, curLoc === loc ? loc : curLoc);
    throw err;
  } finally {
    c.depth--;
  }
}

class TailCall {
  constructor(
    readonly fn: JFunction,
    readonly positional: Lazy[],
    readonly named: [string, Lazy][] | null,
    readonly loc: Loc,
  ) {}
}

function bindParams(fn: JFunction, positional: Lazy[], named: [string, Lazy][] | null, loc: Loc | null): Env {
  const params = fn.params;
  if (positional.length > params.length) throw rtError(`too many args, function has ${params.length} parameter(s)`, loc);
  const env: Env = new Array(params.length + 1);
  env[0] = fn.env;
  if (named === null && positional.length === params.length) {
    for (let i = 0; i < params.length; i++) env[i + 1] = positional[i];
    return env;
  }
  const slots: (Lazy | undefined)[] = positional.slice();
  slots.length = params.length;
  if (named !== null) bindNamed(params, slots, named, loc);
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    const s = slots[i];
    if (s !== undefined) env[i + 1] = s;
    else if (p.def !== null) env[i + 1] = p.def.k === 'lit' ? p.def.v : new Thunk(p.def, env, null, p.name);
    else throw rtError(`function parameter ${p.name} not bound in call.`, loc);
  }
  return env;
}

/** Evaluates a function body, returning a TailCall for a tailstrict call in tail position. */
function evalTail(e: Expr, env: Env): Value | TailCall {
  while (true) {
    switch (e.k) {
      case 'local': {
        env = bindLocals(e, env);
        e = e.body;
        continue;
      }
      case 'if': {
        const cond = evaluate(e.cond, env);
        if (cond === true) e = e.then;
        else if (cond === false) {
          if (e.else === null) return null;
          e = e.else;
        } else throw rtError(`condition must be boolean, got ${typeOf(cond)}.`, e.loc);
        continue;
      }
      case 'apply': {
        if (!e.tailstrict) return evaluate(e, env);
        const c = ctx;
        if (++c.steps >= c.nextCheck) checkBudget();
        const fn = evaluate(e.fn, env);
        if (!(fn instanceof JFunction)) throw rtError(`only functions can be called, got ${typeOf(fn)}`, e.loc);
        const positional: Lazy[] = new Array(e.positional);
        let named: [string, Lazy][] | null = null;
        for (let i = 0; i < e.args.length; i++) {
          const a = e.args[i];
          const v = force(lazy(a.expr, env));
          if (a.name === null) positional[i] = v;
          else (named ??= []).push([a.name, v]);
        }
        if (fn.native !== null) return callFunction(fn, positional, named, e.loc);
        return new TailCall(fn, positional, named, e.loc);
      }
      default:
        return evaluate(e, env);
    }
  }
}

function bindNamed(params: JFunction['params'], slots: (Lazy | undefined)[], named: [string, Lazy][], loc: Loc | null): void {
  for (const [name, v] of named) {
    let idx = -1;
    for (let i = 0; i < params.length; i++) if (params[i].name === name) idx = i;
    if (idx < 0) throw rtError(`function has no parameter ${name}`, loc);
    if (slots[idx] !== undefined) throw rtError(`binding parameter a second time: ${name}`, loc);
    slots[idx] = v;
  }
}

// ---------------------------------------------------------------- operators

function evalUnary(e: ExprOf<'unary'>, env: Env): Value {
  const v = evaluate(e.e, env);
  switch (e.op) {
    case '-':
      if (typeof v === 'number') return -v;
      break;
    case '+':
      if (typeof v === 'number') return v;
      break;
    case '!':
      if (typeof v === 'boolean') return !v;
      if (typeof v === 'number') throw rtError('unary operator ! does not operate on numbers.', e.loc);
      break;
    case '~':
      if (typeof v === 'number') return Number(BigInt.asIntN(64, ~toInt64(v, e.loc)));
      break;
  }
  throw rtError(`unary operator ${e.op} does not operate on type ${typeOf(v)}`, e.loc);
}

function toInt64(v: number, loc: Loc | null): bigint {
  if (v < -9007199254740992 || v > 9007199254740992) throw rtError('numeric value outside safe integer range for bitwise operation.', loc);
  return BigInt(Math.trunc(v));
}

function evalBinary(e: ExprOf<'binary'>, env: Env): Value {
  const op = e.op;
  if (op === '&&' || op === '||') {
    const l = evaluate(e.l, env);
    if (typeof l !== 'boolean') {
      const r = evaluate(e.r, env);
      throw rtError(`binary operator ${op} requires matching types, got ${typeOf(l)} and ${typeOf(r)}.`, e.loc);
    }
    if (op === '&&' ? !l : l) return l;
    const r = evaluate(e.r, env);
    if (typeof r !== 'boolean') throw rtError(`binary operator ${op} requires matching types, got boolean and ${typeOf(r)}.`, e.loc);
    return r;
  }
  const l = evaluate(e.l, env);
  const r = evaluate(e.r, env);
  return binary(op, l, r, e.loc);
}

export function binary(op: string, l: Value, r: Value, loc: Loc | null): Value {
  if (typeof l === 'number' && typeof r === 'number') {
    let x: number;
    switch (op) {
      case '+': x = l + r; break;
      case '-': x = l - r; break;
      case '*': x = l * r; break;
      case '/':
        if (r === 0) throw rtError('division by zero.', loc);
        x = l / r;
        break;
      case '%':
        if (r === 0) throw rtError('division by zero.', loc);
        x = l % r;
        break;
      case '<': return l < r;
      case '<=': return l <= r;
      case '>': return l > r;
      case '>=': return l >= r;
      case '==': return l === r;
      case '!=': return l !== r;
      case '<<': {
        const s = toInt64(r, loc);
        if (s < 0n) throw rtError('shift by negative exponent.', loc);
        return Number(BigInt.asIntN(64, toInt64(l, loc) << (s % 64n)));
      }
      case '>>': {
        const s = toInt64(r, loc);
        if (s < 0n) throw rtError('shift by negative exponent.', loc);
        return Number(BigInt.asIntN(64, toInt64(l, loc) >> (s % 64n)));
      }
      case '&': return Number(BigInt.asIntN(64, toInt64(l, loc) & toInt64(r, loc)));
      case '|': return Number(BigInt.asIntN(64, toInt64(l, loc) | toInt64(r, loc)));
      case '^': return Number(BigInt.asIntN(64, toInt64(l, loc) ^ toInt64(r, loc)));
      case 'in': throw rtError("the left hand side of the 'in' operator should be a string,  got number", loc);
      default: throw rtError(`unknown operator ${op}`, loc);
    }
    return checkNumber(x, loc);
  }
  switch (op) {
    case '+': return plus(l, r, loc);
    case '==': return equals(l, r, loc);
    case '!=': return !equals(l, r, loc);
    case '<': return compare(l, r, op, loc) < 0;
    case '<=': return compare(l, r, op, loc) <= 0;
    case '>': return compare(l, r, op, loc) > 0;
    case '>=': return compare(l, r, op, loc) >= 0;
    case '%':
      if (typeof l === 'string') return formatHook(l, r, loc);
      throw rtError(`Operator % cannot be used on types ${typeOf(l)} and ${typeOf(r)}.`, loc);
    case 'in':
      if (typeof l !== 'string') throw rtError(`the left hand side of the 'in' operator should be a string,  got ${typeOf(l)}`, loc);
      if (!(r instanceof JObject)) throw rtError(`the right hand side of the 'in' operator should be an object, got ${typeOf(r)}`, loc);
      return r.has(l);
  }
  const tl = typeOf(l);
  const tr = typeOf(r);
  if (tl === tr) throw rtError(`binary operator ${op} does not operate on ${tl === 'null' ? tl : tl + 's'}.`, loc);
  throw rtError(`binary operator ${op} requires matching types, got ${tl} and ${tr}.`, loc);
}

let formatHook: (fmt: string, v: Value, loc: Loc | null) => string = () => '';
export function setFormatHook(f: typeof formatHook): void {
  formatHook = f;
}

export function checkNumber(x: number, loc: Loc | null): number {
  if (x - x !== 0) {
    if (x !== x) throw rtError('not a number', loc);
    throw rtError('overflow', loc);
  }
  return x;
}

export function plus(l: Value, r: Value, loc: Loc | null): Value {
  if (typeof l === 'number' && typeof r === 'number') return checkNumber(l + r, loc);
  if (typeof l === 'string' || typeof r === 'string') {
    const s = (typeof l === 'string' ? l : toStringValue(l)) + (typeof r === 'string' ? r : toStringValue(r));
    if (s.length > ctx.limits.maxStringLength) throw sizeError('string', s.length, ctx.limits.maxStringLength);
    if (s.length > 4096) charge(s.length >> 6);
    return s;
  }
  if (l instanceof JObject && r instanceof JObject) return objectPlus(l, r);
  if (l instanceof JArray && r instanceof JArray) {
    const n = l.items.length + r.items.length;
    if (n > ctx.limits.maxArrayLength) throw sizeError('array', n, ctx.limits.maxArrayLength);
    charge(n >> 2);
    return new JArray(l.items.concat(r.items));
  }
  const tl = typeOf(l);
  const tr = typeOf(r);
  if (tl === tr) throw rtError(`binary operator + does not operate on ${tl === 'null' ? tl : tl + 's'}.`, loc);
  throw rtError(`binary operator + requires matching types, got ${tl} and ${tr}.`, loc);
}

export function equals(a: Value, b: Value, loc: Loc | null): boolean {
  if (a instanceof JFunction || b instanceof JFunction) {
    if (a instanceof JFunction && b instanceof JFunction) throw rtError('cannot test equality of functions', loc);
    return false;
  }
  if (a === b) return true;
  const ta = typeOf(a);
  if (ta !== typeOf(b)) return false;
  if (a instanceof JArray) {
    const x = a.items;
    const y = (b as JArray).items;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!equals(force(x[i]), force(y[i]), loc)) return false;
    return true;
  }
  if (a instanceof JObject) {
    const o = b as JObject;
    const fa = visibleFields(a);
    const fb = visibleFields(o);
    if (fa.length !== fb.length) return false;
    for (let i = 0; i < fa.length; i++) if (fa[i] !== fb[i]) return false;
    for (const f of fa) if (!equals(getField(a, f, loc), getField(o, f, loc), loc)) return false;
    return true;
  }
  if (ta === 'function') throw rtError('cannot test equality of functions', loc);
  return false;
}

/** Compares strings by code point, like the reference (UTF-16 order differs above U+FFFF). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x - y;
    }
  }
  return a.length - b.length;
}

export function compare(a: Value, b: Value, op: string, loc: Loc | null, nested = false): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (a instanceof JArray && b instanceof JArray) {
    const n = Math.min(a.items.length, b.items.length);
    for (let i = 0; i < n; i++) {
      const c = compare(force(a.items[i]), force(b.items[i]), op, loc, true);
      if (c !== 0) return c;
    }
    return a.items.length - b.items.length;
  }
  const ta = typeOf(a);
  const tb = typeOf(b);
  if (ta !== tb) {
    if (nested) throw rtError(`Comparison requires matching types. Got ${ta} and ${tb}`, loc);
    throw rtError(`binary operator ${op} requires matching types, got ${ta} and ${tb}.`, loc);
  }
  throw rtError(`binary operator ${op} does not operate on ${ta}s.`, loc);
}

export function visibleFields(o: JObject): string[] {
  const out: string[] = [];
  for (const [k, vis] of o.visibility()) if (vis) out.push(k);
  return out.sort(compareStrings);
}

export function allFields(o: JObject): string[] {
  return [...o.visibility().keys()].sort(compareStrings);
}

function evalSlice(e: ExprOf<'slice'>, env: Env): Value {
  const target = evaluate(e.target, env);
  const num = (x: Expr | null, what: string): number | null => {
    if (x === null) return null;
    const v = evaluate(x, env);
    if (v === null) return null;
    if (typeof v !== 'number') throw rtError(`slice ${what} must be a number, got ${typeOf(v)}.`, e.loc);
    return v;
  };
  return slice(target, num(e.start, 'start'), num(e.end, 'end'), num(e.step, 'step'), e.loc);
}

export function slice(target: Value, start: number | null, end: number | null, step: number | null, loc: Loc | null): Value {
  const isStr = typeof target === 'string';
  if (!isStr && !(target instanceof JArray)) throw rtError(`std.slice accepts a string or an array, but got: ${typeOf(target)}`, loc);
  const items: readonly (Lazy | string)[] = isStr ? codepoints(target as string) : (target as JArray).items;
  const len = items.length;
  // current Jsonnet: negative index and end count from the end; negative steps are refused
  let b = start === null ? 0 : start < 0 ? Math.max(0, len + start) : start;
  let en = end === null ? len : end < 0 ? len + end : end;
  const st = step ?? 1;
  if (st < 0) throw rtError(`got [${fmtNumber(b)}:${fmtNumber(en)}:${fmtNumber(st)}] but negative steps are not supported`, loc);
  if (st === 0) throw rtError(`got ${fmtNumber(st)} but step must be greater than 0`, loc);
  if (en > len) en = len;
  if (!Number.isInteger(b)) throw rtError(`${isStr ? 'string' : 'array'} index was not integer: ${fmtNumber(b)}`, loc);
  const out: (Lazy | string)[] = [];
  for (let i = b; i < en; i += st) out.push(items[i]);
  return isStr ? (out as string[]).join('') : new JArray(out as Lazy[]);
}

// ---------------------------------------------------------------- strings and numbers

const SURROGATE = /[\uD800-\uDFFF]/;

export function hasSurrogates(s: string): boolean {
  return SURROGATE.test(s);
}

/** The string as an array of code points (each a JS string of one code point). */
export function codepoints(s: string): string[] {
  if (!SURROGATE.test(s)) return s.split('');
  return Array.from(s);
}

export function strLength(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff || i === 0 || !isHigh(s.charCodeAt(i - 1))) n++;
  }
  return n;
}
function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** printf-style %g with the given precision, as C's printf prints it. */
export function fmtG(v: number, prec: number, alt = false): string {
  if (!Number.isFinite(v)) return v !== v ? 'nan' : v > 0 ? 'inf' : '-inf';
  if (prec === 0) prec = 1;
  if (v === 0) {
    const z = Object.is(v, -0) ? '-0' : '0';
    return alt ? z + '.' + '0'.repeat(prec - 1) : z;
  }
  const exp = Number(v.toExponential(prec - 1).split('e')[1]);
  let s: string;
  if (exp < -4 || exp >= prec) {
    const [m, ex] = v.toExponential(prec - 1).split('e');
    let mant = m;
    if (!alt && mant.includes('.')) mant = mant.replace(/\.?0+$/, '');
    const en = Number(ex);
    s = `${mant}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  } else {
    s = toFixed(v, Math.max(0, prec - 1 - exp));
    if (!alt && s.includes('.')) s = s.replace(/\.?0+$/, '');
  }
  return s;
}

/** Number.prototype.toFixed, exact beyond 100 digits and for huge values. */
export function toFixed(v: number, digits: number): string {
  if (Math.abs(v) < 1e21 && digits <= 100) return v.toFixed(digits);
  if (Number.isInteger(v)) {
    const s = BigInt(v).toString();
    return digits > 0 ? `${s}.${'0'.repeat(digits)}` : s;
  }
  return v.toFixed(Math.min(digits, 100));
}

/** Numbers as the reference prints them: integers in full, others with 17 significant digits. */
export function fmtNumber(v: number): string {
  if (Number.isInteger(v)) {
    if (Object.is(v, -0)) return '-0';
    if (v < 9007199254740992 && v > -9007199254740992) return String(v);
    return BigInt(v).toString();
  }
  return fmtG(v, 17);
}

/** `'' + v` and std.toString: strings as is, everything else as single-line JSON. */
export function toStringValue(v: Value): string {
  if (typeof v === 'string') return v;
  return manifestHook(v);
}

let manifestHook: (v: Value) => string = () => '';
export function setToStringHook(f: (v: Value) => string): void {
  manifestHook = f;
}

export type { SourceFile };
