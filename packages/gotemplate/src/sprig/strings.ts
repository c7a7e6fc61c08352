// Sprig string functions.

import { randomBytes, randomInt } from 'node:crypto';
import { sprintf } from '../fmt.js';
import { goFunc } from '../funcs.js';
import type { GoFunc } from '../funcs.js';
import { goQuote } from '../parse.js';
import { asStringSlice, bytesToString, isAscii, utf8Bytes, utf8Length } from '../values.js';
import { asList, strval } from './util.js';

export const MAX_GENERATED = 10_000_000;

function checkSize(n: number) {
  if (n > MAX_GENERATED) throw new Error(`result of ${n} elements exceeds the limit of ${MAX_GENERATED}`);
}

const isSpace = (c: string) => /\s/u.test(c) || c === '\u0085';

/** Byte-indexed slicing of a Go string. */
export function byteSlice(s: string, start: number, end?: number): string {
  if (isAscii(s)) return s.slice(start, end);
  return bytesToString(utf8Bytes(s).slice(start, end));
}

function sliceBounds(s: string, start: number, end: number): string {
  const n = utf8Length(s);
  if (start < 0 || end > n || start > end) throw new Error(`runtime error: slice bounds out of range [${start}:${end}] with length ${n}`);
  return byteSlice(s, start, end);
}

function abbreviateFull(str: string, offset: number, maxWidth: number): string {
  if (str === '') return '';
  if (maxWidth < 4) return '';
  const len = utf8Length(str);
  if (len <= maxWidth) return str;
  if (offset > len) offset = len;
  if (len - offset < maxWidth - 3) offset = len - (maxWidth - 3);
  const marker = '...';
  if (offset <= 4) return byteSlice(str, 0, maxWidth - 3) + marker;
  if (maxWidth < 7) return '';
  if (offset + maxWidth - 3 < len) return marker + abbreviateFull(byteSlice(str, offset), 0, maxWidth - 3);
  return marker + byteSlice(str, len - (maxWidth - 3));
}

function wrapCustom(str: string, wrapLength: number, newLine: string, wrapLongWords: boolean): string {
  if (str === '') return '';
  if (newLine === '') newLine = '\n';
  if (wrapLength < 1) wrapLength = 1;
  const n = str.length;
  let offset = 0;
  let out = '';
  while (n - offset > wrapLength) {
    if (str[offset] === ' ') {
      offset++;
      continue;
    }
    const end = wrapLength + offset + 1;
    const sp = str.slice(offset, end).lastIndexOf(' ') + offset;
    if (sp >= offset) {
      out += str.slice(offset, sp) + newLine;
      offset = sp + 1;
    } else if (wrapLongWords) {
      out += str.slice(offset, wrapLength + offset) + newLine;
      offset += wrapLength;
    } else {
      const e = wrapLength + offset;
      const idx = str.slice(e).indexOf(' ');
      if (idx === -1) {
        out += str.slice(offset);
        offset = n;
      } else {
        const at = idx + e;
        out += str.slice(offset, at) + newLine;
        offset = at + 1;
      }
    }
  }
  return out + str.slice(offset);
}

/** Go's strings.Title: upper-cases the first letter of each word. */
export function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    const sep = isSeparator(prev);
    out += sep ? ch.toUpperCase() === ch.toLowerCase() ? ch : titleCase(ch) : ch;
    prev = ch;
  }
  return out;
}

function titleCase(ch: string): string {
  const u = ch.toUpperCase();
  return [...u].length === 1 ? u : ch;
}

function isSeparator(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  if (c <= 0x7f) {
    if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch === '_') return false;
    return true;
  }
  if (/[\p{L}\p{Nd}]/u.test(ch)) return false;
  return isSpace(ch);
}

/** goutils.Uncapitalize: lower-cases the first letter of each whitespace-separated word. */
function untitle(s: string): string {
  let out = '';
  let start = true;
  for (const ch of s) {
    if (isSpace(ch)) {
      start = true;
      out += ch;
    } else if (start) {
      out += ch.toLowerCase();
      start = false;
    } else out += ch;
  }
  return out;
}

function swapcase(s: string): string {
  let out = '';
  for (const ch of s) {
    const lo = ch.toLowerCase();
    const up = ch.toUpperCase();
    if (ch === up && ch !== lo) out += lo;
    else if (ch === lo && ch !== up) out += [...up].length === 1 ? up : ch;
    else out += ch;
  }
  return out;
}

function initials(s: string): string {
  let out = '';
  let last = true;
  for (const ch of s) {
    if (isSpace(ch)) last = true;
    else if (last) {
      out += ch;
      last = false;
    }
  }
  return out;
}

function nospace(s: string): string {
  let out = '';
  for (const ch of s) if (!isSpace(ch)) out += ch;
  return out;
}

/** Go's strings.Trim with a cutset. */
export function trimCutset(s: string, cutset: string): string {
  if (s === '' || cutset === '') return s;
  const set = new Set([...cutset]);
  const chars = [...s];
  let i = 0;
  let j = chars.length;
  while (i < j && set.has(chars[i])) i++;
  while (j > i && set.has(chars[j - 1])) j--;
  return chars.slice(i, j).join('');
}

const isConnector = (ch: string) => ch === '-' || ch === '_' || isSpace(ch);

function toPascalCase(s: string): string {
  if (s === '') return '';
  const chars = [...s];
  let out = '';
  let i = 0;
  while (i < chars.length && isConnector(chars[i])) out += chars[i++];
  if (i === chars.length) return out;
  let r0 = chars[i++].toUpperCase();
  while (i < chars.length) {
    const r1 = r0;
    r0 = chars[i++];
    if (isConnector(r0) && isConnector(r1)) {
      out += r1;
      continue;
    }
    if (isConnector(r1)) r0 = r0.toUpperCase();
    else out += r1;
  }
  return out + r0;
}

/** Splits identifiers into words the way xstrings' snake/kebab case conversion does. */
function splitWords(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  const chars = [...s];
  const kind = (c: string) => (/\p{Lu}/u.test(c) ? 'U' : /\p{Ll}/u.test(c) ? 'l' : /\p{N}/u.test(c) ? 'd' : /[\p{L}]/u.test(c) ? 'l' : 'p');
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (isConnector(c)) {
      if (cur) words.push(cur);
      cur = '';
      continue;
    }
    const k = kind(c);
    if (k === 'p') {
      if (cur) words.push(cur);
      words.push(c);
      cur = '';
      continue;
    }
    if (cur) {
      const pk = kind(cur[cur.length - 1]);
      const next = chars[i + 1];
      if (k === 'U' && pk === 'l') {
        words.push(cur);
        cur = '';
      } else if (k === 'U' && pk === 'U' && next !== undefined && kind(next) === 'l') {
        words.push(cur);
        cur = '';
      } else if (k === 'd' && pk !== 'd' && next !== undefined && kind(next) === 'l' && pk === 'U') {
        words.push(cur);
        cur = '';
      }
    }
    cur += c;
  }
  if (cur) words.push(cur);
  return words;
}

function caseWithSep(s: string, sep: string): string {
  const words = splitWords(s);
  let out = '';
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const punct = !/[\p{L}\p{N}]/u.test(w);
    if (i > 0 && !punct && /[\p{L}\p{N}]/u.test(words[i - 1])) out += sep;
    out += w.toLowerCase();
  }
  return out;
}

function shuffle(s: string): string {
  const a = [...s];
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.join('');
}

function randFrom(count: number, alphabet: string): string {
  if (count < 0) throw new Error(`Requested random string length ${count} is less than 0.`);
  checkSize(count);
  let out = '';
  for (let i = 0; i < count; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

const ALPHA = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
let ASCII = '';
for (let c = 32; c <= 126; c++) ASCII += String.fromCharCode(c);

function quote(...args: unknown[]): string {
  return args.filter((a) => a !== null).map((a) => goQuote(strval(a))).join(' ');
}

function squote(...args: unknown[]): string {
  return args.filter((a) => a !== null).map((a) => `'${strval(a)}'`).join(' ');
}

function cat(...args: unknown[]): string {
  const v = args.filter((a) => a !== null);
  return sprintf(Array(v.length).fill('%v').join(' '), v);
}

function indent(spaces: number, v: string): string {
  if (spaces < 0) throw new Error('strings: negative Repeat count');
  checkSize(spaces);
  const pad = ' '.repeat(spaces);
  return pad + v.split('\n').join('\n' + pad);
}

/** Sprig's strslice: []string from a list (nil elements dropped) or a single value. */
export function strslice(v: unknown): string[] {
  if (v === null) return asStringSlice([]);
  const l = asList(v);
  if (l) return asStringSlice(l.filter((x) => x !== null && x !== undefined).map(strval));
  return asStringSlice([strval(v)]);
}

/** Go's strings.SplitN. */
export function splitN(s: string, sep: string, n: number): string[] {
  if (n === 0) return [];
  if (sep === '') {
    const chars = [...s];
    if (n < 0 || n > chars.length) n = chars.length;
    const out = chars.slice(0, n - 1);
    out.push(chars.slice(n - 1).join(''));
    return n === 0 ? [] : out;
  }
  const parts = s.split(sep);
  if (n < 0 || parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

function splitMap(parts: string[]): Record<string, string> {
  const m: Record<string, string> = {};
  parts.forEach((p, i) => (m['_' + i] = p));
  return m;
}

function repeat(count: number, s: string): string {
  if (count < 0) throw new Error('strings: negative Repeat count');
  checkSize(count * s.length);
  return s.repeat(count);
}

function trunc(c: number, s: string): string {
  const n = utf8Length(s);
  if (c < 0 && n + c > 0) return byteSlice(s, n + c);
  if (c >= 0 && n > c) return byteSlice(s, 0, c);
  return s;
}

function substr(start: number, end: number, s: string): string {
  const n = utf8Length(s);
  if (start < 0) return sliceBounds(s, 0, end);
  if (end < 0 || end > n) return sliceBounds(s, start, n);
  return sliceBounds(s, start, end);
}

function b32enc(s: string): string {
  const bytes = utf8Bytes(s);
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  let bits = 0;
  let val = 0;
  for (const b of bytes) {
    val = (val << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += A[(val >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += A[(val << (5 - bits)) & 31];
  while (out.length % 8) out += '=';
  return out;
}

function b32dec(s: string): string {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  if (s.length % 8 !== 0) return `illegal base32 data at input byte ${s.length - (s.length % 8)}`;
  const body = s.replace(/=+$/, '');
  const out: number[] = [];
  let bits = 0;
  let val = 0;
  for (let i = 0; i < body.length; i++) {
    const x = A.indexOf(body[i]);
    if (x < 0) return `illegal base32 data at input byte ${i}`;
    val = ((val << 5) | x) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((val >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out).toString('utf8');
}

function b64dec(s: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) {
    const bad = s.search(/[^A-Za-z0-9+/=]/);
    const at = bad >= 0 ? bad : s.length - (s.length % 4 || 4) + (s.length % 4 ? 0 : 0);
    return `illegal base64 data at input byte ${bad >= 0 ? bad : Math.max(0, at)}`;
  }
  return Buffer.from(s, 'base64').toString('utf8');
}

const s = (fn: (a: string) => unknown): GoFunc => goFunc(['string'], fn);

export const STRING_FUNCS: Record<string, GoFunc> = {
  hello: goFunc([], () => 'Hello!'),
  abbrev: goFunc(['int', 'string'], (w: number, str: string) => (w < 4 ? str : abbreviateFull(str, 0, w))),
  abbrevboth: goFunc(['int', 'int', 'string'], (l: number, r: number, str: string) => (r < 4 || (l > 0 && r < 7) ? str : abbreviateFull(str, l, r))),
  trunc: goFunc(['int', 'string'], trunc),
  trim: s((x) => x.replace(/^[\s\u0085]+|[\s\u0085]+$/gu, '')),
  upper: s((x) => x.toUpperCase()),
  lower: s((x) => x.toLowerCase()),
  title: s(title),
  untitle: s(untitle),
  substr: goFunc(['int', 'int', 'string'], substr),
  repeat: goFunc(['int', 'string'], repeat),
  trimall: goFunc(['string', 'string'], (a: string, b: string) => trimCutset(b, a)),
  trimAll: goFunc(['string', 'string'], (a: string, b: string) => trimCutset(b, a)),
  trimSuffix: goFunc(['string', 'string'], (a: string, b: string) => (a !== '' && b.endsWith(a) ? b.slice(0, b.length - a.length) : b)),
  trimPrefix: goFunc(['string', 'string'], (a: string, b: string) => (b.startsWith(a) ? b.slice(a.length) : b)),
  nospace: s(nospace),
  initials: s(initials),
  randAlphaNum: goFunc(['int'], (n: number) => randFrom(n, ALPHA + DIGITS)),
  randAlpha: goFunc(['int'], (n: number) => randFrom(n, ALPHA)),
  randAscii: goFunc(['int'], (n: number) => randFrom(n, ASCII)),
  randNumeric: goFunc(['int'], (n: number) => randFrom(n, DIGITS)),
  swapcase: s(swapcase),
  shuffle: s(shuffle),
  snakecase: s((x) => caseWithSep(x, '_')),
  camelcase: s(toPascalCase),
  kebabcase: s((x) => caseWithSep(x, '-')),
  wrap: goFunc(['int', 'string'], (l: number, str: string) => wrapCustom(str, l, '', false)),
  wrapWith: goFunc(['int', 'string', 'string'], (l: number, sep: string, str: string) => wrapCustom(str, l, sep, true)),
  contains: goFunc(['string', 'string'], (sub: string, str: string) => str.includes(sub)),
  hasPrefix: goFunc(['string', 'string'], (sub: string, str: string) => str.startsWith(sub)),
  hasSuffix: goFunc(['string', 'string'], (sub: string, str: string) => str.endsWith(sub)),
  quote: goFunc([], quote, 'any'),
  squote: goFunc([], squote, 'any'),
  cat: goFunc([], cat, 'any'),
  indent: goFunc(['int', 'string'], indent),
  nindent: goFunc(['int', 'string'], (n: number, v: string) => '\n' + indent(n, v)),
  replace: goFunc(['string', 'string', 'string'], (o: string, n: string, src: string) => (o === '' ? src.replace(/(?:)/gu, n) : src.split(o).join(n))),
  plural: goFunc(['string', 'string', 'int'], (one: string, many: string, count: number) => (count === 1 ? one : many)),
  toString: goFunc(['any'], strval),
  b64enc: s((x) => Buffer.from(x, 'utf8').toString('base64')),
  b64dec: s(b64dec),
  b32enc: s(b32enc),
  b32dec: s(b32dec),
  split: goFunc(['string', 'string'], (sep: string, orig: string) => splitMap(splitN(orig, sep, -1))),
  splitList: goFunc(['string', 'string'], (sep: string, orig: string) => asStringSlice(splitN(orig, sep, -1))),
  splitn: goFunc(['string', 'int', 'string'], (sep: string, n: number, orig: string) => splitMap(splitN(orig, sep, n))),
  toStrings: goFunc(['any'], strslice),
  join: goFunc(['string', 'any'], (sep: string, v: unknown) => strslice(v).join(sep)),
  sortAlpha: goFunc(['any'], (v: unknown) => {
    if (asList(v)) return asStringSlice([...strslice(v)].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    return asStringSlice([strval(v)]);
  }),
  randBytes: goFunc(['int'], (n: number) => {
    checkSize(n);
    return randomBytes(Math.max(0, n)).toString('base64');
  }),
};
