// text/template's predefined functions (and, or and call are special-cased by the executor).

import { formatV, sprint, sprintf, sprintln } from './fmt.js';
import { goFunc } from './funcs.js';
import type { GoFunc } from './funcs.js';
import { isPrintable } from './parse.js';
import { GoTime } from './time.js';
import { MISSING, isAscii, kindOf, mapGet, mapSize, numValue, typeName, utf8Bytes, utf8Length, bytesToString } from './values.js';

type CmpKind = 'bool' | 'num' | 'string' | 'invalid' | 'other';

function basicKind(v: unknown): CmpKind {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return 'invalid';
    case 'bool':
      return 'bool';
    case 'int':
    case 'int64':
    case 'float64':
      return 'num';
    case 'string':
      return 'string';
    default:
      return 'other';
  }
}

function comparable(v: unknown): boolean {
  const k = kindOf(v);
  return k !== 'slice' && k !== 'map' && k !== 'func' && k !== 'bytes';
}

function numEq(a: unknown, b: unknown): boolean {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a === b;
  return numValue(a) === numValue(b);
}

export function eq(arg1: unknown, ...arg2: unknown[]): boolean {
  if (arg1 !== MISSING && arg1 !== null && !comparable(arg1)) throw new Error('invalid type for comparison');
  if (arg2.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (const arg of arg2) {
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 !== k2) {
      if (k1 !== 'invalid' && k2 !== 'invalid') throw new Error('incompatible types for comparison');
    } else {
      switch (k1) {
        case 'bool':
        case 'string':
          truth = arg1 === arg;
          break;
        case 'num':
          truth = numEq(arg1, arg);
          break;
        case 'invalid':
          truth = true;
          break;
        default:
          if (!comparable(arg)) throw new Error(`non-comparable type ${formatV(arg)}: ${typeName(arg)}`);
          if (arg1 instanceof GoTime && arg instanceof GoTime) truth = arg1.sec === arg.sec && arg1.nsec === arg.nsec && arg1.loc === arg.loc;
          else truth = arg1 === arg;
      }
    }
    if (truth) return true;
  }
  return false;
}

export function lt(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k1 === 'other' || k1 === 'bool') throw new Error('invalid type for comparison');
  if (k2 === 'invalid' || k2 === 'other' || k2 === 'bool') throw new Error('invalid type for comparison');
  if (k1 !== k2) throw new Error('incompatible types for comparison');
  if (k1 === 'string') return compareGoStrings(a as string, b as string) < 0;
  return numValue(a) < numValue(b);
}

function compareGoStrings(a: string, b: string): number {
  if (isAscii(a) && isAscii(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function le(a: unknown, b: unknown): boolean {
  return lt(a, b) || eq(a, b);
}

function len(v: unknown): number {
  switch (kindOf(v)) {
    case 'string':
      return utf8Length(v as string);
    case 'slice':
      return (v as unknown[]).length;
    case 'bytes':
      return (v as Uint8Array).length;
    case 'map':
      return mapSize(v as Record<string, unknown>);
    case 'invalid':
    case 'nil':
      throw new Error('len of nil pointer');
    default:
      throw new Error(`len of type ${typeName(v)}`);
  }
}

function indexArg(index: unknown, cap: number): number {
  let x: number;
  switch (kindOf(index)) {
    case 'int':
      x = index as number;
      break;
    case 'int64':
      x = Number(index);
      break;
    case 'invalid':
    case 'nil':
      throw new Error('cannot index slice/array with nil');
    default:
      throw new Error(`cannot index slice/array with type ${typeName(index)}`);
  }
  if (x < 0 || x > cap) throw new Error(`index out of range: ${x}`);
  return x;
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (item === MISSING || item === null) throw new Error('index of untyped nil');
  for (const idx of indexes) {
    if (item === MISSING || item === null) throw new Error('index of nil pointer');
    switch (kindOf(item)) {
      case 'slice':
      case 'bytes':
      case 'string': {
        const n = len(item);
        const x = indexArg(idx, n);
        if (x >= n) throw new Error(`reflect: ${kindOf(item) === 'string' ? 'string' : 'slice'} index out of range`);
        if (typeof item === 'string') item = isAscii(item) ? item.charCodeAt(x) : utf8Bytes(item)[x];
        else item = (item as unknown[])[x];
        if (item === undefined) item = null;
        break;
      }
      case 'map': {
        if (idx === MISSING || idx === null) throw new Error('value is nil; should be of type string');
        const m = item as Record<string, unknown>;
        if (!(m instanceof Map) && typeof idx !== 'string') throw new Error(`value has type ${typeName(idx)}; should be string`);
        const v = mapGet(m, idx);
        item = v === MISSING ? null : v;
        break;
      }
      default:
        throw new Error(`can't index item of type ${typeName(item)}`);
    }
  }
  return item;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  if (item === MISSING || item === null) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  const k = kindOf(item);
  if (k === 'string' && indexes.length === 3) throw new Error('cannot 3-index slice a string');
  if (k !== 'string' && k !== 'slice' && k !== 'bytes') throw new Error(`can't slice item of type ${typeName(item)}`);
  const n = len(item);
  const idx = [0, n, n];
  indexes.forEach((x, i) => (idx[i] = indexArg(x, n)));
  if (idx[0] > idx[1]) throw new Error(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1] > idx[2]) throw new Error(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (k === 'string') {
    const s = item as string;
    if (isAscii(s)) return s.slice(idx[0], idx[1]);
    return bytesToString(utf8Bytes(s).slice(idx[0], idx[1]));
  }
  return (item as unknown[]).slice(idx[0], idx[1]);
}

/** The argument string text/template's html, js and urlquery escape. */
export function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === null || a === MISSING || a === undefined ? '<no value>' : a)));
}

const HTML_ESC: Record<string, string> = { '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;', '\0': '\uFFFD' };
export function htmlEscapeString(s: string): string {
  return s.replace(/["'&<>\0]/g, (c) => HTML_ESC[c]);
}

export function jsEscapeString(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '\\': out += '\\\\'; continue;
      case "'": out += "\\'"; continue;
      case '"': out += '\\"'; continue;
      case '<': out += '\\u003C'; continue;
      case '>': out += '\\u003E'; continue;
      case '&': out += '\\u0026'; continue;
      case '=': out += '\\u003D'; continue;
    }
    if (c < 0x20) out += '\\u00' + c.toString(16).toUpperCase().padStart(2, '0');
    else if (c < 0x80 || isPrintable(c)) out += ch;
    else out += '\\u' + c.toString(16).toUpperCase().padStart(4, '0');
  }
  return out;
}

/** url.QueryEscape */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of utf8Bytes(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

export const BUILTINS: Record<string, GoFunc> = {
  and: goFunc(['value'], () => undefined, 'value'),
  or: goFunc(['value'], () => undefined, 'value'),
  call: goFunc(['value'], () => undefined, 'value'),
  not: goFunc(['value'], (a: unknown) => !truthValue(a)),
  len: goFunc(['value'], len),
  index: goFunc(['value'], index, 'value'),
  slice: goFunc(['value'], slice, 'value'),
  print: goFunc([], (...a: unknown[]) => sprint(a), 'any'),
  println: goFunc([], (...a: unknown[]) => sprintln(a), 'any'),
  printf: goFunc(['string'], (f: string, ...a: unknown[]) => sprintf(f, a), 'any'),
  html: goFunc([], (...a: unknown[]) => htmlEscapeString(evalArgs(a)), 'any'),
  js: goFunc([], (...a: unknown[]) => jsEscapeString(evalArgs(a)), 'any'),
  urlquery: goFunc([], (...a: unknown[]) => queryEscape(evalArgs(a)), 'any'),
  eq: goFunc(['value'], eq, 'value'),
  ne: goFunc(['value', 'value'], (a: unknown, b: unknown) => !eq(a, b)),
  lt: goFunc(['value', 'value'], lt),
  le: goFunc(['value', 'value'], le),
  gt: goFunc(['value', 'value'], (a: unknown, b: unknown) => !le(a, b)),
  ge: goFunc(['value', 'value'], (a: unknown, b: unknown) => !lt(a, b)),
};

import { isTrue } from './values.js';
function truthValue(v: unknown): boolean {
  return v !== MISSING && isTrue(v);
}
