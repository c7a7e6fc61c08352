/** std.format and the `%` operator on strings: Python-style conversion codes. */
import { checkString, codepoints, ctx, sizeError, fmtNumber, force, getField, rtError, strLength, toStringValue } from './evaluator.js';
import type { Loc } from './errors.js';
import { JArray, JObject, typeOf, type Lazy, type Value } from './value.js';

interface Code {
  mkey: string | null;
  alt: boolean;
  zero: boolean;
  left: boolean;
  blank: boolean;
  plus: boolean;
  fw: number | '*';
  prec: number | '*' | null;
  ctype: string;
  caps: boolean;
}

const cache = new Map<string, (string | Code)[]>();

function parseFormat(s: string, loc: Loc | null): (string | Code)[] {
  const hit = cache.get(s);
  if (hit) return hit;
  const out: (string | Code)[] = [];
  let cur = '';
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s[i];
    if (c !== '%') {
      cur += c;
      i++;
      continue;
    }
    out.push(cur);
    cur = '';
    i++;
    if (i >= n) throw rtError('Truncated format code.', loc);
    let mkey: string | null = null;
    if (s[i] === '(') {
      const j = s.indexOf(')', i + 1);
      if (j < 0) throw rtError('Truncated format code.', loc);
      mkey = s.slice(i + 1, j);
      i = j + 1;
    }
    const code: Code = { mkey, alt: false, zero: false, left: false, blank: false, plus: false, fw: 0, prec: null, ctype: '', caps: false };
    for (; i < n; i++) {
      const f = s[i];
      if (f === '#') code.alt = true;
      else if (f === '0') code.zero = true;
      else if (f === '-') code.left = true;
      else if (f === ' ') code.blank = true;
      else if (f === '+') code.plus = true;
      else break;
    }
    if (s[i] === '*') {
      code.fw = '*';
      i++;
    } else {
      let w = 0;
      while (i < n && s[i] >= '0' && s[i] <= '9') w = w * 10 + (s.charCodeAt(i++) - 48);
      code.fw = w;
    }
    if (s[i] === '.') {
      i++;
      if (s[i] === '*') {
        code.prec = '*';
        i++;
      } else {
        let p = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') p = p * 10 + (s.charCodeAt(i++) - 48);
        code.prec = p;
      }
    }
    while (i < n && (s[i] === 'h' || s[i] === 'l' || s[i] === 'L')) i++;
    if (i >= n) throw rtError('Truncated format code.', loc);
    const t = s[i++];
    switch (t) {
      case 'd': case 'i': case 'u': code.ctype = 'd'; break;
      case 'o': code.ctype = 'o'; break;
      case 'x': code.ctype = 'x'; break;
      case 'X': code.ctype = 'x'; code.caps = true; break;
      case 'e': code.ctype = 'e'; break;
      case 'E': code.ctype = 'e'; code.caps = true; break;
      case 'f': code.ctype = 'f'; break;
      case 'F': code.ctype = 'f'; code.caps = true; break;
      case 'g': code.ctype = 'g'; break;
      case 'G': code.ctype = 'g'; code.caps = true; break;
      case 'c': code.ctype = 'c'; break;
      case 's': code.ctype = 's'; break;
      case '%': code.ctype = '%'; break;
      default: throw rtError(`Unrecognised conversion type: ${t}`, loc);
    }
    out.push(code);
  }
  out.push(cur);
  if (cache.size > 500) cache.clear();
  cache.set(s, out);
  return out;
}

function padLeft(s: string, w: number, ch: string): string {
  if (w > ctx.limits.maxStringLength) throw sizeError('string', w, ctx.limits.maxStringLength);
  const len = strLength(s);
  return len >= w ? s : checkString(ch.repeat(w - len)) + s;
}
function padRight(s: string, w: number, ch: string): string {
  if (w > ctx.limits.maxStringLength) throw sizeError('string', w, ctx.limits.maxStringLength);
  const len = strLength(s);
  return len >= w ? s : s + checkString(ch.repeat(w - len));
}

function digits(mag: number, radix: number): string {
  if (mag === 0) return '0';
  if (mag < 9007199254740992) return mag.toString(radix);
  // Beyond 2^53 the reference extracts digits with floating-point division; so do we, for the same text.
  let out = '';
  let n = mag;
  while (n !== 0) {
    out = (n % radix).toString(radix) + out;
    n = Math.floor(n / radix);
  }
  return out;
}

function renderInt(neg: boolean, mag: number, minChars: number, minDigits: number, blank: boolean, plus: boolean, radix: number, zeroPrefix: string): string {
  const dec = mag === 0 ? '0' : zeroPrefix + digits(mag, radix);
  const zp = minChars - (neg || blank || plus ? 1 : 0);
  const zp2 = Math.max(zp, minDigits);
  return (neg ? '-' : plus ? '+' : blank ? ' ' : '') + padLeft(dec, zp2, '0');
}

function renderHex(v: number, minChars: number, minDigits: number, blank: boolean, plus: boolean, zerox: boolean, caps: boolean): string {
  const n = Math.abs(v);
  let hex = Math.floor(n) === 0 ? '0' : digits(Math.floor(n), 16);
  if (caps) hex = hex.toUpperCase();
  const neg = v < 0;
  const zp = minChars - (neg || blank || plus ? 1 : 0) - (zerox ? 2 : 0);
  const zp2 = Math.max(zp, minDigits);
  return (neg ? '-' : plus ? '+' : blank ? ' ' : '') + (zerox ? (caps ? '0X' : '0x') : '') + padLeft(hex, zp2, '0');
}

function renderFloatDec(v: number, zeroPad: number, blank: boolean, plus: boolean, ensurePt: boolean, trailing: boolean, prec: number): string {
  const n = Math.abs(v);
  const denominator = Math.pow(10, prec);
  const numerator = n * denominator + 0.5;
  const whole = Math.sign(n) * Math.floor(numerator / denominator);
  const frac = Math.floor(numerator) % denominator;
  const dotSize = prec === 0 && !ensurePt ? 0 : 1;
  const zp = zeroPad - prec - dotSize;
  const str = renderInt(v < 0, whole, zp, 0, blank, plus, 10, '');
  if (prec === 0) return str + (ensurePt ? '.' : '');
  if (trailing || frac > 0) {
    let fs = renderInt(false, frac, prec, 0, false, false, 10, '');
    if (!trailing) fs = fs.replace(/0+$/, '');
    return str + '.' + fs;
  }
  return str;
}

function renderFloatSci(v: number, zeroPad: number, blank: boolean, plus: boolean, ensurePt: boolean, trailing: boolean, caps: boolean, prec: number): string {
  const exponent = v === 0 ? 0 : Math.floor(Math.log(Math.abs(v)) / Math.log(10));
  const suff = (caps ? 'E' : 'e') + renderInt(exponent < 0, Math.abs(exponent), 3, 0, false, true, 10, '');
  const mantissa = exponent === -324 ? (v * 10) / Math.pow(10, exponent + 1) : v / Math.pow(10, exponent);
  return renderFloatDec(mantissa, zeroPad - suff.length, blank, plus, ensurePt, trailing, prec) + suff;
}

function formatCode(val: Value, code: Code, fw: number, precOrNull: number | null, i: number, loc: Loc | null): string {
  const fpprec = precOrNull ?? 6;
  const iprec = precOrNull ?? 0;
  const zp = code.zero && !code.left ? fw : 0;
  const needNum = (): number => {
    if (typeof val !== 'number') throw rtError(`Format required number at ${i}, got ${typeOf(val)}`, loc);
    return val;
  };
  switch (code.ctype) {
    case 's': return toStringValue(val);
    case 'd': {
      const v = needNum();
      return renderInt(v <= -1, Math.floor(Math.abs(v)), zp, iprec, code.blank, code.plus, 10, '');
    }
    case 'o': {
      const v = needNum();
      return renderInt(v <= -1, Math.floor(Math.abs(v)), zp, iprec, code.blank, code.plus, 8, code.alt ? '0' : '');
    }
    case 'x': return renderHex(Math.floor(needNum()), zp, iprec, code.blank, code.plus, code.alt, code.caps);
    case 'f': return renderFloatDec(needNum(), zp, code.blank, code.plus, code.alt, true, fpprec);
    case 'e': return renderFloatSci(needNum(), zp, code.blank, code.plus, code.alt, true, code.caps, fpprec);
    case 'g': {
      const v = needNum();
      const exponent = v !== 0 ? Math.floor(Math.log(Math.abs(v)) / Math.log(10)) : 0;
      if (exponent < -4 || exponent >= fpprec) return renderFloatSci(v, zp, code.blank, code.plus, code.alt, code.alt, code.caps, fpprec - 1);
      const before = Math.max(1, exponent + 1);
      return renderFloatDec(v, zp, code.blank, code.plus, code.alt, code.alt, fpprec - before);
    }
    case 'c':
      if (typeof val === 'number') return String.fromCodePoint(val);
      if (typeof val === 'string') {
        if (strLength(val) === 1) return val;
        throw rtError(`%c expected 1-sized string got: ${strLength(val)}`, loc);
      }
      throw rtError(`%c expected number / string, got: ${typeOf(val)}`, loc);
  }
  throw rtError(`Unknown code: ${code.ctype}`, loc);
}

export function format(fmt: string, vals: Value, loc: Loc | null): string {
  const codes = parseFormat(fmt, loc);
  let out = '';
  if (vals instanceof JObject) {
    for (const c of codes) {
      if (typeof c === 'string') {
        out += c;
        continue;
      }
      let s: string;
      if (c.ctype === '%') s = '%';
      else {
        if (c.mkey === null) throw rtError('Mapping keys required.', loc);
        if (c.fw === '*') throw rtError('Cannot use * field width with object.', loc);
        if (c.prec === '*') throw rtError('Cannot use * precision with object.', loc);
        if (!vals.has(c.mkey)) throw rtError(`No such field: ${c.mkey}`, loc);
        s = formatCode(getField(vals, c.mkey, loc), c, c.fw, c.prec, 0, loc);
      }
      const fw = typeof c.fw === 'number' ? c.fw : 0;
      out += c.left ? padRight(s, fw, ' ') : padLeft(s, fw, ' ');
      if (out.length > 1 << 20) checkString(out);
    }
    return checkString(out);
  }
  const arr: Lazy[] = vals instanceof JArray ? vals.items : [vals];
  let j = 0;
  for (const c of codes) {
    if (typeof c === 'string') {
      out += c;
      continue;
    }
    let fw: number;
    if (c.fw === '*') {
      if (j >= arr.length) throw rtError(`Not enough values to format: ${arr.length}, expected at least ${j}`, loc);
      const w = force(arr[j++]);
      if (typeof w !== 'number') throw rtError(`Format required number at ${j - 1}, got ${typeOf(w)}`, loc);
      fw = w;
    } else fw = c.fw;
    let prec: number | null;
    if (c.prec === '*') {
      if (j >= arr.length) throw rtError(`Not enough values to format: ${arr.length}, expected at least ${j}`, loc);
      const p = force(arr[j++]);
      if (typeof p !== 'number') throw rtError(`Format required number at ${j - 1}, got ${typeOf(p)}`, loc);
      prec = p;
    } else prec = c.prec;
    let s: string;
    if (c.ctype === '%') s = '%';
    else {
      if (j >= arr.length) throw rtError(`Not enough values to format: ${arr.length}, expected more than ${j}`, loc);
      s = formatCode(force(arr[j]), c, fw, prec, j, loc);
      j++;
    }
    out += c.left ? padRight(s, fw, ' ') : padLeft(s, fw, ' ');
    if (out.length > 1 << 20) checkString(out);
  }
  if (j < arr.length) throw rtError(`Too many values to format: ${arr.length}, expected ${j}`, loc);
  return checkString(out);
}

export { codepoints, fmtNumber };
