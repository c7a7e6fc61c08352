// Go's encoding/json over our value model: Marshal, MarshalIndent and Unmarshal into interface{}.

import { GoTime, UTC } from './time.js';
import { MISSING, kindOf, mapGet, sortedKeys } from './values.js';

function quoteJSON(s: string, escapeHTML: boolean): string {
  let q = JSON.stringify(s);
  if (escapeHTML) q = q.replace(/[<>&]/g, (c) => '\\u00' + c.charCodeAt(0).toString(16));
  return q.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function num(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`json: unsupported value: ${Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf'}`);
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-6 || a >= 1e21)) {
    // Go: strconv 'e' format, then e-07 -> e-7
    return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2').replace(/e-0(\d)$/, 'e-$1');
  }
  return String(v);
}

/** json.Marshal (escapeHTML: Go's default HTML-safe escaping of <, >, &). */
export function jsonMarshal(v: unknown, escapeHTML = true, indent = '', prefix = ''): string {
  const seen = new Set<unknown>();
  const enc = (x: unknown, depth: string): string => {
    if (x === MISSING || x === undefined || x === null) return 'null';
    switch (kindOf(x)) {
      case 'bool':
        return x ? 'true' : 'false';
      case 'int':
      case 'float64':
        return num(Number(x));
      case 'int64':
        return (x as bigint).toString();
      case 'string':
        return quoteJSON(x as string, escapeHTML);
      case 'bytes':
        return '"' + Buffer.from(x as Uint8Array).toString('base64') + '"';
      case 'time':
        return '"' + (x instanceof Date ? GoTime.fromDate(x, UTC) : (x as GoTime)).format('2006-01-02T15:04:05.999999999Z07:00') + '"';
      case 'func':
        throw new Error('json: unsupported type: func()');
    }
    if (seen.has(x)) throw new Error('json: unsupported value: encountered a cycle');
    seen.add(x);
    try {
      const inner = depth + indent;
      const nl = indent ? '\n' + prefix : '';
      if (Array.isArray(x)) {
        if (x.length === 0) return '[]';
        const items = x.map((e) => enc(e, inner));
        if (!indent) return '[' + items.join(',') + ']';
        return '[' + nl + inner + items.join(',' + nl + inner) + nl + depth + ']';
      }
      let keys: string[];
      let get: (k: string) => unknown;
      if (kindOf(x) === 'map') {
        keys = sortedKeys(x as Record<string, unknown>).map(String);
        get = (k) => mapGet(x as Record<string, unknown>, x instanceof Map ? [...x.keys()].find((kk) => String(kk) === k) : k);
      } else {
        const o = x as Record<string, unknown>;
        if (typeof o.toJSON === 'function') return enc((o.toJSON as () => unknown)(), depth);
        keys = Object.keys(o).filter((k) => typeof o[k] !== 'function' && o[k] !== undefined);
        get = (k) => o[k];
      }
      if (keys.length === 0) return '{}';
      const sep = indent ? ': ' : ':';
      const items = keys.map((k) => quoteJSON(k, escapeHTML) + sep + enc(get(k), inner));
      if (!indent) return '{' + items.join(',') + '}';
      return '{' + nl + inner + items.join(',' + nl + inner) + nl + depth + '}';
    } finally {
      seen.delete(x);
    }
  };
  return enc(v, '');
}

/** json.Unmarshal into interface{}: numbers become float64 (integral ones print as ints here). */
export function jsonUnmarshal(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (s.trim() === '') throw new Error('unexpected end of JSON input');
    throw new Error(`invalid character in JSON input (${msg})`);
  }
}
