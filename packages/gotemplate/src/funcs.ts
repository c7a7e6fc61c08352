// Function descriptors: how a JS function stands in for a Go function with typed parameters.

import { GoTime } from './time.js';
import { GoFloat, MISSING, isPlainObject, kindOf, typeName } from './values.js';

/**
 * Parameter types a Go function can declare.
 * - any:    interface{}; a missing value arrives as null
 * - value:  reflect.Value (builtins); a missing value arrives as MISSING
 * - string, bool, int, int64, float64, map (map[string]interface{}), slice, time (time.Time)
 */
export type ParamType = 'any' | 'value' | 'string' | 'bool' | 'int' | 'int64' | 'float64' | 'map' | 'slice' | 'time';

export interface GoFunc {
  readonly fn: (...args: any[]) => unknown;
  readonly params: readonly ParamType[];
  readonly variadic?: ParamType;
}

const GOFUNC = Symbol('gofunc');

/** Declares a Go-typed function: the engine checks arity and argument types as Go would. */
export function goFunc(params: readonly ParamType[], fn: (...args: any[]) => unknown, variadic?: ParamType): GoFunc & { [GOFUNC]: true } {
  return { fn, params, variadic, [GOFUNC]: true };
}

export function isGoFunc(v: unknown): v is GoFunc {
  return typeof v === 'object' && v !== null && (v as { [GOFUNC]?: boolean })[GOFUNC] === true;
}

/** What a template calls: a plain JS function (any arguments) or a typed GoFunc. */
export type TemplateFunc = ((...args: any[]) => unknown) | GoFunc;
export type FuncMap = Record<string, TemplateFunc>;

export function goTypeName(t: ParamType): string {
  switch (t) {
    case 'any':
      return 'interface {}';
    case 'value':
      return 'reflect.Value';
    case 'map':
      return 'map[string]interface {}';
    case 'slice':
      return '[]interface {}';
    case 'time':
      return 'time.Time';
    default:
      return t;
  }
}

export class ArgTypeError extends Error {}

/** Converts a runtime value to a parameter type or throws Go's message. */
export function convertArg(v: unknown, t: ParamType): unknown {
  switch (t) {
    case 'value':
      return v === undefined ? null : v;
    case 'any':
      return v === MISSING || v === undefined ? null : v;
  }
  if (v === MISSING || v === undefined || v === null) {
    if (t === 'map' || t === 'slice') return null;
    throw new ArgTypeError(`invalid value; expected ${goTypeName(t)}`);
  }
  const k = kindOf(v);
  switch (t) {
    case 'string':
      if (k === 'string') return v;
      break;
    case 'bool':
      if (k === 'bool') return v;
      break;
    case 'int':
    case 'int64':
      if (k === 'int') return v;
      if (k === 'int64') return Number(v);
      break;
    case 'float64':
      if (v instanceof GoFloat) return v.value;
      if (k === 'int' || k === 'float64') return v;
      if (k === 'int64') return Number(v);
      break;
    case 'map':
      if (k === 'map') return v instanceof Map ? Object.fromEntries(v) : v;
      break;
    case 'slice':
      if (k === 'slice') return v;
      break;
    case 'time':
      if (k === 'time') return v;
      if (v instanceof Date) return GoTime.fromDate(v);
      break;
  }
  throw new ArgTypeError(`wrong type for value; expected ${goTypeName(t)}; got ${typeName(v)}`);
}

export { isPlainObject };
