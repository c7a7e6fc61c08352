// How JavaScript values stand in for Go values. See README "Go types".
//
// - MISSING            Go's invalid reflect.Value (a missing map key); prints "<no value>"
// - null / undefined   nil
// - boolean            bool
// - number             int when integer-valued, float64 otherwise
// - bigint             int64
// - string             string (length, index and slice work on UTF-8 bytes)
// - Uint8Array         []uint8
// - Array              []interface {}
// - plain object / Map map[string]interface {} (keys sorted when ranged or printed)
// - GoTime             time.Time
// - function           func
// - other objects      struct-like: fields and methods are its properties

import { GoTime } from './time.js';

export const MISSING: unique symbol = Symbol('<no value>');

/**
 * A Go float64 whose value is integral (1.0, 1e6): JS numbers that are integral are Go ints, so
 * float64 results of float literals, Sprig's float functions and fromJson keep their type this way.
 * Non-integral float64 values are plain JS numbers.
 */
export class GoFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  toJSON(): number {
    return this.value;
  }
}

/** A float64 result: a GoFloat when integral, else the number. */
export function f64(x: number): number | GoFloat {
  return Number.isInteger(x) ? new GoFloat(x) : x;
}

/** The numeric value of an int, float64 or int64 value. */
export function numValue(v: unknown): number {
  if (v instanceof GoFloat) return v.value;
  if (typeof v === 'bigint') return Number(v);
  return v as number;
}

/** Replaces GoFloat by plain numbers (for values handed to plain JS functions). */
export function toJS(v: unknown): unknown {
  return v instanceof GoFloat ? v.value : v;
}
export type Missing = typeof MISSING;

export type Kind =
  | 'invalid'
  | 'nil'
  | 'bool'
  | 'int'
  | 'int64'
  | 'float64'
  | 'string'
  | 'slice'
  | 'bytes'
  | 'map'
  | 'func'
  | 'time'
  | 'struct';

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

export function kindOf(v: unknown): Kind {
  switch (typeof v) {
    case 'undefined':
      return 'nil';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float64';
    case 'bigint':
      return 'int64';
    case 'string':
      return 'string';
    case 'function':
      return 'func';
    case 'symbol':
      return v === MISSING ? 'invalid' : 'struct';
    case 'object':
      if (v === null) return 'nil';
      if (v instanceof GoFloat) return 'float64';
      if (Array.isArray(v)) return 'slice';
      if (v instanceof Uint8Array) return 'bytes';
      if (v instanceof Map) return 'map';
      if (v instanceof GoTime || v instanceof Date) return 'time';
      if (isPlainObject(v)) return 'map';
      return 'struct';
  }
  return 'struct';
}

/** Go's name of the dynamic type (as %T prints it). */
export function typeName(v: unknown): string {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return '<nil>';
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'int64':
      return 'int64';
    case 'float64':
      return 'float64';
    case 'string':
      return 'string';
    case 'slice':
      return isStringArray(v as unknown[]) ? '[]string' : '[]interface {}';
    case 'bytes':
      return '[]uint8';
    case 'map':
      return 'map[string]interface {}';
    case 'func':
      return 'func(...interface {}) interface {}';
    case 'time':
      return 'time.Time';
    case 'struct': {
      const c = (v as object).constructor;
      return c && c.name ? `*${c.name}` : 'struct {}';
    }
  }
}

const stringArrays = new WeakSet<unknown[]>();
/** Marks an array as Go's []string (sprig functions that return []string do so). */
export function asStringSlice(a: string[]): string[] {
  stringArrays.add(a);
  return a;
}
export function isStringArray(a: unknown[]): boolean {
  return stringArrays.has(a);
}

/** Go's reflect.Kind name (sprig kindOf). */
export function reflectKind(v: unknown): string {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return 'invalid';
    case 'bytes':
      return 'slice';
    case 'time':
      return 'struct';
    case 'struct':
      return 'ptr';
    default:
      return kindOf(v);
  }
}

/** Go's truth: the zero value of its type is false. Returns [truth, ok]. */
export function isTrue(v: unknown): boolean {
  switch (typeof v) {
    case 'undefined':
      return false;
    case 'boolean':
      return v;
    case 'number':
      return v !== 0;
    case 'bigint':
      return v !== 0n;
    case 'string':
      return v.length > 0;
    case 'function':
      return true;
    case 'symbol':
      return v !== MISSING;
    case 'object':
      if (v === null) return false;
      if (v instanceof GoFloat) return v.value !== 0;
      if (Array.isArray(v)) return v.length > 0;
      if (v instanceof Uint8Array) return v.length > 0;
      if (v instanceof Map) return v.size > 0;
      if (isPlainObject(v)) {
        for (const _ in v) return true;
        return false;
      }
      return true;
  }
  return true;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function utf8Length(s: string): number {
  // fast path for ASCII
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

export function utf8Bytes(s: string): Uint8Array {
  return enc.encode(s);
}

export function bytesToString(b: Uint8Array): string {
  return dec.decode(b);
}

/** Sorted keys of a map value, as Go sorts map keys for range and printing. */
export function sortedKeys(m: Record<string, unknown> | Map<unknown, unknown>): unknown[] {
  if (m instanceof Map) {
    const keys = [...m.keys()];
    return keys.sort(compareKeys);
  }
  return Object.keys(m).sort(compareStrings);
}

export function compareStrings(a: string, b: string): number {
  // Go compares strings bytewise (UTF-8); for BMP-only strings code unit order matches
  // except for surrogate pairs vs U+E000-U+FFFF; compare by code points to be exact.
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  return compareStrings(String(a), String(b));
}

/** Reads a map entry. Returns MISSING when the key is absent (or holds undefined). */
export function mapGet(m: Record<string, unknown> | Map<unknown, unknown>, key: unknown): unknown {
  if (m instanceof Map) {
    const v = m.get(key);
    return v === undefined ? MISSING : v;
  }
  if (typeof key !== 'string') return MISSING;
  if (!Object.prototype.hasOwnProperty.call(m, key)) return MISSING;
  const v = m[key];
  return v === undefined ? MISSING : v;
}

export function mapSize(m: Record<string, unknown> | Map<unknown, unknown>): number {
  if (m instanceof Map) return m.size;
  return Object.keys(m).length;
}

/** Go reflect.DeepEqual over our value model. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === MISSING) a = null;
  if (b === MISSING) b = null;
  if (a == null || b == null) return a == null && b == null;
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === 'int' || ka === 'float64') {
    if (kb !== ka) return false;
    return numValue(a) === numValue(b);
  }
  if (ka !== kb) return false;
  switch (ka) {
    case 'slice': {
      const x = a as unknown[];
      const y = b as unknown[];
      if (x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) if (!deepEqual(x[i], y[i])) return false;
      return true;
    }
    case 'bytes': {
      const x = a as Uint8Array;
      const y = b as Uint8Array;
      if (x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
      return true;
    }
    case 'map': {
      const ks = sortedKeys(a as Record<string, unknown>);
      const kt = sortedKeys(b as Record<string, unknown>);
      if (ks.length !== kt.length) return false;
      for (let i = 0; i < ks.length; i++) {
        if (ks[i] !== kt[i]) return false;
        if (!deepEqual(mapGet(a as Record<string, unknown>, ks[i]), mapGet(b as Record<string, unknown>, ks[i]))) return false;
      }
      return true;
    }
    case 'time': {
      const x = a instanceof Date ? GoTime.fromDate(a) : (a as GoTime);
      const y = b instanceof Date ? GoTime.fromDate(b) : (b as GoTime);
      return x.equalExact(y);
    }
    default:
      return false;
  }
}

/** Normalises MISSING to nil (Go passes the zero value of interface{} for invalid values). */
export function orNil(v: unknown): unknown {
  return v === MISSING || v === undefined ? null : v;
}
