/** Turning values into text: the command line's JSON, std.toString, and the std.manifest* family. */
import { checkAsserts, checkString, fmtNumber, force, getField, rtError, visibleFields } from './evaluator.js';
import type { Loc } from './errors.js';
import { JArray, JFunction, JObject, type Value } from './value.js';

/** JSON string literal with the reference's escapes (control chars and U+007F..U+009F as \u00XX). */
export function escapeJson(s: string): string {
  // fast path: nothing to escape
  let ok = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 34 || c === 92 || (c >= 0x7f && c <= 0x9f)) {
      ok = false;
      break;
    }
  }
  if (ok) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const c = s.charCodeAt(i);
    switch (c) {
      case 34: out += '\\"'; break;
      case 92: out += '\\\\'; break;
      case 8: out += '\\b'; break;
      case 12: out += '\\f'; break;
      case 10: out += '\\n'; break;
      case 13: out += '\\r'; break;
      case 9: out += '\\t'; break;
      default:
        if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) out += '\\u' + c.toString(16).padStart(4, '0');
        else out += ch;
    }
  }
  return out + '"';
}

/** Where the top-most definition of field `k` of `o` is written, if it was written in Jsonnet. */
function fieldLoc(o: JObject, k: string): Loc | null {
  for (let i = o.layers.length - 1; i >= 0; i--) {
    const f = o.layers[i].fields.get(k);
    if (f !== undefined) return f.expr ? f.expr.loc : null;
  }
  return null;
}

function fnError(): never {
  throw rtError("couldn't manifest function in JSON output.", null);
}

/** The program's output as `jsonnet` prints it (3-space indent, `[ ]` and `{ }` when empty). */
export function manifestJson(v: Value, indent = '   '): string {
  const parts: string[] = [];
  let size = 0;
  const limit = (): void => {
    if (size > 0) checkString('x'.repeat(0));
  };
  void limit;
  const aux = (v: Value, cur: string): void => {
    if (v === null) parts.push('null');
    else if (v === true) parts.push('true');
    else if (v === false) parts.push('false');
    else if (typeof v === 'number') parts.push(fmtNumber(v));
    else if (typeof v === 'string') {
      parts.push(escapeJson(v));
      size += v.length;
    } else if (v instanceof JArray) {
      const items = v.items;
      if (items.length === 0) {
        parts.push('[ ]');
        return;
      }
      const inner = cur + indent;
      parts.push('[\n');
      for (let i = 0; i < items.length; i++) {
        if (i > 0) parts.push(',\n');
        parts.push(inner);
        aux(force(items[i]), inner);
      }
      parts.push('\n', cur, ']');
    } else if (v instanceof JObject) {
      checkAsserts(v);
      const keys = visibleFields(v);
      if (keys.length === 0) {
        parts.push('{ }');
        return;
      }
      const inner = cur + indent;
      parts.push('{\n');
      for (let i = 0; i < keys.length; i++) {
        if (i > 0) parts.push(',\n');
        parts.push(inner, escapeJson(keys[i]), ': ');
        const fv = getField(v, keys[i], null);
        if (fv instanceof JFunction) {
          const err = rtError("couldn't manifest function in JSON output.", fieldLoc(v, keys[i]));
          err.unwind('object <anonymous>', null);
          throw err;
        }
        aux(fv, inner);
      }
      parts.push('\n', cur, '}');
    } else fnError();
    if (parts.length > 4096) {
      const joined = parts.join('');
      parts.length = 0;
      parts.push(checkString(joined));
    }
  };
  aux(v, '');
  return checkString(parts.join(''));
}

/** Single-line JSON used by `'' + v`, std.toString and error values. */
export function manifestOneLine(v: Value): string {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'number') return fmtNumber(v);
  if (typeof v === 'string') return escapeJson(v);
  if (v instanceof JArray) {
    if (v.items.length === 0) return '[ ]';
    return checkString('[' + v.items.map((x) => manifestOneLine(force(x))).join(', ') + ']');
  }
  if (v instanceof JObject) {
    checkAsserts(v);
    const keys = visibleFields(v);
    if (keys.length === 0) return '{ }';
    return checkString('{' + keys.map((k) => `${escapeJson(k)}: ${manifestOneLine(getField(v, k, null))}`).join(', ') + '}');
  }
  return fnError();
}

function pathText(path: (string | number)[]): string {
  return '[' + path.map((p) => (typeof p === 'string' ? escapeJson(p) : String(p))).join(', ') + ']';
}

/** std.manifestJsonEx(value, indent, newline, key_val_sep). */
export function manifestJsonEx(v: Value, indent: string, newline = '\n', sep = ': '): string {
  const aux = (v: Value, path: (string | number)[], cur: string): string => {
    if (v === null) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'number') return fmtNumber(v);
    if (typeof v === 'string') return escapeJson(v);
    if (v instanceof JFunction) throw rtError(`Tried to manifest function at ${pathText(path)}`, null);
    const inner = cur + indent;
    if (v instanceof JArray) {
      const lines = v.items.map((x, i) => inner + aux(force(x), [...path, i], inner));
      return checkString('[' + newline + lines.join(',' + newline) + newline + cur + ']');
    }
    const o = v as JObject;
    const lines = visibleFields(o).map((k) => inner + escapeJson(k) + sep + aux(getField(o, k, null), [...path, k], inner));
    return checkString('{' + newline + lines.join(',' + newline) + newline + cur + '}');
  };
  return aux(v, [], '');
}

const YAML_RESERVED = new Set(['true', 'false', 'yes', 'no', 'on', 'off', 'y', 'n', '.nan', '-.inf', '+.inf', '.inf', 'null', '-', '---', '']);

function count(s: string, ch: string): number {
  let n = 0;
  for (const c of s) if (c === ch) n++;
  return n;
}

/** Whether a key can be written without quotes in YAML (not taken for a number, date, bool...). */
export function yamlBareSafe(key: string): boolean {
  if (!/^[A-Za-z0-9_\-/.]*$/.test(key)) return false;
  const lc = key.toLowerCase();
  if (YAML_RESERVED.has(lc)) return false;
  const only = (re: RegExp, s: string) => re.test(s);
  const typeMatch = (t: string) => key.slice(0, 2) === t || key.slice(0, 3) === '-' + t;
  if (only(/^[0-9-]*$/, key) && count(key, '-') === 2) return false;
  if (only(/^[0-9_-]*$/, lc) && count(key, '-') < 2) return false;
  if (only(/^[0-9_\-b]*$/, lc) && key.length > 2 && typeMatch('0b')) return false;
  if (only(/^[0-9e._-]*$/, lc) && count(key, '.') === 1 && count(key, '-') < 3 && count(lc, 'e') < 2) return false;
  if (only(/^[0-9a-fx_-]*$/, lc) && count(key, '-') < 2 && key.length > 2 && typeMatch('0x')) return false;
  return true;
}

export function manifestYamlDoc(v: Value, indentArrayInObject = false, quoteKeys = true): string {
  const key = (k: string) => (quoteKeys || !yamlBareSafe(k) ? escapeJson(k) : k);
  const aux = (v: Value, path: (string | number)[], cur: string): string => {
    if (v === null) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'number') return fmtNumber(v);
    if (typeof v === 'string') {
      if (v.length === 0) return '""';
      if (v.endsWith('\n')) {
        const lines = v.split('\n');
        lines.pop();
        return ['|', ...lines].join('\n' + cur + '  ');
      }
      return escapeJson(v);
    }
    if (v instanceof JFunction) throw rtError(`Tried to manifest function at ${pathText(path)}`, null);
    if (v instanceof JArray) {
      if (v.items.length === 0) return '[]';
      const parts = v.items.map((x, i) => {
        const e = force(x);
        let ni: string;
        let space: string;
        if (e instanceof JArray && e.items.length > 0) {
          ni = cur + '  ';
          space = '\n' + ni;
        } else if (e instanceof JObject && visibleFields(e).length > 0) {
          ni = cur + '  ';
          space = ' ';
        } else {
          ni = cur;
          space = ' ';
        }
        return '-' + space + aux(e, [...path, i], ni);
      });
      return checkString(parts.join('\n' + cur));
    }
    const o = v as JObject;
    const keys = visibleFields(o);
    if (keys.length === 0) return '{}';
    const lines = keys.map((k) => {
      const e = getField(o, k, null);
      let ni: string;
      let space: string;
      if (e instanceof JArray && e.items.length > 0) {
        ni = indentArrayInObject ? cur + '  ' : cur;
        space = '\n' + ni;
      } else if (e instanceof JObject && visibleFields(e).length > 0) {
        ni = cur + '  ';
        space = '\n' + ni;
      } else {
        ni = cur;
        space = ' ';
      }
      return key(k) + ':' + space + aux(e, [...path, k], ni);
    });
    return checkString(lines.join('\n' + cur));
  };
  return aux(v, [], '');
}

export function manifestPython(v: Value): string {
  if (v instanceof JObject) {
    return '{' + visibleFields(v).map((k) => `${escapeJson(k)}: ${manifestPython(getField(v, k, null))}`).join(', ') + '}';
  }
  if (v instanceof JArray) return '[' + v.items.map((x) => manifestPython(force(x))).join(', ') + ']';
  if (typeof v === 'string') return escapeJson(v);
  if (v instanceof JFunction) throw rtError('cannot manifest function', null);
  if (typeof v === 'number') return fmtNumber(v);
  if (v === true) return 'True';
  if (v === false) return 'False';
  return 'None';
}

const TOML_BARE = /^[A-Za-z0-9_-]+$/;

export function manifestTomlEx(value: Value, indent: string): string {
  const keyT = (k: string) => (TOML_BARE.test(k) ? k : escapeJson(k));
  const isTableArray = (v: Value) => v instanceof JArray && v.items.length > 0 && v.items.every((x) => force(x) instanceof JObject);
  const isSection = (v: Value) => v instanceof JObject || isTableArray(v);
  const renderValue = (v: Value, path: (string | number)[], inline: boolean, cur: string): string => {
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (v === null) throw rtError(`Tried to manifest "null" at ${pathText(path)}`, null);
    if (typeof v === 'number') return fmtNumber(v);
    if (typeof v === 'string') return escapeJson(v);
    if (v instanceof JFunction) throw rtError(`Tried to manifest function at ${pathText(path)}`, null);
    if (v instanceof JArray) {
      if (v.items.length === 0) return '[]';
      const ni = inline ? '' : cur + indent;
      const sep = inline ? ' ' : '\n';
      const items = v.items.map((x, i) => ni + renderValue(force(x), [...path, i], true, ''));
      return '[' + sep + items.join(',' + sep) + sep + (inline ? '' : cur) + ']';
    }
    const o = v as JObject;
    return '{ ' + visibleFields(o).map((k) => keyT(k) + ' = ' + renderValue(getField(o, k, null), [...path, k], true, '')).join(', ') + ' }';
  };
  const renderInternal = (v: JObject, path: string[], ipath: (string | number)[], cur: string): string => {
    const keys = visibleFields(v);
    const kvp: string[] = [];
    const sections: string[] = [];
    for (const k of keys) {
      const x = getField(v, k, null);
      if (!isSection(x)) kvp.push(cur + keyT(k) + ' = ' + renderValue(x, [...ipath, k], false, cur));
    }
    sections.push(kvp.join('\n'));
    for (const k of keys) {
      const x = getField(v, k, null);
      if (!isSection(x)) continue;
      if (x instanceof JObject) sections.push(renderTable(x, [...path, k], [...ipath, k], cur));
      else sections.push(renderTableArray(x as JArray, [...path, k], [...ipath, k], cur));
    }
    return sections.join('\n\n');
  };
  const renderTable = (v: JObject, path: string[], ipath: (string | number)[], cur: string): string =>
    cur + '[' + path.map(keyT).join('.') + ']' + (visibleFields(v).length === 0 ? '' : '\n') + renderInternal(v, path, ipath, cur + indent);
  const renderTableArray = (v: JArray, path: string[], ipath: (string | number)[], cur: string): string =>
    v.items
      .map((x, i) => {
        const o = force(x) as JObject;
        return cur + '[[' + path.map(keyT).join('.') + ']]' + (visibleFields(o).length === 0 ? '' : '\n') + renderInternal(o, path, [...ipath, i], cur + indent);
      })
      .join('\n\n');
  if (!(value instanceof JObject)) throw rtError(`TOML body must be an object. Got ${typeName(value)}`, null);
  return renderInternal(value, [], [], '');
}

function typeName(v: Value): string {
  if (v === null) return 'null';
  if (v instanceof JArray) return 'array';
  if (v instanceof JObject) return 'object';
  if (v instanceof JFunction) return 'function';
  return typeof v;
}

export function manifestXmlJsonml(value: Value): string {
  if (!(value instanceof JArray)) throw rtError(`Expected a JSONML value (an array), got ${typeName(value)}`, null);
  const str = (v: Value): string => (typeof v === 'string' ? v : manifestOneLine(v));
  const aux = (v: Value): string => {
    if (typeof v === 'string') return v;
    if (!(v instanceof JArray)) throw rtError(`Expected a JSONML value (an array), got ${typeName(v)}`, null);
    const items = v.items.map(force);
    const tag = str(items[0]);
    const hasAttrs = items.length > 1 && items[1] instanceof JObject;
    const attrs = hasAttrs ? (items[1] as JObject) : null;
    const children = items.slice(hasAttrs ? 2 : 1);
    const attrStr = attrs ? visibleFields(attrs).map((k) => ` ${k}="${str(getField(attrs, k, null))}"`).join('') : '';
    return `<${tag}${attrStr}>${children.map(aux).join('')}</${tag}>`;
  };
  return aux(value);
}

export function manifestIni(ini: Value): string {
  if (!(ini instanceof JObject)) throw rtError(`manifestIni expects an object, got ${typeName(ini)}`, null);
  const str = (v: Value): string => (typeof v === 'string' ? v : manifestOneLine(v));
  const body = (o: Value): string[] => {
    if (!(o instanceof JObject)) throw rtError(`manifestIni section must be an object, got ${typeName(o)}`, null);
    const out: string[] = [];
    for (const k of visibleFields(o)) {
      const v = getField(o, k, null);
      if (v instanceof JArray) for (const x of v.items) out.push(`${k} = ${str(force(x))}`);
      else out.push(`${k} = ${str(v)}`);
    }
    return out;
  };
  const lines: string[] = [];
  if (ini.has('main')) lines.push(...body(getField(ini, 'main', null)));
  const sections = getField(ini, 'sections', null);
  if (!(sections instanceof JObject)) throw rtError(`manifestIni sections must be an object, got ${typeName(sections)}`, null);
  for (const k of visibleFields(sections)) {
    lines.push(`[${k}]`, ...body(getField(sections, k, null)));
  }
  lines.push('');
  return lines.join('\n');
}
