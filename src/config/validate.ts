// Compiles the configuration schema once and turns validator errors into readable issues.
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { configFormats } from './formats.js';
import { precompiledConfigValidator } from './precompiled-validator.js';
import { configSchema } from './schema.js';

export { isHttpUrl, isUrlOrPath } from './formats.js';

export interface RawIssue {
  /** JSON pointer segments of the offending value. */
  segments: Array<string | number>;
  message: string;
}

/** The options both the run-time and the ahead-of-time compilation (scripts/config-validator.mjs) use. */
export const CONFIG_AJV_OPTIONS = { allErrors: true, useDefaults: true, strict: false, verbose: true, inlineRefs: false } as const;

let compiled: ValidateFunction | undefined;

/** The schema compiled now, with the same options and formats as the build's precompiled validator. */
export function compileConfigValidator(): ValidateFunction {
  const ajv = new Ajv({ ...CONFIG_AJV_OPTIONS });
  for (const [name, format] of Object.entries(configFormats)) ajv.addFormat(name, format);
  return ajv.compile(configSchema);
}

/**
 * The validator. It fills defaults (useDefaults) in place. The compiled server loads the one the
 * build generated (precompiled-validator.ts), kept a minute after its last use when asked to; from
 * sources the schema is compiled at first use and kept.
 */
export function configValidator(o: { keep?: boolean } = {}): ValidateFunction {
  if (precompiledKept) {
    keepPrecompiled(precompiledKept);
    return precompiledKept;
  }
  const precompiled = precompiledConfigValidator();
  if (precompiled) {
    if (o.keep) keepPrecompiled(precompiled);
    return precompiled;
  }
  compiled ??= compileConfigValidator();
  return compiled;
}

// A caller that validates again and again (the admin API checks email settings at every read and
// write) asks to keep the precompiled validator: it then stays a minute after its last use, as
// making it costs tens of milliseconds. Start-up's one validation keeps nothing, so an idle server
// does not hold its large code.
const KEEP_PRECOMPILED_MS = 60_000;
let precompiledKept: ValidateFunction | undefined;
let dropTimer: NodeJS.Timeout | undefined;
function keepPrecompiled(v: ValidateFunction): void {
  precompiledKept = v;
  if (dropTimer) clearTimeout(dropTimer);
  dropTimer = setTimeout(() => {
    precompiledKept = undefined;
    dropTimer = undefined;
  }, KEEP_PRECOMPILED_MS);
  dropTimer.unref();
}

function decodePointer(pointer: string): Array<string | number> {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s !== undefined && s.length > 80 ? s.slice(0, 77) + '...' : String(s);
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}

/** The known key nearest to a misspelt one, if it is near enough to be a likely typo. */
function closest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(key.length / 4)) ? best : undefined;
}

function formatMessage(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const known = Object.keys((e.parentSchema?.properties as Record<string, unknown> | undefined) ?? {});
      const hint = closest(String(p.additionalProperty), known);
      return `unknown key (not supported by Tessera)${hint ? `; did you mean ${JSON.stringify(hint)}?` : ''}`;
    }
    case 'required':
      return 'is required';
    case 'type':
      if (e.data === undefined) return `is missing (must be ${String(p.type).replace(/,/g, ' or ')})`;
      return `must be ${String(p.type).replace(/,/g, ' or ')}, got ${typeOf(e.data)} ${show(e.data)}`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(', ')}, got ${show(e.data)}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}, got ${show(e.data)}`;
    case 'format':
      switch (p.format) {
        case 'go-duration':
          return `invalid duration ${show(e.data)}: expected a duration such as 1h, 15m, 1h30m, 10s or 500ms`;
        case 'byte-size':
          return `invalid byte size ${show(e.data)}: expected a number and a unit such as 128MB or 1GB`;
        case 'uri':
          return `invalid URL ${show(e.data)}: expected an absolute URL with a scheme (https://..., file://..., base64://...)`;
        case 'http-url':
          return `invalid URL ${show(e.data)}: expected an absolute http:// or https:// URL`;
        case 'url-or-path':
          return `invalid URL ${show(e.data)}: expected an absolute URL (https://..., or an app scheme such as myapp://...) or a path starting with "/"`;
        case 'email':
          return `invalid email address ${show(e.data)}`;
        default:
          return `must be a valid ${String(p.format)}, got ${show(e.data)}`;
      }
    case 'pattern':
      return `must match ${String(p.pattern)}, got ${show(e.data)}`;
    case 'minLength':
      return `must be at least ${String(p.limit)} characters long`;
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters long`;
    case 'minimum':
      return `must be >= ${String(p.limit)}, got ${show(e.data)}`;
    case 'maximum':
      return `must be <= ${String(p.limit)}, got ${show(e.data)}`;
    case 'minItems':
      return `must have at least ${String(p.limit)} item(s)`;
    case 'minProperties':
    case 'maxProperties': {
      const keys = Object.keys((e.parentSchema?.properties as Record<string, unknown> | undefined) ?? {});
      if (keys.join() === 'path,base64') return 'must set exactly one of "path" (a PEM file) or "base64" (the PEM content, base64-encoded)';
      return e.keyword === 'minProperties' ? `must have at least ${String(p.limit)} key(s)` : `must have at most ${String(p.limit)} key(s)`;
    }
    case 'propertyNames':
      return `invalid key name ${show(p.propertyName)}`;
    default:
      return e.message ?? 'is invalid';
  }
}

/** Validates (and fills defaults into) `data`. Returns the problems found, deduplicated. */
export function validateConfig(data: unknown, o: { keepValidator?: boolean } = {}): RawIssue[] {
  const validate = configValidator({ keep: o.keepValidator });
  if (validate(data)) return [];
  const out: RawIssue[] = [];
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    // "must match then/else schema" and combinator summaries only repeat the real error.
    if (e.keyword === 'if' || e.keyword === 'allOf' || e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
    const segments = decodePointer(e.instancePath);
    const p = e.params as Record<string, unknown>;
    if (e.keyword === 'additionalProperties') segments.push(String(p.additionalProperty));
    if (e.keyword === 'required') segments.push(String(p.missingProperty));
    if (e.keyword === 'propertyNames' && p.propertyName !== undefined) segments.push(String(p.propertyName));
    const message = formatMessage(e);
    const key = JSON.stringify(segments) + message;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ segments, message });
  }
  return out;
}
