// Go's fmt package over our value model: Sprint, Sprintln, Sprintf and %v printing.

import { goQuote, isPrintable } from './parse.js';
import { GoTime } from './time.js';
import { GoFloat, MISSING, isStringArray, kindOf, mapGet, sortedKeys, typeName, utf8Bytes } from './values.js';

interface Flags {
  plus: boolean;
  plusV?: boolean;
  sharpV?: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number; // -1 = none
  prec: number; // -1 = none
}

const NOFLAGS: Flags = { plus: false, minus: false, sharp: false, space: false, zero: false, width: -1, prec: -1 };

/** Go's fmt.Sprint. */
export function sprint(args: unknown[]): string {
  let s = '';
  let prevString = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const isString = typeof a === 'string';
    if (i > 0 && !isString && !prevString) s += ' ';
    s += formatV(a);
    prevString = isString;
  }
  return s;
}

/** Go's fmt.Sprintln. */
export function sprintln(args: unknown[]): string {
  return args.map((a) => formatV(a)).join(' ') + '\n';
}

/** %v of a single value. */
export function formatV(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return Number.isInteger(v) ? intString(v) : formatFloat(v, 'g', -1);
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v instanceof GoFloat) return formatFloat(v.value, 'g', -1);
  return fmtValue(v, 'v', NOFLAGS, 0);
}

function intString(v: number): string {
  return Math.abs(v) < 1e21 ? String(v) : BigInt(v).toString();
}

// ---- floats ----------------------------------------------------------------------------

function expStr(e: number): string {
  const a = Math.abs(e);
  return (e < 0 ? '-' : '+') + (a < 10 ? '0' + a : String(a));
}

/** Shortest decimal digits and exponent of x (x > 0): x = 0.d1d2... * 10^dp. */
function shortestDigits(x: number): { d: string; dp: number } {
  const e = x.toExponential(); // "1.2345e+6"
  const [m, ex] = e.split('e');
  return { d: m.replace('.', ''), dp: Number(ex) + 1 };
}

function roundedDigits(x: number, nd: number): { d: string; dp: number } {
  // nd significant digits
  if (nd < 1) nd = 1;
  if (nd > 100) nd = 100;
  const e = x.toExponential(nd - 1);
  const [m, ex] = e.split('e');
  return { d: m.replace('.', ''), dp: Number(ex) + 1 };
}

function fixed(x: number, prec: number): string {
  // x >= 0
  if (x >= 1e21) {
    const ip = BigInt(x).toString();
    return prec > 0 ? ip + '.' + '0'.repeat(prec) : ip;
  }
  if (prec > 100) return x.toFixed(100) + '0'.repeat(prec - 100);
  let s = x.toFixed(prec);
  // Go rounds exact ties to even; toFixed rounds them up.
  const probe = x.toFixed(Math.min(100, prec + 30));
  const tail = probe.slice(probe.length - 30);
  if (tail[0] === '5' && /^50*$/.test(tail)) {
    const kept = probe.slice(0, probe.length - 30);
    const last = kept.replace('.', '').slice(-1);
    if (Number(last) % 2 === 0) s = kept.endsWith('.') ? kept.slice(0, -1) : kept;
  }
  return s;
}

/** strconv.FormatFloat(x, fmt, prec, 64) for fmt in e E f g G. */
export function formatFloat(x: number, verb: string, prec: number, sharp = false): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let body: string;
  switch (verb) {
    case 'f':
    case 'F':
      body = fixed(a, prec < 0 ? 6 : prec);
      if (sharp && !body.includes('.')) body += '.';
      break;
    case 'e':
    case 'E': {
      const p = prec < 0 ? 6 : prec;
      let s: string;
      if (a === 0) s = p > 0 ? '0.' + '0'.repeat(p) + 'e+00' : '0e+00';
      else {
        const r = roundedDigits(a, p + 1);
        s = r.d[0] + (p > 0 || sharp ? '.' + r.d.slice(1) : '') + 'e' + expStr(r.dp - 1);
      }
      body = verb === 'E' ? s.toUpperCase() : s;
      break;
    }
    default: {
      // g / G
      let digs: { d: string; dp: number };
      const shortest = prec < 0;
      if (a === 0) digs = { d: '0', dp: 1 };
      else if (shortest) digs = shortestDigits(a);
      else digs = roundedDigits(a, prec === 0 ? 1 : prec);
      let eprec = shortest ? 6 : prec === 0 ? 1 : prec;
      if (!shortest && eprec > digs.d.length && digs.d.length >= digs.dp) eprec = digs.d.length;
      if (shortest) eprec = 6;
      const exp = digs.dp - 1;
      let d = digs.d;
      if (!sharp) d = d.replace(/0+$/, '') || '0';
      else if (!shortest) while (d.length < eprec) d += '0';
      if (exp < -4 || exp >= eprec) {
        body = d[0] + (d.length > 1 ? '.' + d.slice(1) : sharp ? '.' : '') + 'e' + expStr(exp);
      } else if (digs.dp <= 0) {
        body = '0.' + '0'.repeat(-digs.dp) + d;
      } else if (digs.dp >= d.length) {
        body = d + '0'.repeat(digs.dp - d.length) + (sharp ? '.' : '');
      } else {
        body = d.slice(0, digs.dp) + '.' + d.slice(digs.dp);
      }
      if (verb === 'G') body = body.toUpperCase();
    }
  }
  return (neg ? '-' : '') + body;
}

/** strconv.FormatFloat(x, 'x', -1, 64): "0x1.8p+01". */
function hexFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  if (a === 0) return (neg ? '-' : '') + '0x0p+00';
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, a);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  let exp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (exp === 0) {
    // subnormal: normalise
    exp = 1;
    while ((mant & (1n << 52n)) === 0n) {
      mant <<= 1n;
      exp--;
    }
    mant &= (1n << 52n) - 1n;
  }
  const e = exp - 1023;
  let frac = mant.toString(16).padStart(13, '0').replace(/0+$/, '');
  const es = Math.abs(e) < 10 ? '0' + Math.abs(e) : String(Math.abs(e));
  return (neg ? '-' : '') + '0x1' + (frac ? '.' + frac : '') + 'p' + (e < 0 ? '-' : '+') + es;
}

// ---- Sprintf ---------------------------------------------------------------------------

/** Go's fmt.Sprintf. */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argNum = 0;
  let reordered = false;
  let goodArgNum = true;
  const n = format.length;
  let i = 0;
  while (i < n) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const f: Flags = { plus: false, minus: false, sharp: false, space: false, zero: false, width: -1, prec: -1 };
    // flags
    for (; i < n; i++) {
      const c = format[i];
      if (c === '#') f.sharp = true;
      else if (c === '0') f.zero = true;
      else if (c === '+') f.plus = true;
      else if (c === '-') f.minus = true;
      else if (c === ' ') f.space = true;
      else break;
    }
    // argument index
    const argIndex = (): void => {
      if (i < n && format[i] === '[') {
        reordered = true;
        const close = format.indexOf(']', i);
        const idx = close > 0 ? Number(format.slice(i + 1, close)) : NaN;
        if (close < 0 || !Number.isInteger(idx) || idx < 1 || idx > args.length || format.slice(i + 1, close) === '') {
          goodArgNum = false;
          i = close < 0 ? n : close + 1;
          return;
        }
        argNum = idx - 1;
        i = close + 1;
      }
    };
    argIndex();
    // width
    if (i < n && format[i] === '*') {
      i++;
      const a = args[argNum];
      if (argNum < args.length && typeof a === 'number' && Number.isInteger(a)) {
        f.width = a;
        if (a < 0) {
          f.minus = true;
          f.width = -a;
        }
        if (f.width > 1e6) {
          out += '%!(BADWIDTH)';
          f.width = -1;
        }
      } else out += '%!(BADWIDTH)';
      argNum++;
    } else {
      const m = /^[0-9]+/.exec(format.slice(i));
      if (m) {
        f.width = Math.min(Number(m[0]), 1e6);
        i += m[0].length;
      }
    }
    // precision
    if (i < n && format[i] === '.') {
      i++;
      argIndex();
      if (i < n && format[i] === '*') {
        i++;
        const a = args[argNum];
        if (argNum < args.length && typeof a === 'number' && Number.isInteger(a) && a >= 0) f.prec = Math.min(a, 1e6);
        else {
          out += '%!(BADPREC)';
        }
        argNum++;
      } else {
        const m = /^[0-9]+/.exec(format.slice(i));
        f.prec = m ? Math.min(Number(m[0]), 1e6) : 0;
        if (m) i += m[0].length;
      }
    }
    argIndex();
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (!goodArgNum) {
      out += `%!${verb}(BADINDEX)`;
      goodArgNum = true;
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argNum++];
    if (verb === 'T') {
      out += pad(typeName(arg), f, false);
      continue;
    }
    if (verb === 'v' && f.plus) {
      // %+v: the plus flag means "field names", not a sign
      f.plus = false;
      f.plusV = true;
    }
    if (verb === 'v' && f.sharp) {
      // %#v: Go syntax
      f.sharp = false;
      f.sharpV = true;
    }
    out += fmtArg(arg, verb, f);
  }
  if (!reordered && argNum < args.length) {
    out += '%!(EXTRA ' + args.slice(argNum).map((a) => `${typeName(a)}=${formatV(a)}`).join(', ') + ')';
  }
  return out;
}

function pad(s: string, f: Flags, numeric: boolean): string {
  if (f.width < 0) return s;
  const len = [...s].length;
  if (len >= f.width) return s;
  const fill = f.width - len;
  if (f.minus) return s + ' '.repeat(fill);
  if (f.zero && (numeric || true)) {
    if (numeric && (s[0] === '-' || s[0] === '+' || s[0] === ' ')) return s[0] + '0'.repeat(fill) + s.slice(1);
    return '0'.repeat(fill) + s;
  }
  return ' '.repeat(fill) + s;
}

function badVerb(v: unknown, verb: string): string {
  if (v === null || v === undefined || v === MISSING) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(v)}=${formatV(v)})`;
}

function fmtArg(arg: unknown, verb: string, f: Flags): string {
  return fmtValue(arg, verb, f, 0);
}

function fmtInt(v: bigint, verb: string, f: Flags): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  let digits: string;
  let prefix = '';
  switch (verb) {
    case 'd':
    case 'v':
      digits = a.toString(10);
      break;
    case 'b':
      digits = a.toString(2);
      if (f.sharp) prefix = '0b';
      break;
    case 'o':
      digits = a.toString(8);
      if (f.sharp) prefix = '0';
      break;
    case 'O':
      digits = a.toString(8);
      prefix = '0o';
      break;
    case 'x':
      digits = a.toString(16);
      if (f.sharp) prefix = '0x';
      break;
    case 'X':
      digits = a.toString(16).toUpperCase();
      if (f.sharp) prefix = '0X';
      break;
    case 'c':
      return pad(String.fromCodePoint(Number(a) <= 0x10ffff && !(a >= 0xd800n && a < 0xe000n) ? Number(a) : 0xfffd), f, false);
    case 'q': {
      const cp = Number(a) <= 0x10ffff ? Number(a) : 0xfffd;
      return pad(quoteRuneLit(cp, f.plus), f, false);
    }
    case 'U': {
      let s = 'U+' + a.toString(16).toUpperCase().padStart(4, '0');
      if (f.sharp && a <= 0x10ffffn && isPrintable(Number(a))) s += ` '${String.fromCodePoint(Number(a))}'`;
      return pad(s, f, false);
    }
    default:
      return '';
  }
  if (f.prec >= 0) {
    if (f.prec === 0 && a === 0n) digits = '';
    digits = digits.padStart(f.prec, '0');
  } else if (f.zero && f.width > 0 && !f.minus) {
    const sign = neg || f.plus || f.space ? 1 : 0;
    digits = digits.padStart(f.width - sign - prefix.length, '0');
  }
  if (verb === 'o' && f.sharp && digits.startsWith('0')) prefix = '';
  let s = prefix + digits;
  if (neg) s = '-' + s;
  else if (f.plus) s = '+' + s;
  else if (f.space) s = ' ' + s;
  return pad(s, { ...f, zero: false }, true);
}

function quoteRuneLit(cp: number, ascii: boolean): string {
  const ch = String.fromCodePoint(cp);
  if (ch === "'") return "'\\''";
  if (ch === '"') return `'"'`;
  const q = goQuote(ch, ascii);
  return "'" + q.slice(1, -1) + "'";
}

function fmtFloatVerb(x: number, verb: string, f: Flags): string {
  let v = verb;
  let prec = f.prec;
  if (v === 'v') {
    v = 'g';
  } else if (v === 'F') v = 'f';
  let s = formatFloat(x, v, prec, f.sharp);
  if (f.plus && s[0] !== '-' && s[0] !== '+') s = '+' + s;
  else if (f.space && s[0] !== '-') s = ' ' + s;
  if (s === 'NaN' || s.endsWith('Inf')) {
    if (s === '+Inf' && !f.plus) s = f.space ? ' Inf' : '+Inf';
    return pad(s, { ...f, zero: false }, false);
  }
  return pad(s, f, true);
}

function fmtString(s: string, verb: string, f: Flags): string {
  switch (verb) {
    case 'v':
    case 's':
      if (f.prec >= 0) s = [...s].slice(0, f.prec).join('');
      return pad(s, f, false);
    case 'q':
      if (f.prec >= 0) s = [...s].slice(0, f.prec).join('');
      if (f.sharp && !s.includes('`') && ![...s].some((c) => c !== '\t' && !isPrintable(c.codePointAt(0)!))) return pad('`' + s + '`', f, false);
      return pad(goQuote(s, f.plus), f, false);
    case 'x':
    case 'X': {
      let b = utf8Bytes(s);
      if (f.prec >= 0) b = b.slice(0, f.prec);
      return pad(hexBytes(b, verb, f), f, false);
    }
    default:
      return badVerb(s, verb);
  }
}

function hexBytes(b: Uint8Array, verb: string, f: Flags): string {
  const parts: string[] = [];
  for (const x of b) {
    let h = x.toString(16).padStart(2, '0');
    if (verb === 'X') h = h.toUpperCase();
    parts.push(h);
  }
  const pre = f.sharp ? (verb === 'X' ? '0X' : '0x') : '';
  if (f.space) return parts.map((p) => pre + p).join(' ');
  return pre + parts.join('');
}

function fmtValue(v: unknown, verb: string, f: Flags, depth: number): string {
  if (depth > 100) return '...';
  if (v === MISSING || v === undefined) v = null;
  switch (kindOf(v)) {
    case 'nil':
      if (verb === 'v') return pad('<nil>', f, false);
      return badVerb(null, verb);
    case 'bool':
      if (verb === 'v' || verb === 't') return pad(v ? 'true' : 'false', f, false);
      return badVerb(v, verb);
    case 'int':
    case 'int64': {
      const b = typeof v === 'bigint' ? v : BigInt(v as number);
      switch (verb) {
        case 'v':
          return fmtInt(b, 'd', f);
        case 'd':
        case 'b':
        case 'o':
        case 'O':
        case 'x':
        case 'X':
        case 'c':
        case 'q':
        case 'U':
          return fmtInt(b, verb, f);
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G':
          // lenient: JSON numbers that happen to be integral still format as floats
          return fmtFloatVerb(Number(v), verb, f);
        default:
          return badVerb(v, verb);
      }
    }
    case 'float64': {
      const x = v instanceof GoFloat ? v.value : (v as number);
      switch (verb) {
        case 'v':
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G':
          return fmtFloatVerb(x, verb, f);
        case 'x':
        case 'X': {
          let h = hexFloat(x);
          if (verb === 'X') h = h.toUpperCase();
          if (f.plus && h[0] !== '-') h = '+' + h;
          return pad(h, f, true);
        }
        default:
          return badVerb(v, verb);
      }
    }
    case 'string':
      if (verb === 'v' && f.sharpV) return pad(goQuote(v as string), f, false);
      return fmtString(v as string, verb, f);
    case 'bytes': {
      const b = v as Uint8Array;
      if (verb === 's') return fmtString(Buffer.from(b).toString('utf8'), 's', f);
      if (verb === 'q') return fmtString(Buffer.from(b).toString('utf8'), 'q', f);
      if (verb === 'x' || verb === 'X') return pad(hexBytes(b, verb, f), f, false);
      return '[' + [...b].map((x) => fmtValue(x, verb, NOFLAGS, depth + 1)).join(' ') + ']';
    }
    case 'slice': {
      const a = v as unknown[];
      if (verb === 'v' && f.sharpV) {
        const t = isStringArray(a) ? '[]string' : '[]interface {}';
        return t + '{' + a.map((x) => fmtValue(x, 'v', f, depth + 1)).join(', ') + '}';
      }
      return '[' + a.map((x) => fmtValue(x, verb, f, depth + 1)).join(' ') + ']';
    }
    case 'map': {
      const m = v as Record<string, unknown>;
      const keys = sortedKeys(m);
      if (verb === 'v' && f.sharpV) {
        return 'map[string]interface {}{' + keys.map((k) => `${fmtValue(k, 'v', f, depth + 1)}:${fmtValue(mapGet(m, k), 'v', f, depth + 1)}`).join(', ') + '}';
      }
      return 'map[' + keys.map((k) => `${fmtValue(k, verb, f, depth + 1)}:${fmtValue(mapGet(m, k), verb, f, depth + 1)}`).join(' ') + ']';
    }
    case 'time': {
      const s = (v instanceof Date ? GoTime.fromDate(v) : (v as GoTime)).toString();
      if (verb === 'v' || verb === 's') return fmtString(s, verb, f);
      if (verb === 'q') return fmtString(s, 'q', f);
      return badVerb(v, verb);
    }
    case 'func':
      if (verb === 'v' || verb === 'p') return '0x' + '1';
      return badVerb(v, verb);
    case 'struct': {
      const o = v as Record<string, unknown>;
      // fmt.Stringer and error
      if (typeof o.String === 'function' && (verb === 'v' || verb === 's' || verb === 'q')) return fmtString(String((o.String as () => unknown)()), verb, f);
      if (v instanceof Error && (verb === 'v' || verb === 's' || verb === 'q')) return fmtString(v.message, verb, f);
      if (typeof (o as { toString?: unknown }).toString === 'function' && o.toString !== Object.prototype.toString && (verb === 'v' || verb === 's')) return fmtString(String(o), verb, f);
      const keys = Object.keys(o);
      const body = keys.map((k) => (f.plusV || f.sharpV ? `${k}:` : '') + fmtValue(o[k], verb, f, depth + 1)).join(f.sharpV ? ', ' : ' ');
      return '&{' + body + '}';
    }
    default:
      return badVerb(v, verb);
  }
}
