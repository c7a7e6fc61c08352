/**
 * The form fields an identity schema's traits describe: one entry per trait path
 * (`traits.email`, `traits.name.first`), in the order the schema declares them, which is the
 * order Kratos sorts trait nodes in. Registration and settings flows build their `traits.*` input
 * nodes from this list; the UI layer maps `typeHint`/`format` to an input type.
 */
import { EXTENSION_KEYWORD } from './meta.js';
import type { ExtensionConfig } from './extension.js';

/** What kind of value a field holds; Kratos's form builder skips `json` fields (objects, mixed arrays). */
export type TraitTypeHint = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'string[]' | 'number[]' | 'integer[]' | 'boolean[]' | 'json';

export interface TraitField {
  /** Dot path from the identity root, as UI node names spell it: `traits.name.first`. */
  name: string;
  typeHint: TraitTypeHint;
  /** Whether the immediate parent object lists this property as required. */
  required: boolean;
  format?: string;
  pattern?: string;
  title?: string;
  description?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  multipleOf?: number;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  readOnly?: boolean;
  /** The field's `ory.sh/kratos` block, if any. */
  extension?: ExtensionConfig;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Resolves a `$ref` (relative to the document it appears in) to the subschema and its document. */
export type RefResolver = (ref: string, doc: Json) => { schema: Json; doc: Json } | undefined;

/** Resolves `#/json/pointer` references inside `doc`. */
export function resolveLocalRef(ref: string, doc: Json): Json | undefined {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = doc;
  const path = ref.slice(1);
  if (path === '') return doc;
  if (!path.startsWith('/')) return undefined;
  for (const raw of path.slice(1).split('/')) {
    let token = raw;
    try {
      token = decodeURIComponent(raw);
    } catch {
      // keep it as written
    }
    token = token.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node)) node = node[token];
    else return undefined;
  }
  return isObject(node) ? node : undefined;
}

function typesOf(schema: Json): string[] {
  const t = schema['type'];
  if (typeof t === 'string') return [t];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === 'string');
  return [];
}

function hintOf(schema: Json, resolve: (s: Json) => Json): TraitTypeHint | undefined {
  if ('const' in schema) {
    const c = schema['const'];
    if (typeof c === 'string') return 'string';
    if (typeof c === 'number') return 'number';
    if (typeof c === 'boolean') return 'boolean';
    return 'json';
  }
  let types = typesOf(schema);
  if (types.length === 2 && types.includes('null')) types = types.filter((t) => t !== 'null');
  if (types.length > 1) return 'json';
  switch (types[0]) {
    case 'string':
    case 'number':
    case 'integer':
    case 'boolean':
    case 'null':
      return types[0];
    case 'object':
      return 'json';
    case 'array': {
      const items = schema['items'];
      const list = Array.isArray(items) ? items : isObject(items) ? [items] : [];
      const itemTypes = [...new Set(list.filter(isObject).flatMap((s) => typesOf(resolve(s))))];
      if (itemTypes.length === 1 && ['string', 'number', 'integer', 'boolean'].includes(itemTypes[0])) {
        return `${itemTypes[0]}[]` as TraitTypeHint;
      }
      return 'json';
    }
    default:
      return undefined;
  }
}

function fieldOf(name: string, schema: Json, hint: TraitTypeHint | undefined, required: boolean, extensionKey: string): TraitField {
  const f = { name, typeHint: hint, required } as TraitField;
  const str = (k: string) => (typeof schema[k] === 'string' ? (schema[k] as string) : undefined);
  const num = (k: string) => (typeof schema[k] === 'number' ? (schema[k] as number) : undefined);
  const set = <K extends keyof TraitField>(k: K, v: TraitField[K] | undefined) => {
    if (v !== undefined) f[k] = v;
  };
  set('format', str('format'));
  set('pattern', str('pattern'));
  set('title', str('title'));
  set('description', str('description'));
  set('minLength', num('minLength'));
  set('maxLength', num('maxLength'));
  set('minimum', num('minimum'));
  set('maximum', num('maximum'));
  set('multipleOf', num('multipleOf'));
  if (Array.isArray(schema['enum'])) f.enum = structuredClone(schema['enum'] as unknown[]);
  if ('const' in schema) f.const = structuredClone(schema['const']);
  if ('default' in schema) f.default = structuredClone(schema['default']);
  if (typeof schema['readOnly'] === 'boolean') f.readOnly = schema['readOnly'] as boolean;
  if (isObject(schema[extensionKey])) f.extension = structuredClone(schema[extensionKey]) as ExtensionConfig;
  return f;
}

/**
 * Lists the fields below `root.properties.traits`. `resolveRef` handles `$ref`s that leave the
 * document (local ones are resolved here); `extensionKey` names the extension keyword as the
 * document spells it.
 */
export function listTraitFields(root: Json, resolveRef?: RefResolver, extensionKey: string = EXTENSION_KEYWORD): TraitField[] {
  const fields = new Map<string, TraitField>();

  const deref = (schema: Json, doc: Json, seen: readonly Json[]): Array<{ schema: Json; doc: Json }> => {
    const ref = schema['$ref'];
    if (typeof ref !== 'string') return [];
    const local = resolveLocalRef(ref, doc);
    const target = local ? { schema: local, doc } : resolveRef?.(ref, doc);
    if (!target || seen.includes(target.schema)) return [];
    return [target];
  };

  const walk = (schema: Json, doc: Json, parents: string[], parent: Json | undefined, seen: readonly Json[]) => {
    if (seen.length > 64) return;
    const path = [...seen, schema];
    if (parents.length > 0) {
      const name = parents.join('.');
      const last = parents[parents.length - 1];
      const required = Array.isArray(parent?.['required']) && (parent['required'] as unknown[]).includes(last);
      const hint = hintOf(schema, (s) => deref(s, doc, path)[0]?.schema ?? s);
      const candidate = fieldOf(name, schema, hint, required, extensionKey);
      const existing = fields.get(name);
      if (!existing) {
        fields.set(name, candidate);
      } else {
        // A path described more than once ($ref beside keywords, allOf): the first description
        // wins and later ones fill in what it leaves out. Re-setting a key keeps its position.
        const merged: Partial<TraitField> = { ...existing, required: existing.required || candidate.required };
        for (const [k, v] of Object.entries(candidate)) {
          if ((merged as Record<string, unknown>)[k] === undefined) (merged as Record<string, unknown>)[k] = v;
        }
        fields.set(name, merged as TraitField);
      }
    }
    for (const target of deref(schema, doc, path)) walk(target.schema, target.doc, parents, schema, path);
    for (const key of ['allOf', 'anyOf', 'oneOf']) {
      const list = schema[key];
      if (Array.isArray(list)) for (const sub of list) if (isObject(sub)) walk(sub, doc, parents, schema, path);
    }
    for (const key of ['then', 'else']) {
      const sub = schema[key];
      if (isObject(sub)) walk(sub, doc, parents, schema, path);
    }
    const props = schema['properties'];
    if (isObject(props)) {
      for (const [name, sub] of Object.entries(props)) if (isObject(sub)) walk(sub, doc, [...parents, name], schema, path);
    }
  };

  const props = root['properties'];
  const traits = isObject(props) ? props['traits'] : undefined;
  if (isObject(traits)) walk(traits, root, ['traits'], root, []);
  // The traits object itself is not a field; neither is a path with neither a type nor a default.
  fields.delete('traits');
  const out: TraitField[] = [];
  for (const field of fields.values()) {
    if (field.typeHint === undefined) {
      if (field.default === undefined) continue;
      field.typeHint = 'json';
    }
    out.push(field);
  }
  return out;
}
