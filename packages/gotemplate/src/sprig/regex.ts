// Go RE2 syntax mapped onto JS RegExp (with the "u" flag), and Go's regexp method semantics.

import v8 from 'node:v8';
import { goQuote } from '../parse.js';

const cache = new Map<string, RegExp>();

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F', digit: '0-9',
  graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ', upper: 'A-Z',
  word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

const JS_SYNTAX = new Set(['^', '$', '\\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);

/** Translates a Go regexp to JS source and flags; throws Go-like errors for what JS cannot do. */
export function translate(re: string): { source: string; flags: string } {
  let flags = 'u';
  let i = 0;
  let out = '';
  const bad = (msg: string): never => {
    throw new Error(`error parsing regexp: ${msg}: \`${re}\``);
  };
  // leading flag group (?ims)
  const lead = /^\(\?([imsU]+)\)/.exec(re);
  if (lead) {
    for (const f of lead[1]) {
      if (f === 'U') bad('invalid or unsupported Perl syntax (ungreedy flag is not supported)');
      if (!flags.includes(f)) flags += f;
    }
    i = lead[0].length;
  }
  let inClass = false;
  for (; i < re.length; i++) {
    const c = re[i];
    if (c === '\\') {
      const n = re[i + 1];
      if (n === undefined) bad('trailing backslash at end of expression');
      if (n === 'Q') {
        const end = re.indexOf('\\E', i + 2);
        const lit = end < 0 ? re.slice(i + 2) : re.slice(i + 2, end);
        out += lit.replace(/[\\^$.*+?()[\]{}|/-]/g, (m) => (m === '-' && !inClass ? '-' : '\\' + m));
        i = end < 0 ? re.length : end + 1;
        continue;
      }
      if (n === 'z') {
        out += inClass ? 'z' : '$(?![\\s\\S])';
        i++;
        continue;
      }
      if (n === 'A') {
        out += '^(?<![\\s\\S])';
        i++;
        continue;
      }
      if (n === 'p' || n === 'P') {
        let name: string;
        if (re[i + 2] === '{') {
          const end = re.indexOf('}', i + 3);
          if (end < 0) bad(`invalid character class range: \`${re.slice(i)}\``);
          name = re.slice(i + 3, end);
          i = end;
        } else {
          name = re[i + 2];
          i += 2;
        }
        const neg = name.startsWith('^');
        if (neg) name = name.slice(1);
        const isScript = name.length > 2 && !['Lu', 'Ll', 'Lt', 'Lm', 'Lo', 'Mn', 'Mc', 'Me', 'Nd', 'Nl', 'No', 'Pc', 'Pd', 'Ps', 'Pe', 'Pi', 'Pf', 'Po', 'Sm', 'Sc', 'Sk', 'So', 'Zs', 'Zl', 'Zp', 'Cc', 'Cf', 'Co', 'Cs', 'Any'].includes(name);
        const prop = name === 'Any' ? 'Any' : isScript ? `Script=${name}` : name;
        out += `\\${(n === 'P') !== neg ? 'P' : 'p'}{${prop}}`;
        continue;
      }
      if (/[0-9]/.test(n)) {
        if (n === '0' || !inClass) {
          // Go has no backreferences; octal escapes only
          if (/[1-7]/.test(n)) bad(`invalid escape sequence: \`\\${n}\``);
        }
      }
      if (/[a-zA-Z0-9]/.test(n)) {
        if (!'dDsSwWbBtnrfvx'.includes(n) && n !== '0') bad(`invalid escape sequence: \`\\${n}\``);
        if (n === 'x' && re[i + 2] === '{') {
          const end = re.indexOf('}', i + 3);
          out += `\\u{${re.slice(i + 3, end)}}`;
          i = end;
          continue;
        }
        if (n === 's' && !inClass) {
          out += '[\\t\\n\\f\\r ]';
          i++;
          continue;
        }
        if (n === 'S' && !inClass) {
          out += '[^\\t\\n\\f\\r ]';
          i++;
          continue;
        }
        if (n === 's') {
          out += '\\t\\n\\f\\r ';
          i++;
          continue;
        }
        out += '\\' + n;
        i++;
        continue;
      }
      // escaped punctuation
      if (JS_SYNTAX.has(n) || (inClass && n === '-')) out += '\\' + n;
      else out += n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === '[' && re[i + 1] === ':') {
        const end = re.indexOf(':]', i + 2);
        if (end > 0) {
          let name = re.slice(i + 2, end);
          const neg = name.startsWith('^');
          if (neg) name = name.slice(1);
          const cls = Object.hasOwn(POSIX, name) ? POSIX[name] : undefined;
          if (!cls) bad(`invalid character class range: \`[:${name}:]\``);
          if (neg) bad('negated POSIX classes are not supported');
          out += cls;
          i = end + 1;
          continue;
        }
      }
      if (c === ']') inClass = false;
      if (c === '[') {
        out += '\\[';
        continue;
      }
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (re[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (re[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && re[i + 1] === '?') {
      if (re[i + 2] === 'P' && re[i + 3] === '<') {
        out += '(?<';
        i += 3;
        continue;
      }
      if (re[i + 2] === '<' || re[i + 2] === ':') {
        out += '(?' + re[i + 2];
        i += 2;
        continue;
      }
      if (re[i + 2] === '=' || re[i + 2] === '!' || (re[i + 2] === '<' && (re[i + 3] === '=' || re[i + 3] === '!'))) {
        bad('invalid or unsupported Perl syntax: `(?' + re[i + 2] + '`');
      }
      bad('invalid or unsupported Perl syntax: `(?' + (re[i + 2] ?? '') + '`');
    }
    if (c === '{') {
      // Go treats a brace that does not start a valid repeat as a literal
      const m = /^\{(\d+)(,(\d*))?\}/.exec(re.slice(i));
      if (!m) {
        out += '\\{';
        continue;
      }
      if (Number(m[1]) > 1000 || (m[3] && Number(m[3]) > 1000)) bad(`invalid repeat count: \`${m[0]}\``);
      if (m[3] && Number(m[3]) < Number(m[1])) bad(`invalid repeat count: \`${m[0]}\``);
      out += m[0];
      i += m[0].length - 1;
      continue;
    }
    if (c === '}') {
      out += '\\}';
      continue;
    }
    if (c === '/') {
      out += '\\/';
      continue;
    }
    out += c;
  }
  if (inClass) bad(`missing closing ]: \`${re.slice(re.lastIndexOf('['))}\``);
  return { source: out, flags };
}

/**
 * True when a quantifier applies to a group that itself contains a repetition, e.g. "(a+)+":
 * backtracking engines can take exponential time on such patterns, RE2 never does.
 */
export function hasNestedRepetition(source: string): boolean {
  const stack: boolean[] = [];
  let inner = false; // current group contains a repetition
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      continue;
    }
    if (c === '(') {
      stack.push(inner);
      inner = false;
      continue;
    }
    const isRep = c === '*' || c === '+' || (c === '{' && /^\{\d+,\d*\}/.test(source.slice(i)) && !/^\{(\d+),\1\}/.test(source.slice(i)));
    if (c === ')') {
      const had = inner;
      inner = stack.pop() ?? false;
      const next = source[i + 1];
      const repeated = next === '*' || next === '+' || (next === '{' && /^\{\d+,\d*\}/.test(source.slice(i + 1)));
      if (had && repeated) return true;
      if (had) inner = true;
      continue;
    }
    if (isRep) inner = true;
  }
  return false;
}

let linearEngine: boolean | undefined;
function enableLinearEngine(): boolean {
  if (linearEngine === undefined) {
    try {
      // V8's linear-time engine (the "l" flag) has RE2's guarantees for the patterns it accepts.
      v8.setFlagsFromString('--enable-experimental-regexp-engine');
      new RegExp('(a+)+', 'l');
      linearEngine = true;
    } catch {
      linearEngine = false;
    }
  }
  return linearEngine;
}

/** Compiles a Go regexp (cached). Throws "error parsing regexp: ..." like regexp.Compile. */
export function compile(re: string): RegExp {
  let r = cache.get(re);
  if (r) return r;
  const { source, flags } = translate(re);
  if (hasNestedRepetition(source) && !flags.includes('i') && !/\\[pP]|\\u\{|[\uD800-\uDFFF]/.test(source) && enableLinearEngine()) {
    try {
      r = new RegExp(source, flags.replace('u', '') + 'lg');
    } catch {
      r = undefined;
    }
    if (r) {
      cache.set(re, r);
      return r;
    }
  }
  try {
    r = new RegExp(source, flags + 'g');
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    let why = 'invalid syntax';
    if (/Unterminated group|Unmatched '\('/i.test(msg)) why = 'missing closing )';
    else if (/Unmatched '\)'/i.test(msg)) why = 'unexpected )';
    else if (/Nothing to repeat/i.test(msg)) why = 'missing argument to repetition operator';
    else if (/Unterminated character class/i.test(msg)) why = 'missing closing ]';
    else if (/Invalid capture group name|Duplicate capture group/i.test(msg)) why = 'invalid named capture';
    else if (/numbers out of order/i.test(msg)) why = 'invalid repeat count';
    else if (/Range out of order/i.test(msg)) why = 'invalid character class range';
    throw new Error(`error parsing regexp: ${why}: \`${re}\``);
  }
  if (cache.size > 500) cache.clear();
  cache.set(re, r);
  return r;
}

/** All matches (Go FindAll semantics: empty matches abutting a previous match are skipped). */
export function findAll(re: RegExp, s: string, n: number): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  if (n === 0) return out;
  re.lastIndex = 0;
  let prevEnd = -1;
  let pos = 0;
  while (pos <= s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    let accept = true;
    if (m[0].length === 0) {
      if (start === prevEnd) accept = false;
      const cp = s.codePointAt(start);
      pos = start + (cp !== undefined && cp > 0xffff ? 2 : 1);
    } else pos = end;
    if (accept) {
      out.push(m);
      prevEnd = end;
      if (n > 0 && out.length >= n) break;
    }
  }
  return out;
}

/** Go's Regexp.Expand template: $1, ${1}, $name, ${name}, $$. */
export function expand(template: string, m: RegExpExecArray): string {
  return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (all, x: string, braced?: string, bare?: string) => {
    if (x === '$') return '$';
    const name = braced ?? bare!;
    if (/^[0-9]+$/.test(name)) {
      const i = Number(name);
      return i < m.length ? (m[i] ?? '') : '';
    }
    return m.groups?.[name] ?? '';
  });
}

export function replaceAll(re: RegExp, s: string, repl: string, literal: boolean): string {
  let out = '';
  let last = 0;
  for (const m of findAll(re, s, -1)) {
    out += s.slice(last, m.index) + (literal ? repl : expand(repl, m));
    last = m.index + m[0].length;
  }
  return out + s.slice(last);
}

export function split(re: RegExp, source: string, s: string, n: number): string[] | null {
  if (n === 0) return null;
  if (source.length > 0 && s.length === 0) return [''];
  const matches = findAll(re, s, n);
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of matches) {
    if (n > 0 && out.length === n - 1) break;
    end = m.index;
    if (m.index + m[0].length !== 0) out.push(s.slice(beg, end));
    beg = m.index + m[0].length;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

export { goQuote };
