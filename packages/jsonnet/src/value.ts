/** Runtime values: primitives map to JS primitives; arrays, objects and functions are classes. */
import type { AssertNode, Bind, Expr, Hide, Param } from './ast.js';
import type { Loc } from './errors.js';

export type Value = null | boolean | number | string | JArray | JObject | JFunction;

/** A value not yet computed. Elements, fields, variables and arguments are lazy. */
export type Lazy = Value | Thunk;

/** Environments are frames (see ast.ts): slot 0 links to the enclosing frame. */
export type Env = unknown[];

export class Thunk {
  /** 0 = pending, 1 = running, 2 = done */
  state = 0;
  value: Value = null;
  constructor(
    public expr: Expr | null,
    public env: Env | null,
    public native: (() => Value) | null = null,
    public name = 'anonymous',
  ) {}
}

export class JArray {
  constructor(readonly items: Lazy[]) {}
}

export interface FieldDef {
  hide: Hide;
  plus: boolean;
  /** expression evaluated with self bound, or null when `value` holds the field (host-made objects) */
  expr: Expr | null;
  /** environment for this field alone (object comprehensions); null means the layer's */
  env: Env | null;
  value: Lazy;
  name: string;
}

/** One object literal (or host-made object) in an inheritance chain. */
export interface Layer {
  fields: Map<string, FieldDef>;
  asserts: AssertNode[] | null;
  env: Env | null;
  locals: Bind[] | null;
  outermost: boolean;
}

export class JObject {
  /** field values as seen from self, filled on demand */
  cache: Map<string, Value> | null = null;
  envs: (Env | undefined)[] | null = null;
  assertsChecked: boolean;
  private vis: Map<string, boolean> | null = null;

  private flat: Layer[] | null;
  /** for `base + {...}` built without copying: the left operand and the right operand's layers */
  private base: JObject | null;
  private top: Layer[] | null;
  /** number of layers, without flattening */
  readonly layerCount: number;
  readonly hasAsserts: boolean;

  constructor(layers: Layer[], base: JObject | null = null) {
    let asserts = base !== null && base.hasAsserts;
    for (const l of layers) if (l.asserts !== null && l.asserts.length > 0) asserts = true;
    this.hasAsserts = asserts;
    this.assertsChecked = !asserts;
    if (base === null) {
      this.flat = layers;
      this.base = null;
      this.top = null;
      this.layerCount = layers.length;
    } else {
      this.flat = null;
      this.base = base;
      this.top = layers;
      this.layerCount = base.layerCount + layers.length;
    }
  }

  /** All layers, base first. Chains built by `+` are flattened on first use, without recursion. */
  get layers(): Layer[] {
    if (this.flat !== null) return this.flat;
    const tops: Layer[][] = [];
    let o: JObject = this;
    while (o.flat === null) {
      tops.push(o.top as Layer[]);
      o = o.base as JObject;
    }
    const out = o.flat.slice();
    for (let i = tops.length - 1; i >= 0; i--) for (const l of tops[i]) out.push(l);
    this.flat = out;
    this.base = null;
    this.top = null;
    return out;
  }

  /** name → visible, over all layers. */
  visibility(): Map<string, boolean> {
    if (this.vis !== null) return this.vis;
    const m = new Map<string, boolean>();
    const ls = this.layers;
    if (ls.length === 1) {
      for (const [k, f] of ls[0].fields) m.set(k, f.hide !== 1);
    } else {
      const decided = new Set<string>();
      for (let i = ls.length - 1; i >= 0; i--) {
        for (const [k, f] of ls[i].fields) {
          if (!m.has(k)) m.set(k, true);
          if (f.hide !== 0 && !decided.has(k)) {
            decided.add(k);
            m.set(k, f.hide === 2);
          }
        }
      }
    }
    this.vis = m;
    return m;
  }

  has(name: string): boolean {
    const ls = this.layers;
    for (let i = ls.length - 1; i >= 0; i--) if (ls[i].fields.has(name)) return true;
    return false;
  }

  /** Index of the top-most layer below `below` that defines `name`, or -1. */
  findLayer(name: string, below: number): number {
    const ls = this.layers;
    for (let i = below - 1; i >= 0; i--) if (ls[i].fields.has(name)) return i;
    return -1;
  }
}

export interface NativeFunction {
  (args: Lazy[], loc: Loc | null): Value;
}

export class JFunction {
  constructor(
    readonly params: Param[],
    readonly body: Expr | null,
    readonly env: Env | null,
    readonly name: string,
    /** for built-in and host functions: receives one slot per parameter (undefined when omitted) */
    readonly native: NativeFunction | null = null,
    /** for built-ins: number of leading parameters that are required */
    readonly required = 0,
  ) {}
}

export function typeOf(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean': return 'boolean';
    case 'number': return 'number';
    case 'string': return 'string';
  }
  if (v instanceof JArray) return 'array';
  if (v instanceof JObject) return 'object';
  return 'function';
}

/** Plain data → value (ext vars given as JS values, parseJson, native results). Nested arrays and
 * objects are converted lazily, when the program reaches them. */
export function fromJS(x: unknown): Value {
  if (x === null || x === undefined) return null;
  switch (typeof x) {
    case 'boolean': case 'number': case 'string': return x;
    case 'bigint': return Number(x);
  }
  if (Array.isArray(x)) {
    const items: Lazy[] = new Array(x.length);
    for (let i = 0; i < x.length; i++) items[i] = lazyJS(x[i]);
    return new JArray(items);
  }
  if (x instanceof JArray || x instanceof JObject || x instanceof JFunction) return x;
  if (typeof x === 'object') {
    const fields = new Map<string, FieldDef>();
    const o = x as Record<string, unknown>;
    for (const k in o) {
      if (!Object.hasOwn(o, k)) continue;
      const v = o[k];
      if (v === undefined || typeof v === 'function') continue;
      fields.set(k, { hide: 0, plus: false, expr: null, env: null, value: lazyJS(v), name: k });
    }
    return makeObject(fields);
  }
  throw new TypeError(`cannot convert ${typeof x} to a Jsonnet value`);
}

function lazyJS(v: unknown): Lazy {
  if (v === null || typeof v !== 'object') return fromJS(v);
  return new Thunk(null, null, () => fromJS(v));
}

export function makeObject(fields: Map<string, FieldDef>): JObject {
  return new JObject([{ fields, asserts: null, env: null, locals: null, outermost: false }]);
}

export function plainField(name: string, value: Lazy, hide: Hide = 0): FieldDef {
  return { hide, plus: false, expr: null, env: null, value, name };
}
