// Conversions Sprig relies on: strval (fmt %v), spf13/cast ToInt64/ToFloat64, emptiness.

import { formatV } from '../fmt.js';
import { parseGoNumber } from '../parse.js';
import { GoTime } from '../time.js';
import { MISSING, isTrue, kindOf, numValue, reflectKind } from '../values.js';

export function strval(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (v instanceof Error) return v.message;
  if (v === MISSING || v === undefined) v = null;
  return formatV(v);
}

function trimZeroDecimal(s: string): string {
  // cast: "1.0" -> "1", "1.50" stays
  const m = /^([+-]?[0-9]+)\.0*$/.exec(s);
  return m ? m[1] : s;
}

/** spf13/cast ToInt64 (errors give 0). */
export function toInt64(v: unknown): number {
  switch (kindOf(v)) {
    case 'int':
      return v as number;
    case 'int64':
      return Number(v);
    case 'float64':
      return Math.trunc(numValue(v));
    case 'bool':
      return v ? 1 : 0;
    case 'string': {
      const s = trimZeroDecimal(v as string);
      const n = parseGoNumber(s);
      if (!n || !n.isInt || /[.eEpP]/.test(s.replace(/^[+-]?0[xX][0-9a-fA-F_]*$/, ''))) return 0;
      return n.value;
    }
    case 'time':
      return (v as GoTime).sec;
    default:
      return 0;
  }
}

/** spf13/cast ToFloat64 (errors give 0). */
export function toFloat64(v: unknown): number {
  switch (kindOf(v)) {
    case 'int':
    case 'float64':
    case 'int64':
      return numValue(v);
    case 'bool':
      return v ? 1 : 0;
    case 'string': {
      const s = (v as string).trim() === v ? (v as string) : '';
      if (!/^[+-]?(\d[\d_]*\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|0[xX][0-9a-fA-F.]+([pP][+-]?\d+)?|[Ii]nf(inity)?|NaN)$/.test(s)) return 0;
      if (/^[+-]?[Ii]nf/.test(s)) return s[0] === '-' ? -Infinity : Infinity;
      const n = parseGoNumber(s);
      return n ? n.value : Number(s) || 0;
    }
    default:
      return 0;
  }
}

/** Sprig's empty: the zero value of its type. */
export function empty(v: unknown): boolean {
  if (v === MISSING || v === undefined || v === null) return true;
  if (kindOf(v) === 'struct' || kindOf(v) === 'time') return false;
  return !isTrue(v);
}

/** Go reflect Kind name for Sprig's error messages ("Cannot push on type map"). */
export function kindName(v: unknown): string {
  if (v === null || v === undefined || v === MISSING) throw new Error('runtime error: invalid memory address or nil pointer dereference');
  return reflectKind(v);
}

/** The elements of a slice-like value, or null. */
export function asList(v: unknown): unknown[] | null {
  if (Array.isArray(v)) return v;
  if (v instanceof Uint8Array) return [...v];
  return null;
}

export function requireList(v: unknown, msg: (kind: string) => string): unknown[] {
  const l = asList(v);
  if (!l) throw new Error(msg(kindName(v)));
  return l;
}
