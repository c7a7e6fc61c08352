// Sprig lists, dicts, defaults, math, conversions, reflection and JSON functions.

import { goFunc } from '../funcs.js';
import type { GoFunc } from '../funcs.js';
import { jsonMarshal, jsonUnmarshal } from '../json.js';
import { MISSING, deepEqual, f64, isPlainObject, kindOf, reflectKind, sortedKeys, typeName } from '../values.js';
import { MAX_GENERATED } from './strings.js';
import { asList, empty, kindName, requireList, strval, toFloat64, toInt64 } from './util.js';

type Dict = Record<string, unknown>;

function list(...v: unknown[]): unknown[] {
  return v;
}

function mustList(fnName: string, v: unknown, what = `Cannot ${fnName} on type`): unknown[] {
  return requireList(v, (k) => `${what} ${k}`);
}

function uniq(l: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const x of l) if (!out.some((y) => deepEqual(x, y))) out.push(x);
  return out;
}

function has(needle: unknown, haystack: unknown): boolean {
  if (haystack === null) return false;
  const l = requireList(haystack, (k) => `Cannot find has on type ${k}`);
  return l.some((x) => deepEqual(needle, x));
}

function sliceList(l: unknown, ...indices: unknown[]): unknown {
  const a = requireList(l, (k) => `list should be type of slice or array but ${k}`);
  if (a.length === 0) return null;
  const start = indices.length > 0 ? toInt64(indices[0]) : 0;
  const end = indices.length < 2 ? a.length : toInt64(indices[1]);
  if (start < 0 || end > a.length || start > end) throw new Error(`reflect: slice index out of range`);
  return a.slice(start, end);
}

function chunk(size: number, l: unknown): unknown[][] {
  const a = requireList(l, (k) => `Cannot chunk type ${k}`);
  if (size <= 0) throw new Error('runtime error: integer divide by zero');
  const out: unknown[][] = [];
  for (let i = 0; i < a.length; i += size) out.push(a.slice(i, i + size));
  return out;
}

function concat(...lists: unknown[]): unknown {
  const res: unknown[] = [];
  for (const l of lists) {
    const a = asList(l);
    if (!a) throw new Error(`Cannot concat type ${kindName(l)} as list`);
    res.push(...a);
  }
  return res;
}

function dict(...v: unknown[]): Dict {
  const d: Dict = {};
  for (let i = 0; i < v.length; i += 2) {
    const key = strval(v[i]);
    d[key] = i + 1 >= v.length ? '' : v[i + 1];
  }
  return d;
}

function orEmptyMap(d: Dict | null): Dict {
  return d ?? {};
}

function isMapValue(v: unknown): v is Dict {
  return kindOf(v) === 'map';
}

/** mergo.Merge semantics for map[string]interface{}: fill missing/empty keys, recurse into maps. */
function mergeInto(dst: Dict, src: Dict, overwrite: boolean) {
  for (const k of Object.keys(src)) {
    const sv = src[k];
    const dv = dst[k];
    if (isMapValue(dv) && isMapValue(sv)) {
      mergeInto(dv, sv, overwrite);
      continue;
    }
    if (!(k in dst) || (overwrite ? !empty(sv) : empty(dv))) {
      if (overwrite && k in dst && empty(sv)) continue;
      dst[k] = sv;
    }
  }
}

function dig(...ps: unknown[]): unknown {
  if (ps.length < 3) throw new Error('dig needs at least three arguments');
  let d = ps[ps.length - 1];
  const def = ps[ps.length - 2];
  const ks = ps.slice(0, -2);
  for (let i = 0; i < ks.length; i++) {
    if (typeof ks[i] !== 'string') throw new Error(`interface conversion: interface {} is ${typeName(ks[i])}, not string`);
    if (!isMapValue(d)) throw new Error(`interface conversion: interface {} is ${typeName(d)}, not map[string]interface {}`);
    const k = ks[i] as string;
    if (!Object.prototype.hasOwnProperty.call(d, k)) return def;
    d = (d as Dict)[k];
  }
  return d;
}

function deepCopy(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(deepCopy);
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, deepCopy(x)]));
  if (isPlainObject(v)) {
    const o: Dict = {};
    for (const k of Object.keys(v)) o[k] = deepCopy(v[k]);
    return o;
  }
  return v;
}

function until(count: number): number[] {
  return untilStep(0, count, count < 0 ? -1 : 1);
}

function untilStep(start: number, stop: number, step: number): number[] {
  const v: number[] = [];
  const n = step === 0 ? 0 : Math.ceil((stop - start) / step);
  if (n > MAX_GENERATED) throw new Error(`result of ${n} elements exceeds the limit of ${MAX_GENERATED}`);
  if (stop < start) {
    if (step >= 0) return v;
    for (let i = start; i > stop; i += step) v.push(i);
    return v;
  }
  if (step <= 0) return v;
  for (let i = start; i < stop; i += step) v.push(i);
  return v;
}

function seq(...params: number[]): string {
  let inc = 1;
  switch (params.length) {
    case 0:
      return '';
    case 1: {
      const start = 1;
      const end = params[0];
      if (end < start) inc = -1;
      return untilStep(start, end + inc, inc).join(' ');
    }
    case 2: {
      const [start, end] = params;
      const step = end < start ? -1 : 1;
      return untilStep(start, end + step, step).join(' ');
    }
    case 3: {
      const [start, step, end] = params;
      if (end < start) {
        inc = -1;
        if (step > 0) return '';
      }
      return untilStep(start, end + inc, step).join(' ');
    }
    default:
      return '';
  }
}

/** An int64 result (bigint in our value model). */
function i64(n: number): bigint | number {
  return Number.isSafeInteger(n) ? BigInt(n) : n;
}

function intDiv(a: number, b: number, op: string): number {
  if (b === 0) throw new Error('runtime error: integer divide by zero');
  const r = op === '/' ? Math.trunc(a / b) : a % b;
  return r === 0 ? 0 : r;
}

/** Exact decimal arithmetic as shopspring/decimal does for addf etc., then back to float64. */
interface Dec {
  m: bigint;
  e: number; // value = m * 10^e
}

function toDec(x: number): Dec {
  if (!Number.isFinite(x)) throw new Error(`Cannot create a Decimal from ${x}`);
  const [mant, ex] = x.toExponential().split('e');
  const [ip, fp = ''] = mant.split('.');
  return { m: BigInt(ip + fp), e: Number(ex) - fp.length };
}

function align(a: Dec, b: Dec): [bigint, bigint, number] {
  const e = Math.min(a.e, b.e);
  return [a.m * 10n ** BigInt(a.e - e), b.m * 10n ** BigInt(b.e - e), e];
}

function decToNumber(d: Dec): number {
  return Number(`${d.m}e${d.e}`);
}

function decDiv(a: Dec, b: Dec): Dec {
  if (b.m === 0n) throw new Error('decimal division by 0');
  // result rounded half away from zero to 16 decimal places (shopspring DivisionPrecision)
  const prec = 16;
  // a/b = a.m/b.m * 10^(a.e-b.e); scale numerator so the quotient has `prec` fraction digits
  const shift = prec + a.e - b.e;
  let num = a.m;
  let den = b.m;
  if (shift >= 0) num *= 10n ** BigInt(shift);
  else den *= 10n ** BigInt(-shift);
  const neg = num < 0n !== den < 0n;
  if (num < 0n) num = -num;
  if (den < 0n) den = -den;
  let q = num / den;
  const r = num % den;
  if (r * 2n >= den) q += 1n;
  return { m: neg ? -q : q, e: -prec };
}

function decimalOp(a: unknown, rest: unknown[], op: '+' | '-' | '*' | '/'): number {
  let acc = toDec(toFloat64(a));
  for (const x of rest) {
    const d = toDec(toFloat64(x));
    if (op === '*') acc = { m: acc.m * d.m, e: acc.e + d.e };
    else if (op === '/') acc = decDiv(acc, d);
    else {
      const [p, q, e] = align(acc, d);
      acc = { m: op === '+' ? p + q : p - q, e };
    }
  }
  return decToNumber(acc);
}

function round(a: unknown, p: number, ...rOpt: number[]): number {
  const roundOn = rOpt.length ? rOpt[0] : 0.5;
  const val = toFloat64(a);
  const pow = Math.pow(10, p);
  const digit = pow * val;
  const div = digit - Math.trunc(digit);
  const r = div >= roundOn ? Math.ceil(digit) : Math.floor(digit);
  return r / pow;
}

function toDecimal(v: unknown): number {
  const s = strval(v);
  if (!/^[+-]?[0-7]+$/.test(s)) return 0;
  return parseInt(s, 8);
}

function typeIsLike(target: string, src: unknown): boolean {
  const t = typeName(src);
  return target === t || '*' + target === t;
}

function kindOfGo(v: unknown): string {
  if (v === MISSING) return 'invalid';
  return reflectKind(v);
}

function toJSON(v: unknown, escapeHTML: boolean, indent: string): string {
  return jsonMarshal(v, escapeHTML, indent);
}

function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

/** JSON numbers decode to float64 in Go. */
function floatsOf(v: unknown): unknown {
  if (typeof v === 'number') return f64(v);
  if (Array.isArray(v)) return v.map(floatsOf);
  if (isPlainObject(v)) {
    for (const k of Object.keys(v)) v[k] = floatsOf(v[k]);
  }
  return v;
}

function fromJSON(s: string): unknown {
  return floatsOf(jsonUnmarshal(s));
}

const a = (fn: (...x: any[]) => unknown, params: Parameters<typeof goFunc>[0] = ['any'], variadic?: Parameters<typeof goFunc>[2]) => goFunc(params, fn, variadic);

function listFn(name: string, f: (l: unknown[]) => unknown, what?: string) {
  return {
    [name]: a((l: unknown) => f(mustList(name, l, what))),
  };
}

function first(l: unknown[]) {
  return l.length ? l[0] : null;
}
function last(l: unknown[]) {
  return l.length ? l[l.length - 1] : null;
}
function rest(l: unknown[]) {
  return l.slice(1);
}
function initial(l: unknown[]) {
  return l.slice(0, -1);
}

export const COLLECTION_FUNCS: Record<string, GoFunc> = {
  // conversion
  atoi: goFunc(['string'], (s: string) => (/^[+-]?[0-9]+$/.test(s) ? Number(s) : 0)),
  int64: a((v: unknown) => i64(toInt64(v))),
  int: a(toInt64),
  float64: a((v: unknown) => f64(toFloat64(v))),
  seq: goFunc([], seq, 'int'),
  toDecimal: a((v: unknown) => i64(toDecimal(v))),
  until: goFunc(['int'], until),
  untilStep: goFunc(['int', 'int', 'int'], untilStep),

  // integer math (Sprig returns int64)
  add1: a((i: unknown) => i64(toInt64(i) + 1)),
  add: goFunc([], (...i: unknown[]) => i64(i.reduce<number>((s, x) => s + toInt64(x), 0)), 'any'),
  sub: a((x: unknown, y: unknown) => i64(toInt64(x) - toInt64(y)), ['any', 'any']),
  div: a((x: unknown, y: unknown) => i64(intDiv(toInt64(x), toInt64(y), '/')), ['any', 'any']),
  mod: a((x: unknown, y: unknown) => i64(intDiv(toInt64(x), toInt64(y), '%')), ['any', 'any']),
  mul: a((x: unknown, ...v: unknown[]) => i64(v.reduce<number>((s, y) => s * toInt64(y), toInt64(x))), ['any'], 'any'),
  randInt: goFunc(['int', 'int'], (min: number, max: number) => {
    if (max - min <= 0) throw new Error('invalid argument to Intn');
    return min + Math.floor(Math.random() * (max - min));
  }),
  biggest: a((x: unknown, ...v: unknown[]) => i64(v.reduce<number>((m, y) => Math.max(m, toInt64(y)), toInt64(x))), ['any'], 'any'),
  max: a((x: unknown, ...v: unknown[]) => i64(v.reduce<number>((m, y) => Math.max(m, toInt64(y)), toInt64(x))), ['any'], 'any'),
  min: a((x: unknown, ...v: unknown[]) => i64(v.reduce<number>((m, y) => Math.min(m, toInt64(y)), toInt64(x))), ['any'], 'any'),

  // float math
  add1f: a((i: unknown) => f64(decimalOp(i, [1], '+'))),
  addf: goFunc([], (...i: unknown[]) => f64(decimalOp(0, i, '+')), 'any'),
  subf: a((x: unknown, ...v: unknown[]) => f64(decimalOp(x, v, '-')), ['any'], 'any'),
  divf: a((x: unknown, ...v: unknown[]) => f64(decimalOp(x, v, '/')), ['any'], 'any'),
  mulf: a((x: unknown, ...v: unknown[]) => f64(decimalOp(x, v, '*')), ['any'], 'any'),
  maxf: a((x: unknown, ...v: unknown[]) => f64(v.reduce<number>((m, y) => Math.max(m, toFloat64(y)), toFloat64(x))), ['any'], 'any'),
  minf: a((x: unknown, ...v: unknown[]) => f64(v.reduce<number>((m, y) => Math.min(m, toFloat64(y)), toFloat64(x))), ['any'], 'any'),
  ceil: a((x: unknown) => f64(Math.ceil(toFloat64(x)))),
  floor: a((x: unknown) => f64(Math.floor(toFloat64(x)))),
  round: goFunc(['any', 'int'], (x: unknown, p: number, ...r: number[]) => f64(round(x, p, ...r)), 'float64'),

  // defaults
  default: goFunc(['any'], (d: unknown, ...given: unknown[]) => (given.length === 0 || empty(given[0]) ? d : given[0]), 'any'),
  empty: a(empty),
  coalesce: goFunc([], (...v: unknown[]) => v.find((x) => !empty(x)) ?? null, 'any'),
  all: goFunc([], (...v: unknown[]) => v.every((x) => !empty(x)), 'any'),
  any: goFunc([], (...v: unknown[]) => v.some((x) => !empty(x)), 'any'),
  compact: a((l: unknown) => mustList('compact', l).filter((x) => !empty(x))),
  mustCompact: a((l: unknown) => mustList('compact', l).filter((x) => !empty(x))),
  ternary: goFunc(['any', 'any', 'bool'], (vt: unknown, vf: unknown, v: boolean) => (v ? vt : vf)),
  deepCopy: a(deepCopy),
  mustDeepCopy: a(deepCopy),

  // JSON
  fromJson: goFunc(['string'], (s: string) => safe(() => fromJSON(s), null)),
  mustFromJson: goFunc(['string'], fromJSON),
  toJson: a((v: unknown) => safe(() => toJSON(v, true, ''), '')),
  mustToJson: a((v: unknown) => toJSON(v, true, '')),
  toPrettyJson: a((v: unknown) => safe(() => toJSON(v, true, '  '), '')),
  mustToPrettyJson: a((v: unknown) => toJSON(v, true, '  ')),
  toRawJson: a((v: unknown) => toJSON(v, false, '')),
  mustToRawJson: a((v: unknown) => toJSON(v, false, '')),

  // reflection
  typeOf: a(typeName),
  typeIs: goFunc(['string', 'any'], (t: string, v: unknown) => t === typeName(v)),
  typeIsLike: goFunc(['string', 'any'], typeIsLike),
  kindOf: a(kindOfGo),
  kindIs: goFunc(['string', 'any'], (t: string, v: unknown) => t === kindOfGo(v)),
  deepEqual: a((x: unknown, y: unknown) => deepEqual(x, y), ['any', 'any']),

  // lists
  tuple: goFunc([], list, 'any'),
  list: goFunc([], list, 'any'),
  append: a((l: unknown, v: unknown) => [...mustList('push', l), v], ['any', 'any']),
  push: a((l: unknown, v: unknown) => [...mustList('push', l), v], ['any', 'any']),
  mustAppend: a((l: unknown, v: unknown) => [...mustList('push', l), v], ['any', 'any']),
  mustPush: a((l: unknown, v: unknown) => [...mustList('push', l), v], ['any', 'any']),
  prepend: a((l: unknown, v: unknown) => [v, ...mustList('prepend', l)], ['any', 'any']),
  mustPrepend: a((l: unknown, v: unknown) => [v, ...mustList('prepend', l)], ['any', 'any']),
  ...listFn('first', first, 'Cannot find first on type'),
  ...listFn('mustFirst', first, 'Cannot find first on type'),
  ...listFn('rest', rest, 'Cannot find rest on type'),
  ...listFn('mustRest', rest, 'Cannot find rest on type'),
  ...listFn('last', last, 'Cannot find last on type'),
  ...listFn('mustLast', last, 'Cannot find last on type'),
  ...listFn('initial', initial, 'Cannot find initial on type'),
  ...listFn('mustInitial', initial, 'Cannot find initial on type'),
  ...listFn('reverse', (l) => [...l].reverse(), 'Cannot find reverse on type'),
  ...listFn('mustReverse', (l) => [...l].reverse(), 'Cannot find reverse on type'),
  ...listFn('uniq', uniq, 'Cannot find uniq on type'),
  ...listFn('mustUniq', uniq, 'Cannot find uniq on type'),
  without: a((l: unknown, ...omit: unknown[]) => mustList('without', l, 'Cannot find without on type').filter((x) => !omit.some((o) => deepEqual(o, x))), ['any'], 'any'),
  mustWithout: a((l: unknown, ...omit: unknown[]) => mustList('without', l, 'Cannot find without on type').filter((x) => !omit.some((o) => deepEqual(o, x))), ['any'], 'any'),
  has: a(has, ['any', 'any']),
  mustHas: a(has, ['any', 'any']),
  slice: a(sliceList, ['any'], 'any'),
  mustSlice: a(sliceList, ['any'], 'any'),
  concat: goFunc([], concat, 'any'),
  dig: goFunc([], dig, 'any'),
  chunk: goFunc(['int', 'any'], chunk),
  mustChunk: goFunc(['int', 'any'], chunk),

  // dicts
  dict: goFunc([], dict, 'any'),
  get: goFunc(['map', 'string'], (d: Dict | null, k: string) => (d && Object.prototype.hasOwnProperty.call(d, k) ? (d[k] ?? null) : '')),
  set: goFunc(['map', 'string', 'any'], (d: Dict | null, k: string, v: unknown) => {
    if (!d) throw new Error('assignment to entry in nil map');
    d[k] = v;
    return d;
  }),
  unset: goFunc(['map', 'string'], (d: Dict | null, k: string) => {
    if (d) delete d[k];
    return d;
  }),
  hasKey: goFunc(['map', 'string'], (d: Dict | null, k: string) => !!d && Object.prototype.hasOwnProperty.call(d, k)),
  pluck: goFunc(['string'], (k: string, ...ds: (Dict | null)[]) => ds.filter((d) => d && Object.prototype.hasOwnProperty.call(d, k)).map((d) => d![k]), 'map'),
  keys: goFunc([], (...ds: (Dict | null)[]) => ds.flatMap((d) => Object.keys(orEmptyMap(d))), 'map'),
  pick: goFunc(['map'], (d: Dict | null, ...ks: string[]) => {
    const r: Dict = {};
    for (const k of ks) if (d && Object.prototype.hasOwnProperty.call(d, k)) r[k] = d[k];
    return r;
  }, 'string'),
  omit: goFunc(['map'], (d: Dict | null, ...ks: string[]) => {
    const r: Dict = {};
    for (const k of Object.keys(orEmptyMap(d))) if (!ks.includes(k)) r[k] = d![k];
    return r;
  }, 'string'),
  merge: goFunc(['map'], (dst: Dict | null, ...srcs: (Dict | null)[]) => {
    const d = dst ?? {};
    for (const s of srcs) if (s) mergeInto(d, s, false);
    return d;
  }, 'map'),
  mustMerge: goFunc(['map'], (dst: Dict | null, ...srcs: (Dict | null)[]) => {
    const d = dst ?? {};
    for (const s of srcs) if (s) mergeInto(d, s, false);
    return d;
  }, 'map'),
  mergeOverwrite: goFunc(['map'], (dst: Dict | null, ...srcs: (Dict | null)[]) => {
    const d = dst ?? {};
    for (const s of srcs) if (s) mergeInto(d, s, true);
    return d;
  }, 'map'),
  mustMergeOverwrite: goFunc(['map'], (dst: Dict | null, ...srcs: (Dict | null)[]) => {
    const d = dst ?? {};
    for (const s of srcs) if (s) mergeInto(d, s, true);
    return d;
  }, 'map'),
  values: goFunc(['map'], (d: Dict | null) => sortedKeys(orEmptyMap(d)).map((k) => d![k as string])),

  // flow control
  fail: goFunc(['string'], (msg: string) => {
    throw new Error(msg);
  }),
};

