/** The standard library, implemented natively (no Jsonnet prelude to parse at start-up). */
import { createHash } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import type { Param } from './ast.js';
import type { Loc } from './errors.js';
import {
  callFunction, charge, checkArrayLength, checkNumber, checkString, codepoints, compare, compareStrings, ctx, equals, fmtNumber, force, getField,
  hasSurrogates, indexValue, plus, sizeError, objectPlus, rtError, setFormatHook, setStdObject, setToStringHook, slice, strLength, toStringValue, visibleFields, allFields,
} from './evaluator.js';
import { format } from './format.js';
import {
  escapeJson, manifestIni, manifestJsonEx, manifestOneLine, manifestPython, manifestTomlEx, manifestXmlJsonml, manifestYamlDoc,
} from './manifest.js';
import { JArray, JFunction, JObject, Thunk, fromJS, makeObject, plainField, typeOf, type FieldDef, type Lazy, type Value } from './value.js';

type Impl = (a: Lazy[], loc: Loc | null) => Value;

const fields = new Map<string, FieldDef>();

/** Argument types the reference checks up front for its native builtins (and the name it reports). */
const SIGNATURES: Record<string, [string, string[]]> = {
  acos: ['acos', ['number']], asin: ['asin', ['number']], atan: ['atan', ['number']], ceil: ['ceil', ['number']],
  cos: ['cos', ['number']], exp: ['exp', ['number']], exponent: ['exponent', ['number']], floor: ['floor', ['number']],
  log: ['log', ['number']], mantissa: ['mantissa', ['number']], sin: ['sin', ['number']], sqrt: ['sqrt', ['number']],
  tan: ['tan', ['number']], char: ['char', ['number']], asciiLower: ['asciiLower', ['string']], asciiUpper: ['asciiUpper', ['string']],
  codepoint: ['codepoint', ['string']], decodeUTF8: ['decodeUTF8', ['array']], encodeUTF8: ['encodeUTF8', ['string']],
  extVar: ['extVar', ['string']], filter: ['filter', ['function', 'array']], makeArray: ['makeArray', ['number', 'function']],
  md5: ['md5', ['string']], modulo: ['modulo', ['number', 'number']], native: ['native', ['string']],
  objectFieldsEx: ['objectFieldsEx', ['object', 'boolean']], objectFields: ['objectFieldsEx', ['object']],
  objectFieldsAll: ['objectFieldsEx', ['object']], objectHas: ['objectHasEx', ['object', 'string']],
  objectHasAll: ['objectHasEx', ['object', 'string']], objectHasEx: ['objectHasEx', ['object', 'string', 'boolean']], parseJson: ['parseJson', ['string']], parseYaml: ['parseYaml', ['string']],
  pow: ['pow', ['number', 'number']], range: ['range', ['number', 'number']], splitLimit: ['splitLimit', ['string', 'string', 'number']],
  strReplace: ['strReplace', ['string', 'string', 'string']], substr: ['substr', ['string', 'number', 'number']],
};

function withSignature(name: string, impl: Impl): Impl {
  if (!Object.hasOwn(SIGNATURES, name)) return impl;
  const sig = SIGNATURES[name];
  const [shown, types] = sig;
  const implicitBool = (shown === 'objectFieldsEx' || shown === 'objectHasEx') && !types.includes('boolean');
  const expected = implicitBool ? [...types, 'boolean'] : types;
  return (a, l) => {
    for (let i = 0; i < types.length; i++) {
      if (typeOf(force(a[i])) !== types[i]) {
        const got = types.map((_, j) => typeOf(force(a[j])));
        if (implicitBool) got.push('boolean');
        throw rtError(`Builtin function ${shown} expected (${expected.join(', ')}) but got (${got.join(', ')})`, l);
      }
    }
    return impl(a, l);
  };
}

function def(name: string, params: string, impl0: Impl): void {
  const impl = withSignature(name, impl0);
  const names = params === '' ? [] : params.split(',');
  let required = 0;
  const ps: Param[] = names.map((p) => {
    const opt = p.endsWith('?');
    if (!opt) required++;
    return { name: opt ? p.slice(0, -1) : p, def: null, loc: null as unknown as Loc };
  });
  fields.set(name, plainField(name, new JFunction(ps, null, null, name, impl, required), 1));
}

function fail(fn: string, msg: string, loc: Loc | null): never {
  throw rtError(`${fn}: ${msg}`, loc);
}

function num(fn: string, x: Lazy, loc: Loc | null, what = 'parameter'): number {
  const v = force(x);
  if (typeof v !== 'number') fail(fn, `${what} must be a number, got ${typeOf(v)}`, loc);
  return v;
}
function str(fn: string, x: Lazy, loc: Loc | null, what = 'parameter'): string {
  const v = force(x);
  if (typeof v !== 'string') fail(fn, `${what} must be a string, got ${typeOf(v)}`, loc);
  return v;
}
function arr(fn: string, x: Lazy, loc: Loc | null, what = 'parameter'): JArray {
  const v = force(x);
  if (!(v instanceof JArray)) fail(fn, `${what} must be an array, got ${typeOf(v)}`, loc);
  return v;
}
function obj(fn: string, x: Lazy, loc: Loc | null, what = 'parameter'): JObject {
  const v = force(x);
  if (!(v instanceof JObject)) fail(fn, `${what} must be an object, got ${typeOf(v)}`, loc);
  return v;
}
function func(fn: string, x: Lazy, loc: Loc | null, what = 'parameter'): JFunction {
  const v = force(x);
  if (!(v instanceof JFunction)) fail(fn, `${what} must be a function, got ${typeOf(v)}`, loc);
  return v;
}
function bool(fn: string, x: Lazy, loc: Loc | null, what = 'parameter'): boolean {
  const v = force(x);
  if (typeof v !== 'boolean') fail(fn, `${what} must be a boolean, got ${typeOf(v)}`, loc);
  return v;
}
function opt<T>(x: Lazy | undefined, dflt: T): Value | T {
  return x === undefined ? dflt : force(x);
}
function call(f: JFunction, args: Lazy[], loc: Loc | null): Value {
  return callFunction(f, args, null, loc);
}
function lazyCall(f: JFunction, args: Lazy[], loc: Loc | null): Thunk {
  return new Thunk(null, null, () => callFunction(f, args, null, loc));
}
function arrOrStr(fn: string, x: Lazy, loc: Loc | null): Lazy[] {
  const v = force(x);
  if (v instanceof JArray) return v.items;
  if (typeof v === 'string') return codepoints(v);
  return fail(fn, `first parameter must be an array or a string, got ${typeOf(v)}`, loc);
}
function intOf(fn: string, x: Lazy, loc: Loc | null, what = 'parameter'): number {
  const n = num(fn, x, loc, what);
  if (!Number.isInteger(n)) fail(fn, `${what} must be an integer, got ${fmtNumber(n)}`, loc);
  return n;
}
function objFrom(entries: [string, Lazy][]): JObject {
  const m = new Map<string, FieldDef>();
  for (const [k, v] of entries) m.set(k, plainField(k, v));
  return makeObject(m);
}
function keyFn(f: Lazy | undefined, fn: string, loc: Loc | null): ((x: Lazy) => Value) {
  if (f === undefined) return force;
  const kf = func(fn, f, loc, 'keyF');
  return (x) => call(kf, [x], loc);
}

// ------------------------------------------------------------------ types and reflection
def('type', 'x', (a) => typeOf(force(a[0])));
def('isArray', 'v', (a) => force(a[0]) instanceof JArray);
def('isBoolean', 'v', (a) => typeof force(a[0]) === 'boolean');
def('isFunction', 'v', (a) => force(a[0]) instanceof JFunction);
def('isNumber', 'v', (a) => typeof force(a[0]) === 'number');
def('isObject', 'v', (a) => force(a[0]) instanceof JObject);
def('isString', 'v', (a) => typeof force(a[0]) === 'string');
def('isNull', 'v', (a) => force(a[0]) === null);
// as the current stdlib defines them: by rounding half up
const roundHalfUp = (x: number) => Math.floor(x + 0.5);
def('isInteger', 'x', (a, l) => {
  const n = num('isInteger', a[0], l);
  return roundHalfUp(n) === n;
});
def('isDecimal', 'x', (a, l) => {
  const n = num('isDecimal', a[0], l);
  return roundHalfUp(n) !== n;
});
def('isEven', 'x', (a, l) => roundHalfUp(num('isEven', a[0], l)) % 2 === 0);
def('isOdd', 'x', (a, l) => roundHalfUp(num('isOdd', a[0], l)) % 2 !== 0);
def('length', 'x', (a, l) => {
  const v = force(a[0]);
  if (typeof v === 'string') return strLength(v);
  if (v instanceof JArray) return v.items.length;
  if (v instanceof JObject) return visibleFields(v).length;
  if (v instanceof JFunction) return v.params.length;
  throw rtError(`length operates on strings, objects, and arrays, got ${typeOf(v)}`, l);
});
def('get', 'o,f,default?,inc_hidden?', (a, l) => {
  const o = obj('get', a[0], l);
  const f = str('get', a[1], l);
  const incHidden = opt(a[3], true);
  const vis = o.visibility().get(f);
  if (vis === undefined || (!vis && incHidden !== true)) return opt(a[2], null);
  return getField(o, f, l);
});
def('objectHas', 'o,f', (a, l) => obj('objectHas', a[0], l).visibility().get(str('objectHas', a[1], l)) === true);
def('objectHasAll', 'o,f', (a, l) => obj('objectHasAll', a[0], l).has(str('objectHasAll', a[1], l)));
def('objectHasEx', 'o,f,inc_hidden', (a, l) => {
  const vis = obj('objectHasEx', a[0], l).visibility().get(str('objectHasEx', a[1], l));
  return vis === undefined ? false : vis || bool('objectHasEx', a[2], l);
});
const fieldsOf = (o: JObject, hidden: boolean) => (hidden ? allFields(o) : visibleFields(o));
def('objectFields', 'o', (a, l) => new JArray(visibleFields(obj('objectFields', a[0], l))));
def('objectFieldsAll', 'o', (a, l) => new JArray(allFields(obj('objectFieldsAll', a[0], l))));
def('objectFieldsEx', 'o,inc_hidden', (a, l) => new JArray(fieldsOf(obj('objectFieldsEx', a[0], l), bool('objectFieldsEx', a[1], l))));
const valuesOf = (o: JObject, hidden: boolean, l: Loc | null): Lazy[] =>
  fieldsOf(o, hidden).map((k) => new Thunk(null, null, () => getField(o, k, l)));
def('objectValues', 'o', (a, l) => new JArray(valuesOf(obj('objectValues', a[0], l), false, l)));
def('objectValuesAll', 'o', (a, l) => new JArray(valuesOf(obj('objectValuesAll', a[0], l), true, l)));
const kvOf = (o: JObject, hidden: boolean, l: Loc | null): Lazy[] =>
  fieldsOf(o, hidden).map((k) => objFrom([['key', k], ['value', new Thunk(null, null, () => getField(o, k, l))]]));
def('objectKeysValues', 'o', (a, l) => new JArray(kvOf(obj('objectKeysValues', a[0], l), false, l)));
def('objectKeysValuesAll', 'o', (a, l) => new JArray(kvOf(obj('objectKeysValuesAll', a[0], l), true, l)));
def('objectRemoveKey', 'obj,key', (a, l) => {
  const o = obj('objectRemoveKey', a[0], l);
  const key = str('objectRemoveKey', a[1], l);
  return objFrom(visibleFields(o).filter((k) => k !== key).map((k) => [k, new Thunk(null, null, () => getField(o, k, l))]));
});
def('mapWithKey', 'func,obj', (a, l) => {
  const f = func('mapWithKey', a[0], l);
  const o = obj('mapWithKey', a[1], l);
  return objFrom(visibleFields(o).map((k) => [k, new Thunk(null, null, () => call(f, [k, new Thunk(null, null, () => getField(o, k, l))], l))]));
});
def('prune', 'a', (a, l) => {
  const isContent = (v: Value): boolean => {
    if (v === null) return false;
    if (v instanceof JArray) return v.items.length > 0;
    if (v instanceof JObject) return visibleFields(v).length > 0;
    return true;
  };
  const prune = (v: Value): Value => {
    if (v instanceof JArray) {
      const out: Value[] = [];
      for (const x of v.items) {
        const p = prune(force(x));
        if (isContent(p)) out.push(p);
      }
      return new JArray(out);
    }
    if (v instanceof JObject) {
      const out: [string, Lazy][] = [];
      for (const k of visibleFields(v)) {
        const p = prune(getField(v, k, l));
        if (isContent(p)) out.push([k, p]);
      }
      return objFrom(out);
    }
    return v;
  };
  return prune(force(a[0]));
});
def('mergePatch', 'target,patch', (a, l) => {
  // RFC 7396; values stay lazy (only the patch's values are looked at, to find nulls)
  const merge = (target: Value, patch: Value): Value => {
    if (!(patch instanceof JObject)) return patch;
    const t = target instanceof JObject ? target : null;
    const tf = t ? visibleFields(t) : [];
    const pf = visibleFields(patch);
    const inPatch = new Set(pf);
    const inTarget = new Set(tf);
    const out: [string, Lazy][] = [];
    const keys = [...new Set([...tf, ...pf])].sort(compareStrings);
    for (const k of keys) {
      if (!inPatch.has(k)) {
        const tt = t as JObject;
        out.push([k, new Thunk(null, null, () => getField(tt, k, l))]);
        continue;
      }
      if (getField(patch, k, l) === null) continue;
      out.push([k, new Thunk(null, null, () => merge(t !== null && inTarget.has(k) ? getField(t, k, l) : null, getField(patch, k, l)))]);
    }
    return objFrom(out);
  };
  return merge(force(a[0]), force(a[1]));
});
def('extVar', 'x', (a, l) => {
  const name = str('extVar', a[0], l);
  const v = ctx.extVar(name);
  if (v === undefined) throw rtError(`undefined external variable: ${name}`, l);
  return v;
});
def('native', 'name', (a, l) => {
  const name = str('native', a[0], l);
  const v = ctx.native(name);
  if (v === undefined) throw rtError(`unrecognized native function name: ${name}`, l);
  return v;
});
def('trace', 'str,rest', (a, l) => {
  const s = str('trace', a[0], l);
  let where = '';
  if (l !== null) {
    const p = l.src.position(l.b);
    where = ` ${l.src.name}:${p.line}`;
  }
  ctx.trace(`TRACE:${where} ${s}`);
  return force(a[1]);
});
def('primitiveEquals', 'a,b', (a, l) => {
  const x = force(a[0]);
  const y = force(a[1]);
  const tx = typeOf(x);
  if (tx !== typeOf(y)) return false;
  if (tx === 'array' || tx === 'object' || tx === 'function') throw rtError(`primitiveEquals operates on primitive types, got ${tx}`, l);
  return x === y;
});
def('equals', 'a,b', (a, l) => equals(force(a[0]), force(a[1]), l));
def('assertEqual', 'a,b', (a, l) => {
  const x = force(a[0]);
  const y = force(a[1]);
  if (equals(x, y, l)) return true;
  throw rtError(`Assertion failed. ${toStringValue(x)} != ${toStringValue(y)}`, l);
});
def('makeArray', 'sz,func', (a, l) => {
  const sz = num('makeArray', a[0], l);
  const f = func('makeArray', a[1], l);
  if (sz < 0) throw rtError(`makeArray requires size >= 0, got ${fmtNumber(sz)}`, l);
  const n = Math.trunc(sz);
  checkArrayLength(n);
  const items: Lazy[] = new Array(n);
  for (let i = 0; i < n; i++) items[i] = lazyCall(f, [i], l);
  return new JArray(items);
});

// ------------------------------------------------------------------ math
const math1 = (name: string, f: (x: number) => number) => def(name, 'x', (a, l) => checkNumber(f(num(name, a[0], l)), l));
math1('abs', (x) => (x > 0 ? x : -x));
math1('sign', (x) => (x > 0 ? 1 : x < 0 ? -1 : 0));
math1('floor', Math.floor);
math1('ceil', Math.ceil);
math1('sqrt', Math.sqrt);
math1('sin', Math.sin);
math1('cos', Math.cos);
math1('tan', Math.tan);
math1('asin', Math.asin);
math1('acos', Math.acos);
math1('atan', Math.atan);
math1('exp', Math.exp);
math1('log', Math.log);
math1('log2', (x) => Math.log(x) / Math.log(2));
math1('log10', (x) => Math.log(x) / Math.log(10));
math1('round', (x) => Math.floor(x + 0.5));
math1('deg2rad', (x) => (x * Math.PI) / 180);
math1('rad2deg', (x) => (x * 180) / Math.PI);
math1('exponent', (x) => (x === 0 ? 0 : frexp(x)[1]));
math1('mantissa', (x) => (x === 0 ? 0 : frexp(x)[0]));
fields.set('pi', plainField('pi', Math.PI, 1));
def('atan2', 'y,x', (a, l) => Math.atan2(num('atan2', a[0], l), num('atan2', a[1], l)));
def('hypot', 'a,b', (a, l) => Math.hypot(num('hypot', a[0], l), num('hypot', a[1], l)));
def('pow', 'x,n', (a, l) => checkNumber(Math.pow(num('pow', a[0], l), num('pow', a[1], l)), l));
def('max', 'a,b', (a, l) => {
  const x = num('max', a[0], l);
  const y = num('max', a[1], l);
  return x > y ? x : y;
});
def('min', 'a,b', (a, l) => {
  const x = num('min', a[0], l);
  const y = num('min', a[1], l);
  return x < y ? x : y;
});
def('clamp', 'x,minVal,maxVal', (a, l) => {
  const x = num('clamp', a[0], l);
  const lo = num('clamp', a[1], l);
  const hi = num('clamp', a[2], l);
  return x < lo ? lo : x > hi ? hi : x;
});
def('modulo', 'x,y', (a, l) => {
  const x = num('modulo', a[0], l);
  const y = num('modulo', a[1], l);
  if (y === 0) throw rtError('division by zero.', l);
  return x % y;
});
def('mod', 'a,b', (a, l) => {
  const x = force(a[0]);
  const y = force(a[1]);
  if (typeof x === 'number' && typeof y === 'number') {
    if (y === 0) throw rtError('division by zero.', l);
    return x % y;
  }
  if (typeof x === 'string') return format(x, y, l);
  throw rtError(`Operator % cannot be used on types ${typeOf(x)} and ${typeOf(y)}.`, l);
});
def('xor', 'x,y', (a, l) => bool('xor', a[0], l) !== bool('xor', a[1], l));
def('xnor', 'x,y', (a, l) => bool('xnor', a[0], l) === bool('xnor', a[1], l));

function frexp(x: number): [number, number] {
  let e = Math.max(-1073, Math.floor(Math.log2(Math.abs(x))) + 1);
  let m = x * Math.pow(2, -e);
  while (Math.abs(m) < 0.5) {
    m *= 2;
    e--;
  }
  while (Math.abs(m) >= 1) {
    m /= 2;
    e++;
  }
  return [m, e];
}

// ------------------------------------------------------------------ strings
def('toString', 'a', (a) => toStringValue(force(a[0])));
def('codepoint', 'str', (a, l) => {
  const s = str('codepoint', a[0], l);
  if (strLength(s) !== 1) throw rtError(`codepoint takes a string of length 1, got length ${strLength(s)}`, l);
  return s.codePointAt(0) as number;
});
def('char', 'n', (a, l) => {
  const n = num('char', a[0], l);
  if (n < 0) throw rtError(`codepoints must be >= 0, got ${fmtNumber(n)}`, l);
  if (n > 0x10ffff) throw rtError(`invalid unicode codepoint, got ${fmtNumber(n)}`, l);
  return String.fromCodePoint(Math.floor(n));
});
def('substr', 'str,from,len', (a, l) => {
  const s = str('substr', a[0], l);
  const from = num('substr', a[1], l);
  const len = num('substr', a[2], l);
  if (from < 0) throw rtError(`substr second parameter should be greater than zero, got ${fmtNumber(from)}`, l);
  if (len < 0) throw rtError(`substr third parameter should be greater than zero, got ${fmtNumber(len)}`, l);
  const f = Math.floor(from);
  const n = Math.floor(len);
  if (!hasSurrogates(s)) return s.substr(f, n);
  return codepoints(s).slice(f, f + n).join('');
});
def('findSubstr', 'pat,str', (a, l) => {
  const pat = str('findSubstr', a[0], l);
  const s = str('findSubstr', a[1], l);
  const out: number[] = [];
  if (pat.length === 0) return new JArray([]);
  const cps = hasSurrogates(s) ? codepoints(s) : null;
  if (cps === null) {
    for (let i = s.indexOf(pat); i >= 0; i = s.indexOf(pat, i + 1)) out.push(i);
  } else {
    const pc = codepoints(pat);
    for (let i = 0; i + pc.length <= cps.length; i++) {
      let ok = true;
      for (let j = 0; j < pc.length && ok; j++) ok = cps[i + j] === pc[j];
      if (ok) out.push(i);
    }
  }
  return new JArray(out);
});
def('startsWith', 'a,b', (a, l) => str('startsWith', a[0], l).startsWith(str('startsWith', a[1], l)));
def('endsWith', 'a,b', (a, l) => str('endsWith', a[0], l).endsWith(str('endsWith', a[1], l)));
const strip = (s: string, chars: string, left: boolean, right: boolean): string => {
  const set = new Set(codepoints(chars));
  const cps = codepoints(s);
  let b = 0;
  let e = cps.length;
  if (left) while (b < e && set.has(cps[b])) b++;
  if (right) while (e > b && set.has(cps[e - 1])) e--;
  return cps.slice(b, e).join('');
};
def('stripChars', 'str,chars', (a, l) => strip(str('stripChars', a[0], l), str('stripChars', a[1], l), true, true));
def('lstripChars', 'str,chars', (a, l) => strip(str('lstripChars', a[0], l), str('lstripChars', a[1], l), true, false));
def('rstripChars', 'str,chars', (a, l) => strip(str('rstripChars', a[0], l), str('rstripChars', a[1], l), false, true));
def('trim', 'str', (a, l) => strip(str('trim', a[0], l), ' \t\n\f\r\u0085\u00a0', true, true));
def('isEmpty', 'str', (a, l) => str('isEmpty', a[0], l).length === 0);
def('equalsIgnoreCase', 'str1,str2', (a, l) => asciiLower(str('equalsIgnoreCase', a[0], l)) === asciiLower(str('equalsIgnoreCase', a[1], l)));
function splitLimit(s: string, c: string, max: number, fromRight: boolean): string[] {
  if (max === -1 || max < 0) return s.split(c);
  if (!fromRight) {
    const out: string[] = [];
    let rest = s;
    while (out.length < max) {
      const i = rest.indexOf(c);
      if (i < 0) break;
      out.push(rest.slice(0, i));
      rest = rest.slice(i + c.length);
    }
    out.push(rest);
    return out;
  }
  const out: string[] = [];
  let rest = s;
  while (out.length < max) {
    const i = rest.lastIndexOf(c);
    if (i < 0) break;
    out.unshift(rest.slice(i + c.length));
    rest = rest.slice(0, i);
  }
  out.unshift(rest);
  return out;
}
def('split', 'str,c', (a, l) => {
  const s = str('split', a[0], l);
  const c = str('split', a[1], l);
  if (c.length === 0) throw rtError('std.split second parameter must be a non-empty string', l);
  return new JArray(s.split(c));
});
def('splitLimit', 'str,c,maxsplits', (a, l) => {
  const c = str('splitLimit', a[1], l);
  if (c.length === 0) throw rtError('std.splitLimit second parameter must be a non-empty string', l);
  return new JArray(splitLimit(str('splitLimit', a[0], l), c, num('splitLimit', a[2], l), false));
});
def('splitLimitR', 'str,c,maxsplits', (a, l) => {
  const c = str('splitLimitR', a[1], l);
  if (c.length === 0) throw rtError('std.splitLimitR second parameter must be a non-empty string', l);
  return new JArray(splitLimit(str('splitLimitR', a[0], l), c, num('splitLimitR', a[2], l), true));
});
def('strReplace', 'str,from,to', (a, l) => {
  const s = str('strReplace', a[0], l);
  const from = str('strReplace', a[1], l);
  const to = str('strReplace', a[2], l);
  if (from.length === 0) throw rtError("'from' string must not be zero length.", l);
  return checkString(s.split(from).join(to));
});
function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}
function asciiUpper(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}
def('asciiLower', 'str', (a, l) => asciiLower(str('asciiLower', a[0], l)));
def('asciiUpper', 'str', (a, l) => asciiUpper(str('asciiUpper', a[0], l)));
def('stringChars', 'str', (a, l) => new JArray(codepoints(str('stringChars', a[0], l))));
def('format', 'str,vals', (a, l) => format(str('format', a[0], l), force(a[1]), l));
def('escapeStringJson', 'str', (a) => escapeJson(toStringValue(force(a[0]))));
def('escapeStringPython', 'str', (a) => escapeJson(toStringValue(force(a[0]))));
def('escapeStringBash', 'str', (a) => `'${toStringValue(force(a[0])).split("'").join(`'"'"'`)}'`);
def('escapeStringDollars', 'str', (a) => toStringValue(force(a[0])).split('$').join('$$'));
const XML: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' };
const escapeXml: Impl = (a) => toStringValue(force(a[0])).replace(/[<>&"']/g, (c) => XML[c]);
def('escapeStringXml', 'str', escapeXml);
def('escapeStringXML', 'str', escapeXml);
function parseRadix(fn: string, s: string, radix: number, re: RegExp, l: Loc | null): number {
  if (s === '') throw rtError(`Not an integer: ""`, l);
  if (!re.test(s)) throw rtError(`${s} is not a base ${radix} integer`, l);
  let v = 0;
  for (const ch of s) v = v * radix + parseInt(ch, radix);
  return v;
}
def('parseInt', 'str', (a, l) => {
  const s = str('parseInt', a[0], l);
  if (s.startsWith('-')) return -parseRadix('parseInt', s.slice(1), 10, /^[0-9]+$/, l);
  return parseRadix('parseInt', s, 10, /^[0-9]+$/, l);
});
def('parseOctal', 'str', (a, l) => parseRadix('parseOctal', str('parseOctal', a[0], l), 8, /^[0-7]+$/, l));
def('parseHex', 'str', (a, l) => parseRadix('parseHex', str('parseHex', a[0], l), 16, /^[0-9a-fA-F]+$/, l));
def('parseJson', 'str', (a, l) => {
  const s = str('parseJson', a[0], l);
  let parsed: unknown;
  try {
    parsed = JSON.parse(s);
  } catch (err) {
    throw rtError(`failed to parse JSON: ${(err as Error).message}`, l);
  }
  return fromJS(parsed);
});
def('parseYaml', 'str', (a, l) => {
  const s = str('parseYaml', a[0], l);
  let docs;
  try {
    docs = parseAllDocuments(s, { version: '1.2', uniqueKeys: false });
  } catch (err) {
    throw rtError(`failed to parse YAML: ${(err as Error).message}`, l);
  }
  const list = Array.isArray(docs) ? docs : [docs];
  const values: unknown[] = [];
  for (const d of list) {
    if (d.errors.length > 0) throw rtError(`failed to parse YAML: ${d.errors[0].message}`, l);
    values.push(d.toJS({ maxAliasCount: 100 }));
  }
  if (values.length === 1) return fromJS(values[0]);
  return fromJS(values);
});
function utf8Bytes(s: string): number[] {
  return Array.from(Buffer.from(s, 'utf8'));
}
def('encodeUTF8', 'str', (a, l) => new JArray(utf8Bytes(str('encodeUTF8', a[0], l))));
function bytesOf(fn: string, x: Lazy, l: Loc | null): Uint8Array {
  const v = arr(fn, x, l);
  const out = new Uint8Array(v.items.length);
  v.items.forEach((b, i) => {
    const n = force(b);
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 255) {
      throw rtError(`${fn}: expected an array of bytes (integers 0..255), got ${typeof n === 'number' ? fmtNumber(n) : typeOf(n)}`, l);
    }
    out[i] = n;
  });
  return out;
}
def('decodeUTF8', 'arr', (a, l) => Buffer.from(bytesOf('decodeUTF8', a[0], l)).toString('utf8'));
def('base64', 'input', (a, l) => {
  const v = force(a[0]);
  let bytes: Uint8Array;
  if (typeof v === 'string') {
    const cps = codepoints(v);
    bytes = new Uint8Array(cps.length);
    cps.forEach((c, i) => {
      const n = c.codePointAt(0) as number;
      if (n > 255) throw rtError(`base64 encountered invalid codepoint value in the array (must be 0 <= X <= 255), got ${n}`, l);
      bytes[i] = n;
    });
  } else if (v instanceof JArray) {
    for (const x of v.items) {
      const n = force(x);
      if (typeof n !== 'number' || n < 0 || n > 255 || !Number.isInteger(n)) throw rtError('Can only base64 encode strings / arrays of single bytes.', l);
    }
    bytes = bytesOf('base64', v, l);
  } else throw rtError(`base64 can only base64 encode strings / arrays of single bytes, got ${typeOf(v)}`, l);
  return checkString(Buffer.from(bytes).toString('base64'));
});
function b64decode(s: string, l: Loc | null): Buffer {
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw rtError(`base64DecodeBytes: input is not valid base64: ${JSON.stringify(s.slice(0, 40))}`, l);
  return Buffer.from(s, 'base64');
}
def('base64DecodeBytes', 'str', (a, l) => new JArray(Array.from(b64decode(str('base64DecodeBytes', a[0], l), l))));
def('base64Decode', 'str', (a, l) => b64decode(str('base64Decode', a[0], l), l).toString('latin1'));
const hash = (name: string, alg: string) => def(name, 's', (a, l) => createHash(alg).update(str(name, a[0], l), 'utf8').digest('hex'));
hash('md5', 'md5');
hash('sha1', 'sha1');
hash('sha256', 'sha256');
hash('sha512', 'sha512');
hash('sha3', 'sha3-512');
def('join', 'sep,arr', (a, l) => {
  const sep = force(a[0]);
  const av = force(a[1]);
  if (!(av instanceof JArray)) throw rtError(`join second parameter should be array, got ${typeOf(av)}`, l);
  const items = av.items;
  charge(items.length);
  if (typeof sep === 'string') {
    const parts: string[] = [];
    let size = 0;
    for (let i = 0; i < items.length; i++) {
      const v = force(items[i]);
      if (v === null) continue;
      if (typeof v !== 'string') throw rtError(`expected string but arr[${i}] was ${typeOf(v)}`, l);
      parts.push(v);
      size += v.length + sep.length;
      if (size > ctx.limits.maxStringLength) checkString(parts.join(sep));
    }
    return checkString(parts.join(sep));
  }
  if (sep instanceof JArray) {
    const out: Lazy[] = [];
    let first = true;
    for (const x of items) {
      const v = force(x);
      if (v === null) continue;
      if (!(v instanceof JArray)) throw rtError(`join expected array but got ${typeOf(v)}`, l);
      if (!first) out.push(...sep.items);
      first = false;
      out.push(...v.items);
      checkArrayLength(out.length);
    }
    return new JArray(out);
  }
  throw rtError(`join first parameter should be string or array, got ${typeOf(sep)}`, l);
});
def('deepJoin', 'arr', (a, l) => {
  const parts: string[] = [];
  const walk = (v: Value): void => {
    if (typeof v === 'string') parts.push(v);
    else if (v instanceof JArray) for (const x of v.items) walk(force(x));
    else throw rtError(`Expected string or array, got ${typeOf(v)}`, l);
  };
  walk(force(a[0]));
  return checkString(parts.join(''));
});
def('lines', 'arr', (a, l) => {
  const parts: string[] = [];
  for (const x of arr('lines', a[0], l).items) {
    const v = force(x);
    if (v === null) continue;
    if (typeof v !== 'string') throw rtError(`join expected string but got ${typeOf(v)}`, l);
    parts.push(v);
  }
  parts.push('');
  return checkString(parts.join('\n'));
});
def('resolvePath', 'f,r', (a, l) => {
  const f = str('resolvePath', a[0], l);
  const r = str('resolvePath', a[1], l);
  const parts = f.split('/');
  parts[parts.length - 1] = r;
  return parts.join('/');
});

// ------------------------------------------------------------------ manifestation
def('manifestJsonEx', 'value,indent,newline?,key_val_sep?', (a, l) =>
  manifestJsonEx(force(a[0]), str('manifestJsonEx', a[1], l), a[2] === undefined ? '\n' : str('manifestJsonEx', a[2], l), a[3] === undefined ? ': ' : str('manifestJsonEx', a[3], l)));
def('manifestJson', 'value', (a) => manifestJsonEx(force(a[0]), '    '));
def('manifestJsonMinified', 'value', (a) => manifestJsonEx(force(a[0]), '', '', ':'));
def('manifestYamlDoc', 'value,indent_array_in_object?,quote_keys?', (a, l) =>
  manifestYamlDoc(force(a[0]), a[1] === undefined ? false : bool('manifestYamlDoc', a[1], l), a[2] === undefined ? true : bool('manifestYamlDoc', a[2], l)));
def('manifestYamlStream', 'value,indent_array_in_object?,c_document_end?,quote_keys?', (a, l) => {
  const v = force(a[0]);
  if (!(v instanceof JArray)) throw rtError(`manifestYamlStream only takes arrays, got ${typeOf(v)}`, l);
  const ind = a[1] === undefined ? false : bool('manifestYamlStream', a[1], l);
  const end = a[2] === undefined ? true : bool('manifestYamlStream', a[2], l);
  const qk = a[3] === undefined ? true : bool('manifestYamlStream', a[3], l);
  return checkString('---\n' + v.items.map((x) => manifestYamlDoc(force(x), ind, qk)).join('\n---\n') + (end ? '\n...\n' : '\n'));
});
def('manifestPython', 'v', (a) => manifestPython(force(a[0])));
def('manifestPythonVars', 'conf', (a, l) => {
  const o = obj('manifestPythonVars', a[0], l);
  return [...visibleFields(o).map((k) => `${k} = ${manifestPython(getField(o, k, l))}`), ''].join('\n');
});
def('manifestIni', 'ini', (a) => manifestIni(force(a[0])));
def('manifestXmlJsonml', 'value', (a) => manifestXmlJsonml(force(a[0])));
def('manifestTomlEx', 'value,indent', (a, l) => manifestTomlEx(force(a[0]), str('manifestTomlEx', a[1], l)));
def('manifestToml', 'value', (a) => manifestTomlEx(force(a[0]), '  '));

// ------------------------------------------------------------------ arrays
def('range', 'from,to', (a, l) => {
  // the reference converts both bounds to integers by truncation
  const from = Math.trunc(num('range', a[0], l));
  const to = Math.trunc(num('range', a[1], l));
  const n = Math.max(0, to - from + 1);
  checkArrayLength(n);
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = from + i;
  return new JArray(out);
});
def('repeat', 'what,count', (a, l) => {
  const what = force(a[0]);
  const c0 = num('repeat', a[1], l);
  if (c0 < 0) throw rtError(`makeArray requires size >= 0, got ${fmtNumber(c0)}`, l);
  const count = Math.trunc(c0);
  if (typeof what === 'string') {
    const total = what.length * count;
    if (total > ctx.limits.maxStringLength) throw sizeError('string', total, ctx.limits.maxStringLength);
    return what.repeat(count);
  }
  if (what instanceof JArray) {
    const total = what.items.length * count;
    checkArrayLength(total);
    const out: Lazy[] = [];
    for (let i = 0; i < count; i++) for (const x of what.items) out.push(x);
    return new JArray(out);
  }
  throw rtError(`std.repeat first argument must be an array or a string, got ${typeOf(what)}`, l);
});
def('slice', 'indexable,index,end,step', (a, l) => {
  const n = (x: Lazy, what: string) => {
    const v = force(x);
    if (v === null || typeof v === 'number') return v;
    throw rtError(`std.slice ${what} must be a number or null, got ${typeOf(v)}`, l);
  };
  return slice(force(a[0]), n(a[1], 'index'), n(a[2], 'end'), n(a[3], 'step'), l);
});
def('map', 'func,arr', (a, l) => {
  const fv = force(a[0]);
  if (!(fv instanceof JFunction)) throw rtError(`std.map first param must be function, got ${typeOf(fv)}`, l);
  const f = fv;
  const items = arrOrStr('map', a[1], l);
  charge(items.length);
  return new JArray(items.map((x) => lazyCall(f, [x], l)));
});
def('mapWithIndex', 'func,arr', (a, l) => {
  const f = func('mapWithIndex', a[0], l);
  const items = arrOrStr('mapWithIndex', a[1], l);
  return new JArray(items.map((x, i) => lazyCall(f, [i, x], l)));
});
def('filter', 'func,arr', (a, l) => {
  const f = func('filter', a[0], l);
  const items = arr('filter', a[1], l).items;
  const out: Lazy[] = [];
  for (const x of items) {
    const keep = call(f, [x], l);
    if (typeof keep !== 'boolean') throw rtError(`filter function must return boolean, got: ${typeOf(keep)}`, l);
    if (keep) out.push(x);
  }
  return new JArray(out);
});
def('filterMap', 'filter_func,map_func,arr', (a, l) => {
  const ff = func('filterMap', a[0], l);
  const mf = func('filterMap', a[1], l);
  const out: Lazy[] = [];
  for (const x of arr('filterMap', a[2], l).items) {
    const keep = call(ff, [x], l);
    if (typeof keep !== 'boolean') throw rtError(`filter function must return boolean, got: ${typeOf(keep)}`, l);
    if (keep) out.push(lazyCall(mf, [x], l));
  }
  return new JArray(out);
});
def('flatMap', 'func,arr', (a, l) => {
  const fv = force(a[0]);
  if (!(fv instanceof JFunction)) throw rtError(`std.flatMap first param must be function, got ${typeOf(fv)}`, l);
  const v = force(a[1]);
  if (v instanceof JArray) {
    const out: Lazy[] = [];
    for (const x of v.items) {
      const r = call(fv, [x], l);
      if (!(r instanceof JArray)) throw rtError(`std.flatMap on arrays, provided function must return an array, got ${typeOf(r)}`, l);
      out.push(...r.items);
      checkArrayLength(out.length);
    }
    return new JArray(out);
  }
  if (typeof v === 'string') {
    const parts: string[] = [];
    let size = 0;
    for (const c of codepoints(v)) {
      const r = call(fv, [c], l);
      if (typeof r !== 'string') throw rtError(`std.flatMap on strings, provided function must return a string, got ${typeOf(r)}`, l);
      parts.push(r);
      size += r.length;
      if (size > ctx.limits.maxStringLength) throw sizeError('string', size, ctx.limits.maxStringLength);
    }
    return checkString(parts.join(''));
  }
  throw rtError(`std.flatMap second param must be array / string, got ${typeOf(v)}`, l);
});
def('foldl', 'func,arr,init', (a, l) => {
  const f = func('foldl', a[0], l);
  let acc: Lazy = a[2];
  for (const x of arrOrStr('foldl', a[1], l)) acc = call(f, [acc, x], l);
  return force(acc);
});
def('foldr', 'func,arr,init', (a, l) => {
  const f = func('foldr', a[0], l);
  const items = arrOrStr('foldr', a[1], l);
  let acc: Lazy = a[2];
  for (let i = items.length - 1; i >= 0; i--) acc = call(f, [items[i], acc], l);
  return force(acc);
});
def('member', 'arr,x', (a, l) => {
  const v = force(a[0]);
  const x = force(a[1]);
  if (typeof v === 'string') {
    if (typeof x !== 'string') return false;
    return codepoints(v).includes(x);
  }
  if (v instanceof JArray) return v.items.some((y) => equals(force(y), x, l));
  throw rtError('std.member first argument must be an array or a string', l);
});
def('contains', 'arr,elem', (a, l) => {
  const x = force(a[1]);
  return arr('contains', a[0], l).items.some((y) => equals(force(y), x, l));
});
def('count', 'arr,x', (a, l) => {
  const x = force(a[1]);
  return arr('count', a[0], l).items.filter((y) => equals(force(y), x, l)).length;
});
def('find', 'value,arr', (a, l) => {
  const x = force(a[0]);
  const out: number[] = [];
  arr('find', a[1], l).items.forEach((y, i) => {
    if (equals(force(y), x, l)) out.push(i);
  });
  return new JArray(out);
});
def('remove', 'arr,elem', (a, l) => {
  const items = arr('remove', a[0], l).items;
  const x = force(a[1]);
  const i = items.findIndex((y) => equals(force(y), x, l));
  return i < 0 ? new JArray(items) : new JArray([...items.slice(0, i), ...items.slice(i + 1)]);
});
def('removeAt', 'arr,idx', (a, l) => {
  const items = arr('removeAt', a[0], l).items;
  const i = num('removeAt', a[1], l);
  return new JArray(items.filter((_, j) => j !== i));
});
def('reverse', 'arrs', (a, l) => {
  const v = force(a[0]);
  if (typeof v === 'string') return codepoints(v).reverse().join('');
  if (!(v instanceof JArray)) throw rtError(`reverse expects an array, got ${typeOf(v)}`, l);
  return new JArray(v.items.slice().reverse());
});
def('flattenArrays', 'arrs', (a, l) => {
  const out: Lazy[] = [];
  for (const x of arr('flattenArrays', a[0], l).items) {
    const v = force(x);
    if (v === null) continue;
    if (!(v instanceof JArray)) throw rtError(`binary operator + requires matching types, got array and ${typeOf(v)}.`, l);
    out.push(...v.items);
    checkArrayLength(out.length);
  }
  return new JArray(out);
});
def('flattenDeepArray', 'value', (a) => {
  const out: Lazy[] = [];
  const walk = (v: Value): void => {
    if (v instanceof JArray) for (const x of v.items) walk(force(x));
    else out.push(v);
  };
  walk(force(a[0]));
  return new JArray(out);
});
const boolArr = (fn: string, x: Lazy, l: Loc | null) =>
  arr(fn, x, l).items.map((y) => {
    const b = force(y);
    if (typeof b !== 'boolean') throw rtError(`element "${manifestOneLine(b)}" of type ${typeOf(b)} is not a boolean`, l);
    return b;
  });
def('all', 'arr', (a, l) => {
  for (const y of arr('all', a[0], l).items) {
    const b = force(y);
    if (typeof b !== 'boolean') throw rtError(`element "${manifestOneLine(b)}" of type ${typeOf(b)} is not a boolean`, l);
    if (!b) return false;
  }
  return true;
});
def('any', 'arr', (a, l) => {
  for (const y of arr('any', a[0], l).items) {
    const b = force(y);
    if (typeof b !== 'boolean') throw rtError(`element "${manifestOneLine(b)}" of type ${typeOf(b)} is not a boolean`, l);
    if (b) return true;
  }
  return false;
});
void boolArr;
// sum is a fold with +, so it also concatenates strings and arrays, as in the stdlib
const sumOf = (items: Lazy[], l: Loc | null): Value => {
  let acc: Value = 0;
  for (const x of items) acc = plus(acc, force(x), l);
  return acc;
};
def('sum', 'arr', (a, l) => sumOf(arr('sum', a[0], l).items, l));
def('avg', 'arr', (a, l) => {
  const items = arr('avg', a[0], l).items;
  if (items.length === 0) throw rtError('Cannot calculate average of an empty array.', l);
  const s = sumOf(items, l);
  if (typeof s !== 'number') throw rtError(`binary operator / requires matching types, got ${typeOf(s)} and number.`, l);
  return checkNumber(s / items.length, l);
});
const minMax = (name: string, sign: number) =>
  def(name, 'arr,keyF?,onEmpty?', (a, l) => {
    const items = arr(name, a[0], l).items;
    if (items.length === 0) {
      if (a[2] !== undefined) return force(a[2]);
      throw rtError(`Expected at least one element in array. Got none`, l);
    }
    const key = keyFn(a[1], name, l);
    let best = items[0];
    let bestKey = key(best);
    for (let i = 1; i < items.length; i++) {
      const k = key(items[i]);
      if (compare(k, bestKey, '<', l) * sign > 0) {
        best = items[i];
        bestKey = k;
      }
    }
    return force(best);
  });
minMax('minArray', -1);
minMax('maxArray', 1);

function sortItems(items: Lazy[], key: (x: Lazy) => Value, l: Loc | null): Lazy[] {
  charge(items.length * Math.ceil(Math.log2(items.length + 1)));
  const keyed = items.map((x, i) => ({ x, k: key(x), i }));
  // validate comparable types up front, as the reference does (no mixing numbers and strings)
  keyed.sort((p, q) => compare(p.k, q.k, '<', l) || p.i - q.i);
  return keyed.map((p) => p.x);
}
def('sort', 'arr,keyF?', (a, l) => {
  const items = arrOrStr('sort', a[0], l);
  return new JArray(sortItems(items, keyFn(a[1], 'sort', l), l));
});
function uniqItems(items: Lazy[], key: (x: Lazy) => Value, l: Loc | null): Lazy[] {
  const out: Lazy[] = [];
  let lastKey: Value = null;
  for (let i = 0; i < items.length; i++) {
    const k = key(items[i]);
    if (i === 0 || !equals(k, lastKey, l)) out.push(items[i]);
    lastKey = k;
  }
  return out;
}
def('uniq', 'arr,keyF?', (a, l) => new JArray(uniqItems(arr('uniq', a[0], l).items, keyFn(a[1], 'uniq', l), l)));
def('set', 'arr,keyF?', (a, l) => {
  const key = keyFn(a[1], 'set', l);
  return new JArray(uniqItems(sortItems(arrOrStr('set', a[0], l), key, l), key, l));
});
def('setMember', 'x,arr,keyF?', (a, l) => {
  const key = keyFn(a[2], 'setMember', l);
  const items = arr('setMember', a[1], l).items;
  const k = key(a[0]);
  let lo = 0;
  let hi = items.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = compare(key(items[mid]), k, '<', l);
    if (c === 0) return true;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
});
def('setUnion', 'a,b,keyF?', (a, l) => {
  const key = keyFn(a[2], 'setUnion', l);
  const x = arrOrStr('setUnion', a[0], l);
  const y = arrOrStr('setUnion', a[1], l);
  const out: Lazy[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const c = compare(key(x[i]), key(y[j]), '<', l);
    if (c === 0) {
      out.push(x[i]);
      i++;
      j++;
    } else if (c < 0) out.push(x[i++]);
    else out.push(y[j++]);
  }
  while (i < x.length) out.push(x[i++]);
  while (j < y.length) out.push(y[j++]);
  return new JArray(out);
});
def('setInter', 'a,b,keyF?', (a, l) => {
  const key = keyFn(a[2], 'setInter', l);
  const x = arrOrStr('setInter', a[0], l);
  const y = arrOrStr('setInter', a[1], l);
  const out: Lazy[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const c = compare(key(x[i]), key(y[j]), '<', l);
    if (c === 0) {
      out.push(x[i]);
      i++;
      j++;
    } else if (c < 0) i++;
    else j++;
  }
  return new JArray(out);
});
def('setDiff', 'a,b,keyF?', (a, l) => {
  const key = keyFn(a[2], 'setDiff', l);
  const x = arrOrStr('setDiff', a[0], l);
  const y = arrOrStr('setDiff', a[1], l);
  const out: Lazy[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const c = compare(key(x[i]), key(y[j]), '<', l);
    if (c === 0) {
      i++;
      j++;
    } else if (c < 0) out.push(x[i++]);
    else j++;
  }
  while (i < x.length) out.push(x[i++]);
  return new JArray(out);
});

// Object helpers used by the evaluator for `std` itself.
export const stdObject: JObject = makeObject(fields);
setStdObject(stdObject);
setFormatHook(format);
setToStringHook(manifestOneLine);

export { indexValue, objectPlus };
