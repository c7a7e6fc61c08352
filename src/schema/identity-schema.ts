/**
 * One compiled identity schema. `validateTraits` checks an identity's traits the way Kratos does —
 * the whole document `{ "traits": ... }` against the schema, whose root describes
 * `properties.traits` — and, when they pass, returns what the `ory.sh/kratos` keywords derive from
 * them (login identifiers, verifiable and recovery addresses).
 */
import { Ajv, type AnySchemaObject, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createRequire } from 'node:module';
import { loadPrecompiledValidator, precompiledFile } from '../lib/precompiled-ajv.js';
import { IDENTITY_SCHEMA_AJV_OPTIONS } from './ajv-options.js';
import { ExtensionCollector, type ExtensionConfig, type TraitsExtraction } from './extension.js';
import { addIdentityFormats } from './formats.js';
import { EXTENSION_KEYWORD } from './meta.js';
import { validationWrongType } from './text.js';
import { listTraitFields, resolveLocalRef, type RefResolver, type TraitField } from './trait-fields.js';
import { jsonType, translateErrors, type TraitError } from './translate.js';

export type TraitsValidation = ({ ok: true } & TraitsExtraction) | { ok: false; errors: TraitError[] };

export type SchemaDialect = 'draft-06' | 'draft-07' | '2019-09' | '2020-12';

/** The meta-schema URI each dialect is compiled with. */
const META_URI: Record<SchemaDialect, string> = {
  'draft-06': 'http://json-schema.org/draft-06/schema#',
  'draft-07': 'http://json-schema.org/draft-07/schema#',
  '2019-09': 'https://json-schema.org/draft/2019-09/schema',
  '2020-12': 'https://json-schema.org/draft/2020-12/schema',
};

const DIALECTS: Record<string, SchemaDialect> = {
  'json-schema.org/draft-06/schema': 'draft-06',
  'json-schema.org/draft-07/schema': 'draft-07',
  'json-schema.org/draft/2019-09/schema': '2019-09',
  'json-schema.org/draft/2020-12/schema': '2020-12',
};

/**
 * The dialect a schema's `$schema` names (draft-07 when absent), or undefined for one we do not
 * support. Either scheme and an empty fragment are accepted.
 */
export function dialectOf(schema: Record<string, unknown>): SchemaDialect | undefined {
  const declared = schema['$schema'];
  if (declared === undefined) return 'draft-07';
  if (typeof declared !== 'string') return undefined;
  return DIALECTS[declared.replace(/^https?:\/\//, '').replace(/#$/, '')];
}

type AjvInstance = Ajv | Ajv2019 | Ajv2020;

const require = createRequire(import.meta.url);

/**
 * Ajv only accepts keyword names made of letters, digits, `_`, `$`, `:` and `-`, so the compiled
 * copy of a schema carries the extension under this alias instead of `ory.sh/kratos`.
 */
const COMPILED_EXTENSION_KEYWORD = '$oryShKratos';

// Keywords whose values are instance data, not subschemas.
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples']);

/** A copy of `node` with every `ory.sh/kratos` keyword renamed to the compiled alias. */
export function aliasExtensionKeyword(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(aliasExtensionKeyword);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === EXTENSION_KEYWORD) out[COMPILED_EXTENSION_KEYWORD] = structuredClone(value);
    else if (DATA_KEYWORDS.has(key)) out[key] = structuredClone(value);
    else out[key] = aliasExtensionKeyword(value);
  }
  return out;
}

function newAjv(dialect: SchemaDialect, options: Options): AjvInstance {
  switch (dialect) {
    case '2020-12':
      return new Ajv2020(options);
    case '2019-09':
      return new Ajv2019(options);
    case 'draft-06': {
      const ajv = new Ajv(options);
      ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as AnySchemaObject);
      return ajv;
    }
    default:
      return new Ajv(options);
  }
}

export interface CompileOptions {
  id: string;
  url: string;
  /** The schema as parsed from its source; it has passed `checkIdentityMeta`. */
  json: Record<string, unknown>;
  /** The base URI relative `$ref`s resolve against (defaults to the schema's own `$id`). */
  baseId?: string;
  /** Loads a schema an external `$ref` names. */
  loadRef: (uri: string) => Promise<AnySchemaObject>;
}

const DRAFT_07_META_FILE = precompiledFile(import.meta.url, 'schema', 'draft-07-meta-validator.js');
let draft07Meta: ValidateFunction | undefined;

/** The build's draft-07 meta-schema validator, loaded once, calling the formats of `ajv` (all instances have the same). */
function draft07MetaValidator(ajv: AjvInstance): ValidateFunction | undefined {
  draft07Meta ??= loadPrecompiledValidator(DRAFT_07_META_FILE, ajv.formats);
  return draft07Meta;
}

/** Compiles an identity schema; throws (with Ajv's reason) when it is not valid JSON Schema. */
export async function compileIdentitySchema(opts: CompileOptions): Promise<IdentitySchema> {
  const dialect = dialectOf(opts.json);
  if (dialect === undefined) {
    throw new Error(`$schema ${JSON.stringify(opts.json['$schema'])} is not supported (use draft-07 or 2020-12)`);
  }
  // Validation keeps no state between calls except which collector receives extension visits.
  const slot: { collector: ExtensionCollector | null } = { collector: null };
  // Draft-07 schemas are checked against their meta-schema by the validator the build compiled
  // (compiling the meta-schema was a tenth of start-up); other dialects by Ajv as usual.
  const precompiledMeta = dialect === 'draft-07' && DRAFT_07_META_FILE !== undefined;
  const ajv = newAjv(dialect, {
    ...IDENTITY_SCHEMA_AJV_OPTIONS,
    validateSchema: !precompiledMeta,
    loadSchema: async (uri) => checkAgainstMeta(aliasExtensionKeyword(await opts.loadRef(uri)) as AnySchemaObject),
  });
  addIdentityFormats(ajv);
  ajv.addKeyword({
    keyword: COMPILED_EXTENSION_KEYWORD,
    schemaType: 'object',
    errors: false,
    validate: (config: ExtensionConfig, data: unknown, parentSchema?: AnySchemaObject, dataCxt?: { instancePath: string }) => {
      slot.collector?.visit(config, data, (parentSchema ?? {}) as Record<string, unknown>, dataCxt?.instancePath ?? '');
      return true;
    },
  });
  const checkAgainstMeta = (schema: AnySchemaObject): AnySchemaObject => {
    if (!precompiledMeta) return schema;
    const meta = dialectOf(schema) === 'draft-07' ? draft07MetaValidator(ajv) : undefined;
    if (meta === undefined) {
      ajv.validateSchema(schema, true);
      return schema;
    }
    if (!meta(schema)) throw new Error(`schema is invalid: ${ajv.errorsText(meta.errors)}`);
    // Ajv would compile the meta-schema a `$schema` names even with its own check off; draft-07 is
    // this instance's default dialect, so the schema means the same without it.
    const { $schema: _, ...rest } = schema;
    return rest;
  };
  const compiled = aliasExtensionKeyword(opts.json) as Record<string, unknown>;
  if (compiled['$id'] === undefined && opts.baseId !== undefined) compiled['$id'] = opts.baseId;
  if (compiled['$schema'] !== undefined) compiled['$schema'] = META_URI[dialect];
  let validate: ValidateFunction;
  try {
    validate = await ajv.compileAsync(checkAgainstMeta(compiled));
  } catch (err) {
    throw new Error(compileErrorMessage(err), { cause: err });
  }
  // External `$ref`s are looked up among the documents Ajv loaded while compiling.
  const resolveRef: RefResolver = (ref, doc) => {
    try {
      const base = typeof doc['$id'] === 'string' ? doc['$id'] : undefined;
      const uri = base ? new URL(ref, base).href : ref;
      const hash = uri.indexOf('#');
      const target = ajv.getSchema(hash < 0 ? uri : uri.slice(0, hash))?.schema;
      if (!isPlainObject(target)) return undefined;
      const sub = resolveLocalRef(hash < 0 ? '#' : uri.slice(hash), target);
      return sub ? { schema: sub, doc: target } : undefined;
    } catch {
      return undefined;
    }
  };
  const fields = () => listTraitFields(compiled, resolveRef, COMPILED_EXTENSION_KEYWORD);
  return new IdentitySchema(opts.id, opts.url, dialect, opts.json, validate, slot, fields);
}

/** Ajv's compile errors, reworded where Ajv's own words are obscure. */
function compileErrorMessage(err: unknown): string {
  const e = err as { message?: string; missingRef?: string };
  if (typeof e.missingRef === 'string') return `can't resolve reference ${e.missingRef}`;
  const unresolved = /is loaded but (.*) cannot be resolved/.exec(e.message ?? '');
  if (unresolved) return `can't resolve reference ${unresolved[1]}`;
  return e.message ?? String(err);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class IdentitySchema {
  readonly id: string;
  readonly url: string;
  readonly dialect: SchemaDialect;
  readonly #json: Record<string, unknown>;
  readonly #validate: ValidateFunction;
  readonly #slot: { collector: ExtensionCollector | null };
  readonly #listFields: () => TraitField[];
  #fields: TraitField[] | undefined;

  /** @internal use `compileIdentitySchema` or `SchemaRegistry.get`. */
  constructor(
    id: string,
    url: string,
    dialect: SchemaDialect,
    json: Record<string, unknown>,
    validate: ValidateFunction,
    slot: { collector: ExtensionCollector | null },
    listFields: () => TraitField[],
  ) {
    this.id = id;
    this.url = url;
    this.dialect = dialect;
    this.#json = json;
    this.#validate = validate;
    this.#slot = slot;
    this.#listFields = listFields;
  }

  /** The trait form fields, in schema order (a copy; computed once). */
  traitFields(): TraitField[] {
    this.#fields ??= this.#listFields();
    return structuredClone(this.#fields);
  }

  /** The schema document as served by `GET /schemas/{id}` (a copy; callers may modify it). */
  raw(): Record<string, unknown> {
    return structuredClone(this.#json);
  }

  /**
   * Validates `traits` (an absent value counts as `{}`, as in Kratos). On success returns what
   * the extension keywords derive; on failure every error, each with a UI text and the node name
   * it belongs to.
   */
  validateTraits(traits: unknown): TraitsValidation {
    const value = traits === undefined ? {} : traits;
    if (!isPlainObject(value)) {
      const pointer = '#/traits';
      return { ok: false, errors: [{ pointer, nodeName: 'traits', message: validationWrongType(['object'], jsonType(value)) }] };
    }
    const collector = new ExtensionCollector();
    this.#slot.collector = collector;
    let valid: boolean;
    try {
      valid = this.#validate({ traits: value }) as boolean;
    } finally {
      this.#slot.collector = null;
    }
    const ajvErrors: readonly ErrorObject[] = valid ? [] : (this.#validate.errors ?? []);
    if (ajvErrors.length === 0 && collector.errors.length === 0) return { ok: true, ...collector.result() };
    return { ok: false, errors: translateErrors(ajvErrors, collector.errors) };
  }
}
