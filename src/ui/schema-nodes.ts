/**
 * Input nodes generated from an identity schema, as Kratos generates the trait fields of the
 * registration and settings forms: one input per leaf property (`traits.name.first`), typed from
 * the JSON type and format, `required` from the parent's `required` list, `pattern` copied,
 * labelled with the property's `title` (text id 1070002). Objects, and arrays of objects, get no
 * node; an array of scalars gets one text input, as in Kratos. Local `$ref`s are followed.
 */
import { infoNodeLabelGenerated, infoNodeLabelId } from '../text/node-label.js';
import type { UiText } from '../text/message.js';
import { flattenJSON } from './flatten.js';
import {
  inputNode,
  UiNodeAutocomplete,
  UiNodeInputType,
  type UiInputNode,
  type UiNodeGroup,
} from './node.js';

type Json = Record<string, unknown>;

/** Resolves a `$ref` the schema itself cannot (a remote one); undefined when unknown. */
export type SchemaRefResolver = (ref: string) => unknown;

export interface SchemaNodesOptions {
  group: UiNodeGroup;
  /** Put before every name, joined with a dot (Kratos's `prefix`; the schema's own `traits.` stays). */
  prefix?: string;
  /** The identity's traits: values are set on the matching `traits.*` nodes. */
  values?: unknown;
  /** Copy `required` from the schema (default true). */
  requiredFromSchema?: boolean;
  resolveRef?: SchemaRefResolver;
}

type Kind = 'string' | 'number' | 'boolean' | 'array' | 'json' | 'none';

/** One leaf (or object) of the schema, as Kratos's path listing describes it. */
export interface SchemaPath {
  /** Dotted path from the schema root (`traits.name.first`). */
  name: string;
  kind: Kind;
  format?: string;
  pattern?: string;
  title?: string;
  required: boolean;
  hasDefault: boolean;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typesOf(s: Json): string[] {
  if (typeof s.type === 'string') return [s.type];
  if (Array.isArray(s.type)) return s.type.filter((t): t is string => typeof t === 'string');
  return [];
}

/** A schema whose `$ref` siblings count (2019-09 and later); earlier drafts ignore them. */
function refSiblingsCount(root: Json): boolean {
  const dialect = typeof root.$schema === 'string' ? root.$schema : '';
  return /draft\/(2019-09|2020-12)|draft\/next/.test(dialect);
}

function decodePointerToken(token: string): string {
  return decodeURIComponent(token).replaceAll('~1', '/').replaceAll('~0', '~');
}

class SchemaWalker {
  private readonly siblings: boolean;

  constructor(
    readonly root: Json,
    private readonly resolveRef?: SchemaRefResolver,
  ) {
    this.siblings = refSiblingsCount(root);
  }

  /** The schema a `$ref` points to, for pointers into this document or via the resolver. */
  resolve(ref: string): unknown {
    const id = typeof this.root.$id === 'string' ? this.root.$id.replace(/#.*$/, '') : undefined;
    let local: string | undefined;
    if (ref.startsWith('#')) local = ref;
    else if (id !== undefined && ref.startsWith(`${id}#`)) local = ref.slice(id.length);
    else if (id !== undefined && ref === id) local = '#';
    if (local !== undefined) {
      if (local === '#' || local === '#/') return this.root;
      if (!local.startsWith('#/')) return this.findAnchor(local.slice(1));
      let at: unknown = this.root;
      for (const token of local.slice(2).split('/').map(decodePointerToken)) {
        if (Array.isArray(at)) at = at[Number(token)];
        else if (isObject(at)) at = at[token];
        else return undefined;
      }
      return at;
    }
    return this.resolveRef?.(ref);
  }

  private findAnchor(anchor: string): unknown {
    const seen = new Set<unknown>();
    const search = (v: unknown): unknown => {
      if (typeof v !== 'object' || v === null || seen.has(v)) return undefined;
      seen.add(v);
      if (isObject(v) && (v.$anchor === anchor || v.$id === `#${anchor}`)) return v;
      for (const child of Object.values(v)) {
        const found = search(child);
        if (found !== undefined) return found;
      }
      return undefined;
    };
    return search(this.root);
  }

  private refTarget(s: Json): Json | undefined {
    if (typeof s.$ref !== 'string') return undefined;
    const t = this.resolve(s.$ref);
    return isObject(t) ? t : undefined;
  }

  /** What the path listing records about `s` itself, ignoring `$ref` siblings where the draft does. */
  private kindOf(s: Json): Kind {
    if (typeof s.$ref === 'string' && !this.siblings) return 'none';
    if ('const' in s) {
      const c = s.const;
      if (typeof c === 'number') return 'number';
      if (typeof c === 'string') return 'string';
      if (typeof c === 'boolean') return 'boolean';
      return c === null ? 'none' : 'json';
    }
    const types = typesOf(s);
    if (types.length !== 1) return 'none';
    switch (types[0]) {
      case 'boolean':
        return 'boolean';
      case 'number':
      case 'integer':
        return 'number';
      case 'string':
        return 'string';
      case 'object':
        return 'json';
      case 'array':
        return this.arrayKind(s);
      default:
        return 'none';
    }
  }

  /** An array of one scalar item type (or of unknown items) is a field; an array of objects is not. */
  private arrayKind(s: Json): Kind {
    const items = s.items;
    const itemSchemas = Array.isArray(items) ? items : items === undefined ? [] : [items];
    if (items === undefined) return 'array';
    let types: string[] = [];
    for (const item of itemSchemas) {
      if (!isObject(item)) continue;
      if (!(typeof item.$ref === 'string' && !this.siblings)) types.push(...typesOf(item));
      const target = this.refTarget(item);
      if (target) types.push(...typesOf(target));
    }
    types = types.filter((t, i) => i === 0 || types[i - 1] !== t);
    if (types.length !== 1) return 'array';
    return ['boolean', 'number', 'integer', 'string'].includes(types[0]) ? 'array' : 'json';
  }

  private sibling<T>(s: Json, read: () => T): T | undefined {
    return typeof s.$ref === 'string' && !this.siblings ? undefined : read();
  }

  /** Every path of the schema, in document order, duplicates included. */
  paths(s: unknown, parent: Json | undefined, parents: string[], ancestors: Set<Json>, out: SchemaPath[]): void {
    if (!isObject(s)) return;
    const kind = this.kindOf(s);
    const hasDefault = this.sibling(s, () => s.default !== undefined && s.default !== null) === true;
    if ((kind !== 'none' || hasDefault) && parents.length > 0) {
      const last = parents[parents.length - 1];
      const required = Array.isArray(parent?.required) && parent.required.includes(last);
      const path: SchemaPath = { name: parents.join('.'), kind, required, hasDefault };
      const format = this.sibling(s, () => s.format);
      const pattern = this.sibling(s, () => s.pattern);
      const title = this.sibling(s, () => s.title);
      if (typeof format === 'string') path.format = format;
      if (typeof pattern === 'string') path.pattern = pattern;
      if (typeof title === 'string') path.title = title;
      out.push(path);
    }
    if (ancestors.has(s)) return; // a circular reference: Kratos refuses such a schema; stop here
    const next = new Set(ancestors).add(s);
    const target = this.refTarget(s);
    if (target) this.paths(target, s, parents, next, out);
    if (typeof s.$ref === 'string' && !this.siblings) return;
    for (const key of ['not', 'if', 'then', 'else'] as const) this.paths(s[key], s, parents, next, out);
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      const list = s[key];
      if (Array.isArray(list)) for (const sub of list) this.paths(sub, s, parents, next, out);
    }
    if (isObject(s.properties)) {
      for (const [name, sub] of Object.entries(s.properties)) this.paths(sub, s, [...parents, name], next, out);
    }
  }

  /** Every schema object the compiler would visit, each once, with the path it sits at. */
  forEachSchema(visit: (s: Json, path: string) => void): void {
    const seen = new Set<Json>();
    const walk = (s: unknown, path: string[]): void => {
      if (!isObject(s) || seen.has(s)) return;
      seen.add(s);
      visit(s, path.join('.'));
      const target = this.refTarget(s);
      if (target) walk(target, path);
      for (const key of ['not', 'if', 'then', 'else', 'additionalProperties', 'additionalItems', 'contains'] as const) walk(s[key], path);
      for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
        const list = s[key];
        if (Array.isArray(list)) for (const sub of list) walk(sub, path);
      }
      if (isObject(s.properties)) for (const [name, sub] of Object.entries(s.properties)) walk(sub, [...path, name]);
      if (Array.isArray(s.items)) for (const sub of s.items) walk(sub, path);
      else walk(s.items, path);
    };
    walk(this.root, []);
  }
}

function asRoot(schema: unknown): Json {
  if (!isObject(schema)) throw new TypeError('identity schema: expected a JSON object');
  return schema;
}

/**
 * The schema's paths as Kratos lists them: sorted by name, one per name (a later duplicate replaces
 * an earlier one that has no default).
 */
export function listSchemaPaths(schema: unknown, resolveRef?: SchemaRefResolver): SchemaPath[] {
  const root = asRoot(schema);
  const all: SchemaPath[] = [];
  new SchemaWalker(root, resolveRef).paths(root, undefined, [], new Set(), all);
  const byName = new Map<string, SchemaPath>();
  const compare = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
  for (const p of [...all].sort((a, b) => compare(a.name, b.name))) {
    const seen = byName.get(p.name);
    if (seen === undefined || !seen.hasDefault) byName.set(p.name, p);
  }
  return [...byName.values()].sort((a, b) => compare(a.name, b.name));
}

function inputTypeFor(path: SchemaPath): { type: UiNodeInputType; autocomplete?: UiNodeAutocomplete } {
  let type: UiNodeInputType = UiNodeInputType.Text;
  if (path.name === 'csrf_token') type = UiNodeInputType.Hidden;
  else if (path.name === 'password') type = UiNodeInputType.Password;
  else if (path.kind === 'number') type = UiNodeInputType.Number;
  else if (path.kind === 'boolean') type = UiNodeInputType.Checkbox;
  switch (path.format) {
    case 'date-time':
      return { type: UiNodeInputType.DateTimeLocal };
    case 'email':
      return { type: UiNodeInputType.Email, autocomplete: UiNodeAutocomplete.Email };
    case 'tel':
      return { type: UiNodeInputType.Tel, autocomplete: UiNodeAutocomplete.Tel };
    case 'date':
      return { type: UiNodeInputType.Date };
    case 'uri':
      return { type: UiNodeInputType.Url, autocomplete: UiNodeAutocomplete.Url };
    case 'regex':
      return { type: UiNodeInputType.Text };
    default:
      return { type };
  }
}

/**
 * One input node per leaf of the identity schema (names `traits.*`, sorted by name as Kratos lists
 * them; sort the form with `registrationSortOptions(schemaKeysInOrder(schema))` for schema order).
 */
export function nodesFromIdentitySchema(schema: unknown, opts: SchemaNodesOptions): UiInputNode[] {
  const prefix = opts.prefix ?? '';
  const nodes: UiInputNode[] = [];
  for (const path of listSchemaPaths(schema, opts.resolveRef)) {
    if (path.kind === 'json') continue;
    const name = prefix === '' ? path.name : `${prefix}.${path.name}`;
    const { type, autocomplete } = inputTypeFor(path);
    nodes.push(
      inputNode(opts.group, name, undefined, type, {
        required: opts.requiredFromSchema !== false && path.required,
        autocomplete,
        pattern: path.pattern,
        label: path.title ? infoNodeLabelGenerated(path.title, name) : undefined,
      }),
    );
  }
  if (opts.values !== undefined) {
    const traitsPrefix = prefix === '' ? 'traits' : `${prefix}.traits`;
    const byName = new Map(nodes.map((n) => [n.attributes.name, n]));
    for (const [key, value] of Object.entries(flattenJSON(opts.values))) {
      const node = byName.get(`${traitsPrefix}.${key}`);
      if (node && value !== null) node.attributes.value = value;
    }
  }
  return nodes;
}

/**
 * The schema's leaf keys in document order (`traits.email`, `traits.name.first`, ...), which
 * Kratos uses to order trait fields. Only properties of schemas typed `"object"` are descended
 * into; `$ref`s are not followed (a referenced object is one key), as in Kratos.
 */
export function schemaKeysInOrder(schema: unknown): string[] {
  const keys: string[] = [];
  const walk = (s: unknown, parents: string[]): void => {
    if (isObject(s) && s.type === 'object') {
      if (isObject(s.properties)) {
        for (const [k, v] of Object.entries(s.properties)) walk(v, [...parents, k.replaceAll('.', '\\.')]);
      }
      return;
    }
    keys.push(parents.join('.'));
  };
  walk(asRoot(schema), []);
  return keys;
}

const EXTENSION = 'ory.sh/kratos';

function isLoginIdentifier(ext: unknown): boolean {
  if (!isObject(ext) || !isObject(ext.credentials)) return false;
  const c = ext.credentials;
  const flag = (method: string, key: string): boolean => isObject(c[method]) && (c[method] as Json)[key] === true;
  return (
    flag('password', 'identifier') ||
    flag('webauthn', 'identifier') ||
    flag('passkey', 'display_name') ||
    flag('totp', 'account_name') ||
    flag('code', 'identifier')
  );
}

/**
 * The login identifier's label: the `title` of the identifier trait when exactly one titled trait
 * is a login identifier (password, webauthn or code identifier, passkey display name, TOTP account
 * name), else "ID" (1070004). This is Kratos v1.3's rule.
 */
export function identifierLabelFromSchema(schema: unknown, resolveRef?: SchemaRefResolver): UiText {
  const root = asRoot(schema);
  const candidates: Array<{ title: string; name: string }> = [];
  new SchemaWalker(root, resolveRef).forEachSchema((s, path) => {
    if (isLoginIdentifier(s[EXTENSION]) && typeof s.title === 'string' && s.title !== '') {
      candidates.push({ title: s.title, name: path });
    }
  });
  return candidates.length === 1 ? infoNodeLabelGenerated(candidates[0].title, candidates[0].name) : infoNodeLabelId();
}
