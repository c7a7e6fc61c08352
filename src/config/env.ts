// Environment variables override configuration keys, as in Kratos: the key path upper-cased with
// "." → "_" (SERVE_PUBLIC_PORT → serve.public.port). Only names that map onto a key of the schema
// apply; anything else in the environment (PATH, HOME, ...) is ignored. Top-level objects (LOG,
// SERVE, ...) have no variable of their own, so common unrelated names cannot break start-up.
// Array items of object type can be set one field at a time: IDENTITY_SCHEMAS_0_URL.
import { configSchema } from './schema.js';
import type { Segments, SourceMap } from './paths.js';
import { setAt } from './paths.js';

type JsonSchema = Record<string, unknown>;

export interface EnvKey {
  /** Path with "#" where an array index goes. */
  path: Array<string | '#'>;
  schema: JsonSchema;
}

export interface EnvIssue {
  segments: Segments;
  source: string;
  message: string;
}

function resolve(schema: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/definitions/')) {
    const defs = configSchema.definitions as Record<string, JsonSchema>;
    const target = defs[ref.slice('#/definitions/'.length)];
    if (target) return { ...target, ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$ref')) };
  }
  return schema;
}

function envName(path: Array<string | '#'>): string {
  return path.join('_').toUpperCase().replace(/[.-]/g, '_');
}

let table: Map<string, EnvKey> | undefined;

/** The name → key table, built once by walking the schema. */
export function envTable(): Map<string, EnvKey> {
  if (table) return table;
  const t = new Map<string, EnvKey>();
  const walk = (schema: JsonSchema, path: Array<string | '#'>): void => {
    const s = resolve(schema);
    if (path.length > 1 || (path.length === 1 && s.type !== 'object')) {
      const name = envName(path);
      if (!t.has(name)) t.set(name, { path, schema: s });
    }
    const props = s.properties as Record<string, JsonSchema> | undefined;
    if (props) for (const [k, v] of Object.entries(props)) walk(v, [...path, k]);
    if (s.type === 'array' && s.items && typeof s.items === 'object') {
      const items = resolve(s.items as JsonSchema);
      if (items.properties) walk(items, [...path, '#']);
    }
  };
  walk(configSchema, []);
  table = t;
  return t;
}

function coerceScalar(raw: string, schema: JsonSchema): unknown {
  const type = schema.type;
  if (type === 'integer' || type === 'number') {
    const t = raw.trim();
    return /^-?[0-9]+(\.[0-9]+)?$/.test(t) ? Number(t) : raw;
  }
  if (type === 'boolean') {
    const t = raw.trim().toLowerCase();
    if (t === 'true' || t === '1') return true;
    if (t === 'false' || t === '0' || t === '') return false;
    return raw;
  }
  return raw;
}

/** Converts an env var's text into a value of the key's schema type. Throws with a reason. */
export function coerceEnvValue(raw: string, schema: JsonSchema): unknown {
  const type = schema.type;
  if (type === 'array') {
    const t = raw.trim();
    if (t.startsWith('[')) {
      try {
        return JSON.parse(t) as unknown;
      } catch (e) {
        throw new Error(`not a valid JSON array: ${(e as Error).message}`);
      }
    }
    const items = resolve((schema.items as JsonSchema | undefined) ?? {});
    if (items.type === 'object' || items.properties) throw new Error('expects a JSON array of objects');
    if (t === '') return [];
    return t.split(',').map((x) => coerceScalar(x.trim(), items));
  }
  if (type === 'object' || (type === undefined && schema.properties)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (e) {
      throw new Error(`expects a JSON object: ${(e as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('expects a JSON object');
    return parsed;
  }
  return coerceScalar(raw, schema);
}

/** Finds the key an env var name sets, with its concrete array indices. */
export function lookupEnv(name: string): { segments: Segments; schema: JsonSchema } | undefined {
  const t = envTable();
  const direct = t.get(name);
  if (direct) return { segments: direct.path as Segments, schema: direct.schema };
  if (!/_[0-9]+(_|$)/.test(name)) return undefined;
  const indices: number[] = [];
  const pattern = name.replace(/_([0-9]+)(?=_|$)/g, (_m, d: string) => {
    indices.push(Number(d));
    return '_#';
  });
  const hit = t.get(pattern);
  if (!hit) return undefined;
  let i = 0;
  return { segments: hit.path.map((p) => (p === '#' ? (indices[i++] as number) : p)), schema: hit.schema };
}

/** Applies the environment onto `data`, in a stable order (non-indexed names first). */
export function applyEnv(data: Record<string, unknown>, env: Record<string, string | undefined>, sources: SourceMap): EnvIssue[] {
  const issues: EnvIssue[] = [];
  const hits: Array<{ name: string; raw: string; segments: Segments; schema: JsonSchema }> = [];
  for (const [name, raw] of Object.entries(env)) {
    if (raw === undefined) continue;
    const hit = lookupEnv(name);
    if (hit) hits.push({ name, raw, ...hit });
  }
  // Whole values before their parts, so IDENTITY_SCHEMAS_0_URL refines IDENTITY_SCHEMAS.
  hits.sort((a, b) => a.segments.length - b.segments.length || a.name.localeCompare(b.name));
  for (const h of hits) {
    const source = `env:${h.name}`;
    let value: unknown;
    try {
      value = coerceEnvValue(h.raw, h.schema);
    } catch (e) {
      issues.push({ segments: h.segments, source, message: (e as Error).message });
      continue;
    }
    setAt(data, h.segments, value, source, sources);
  }
  return issues;
}
