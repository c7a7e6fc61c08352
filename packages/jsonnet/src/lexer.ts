/** Turns Jsonnet source text into tokens. */
import { StaticError, type SourceFile } from './errors.js';

export type TokenKind =
  | 'id'
  | 'kw'
  | 'num'
  | 'str' // double or single quoted (escapes already decoded)
  | 'vstr' // verbatim @"..." / @'...'
  | 'block' // ||| text block
  | 'op'
  | 'punct' // { } [ ] ( ) , . ; $
  | 'eof';

export interface Token {
  kind: TokenKind;
  /** identifier name, keyword, operator text, punctuation, or decoded string value */
  value: string;
  num: number;
  b: number;
  e: number;
}

const KEYWORDS = new Set([
  'assert', 'else', 'error', 'false', 'for', 'function', 'if', 'import', 'importstr', 'importbin',
  'in', 'local', 'null', 'tailstrict', 'then', 'self', 'super', 'true',
]);

const OP_CHARS = '!$:~+-&|^=<>*/%';

function isIdStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function lex(src: SourceFile): Token[] {
  const t = src.text;
  const n = t.length;
  const out: Token[] = [];
  let i = 0;
  const err = (msg: string, b: number, e = b): never => {
    throw new StaticError(msg, { src, b, e }, e === b);
  };
  while (true) {
    // whitespace and comments
    while (i < n) {
      const c = t.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else if (c === 35 /* # */ || (c === 47 && t.charCodeAt(i + 1) === 47)) {
        while (i < n && t.charCodeAt(i) !== 10) i++;
      } else if (c === 47 && t.charCodeAt(i + 1) === 42) {
        const end = t.indexOf('*/', i + 2);
        if (end < 0) err('multi-line comment has no terminating */.', i);
        i = end + 2;
      } else break;
    }
    if (i >= n) {
      out.push({ kind: 'eof', value: '', num: 0, b: n, e: n });
      return out;
    }
    const b = i;
    const c = t.charCodeAt(i);
    if (isIdStart(c)) {
      i++;
      while (i < n) {
        const d = t.charCodeAt(i);
        if (isIdStart(d) || isDigit(d)) i++;
        else break;
      }
      const w = t.slice(b, i);
      out.push({ kind: KEYWORDS.has(w) ? 'kw' : 'id', value: w, num: 0, b, e: i });
      continue;
    }
    if (isDigit(c)) {
      i = lexNumber(t, i, err);
      const text = t.slice(b, i).replace(/_/g, '');
      out.push({ kind: 'num', value: text, num: Number(text), b, e: i });
      continue;
    }
    switch (c) {
      case 123: case 125: case 91: case 93: case 40: case 41: case 44: case 46: case 59: case 36:
        out.push({ kind: 'punct', value: t[i], num: 0, b, e: i + 1 });
        i++;
        continue;
      case 34: case 39: {
        const [s, end] = lexString(src, i, err);
        i = end;
        out.push({ kind: 'str', value: s, num: 0, b, e: i });
        continue;
      }
      case 64: { // @
        const q = t.charCodeAt(i + 1);
        if (q !== 34 && q !== 39) err(`couldn't lex verbatim string, junk after '@': ${t[i + 1] ?? ''}`, i);
        let j = i + 2;
        let s = '';
        while (true) {
          if (j >= n) err('Unterminated string', b);
          const d = t.charCodeAt(j);
          if (d === q) {
            if (t.charCodeAt(j + 1) === q) {
              s += t[j];
              j += 2;
              continue;
            }
            j++;
            break;
          }
          s += t[j];
          j++;
        }
        i = j;
        out.push({ kind: 'vstr', value: s, num: 0, b, e: i });
        continue;
      }
    }
    if (c === 124 && t.startsWith('|||', i)) {
      const [s, end] = lexTextBlock(t, i, err);
      i = end;
      out.push({ kind: 'block', value: s, num: 0, b, e: i });
      continue;
    }
    if (OP_CHARS.includes(t[i])) {
      let j = i;
      while (j < n && OP_CHARS.includes(t[j])) {
        if (j > i && (t.startsWith('//', j) || t.startsWith('/*', j) || t.startsWith('|||', j))) break;
        j++;
      }
      // An operator longer than one char may not end in + - ~ ! (so `a+-b` is a + (-b)).
      while (j - i > 1 && '+-~!$'.includes(t[j - 1])) j--;
      const op = t.slice(i, j);
      if (op === '$') {
        out.push({ kind: 'punct', value: '$', num: 0, b, e: j });
      } else {
        out.push({ kind: 'op', value: op, num: 0, b, e: j });
      }
      i = j;
      continue;
    }
    err(`Could not lex the character code ${Buffer.from(String.fromCodePoint(t.codePointAt(i) ?? c), 'utf8')[0]}`, i);
  }
}

function lexNumber(t: string, i: number, err: (m: string, b: number, e?: number) => never): number {
  const b = i;
  const digits = () => {
    const s = i;
    while (i < t.length) {
      const c = t.charCodeAt(i);
      if (isDigit(c)) i++;
      else if (c === 95 && i > s && isDigit(t.charCodeAt(i + 1))) i++;
      else break;
    }
  };
  if (t.charCodeAt(i) === 48) {
    i++;
  } else {
    digits();
  }
  if (t.charCodeAt(i) === 46) {
    i++;
    if (!isDigit(t.charCodeAt(i))) err(`couldn't lex number, junk after decimal point: ${t[i] ?? ''}`, b);
    digits();
  }
  const e = t.charCodeAt(i);
  if (e === 101 || e === 69) {
    i++;
    const s = t.charCodeAt(i);
    if (s === 43 || s === 45) i++;
    if (!isDigit(t.charCodeAt(i))) err(`couldn't lex number, junk after 'E': ${t[i] ?? ''}`, b);
    digits();
  }
  return i;
}

function lexString(src: SourceFile, i: number, err: (m: string, b: number, e?: number) => never): [string, number] {
  const t = src.text;
  const q = t.charCodeAt(i);
  const b = i;
  let j = i + 1;
  let s = '';
  let run = j;
  while (true) {
    if (j >= t.length) err('unterminated string', b);
    const c = t.charCodeAt(j);
    if (c === q) {
      s += t.slice(run, j);
      return [s, j + 1];
    }
    if (c === 92) {
      s += t.slice(run, j);
      const d = t[j + 1];
      switch (d) {
        case '"': s += '"'; j += 2; break;
        case "'": s += "'"; j += 2; break;
        case '\\': s += '\\'; j += 2; break;
        case '/': s += '/'; j += 2; break;
        case 'b': s += '\b'; j += 2; break;
        case 'f': s += '\f'; j += 2; break;
        case 'n': s += '\n'; j += 2; break;
        case 'r': s += '\r'; j += 2; break;
        case 't': s += '\t'; j += 2; break;
        case 'u': {
          const hex = t.slice(j + 2, j + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) err('Truncated unicode escape sequence in string literal.', b, stringEnd(t, j, q));
          s += String.fromCharCode(parseInt(hex, 16));
          j += 6;
          break;
        }
        case undefined:
          err('unterminated string', b);
          break;
        default:
          err(`Unknown escape sequence in string literal: '${d}'`, b, stringEnd(t, j, q));
      }
      run = j;
      continue;
    }
    j++;
  }
}

function lexTextBlock(t: string, i: number, err: (m: string, b: number, e?: number) => never): [string, number] {
  const b = i;
  i += 3;
  let chomp = false;
  if (t[i] === '-') {
    chomp = true;
    i++;
  }
  while (t[i] === ' ' || t[i] === '\t' || t[i] === '\r') i++;
  if (t[i] !== '\n') err('text block syntax requires new line after |||.', b);
  i++;
  let s = '';
  // leading empty lines are kept
  while (t[i] === '\n') {
    s += '\n';
    i++;
  }
  let p = i;
  while (t[p] === ' ' || t[p] === '\t') p++;
  const prefix = t.slice(i, p);
  if (prefix.length === 0) err('text block\'s first line must start with whitespace.', b);
  while (true) {
    // i is at the start of a line that starts with prefix
    i += prefix.length;
    const nl = t.indexOf('\n', i);
    if (nl < 0) err('Unexpected EOF', b);
    s += t.slice(i, nl + 1);
    i = nl + 1;
    while (t[i] === '\n') {
      s += '\n';
      i++;
    }
    if (!t.startsWith(prefix, i)) {
      // must be the terminator, preceded by whitespace only
      let j = i;
      while (t[j] === ' ' || t[j] === '\t') j++;
      if (!t.startsWith('|||', j)) {
        if (j >= t.length) err('Unexpected EOF', b);
        err('text block not terminated with |||', j);
      }
      if (chomp && s.endsWith('\n')) s = s.slice(0, -1);
      return [s, j + 3];
    }
  }
}

/** Offset just past the closing quote of a string whose escape at `j` is bad (for error spans). */
function stringEnd(t: string, j: number, q: number): number {
  let k = j + 2;
  while (k < t.length) {
    const c = t.charCodeAt(k);
    if (c === 92) k += 2;
    else if (c === q) return k + 1;
    else k++;
  }
  return t.length;
}
