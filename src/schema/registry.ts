/**
 * The configured identity schemas (`identity.schemas` + `identity.default_schema_id`). Each is
 * loaded on first use from its URL, checked against the identity meta-schema rules, compiled once
 * and cached. A schema that fails to load is not cached, so a remote schema that was briefly
 * unreachable loads on a later call.
 */
import type { AnySchemaObject } from 'ajv';
import { pathToFileURL } from 'node:url';
import { SchemaLoadError, UnknownSchemaError } from './errors.js';
import { compileIdentitySchema, type IdentitySchema } from './identity-schema.js';
import { createDefaultFetchRemote, filePathOf, loadSchemaSource, SchemaSourceError, type FetchRemote } from './loader.js';
import { checkIdentityMeta } from './meta.js';

export interface SchemaRef {
  id: string;
  url: string;
}

export interface SchemaRegistryOptions {
  schemas: ReadonlyArray<SchemaRef>;
  defaultSchemaId: string;
  /** Fetches http(s) URLs; defaults to global fetch with a 10 s timeout and a 1 MiB cap. */
  fetchRemote?: FetchRemote;
  /** Directory relative `file://` URLs resolve against; defaults to the process's. */
  cwd?: string;
}

/** External `$ref`s one schema may pull in, so a cyclic or hostile schema cannot load forever. */
const MAX_EXTERNAL_REFS = 32;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class SchemaRegistry {
  readonly defaultSchemaId: string;
  readonly #schemas: ReadonlyArray<SchemaRef>;
  readonly #byId: Map<string, SchemaRef>;
  readonly #fetchRemote: FetchRemote;
  readonly #cwd: string;
  readonly #cache = new Map<string, Promise<{ schema: IdentitySchema; json: Record<string, unknown> }>>();

  constructor(opts: SchemaRegistryOptions) {
    this.#byId = new Map();
    for (const s of opts.schemas) {
      if (this.#byId.has(s.id)) throw new TypeError(`identity schema id "${s.id}" is configured more than once`);
      this.#byId.set(s.id, { id: s.id, url: s.url });
    }
    this.#schemas = [...this.#byId.values()];
    this.defaultSchemaId = opts.defaultSchemaId;
    this.#fetchRemote = opts.fetchRemote ?? createDefaultFetchRemote();
    this.#cwd = opts.cwd ?? process.cwd();
  }

  /** The configured schemas, in configuration order. */
  list(): Array<{ id: string; url: string }> {
    return this.#schemas.map((s) => ({ ...s }));
  }

  /** Whether a schema with this id is configured (does not load it). */
  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** The compiled schema; `UnknownSchemaError` for an id not configured, `SchemaLoadError` for a bad one. */
  async get(id: string): Promise<IdentitySchema> {
    return (await this.#load(id)).schema;
  }

  getDefault(): Promise<IdentitySchema> {
    return this.get(this.defaultSchemaId);
  }

  /** The schema document as `GET /schemas/{id}` serves it (a fresh copy each call). */
  async raw(id: string): Promise<Record<string, unknown>> {
    return structuredClone((await this.#load(id)).json);
  }

  /** Loads and compiles every configured schema, so a bad one fails at startup rather than on use. */
  async loadAll(): Promise<void> {
    await Promise.all(this.#schemas.map((s) => this.get(s.id)));
  }

  #load(id: string): Promise<{ schema: IdentitySchema; json: Record<string, unknown> }> {
    const ref = this.#byId.get(id);
    if (!ref) return Promise.reject(new UnknownSchemaError(id));
    let pending = this.#cache.get(id);
    if (!pending) {
      pending = this.#compile(ref);
      this.#cache.set(id, pending);
      pending.catch(() => {
        if (this.#cache.get(id) === pending) this.#cache.delete(id);
      });
    }
    return pending;
  }

  async #compile(ref: SchemaRef): Promise<{ schema: IdentitySchema; json: Record<string, unknown> }> {
    const loadOpts = { cwd: this.#cwd, fetchRemote: this.#fetchRemote };
    let text: string;
    try {
      text = await loadSchemaSource(ref.url, loadOpts);
    } catch (err) {
      throw new SchemaLoadError(ref.id, ref.url, err instanceof SchemaSourceError ? err.message : `could not be read: ${(err as Error).message}`, { cause: err });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new SchemaLoadError(ref.id, ref.url, `is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
    let problems: string[];
    try {
      problems = checkIdentityMeta(json);
    } catch (err) {
      // Only absurd nesting gets here (the checks recurse).
      throw new SchemaLoadError(ref.id, ref.url, `could not be checked: ${(err as Error).message}`, { cause: err });
    }
    if (problems.length > 0) throw new SchemaLoadError(ref.id, ref.url, 'is not a valid identity schema', { problems });
    const schemaJson = json as Record<string, unknown>;

    let refs = 0;
    const loadRef = async (uri: string): Promise<AnySchemaObject> => {
      if (++refs > MAX_EXTERNAL_REFS) throw new Error(`more than ${MAX_EXTERNAL_REFS} external $refs`);
      const source = await loadSchemaSource(uri, loadOpts).catch((err: unknown) => {
        throw new Error(`$ref ${uri} ${(err as Error).message}`);
      });
      let parsed: unknown;
      try {
        parsed = JSON.parse(source);
      } catch (err) {
        throw new Error(`$ref ${uri} is not valid JSON: ${(err as Error).message}`);
      }
      if (!isPlainObject(parsed)) throw new Error(`$ref ${uri} is not a JSON Schema object`);
      return parsed;
    };

    try {
      const schema = await compileIdentitySchema({ id: ref.id, url: ref.url, json: schemaJson, baseId: this.#baseIdOf(ref.url), loadRef });
      return { schema, json: schemaJson };
    } catch (err) {
      throw new SchemaLoadError(ref.id, ref.url, 'is not a valid JSON Schema', { problems: [(err as Error).message], cause: err });
    }
  }

  /** Relative `$ref`s in file and http schemas resolve against the schema's own location. */
  #baseIdOf(url: string): string | undefined {
    if (/^file:\/\//i.test(url)) return pathToFileURL(filePathOf(url, this.#cwd)).href;
    if (/^https?:\/\//i.test(url)) return url;
    return undefined;
  }
}
