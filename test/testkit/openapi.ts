// Contract checks against Kratos's OpenAPI document (../shared/reference/kratos/api.json).
//
// Every JSON response a test receives goes through assertMatchesApi(): it finds the documented
// operation for the method and URL, picks the documented response for the status, and validates
// the body with Ajv. The spec is OpenAPI 3.0, so its schemas are converted to plain JSON Schema
// first (nullable, discriminator, vendor keywords, unknown formats); see convertSchema().
//
// The spec is read and converted once per process, on first use; validators are compiled once per
// operation and status. This is test-only state, hence the module-level cache.
//
//   const res = await fetch(`${admin}/admin/identities/${id}`);
//   const identity = await assertFetchMatchesApi('GET', res, 'admin');   // reads, checks, returns the body
//   assertMatchesApi({ method: 'GET', url: res.url, status: res.status, body }); // when you read it yourself
//   assertMatchesSchema('identity', session.identity);                   // a value that is not a response
//   it(`${operationFor('GET', url).operationId} returns 404 for an unknown id`, ...);

import { AssertionError } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { kratosReference } from './reference.js';
import { notRun } from './outside.js';
import { isDeepStrictEqual } from 'node:util';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import formatsPluginModule from 'ajv-formats';
import type { FormatsPlugin } from 'ajv-formats';

/** Which Tessera listener served the response: the public API or the admin API. */
export type ApiName = 'public' | 'admin';

/** The documented operation a request maps to. */
export interface OperationRef {
  operationId: string;
  /** The spec's path template, e.g. `/admin/identities/{id}`. */
  pathTemplate: string;
  /** Lower-case HTTP method as used in the spec. */
  method: string;
}

/** An operation with the status keys its responses document (`200`, `4XX`, `default`). */
export interface OperationSummary extends OperationRef {
  statuses: string[];
}

export interface AssertMatchesApiArgs {
  method: string;
  /** Full URL or path with query, e.g. `http://127.0.0.1:1234/admin/identities?page_size=2`. */
  url: string;
  status: number;
  /**
   * The parsed JSON body, or `undefined` for none. Where the spec documents no body, '', null and
   * an empty buffer also count as none; where it documents JSON, null is checked like any value.
   */
  body: unknown;
  /**
   * The listener the request went to. `admin`: like Kratos's admin router, a path without the
   * `/admin` prefix is looked up with it first (`/identities` is `/admin/identities`), and shared
   * routes documented without it (`/health/alive`, `/version`, `/schemas`) are found either way.
   * `public`: operations under `/admin` are refused. Omitted: the path is taken as is.
   */
  api?: ApiName;
}

/** Where the Kratos OpenAPI document lives; `TESSERA_KRATOS_API_JSON` overrides. */
export function apiSpecPath(): string {
  const fromEnv = process.env.TESSERA_KRATOS_API_JSON;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return kratosReference('api.json');
}

// ---------------------------------------------------------------------------------------------
// Public helpers (on the Kratos spec, loaded on first use)

/**
 * Throws an AssertionError unless `body` is what the spec documents for this method, URL and
 * status. Also throws when the path, the method or the status is not documented.
 */
export function assertMatchesApi(args: AssertMatchesApiArgs): void {
  contractFor(args.method, args.url, args.api)?.assertResponse(args);
}

/**
 * Reads a fetch() Response, checks it with assertMatchesApi() (method as sent, `res.url`,
 * `res.status`; after a followed redirect only for GET, whose final response is a GET too) and returns the body: parsed JSON, the text for other media types, `undefined` when
 * empty. A non-empty body where the spec documents JSON must be sent as JSON (Content-Type) and parse.
 */
export async function assertFetchMatchesApi(method: string, res: Response, api?: ApiName): Promise<unknown> {
  if (res.redirected && !/^(GET|HEAD)$/i.test(method)) {
    fail(`${method.toUpperCase()} ended at ${res.url} after fetch followed a redirect, so the response is not the one to ${method.toUpperCase()}; fetch with redirect: 'manual' to check it`);
  }
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  const isJson = /^application\/(?:[\w.+-]*\+)?json\b/i.test(contentType);
  let body: unknown = text === '' ? undefined : text;
  if (text !== '' && isJson) {
    try {
      body = JSON.parse(text);
    } catch (err) {
      failWithBody(`${method.toUpperCase()} ${res.url} status ${res.status}: Content-Type ${contentType} but the body is not JSON (${(err as Error).message})`, text);
    }
  }
  const contract = contractFor(method, res.url, api);
  if (contract === undefined) return body;
  if (text !== '' && !isJson && contract.documentsJson(method, res.url, res.status, api)) {
    failWithBody(`${method.toUpperCase()} ${res.url} status ${res.status}: the spec documents a JSON body, but Content-Type is ${JSON.stringify(contentType)}`, text);
  }
  contract.assertResponse({ method, url: res.url, status: res.status, body, api });
  return body;
}

/** The documented operation for a method and URL; throws an AssertionError when there is none. */
export function operationFor(method: string, url: string, api?: ApiName): OperationRef {
  return kratosApi().operationFor(method, url, api);
}

/**
 * An Ajv validate function for a schema in `components.schemas`, by name (`identity`) or by
 * reference (`#/components/schemas/identity`). Its `.errors` holds the failures of the last call.
 */
export function schemaFor(ref: string): ValidateFunction {
  return kratosApi().schemaFor(ref);
}

/** Throws an AssertionError unless `value` matches the components schema `ref` (see schemaFor). */
export function assertMatchesSchema(ref: string, value: unknown): void {
  kratosApiIfPresent()?.assertSchema(ref, value);
}

/** Every documented operation with its documented statuses, in spec order. */
export function listOperations(): OperationSummary[] {
  return kratosApi().listOperations();
}

let defaultContract: ApiContract | undefined;
let tesseraContract: ApiContract | undefined;

/** Tessera's own admin endpoints beyond Kratos's API (docs/openapi/tessera-admin.json). */
export function tesseraAdminApi(): ApiContract {
  tesseraContract ??= new ApiContract(JSON.parse(readFileSync(fileURLToPath(new URL('../../docs/openapi/tessera-admin.json', import.meta.url)), 'utf8')));
  return tesseraContract;
}

/** Kratos's contract, or Tessera's own for an admin operation only Tessera documents. */
/**
 * The contract that documents this route. Undefined only when Kratos's spec is missing outside CI
 * (the checks are then reported as not run) and Tessera's own admin document does not cover it.
 */
function contractFor(method: string, url: string, api?: ApiName): ApiContract | undefined {
  const kratos = kratosApiIfPresent();
  if (kratos === undefined) {
    if (api === 'public') return undefined;
    try {
      tesseraAdminApi().operationFor(method, url, api);
      return tesseraAdminApi();
    } catch {
      return undefined;
    }
  }
  if (api === 'public') return kratos;
  try {
    kratos.operationFor(method, url, api);
    return kratos;
  } catch (err) {
    if (!(err instanceof AssertionError)) throw err;
    try {
      tesseraAdminApi().operationFor(method, url, api);
      return tesseraAdminApi();
    } catch {
      throw err;
    }
  }
}

/**
 * A correction to a spec that documents something other than what its server sends. Applied only
 * while the spec still holds `expect` at `pointer`, so a fixed spec is left alone.
 */
export interface SpecErratum {
  pointer: string;
  expect: unknown;
  replace: unknown;
  why: string;
}

/** Where Kratos's api.json disagrees with Kratos's own responses. */
export const KRATOS_SPEC_ERRATA: readonly SpecErratum[] = [
  {
    pointer: '#/components/schemas/errorBrowserLocationChangeRequired/properties/error',
    expect: { $ref: '#/components/schemas/errorGeneric' },
    replace: { $ref: '#/components/schemas/genericError' },
    why:
      'The spec nests the whole envelope ({"error":{"error":{...}}}); Kratos sends ' +
      '{"error":{id,code,...},"redirect_browser_to":...} (selfservice/flow/error.go embeds the error itself).',
  },
];

/**
 * The Kratos contract, or undefined when the spec is not there: then the checks against it are
 * reported as not run (and the run fails under CI=true, see outside.ts).
 */
function kratosApiIfPresent(): ApiContract | undefined {
  if (defaultContract === undefined && !existsSync(apiSpecPath())) {
    notRun('Kratos reference data', `${apiSpecPath()} not found; set TESSERA_KRATOS_REFERENCE to its folder`, "checks of JSON responses against Kratos's api.json");
    return undefined;
  }
  return kratosApi();
}

/** The contract built from the Kratos spec, once per process. */
export function kratosApi(): ApiContract {
  if (defaultContract === undefined) {
    const file = apiSpecPath();
    if (!existsSync(file)) {
      throw new Error(`Kratos API spec not found at ${file}; set TESSERA_KRATOS_REFERENCE to its folder (or TESSERA_KRATOS_API_JSON to the file)`);
    }
    defaultContract = new ApiContract(JSON.parse(readFileSync(file, 'utf8')), { errata: KRATOS_SPEC_ERRATA });
  }
  return defaultContract;
}

// ---------------------------------------------------------------------------------------------
// The loaded contract

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Operation {
  method: string;
  pathTemplate: string;
  operationId: string;
  segments: SegmentMatcher[];
  responses: JsonObject;
}

interface SegmentMatcher {
  /** 2 for a literal segment, 1 for one mixing text and parameters, 0 for a lone parameter. */
  rank: number;
  test: (segment: string) => boolean;
}

interface PickedResponse {
  /** The documented status key that applied: `404`, `4XX` or `default`. */
  key: string;
  response: JsonObject;
  /** JSON pointer of the response object in the spec (after following `$ref`s). */
  pointer: string;
}

type ResponseCheck =
  | { kind: 'empty' }
  | { kind: 'body'; mediaType: string; schemaLabel: string; validate: ValidateFunction };

interface ConvertContext {
  /** Formats the converted schemas use, to register the ones Ajv does not know. */
  formats: Set<string>;
  /** Where each converted schema object came from in the spec, for error messages. */
  origins: WeakMap<object, string>;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
const SPEC_ID = 'https://tessera.invalid/kratos-api.json';
const SCHEMA_REF_PREFIX = '#/components/schemas/';

/**
 * An OpenAPI 3.0 document prepared for checking responses. Build one with `new ApiContract(doc)`
 * for a spec of your own; the module functions use kratosApi().
 */
export class ApiContract {
  private readonly doc: JsonObject;
  private readonly operations: Operation[];
  private readonly origins = new WeakMap<object, string>();
  private readonly ajv: Ajv;
  private readonly responseChecks = new Map<string, ResponseCheck>();
  private readonly schemaChecks = new Map<string, ValidateFunction>();

  constructor(doc: unknown, options: { errata?: readonly SpecErratum[] } = {}) {
    const given = asObject(doc as Json);
    if (given === undefined || typeof given.openapi !== 'string' || !given.openapi.startsWith('3.')) {
      throw new Error('not an OpenAPI 3 document');
    }
    const root = applyErrata(given, options.errata ?? []);
    this.doc = root;
    this.operations = collectOperations(root);
    this.ajv = new Ajv({
      allErrors: true,
      verbose: true,
      strict: true,
      strictTypes: false,
      strictTuples: false,
      strictRequired: false,
      allowUnionTypes: true,
      validateFormats: true,
    });
    const addFormats = ((formatsPluginModule as unknown as { default?: FormatsPlugin }).default ??
      formatsPluginModule) as FormatsPlugin;
    addFormats(this.ajv);
    const ctx: ConvertContext = { formats: new Set(), origins: this.origins };
    const defs: JsonObject = {};
    const schemas = asObject(asObject(root.components)?.schemas) ?? {};
    for (const [name, schema] of Object.entries(schemas)) {
      defs[name] = convertSchema(schema, ctx, `${SCHEMA_REF_PREFIX}${encodePointerToken(name)}`);
    }
    registerFormats(this.ajv, ctx.formats);
    this.ajv.addSchema({ $id: SPEC_ID, $defs: defs });
  }

  /** See assertMatchesApi(). */
  assertResponse(args: AssertMatchesApiArgs): void {
    const op = this.findOperation(args.method, args.url, args.api);
    const label = `${op.operationId} (${op.method.toUpperCase()} ${op.pathTemplate}) status ${args.status}`;
    const picked = this.pickResponse(op, args.status);
    if (picked === undefined) {
      failWithBody(`${label} is not documented; documented: ${Object.keys(op.responses).join(', ')}`, args.body);
    }
    const as = picked.key === String(args.status) ? '' : ` (documented as ${picked.key})`;
    const check = this.responseCheck(op, picked);
    if (check.kind === 'empty') {
      if (!isEmptyBody(args.body)) failWithBody(`${label}${as} has no body in the spec, but the response has one`, args.body);
      return;
    }
    if (isEmptyBody(args.body) && args.body !== null) {
      failWithBody(`${label}${as} must have a body (${check.mediaType}) matching ${check.schemaLabel}, but the response has none`, args.body);
    }
    if (!check.validate(args.body)) {
      if (this.matchesDefaultError(op, picked.key, args.status, args.body)) return;
      failWithBody(`${label}${as}: body does not match ${check.schemaLabel}\n${this.formatErrors(check.validate.errors)}`, args.body);
    }
  }

  /**
   * Kratos documents some 4xx answers with a flow body (validation failures) but also answers the
   * same status with its error envelope for request-level problems (a browser submitting an API
   * flow, a completed flow). The spec's `default: errorGeneric` covers those: an error envelope whose
   * `code` equals the status is accepted when the operation documents that default.
   */
  private matchesDefaultError(op: Operation, pickedKey: string, status: number, body: unknown): boolean {
    if (pickedKey === 'default' || status < 400 || op.responses.default === undefined) return false;
    const err = asObject(asObject(body as Json)?.error);
    if (!err || err.code !== status) return false;
    const pointer = `#/paths/${encodePointerToken(op.pathTemplate)}/${op.method}/responses/default`;
    const resolved = this.resolveResponse(op.responses.default, pointer);
    if (resolved === undefined) return false;
    const check = this.responseCheck(op, { key: 'default', ...resolved });
    return check.kind === 'body' && check.validate(body) === true;
  }

  /** Whether the documented response for this request has a JSON body (false when undocumented). */
  documentsJson(method: string, url: string, status: number, api?: ApiName): boolean {
    const op = this.findOperation(method, url, api);
    const picked = this.pickResponse(op, status);
    if (picked === undefined) return false;
    const check = this.responseCheck(op, picked);
    return check.kind === 'body' && /json\b/i.test(check.mediaType);
  }

  /** See operationFor(). */
  operationFor(method: string, url: string, api?: ApiName): OperationRef {
    const op = this.findOperation(method, url, api);
    return { operationId: op.operationId, pathTemplate: op.pathTemplate, method: op.method };
  }

  /** See assertMatchesSchema(). */
  assertSchema(ref: string, value: unknown): void {
    const validate = this.schemaFor(ref);
    if (!validate(value)) {
      failWithBody(`value does not match ${schemaRefLabel(ref)}\n${this.formatErrors(validate.errors)}`, value);
    }
  }

  /** See listOperations(). */
  listOperations(): OperationSummary[] {
    return this.operations.map((op) => ({
      operationId: op.operationId,
      pathTemplate: op.pathTemplate,
      method: op.method,
      statuses: Object.keys(op.responses),
    }));
  }

  private findOperation(method: string, url: string, api: ApiName | undefined): Operation {
    const m = method.toLowerCase();
    const path = urlPath(url);
    const candidates = candidatePaths(path, api);
    let pathMatched: Operation[] = [];
    for (const candidate of candidates) {
      const matched = this.operations.filter((op) => matchesTemplate(op, candidate));
      if (matched.length === 0) continue;
      const withMethod = matched.filter((op) => op.method === m);
      if (withMethod.length === 0) {
        if (pathMatched.length === 0) pathMatched = matched;
        continue;
      }
      const best = withMethod.sort(compareSpecificity)[0];
      if (api === 'public' && isAdminTemplate(best.pathTemplate)) {
        fail(`${method.toUpperCase()} ${path}: ${best.operationId} (${best.pathTemplate}) is an admin API operation; the public API does not serve it`);
      }
      return best;
    }
    if (pathMatched.length > 0) {
      const documented = [...new Set(pathMatched.map((op) => `${op.method.toUpperCase()} ${op.pathTemplate}`))].join(', ');
      fail(`${method.toUpperCase()} ${path}: method not documented for this path; documented: ${documented}`);
    }
    const hint =
      path.length > 1 && path.endsWith('/') && candidatePaths(path.slice(0, -1), api).some((c) => this.operations.some((op) => matchesTemplate(op, c)))
        ? '; a trailing slash is not part of any documented path'
        : '';
    fail(`${method.toUpperCase()} ${path}: no operation in the API spec matches this path${api === undefined ? '' : ` (${api} API)`}${hint}`);
  }

  private responseCheck(op: Operation, picked: PickedResponse): ResponseCheck {
    const cacheKey = `${op.method} ${op.pathTemplate} ${picked.key}`;
    const cached = this.responseChecks.get(cacheKey);
    if (cached !== undefined) return cached;
    const check = this.buildResponseCheck(op, picked);
    this.responseChecks.set(cacheKey, check);
    return check;
  }

  /** See schemaFor(). */
  schemaFor(ref: string): ValidateFunction {
    const name = ref.startsWith(SCHEMA_REF_PREFIX) ? decodePointerToken(ref.slice(SCHEMA_REF_PREFIX.length)) : ref;
    const cached = this.schemaChecks.get(name);
    if (cached !== undefined) return cached;
    const schemas = asObject(asObject(this.doc.components)?.schemas) ?? {};
    if (!Object.hasOwn(schemas, name)) {
      fail(`no schema named ${JSON.stringify(name)} in components.schemas of the API spec`);
    }
    const validate = this.ajv.compile({ $ref: convertRef(`${SCHEMA_REF_PREFIX}${encodePointerToken(name)}`) });
    this.schemaChecks.set(name, validate);
    return validate;
  }

  private buildResponseCheck(op: Operation, picked: PickedResponse): ResponseCheck {
    const content = asObject(picked.response.content);
    if (content === undefined || Object.keys(content).length === 0) return { kind: 'empty' };
    const mediaType =
      Object.keys(content).find((t) => /^application\/json\b/i.test(t)) ??
      Object.keys(content).find((t) => /[/+]json\b/i.test(t)) ??
      Object.keys(content)[0];
    const media = asObject(content[mediaType]);
    const schema = media?.schema;
    if (schema === undefined) return { kind: 'empty' };
    const ctx: ConvertContext = { formats: new Set(), origins: this.origins };
    const where = `${picked.pointer}/content/${encodePointerToken(mediaType)}/schema`;
    const converted = convertSchema(schema, ctx, where);
    registerFormats(this.ajv, ctx.formats);
    const ownRef = asObject(schema)?.$ref;
    const schemaLabel = typeof ownRef === 'string' ? ownRef : `the ${mediaType} schema at ${where}`;
    const validate = this.ajv.compile(converted);
    return { kind: 'body', mediaType, schemaLabel, validate };
  }

  private pickResponse(op: Operation, status: number): PickedResponse | undefined {
    const keys = Object.keys(op.responses);
    const range = `${Math.floor(status / 100)}XX`;
    const key =
      keys.find((k) => k === String(status)) ??
      keys.find((k) => k.toUpperCase() === range) ??
      keys.find((k) => k === 'default');
    if (key === undefined) return undefined;
    const pointer = `#/paths/${encodePointerToken(op.pathTemplate)}/${op.method}/responses/${key}`;
    const resolved = this.resolveResponse(op.responses[key], pointer);
    if (resolved === undefined) fail(`${op.operationId}: response ${key} cannot be resolved in the spec`);
    return { key, ...resolved };
  }

  private formatErrors(errors: ErrorObject[] | null | undefined): string {
    return formatErrors(errors, this.origins);
  }

  /** Follows `$ref`s between response objects (`#/components/responses/...`). */
  private resolveResponse(response: Json, pointer: string): { response: JsonObject; pointer: string } | undefined {
    let current = asObject(response);
    let at = pointer;
    for (let hops = 0; current !== undefined && typeof current.$ref === 'string'; hops++) {
      if (hops > 16) fail(`response $ref chain too long at ${current.$ref}`);
      at = current.$ref;
      current = asObject(resolvePointer(this.doc, current.$ref));
    }
    return current === undefined ? undefined : { response: current, pointer: at };
  }
}

// ---------------------------------------------------------------------------------------------
// Operations and path matching

function collectOperations(doc: JsonObject): Operation[] {
  const out: Operation[] = [];
  for (const [pathTemplate, item] of Object.entries(asObject(doc.paths) ?? {})) {
    for (const [method, raw] of Object.entries(asObject(item) ?? {})) {
      if (!HTTP_METHODS.has(method)) continue;
      const operation = asObject(raw) ?? {};
      out.push({
        method,
        pathTemplate,
        operationId: typeof operation.operationId === 'string' ? operation.operationId : `${method.toUpperCase()} ${pathTemplate}`,
        segments: pathTemplate.split('/').map(segmentMatcher),
        responses: asObject(operation.responses) ?? {},
      });
    }
  }
  return out;
}

function segmentMatcher(segment: string): SegmentMatcher {
  if (!segment.includes('{')) return { rank: 2, test: (s) => s === segment };
  if (/^\{[^{}]+\}$/.test(segment)) return { rank: 0, test: (s) => s !== '' };
  const pattern = segment
    .split(/(\{[^{}]+\})/)
    .map((part) => (/^\{[^{}]+\}$/.test(part) ? '.+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const re = new RegExp(`^${pattern}$`, 's');
  return { rank: 1, test: (s) => re.test(s) };
}

function matchesTemplate(op: Operation, path: string): boolean {
  const segments = path.split('/');
  if (segments.length !== op.segments.length) return false;
  return op.segments.every((matcher, i) => matcher.test(decodeSegment(segments[i])));
}

/** Literal segments beat templated ones, compared from the left. */
function compareSpecificity(a: Operation, b: Operation): number {
  for (let i = 0; i < a.segments.length; i++) {
    const d = b.segments[i].rank - a.segments[i].rank;
    if (d !== 0) return d;
  }
  return 0;
}

function urlPath(url: string): string {
  const parsed = new URL(url, 'http://path.invalid');
  return parsed.pathname;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function isAdminTemplate(template: string): boolean {
  return template === '/admin' || template.startsWith('/admin/');
}

function candidatePaths(path: string, api: ApiName | undefined): string[] {
  if (api !== 'admin') return [path];
  if (isAdminTemplate(path)) return [path, path.slice('/admin'.length) || '/'];
  return [`/admin${path === '/' ? '' : path}`, path];
}

// ---------------------------------------------------------------------------------------------
// OpenAPI 3.0 schema → JSON Schema for Ajv

/** Keywords that are OpenAPI annotations Ajv does not know; dropped. */
const DROPPED_KEYWORDS = new Set(['example', 'xml', 'externalDocs', 'nullable', 'discriminator']);

/**
 * Converts one OpenAPI 3.0 schema object:
 * - `$ref: #/components/schemas/X` points at the converted copy; siblings of `$ref` are ignored,
 *   as OpenAPI 3.0 says.
 * - `nullable: true` also admits null (type gets 'null', an enum gets null).
 * - `discriminator` with `oneOf` of `$ref`s becomes if/then on the discriminating property, which
 *   is what it means and gives errors for the one branch the body chose.
 * - `x-*`, `example`, `xml`, `externalDocs` are dropped.
 * - `additionalProperties: false` on an object that declares no properties is a generator artifact
 *   (Go maps such as error `details`; only `{}` would pass), so it is dropped. Elsewhere
 *   `additionalProperties` is kept as the spec says, and never added.
 * Formats met on the way are collected so unknown ones can be registered.
 */
function convertSchema(schema: Json, ctx: ConvertContext, where: string): JsonObject | boolean {
  if (typeof schema === 'boolean') return schema;
  const s = asObject(schema);
  if (s === undefined) throw new Error(`not a schema: ${JSON.stringify(schema)}`);
  if (typeof s.$ref === 'string') return { $ref: convertRef(s.$ref) };

  const out: JsonObject = {};
  ctx.origins.set(out, where);
  for (const [key, value] of Object.entries(s)) {
    if (key.startsWith('x-') || DROPPED_KEYWORDS.has(key)) continue;
    switch (key) {
      case 'properties':
      case 'patternProperties': {
        const mapped: JsonObject = {};
        for (const [name, sub] of Object.entries(asObject(value) ?? {})) {
          mapped[name] = convertSchema(sub, ctx, `${where}/${key}/${encodePointerToken(name)}`);
        }
        out[key] = mapped;
        break;
      }
      case 'additionalProperties':
      case 'not':
      case 'if':
      case 'then':
      case 'else':
      case 'propertyNames':
      case 'contains':
        out[key] = convertSchema(value, ctx, `${where}/${key}`);
        break;
      case 'items':
        out[key] = Array.isArray(value)
          ? value.map((sub, i) => convertSchema(sub, ctx, `${where}/${key}/${i}`))
          : convertSchema(value, ctx, `${where}/${key}`);
        break;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        out[key] = (Array.isArray(value) ? value : []).map((sub, i) => convertSchema(sub, ctx, `${where}/${key}/${i}`));
        break;
      case 'format':
        if (typeof value === 'string') ctx.formats.add(value);
        out[key] = value;
        break;
      default:
        out[key] = value;
    }
  }

  if (out.additionalProperties === false && out.properties === undefined && out.patternProperties === undefined) {
    delete out.additionalProperties;
  }
  const discriminator = asObject(s.discriminator);
  if (discriminator !== undefined && Array.isArray(s.oneOf)) applyDiscriminator(out, discriminator, s.oneOf, ctx, where);
  if (s.nullable === true) return makeNullable(out);
  return out;
}

function convertRef(ref: string): string {
  if (!ref.startsWith(SCHEMA_REF_PREFIX)) throw new Error(`unsupported schema $ref ${ref} in the API spec`);
  return `${SPEC_ID}#/$defs/${ref.slice(SCHEMA_REF_PREFIX.length)}`;
}

function applyDiscriminator(out: JsonObject, discriminator: JsonObject, oneOf: Json[], ctx: ConvertContext, where: string): void {
  const property = discriminator.propertyName;
  if (typeof property !== 'string') return;
  const refs = oneOf.map((sub) => asObject(sub)?.$ref);
  if (!refs.every((r): r is string => typeof r === 'string')) return;
  const mapping = new Map<string, string>();
  const explicit = asObject(discriminator.mapping);
  if (explicit !== undefined) {
    for (const [value, target] of Object.entries(explicit)) {
      if (typeof target === 'string') mapping.set(value, target.startsWith('#') ? target : `${SCHEMA_REF_PREFIX}${target}`);
    }
  }
  for (const ref of refs) {
    if (![...mapping.values()].includes(ref)) mapping.set(ref.slice(ref.lastIndexOf('/') + 1), ref);
  }
  if (![...mapping.values()].every((target) => refs.includes(target))) return;

  delete out.oneOf;
  const branches: Json[] = [...mapping].map(([value, target]) => ({
    if: { properties: { [property]: { const: value } }, required: [property] },
    then: { $ref: convertRef(target) },
  }));
  const allOf = Array.isArray(out.allOf) ? out.allOf : [];
  const selector: JsonObject = { enum: [...mapping.keys()] };
  const selectorHolder: JsonObject = { type: 'object', required: [property], properties: { [property]: selector } };
  // Synthetic schemas: point at the discriminator itself (a trailing '#' keeps the keyword off).
  ctx.origins.set(selector, `${where}/discriminator/mapping#`);
  ctx.origins.set(selectorHolder, `${where}/discriminator/propertyName#`);
  out.allOf = [selectorHolder, ...allOf, ...branches];
}

function makeNullable(out: JsonObject): JsonObject {
  const type = out.type;
  if (typeof type === 'string' || Array.isArray(type)) {
    const types = typeof type === 'string' ? [type] : type;
    if (!types.includes('null')) out.type = [...types, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  const constrains = ['enum', 'const', 'allOf', 'anyOf', 'oneOf', 'not', '$ref'].some((k) => out[k] !== undefined);
  return constrains ? { anyOf: [{ type: 'null' }, out] } : out;
}

const UINT_MAX: Record<string, number> = {
  uint8: 0xff,
  uint16: 0xffff,
  uint32: 0xffffffff,
  uint64: Number.MAX_SAFE_INTEGER,
};

/** Maps the spec's Go-flavoured formats sensibly; any other unknown format is accepted as is. */
function registerFormats(ajv: Ajv, formats: Set<string>): void {
  for (const name of formats) {
    if (ajv.formats[name] !== undefined) continue;
    if (name === 'uuid4') {
      ajv.addFormat(name, ajv.formats.uuid ?? true);
    } else if (name in UINT_MAX) {
      const max = UINT_MAX[name];
      ajv.addFormat(name, { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 && n <= max });
    } else if (name === 'int8' || name === 'int16') {
      const half = name === 'int8' ? 0x80 : 0x8000;
      ajv.addFormat(name, { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -half && n < half });
    } else {
      ajv.addFormat(name, true);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function asObject(value: Json | undefined): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

function encodePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function decodePointerToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function applyErrata(doc: JsonObject, errata: readonly SpecErratum[]): JsonObject {
  if (errata.length === 0) return doc;
  const copy = structuredClone(doc);
  for (const erratum of errata) {
    const tokens = erratum.pointer.replace(/^#\//, '').split('/').map(decodePointerToken);
    const key = tokens.pop();
    const parent = asObject(resolvePointer(copy, `#/${tokens.map(encodePointerToken).join('/')}`));
    if (key === undefined || parent === undefined) continue;
    if (isDeepStrictEqual(parent[key], erratum.expect)) parent[key] = structuredClone(erratum.replace) as Json;
  }
  return copy;
}

function resolvePointer(doc: JsonObject, ref: string): Json | undefined {
  if (!ref.startsWith('#/')) fail(`unsupported $ref ${ref} in the API spec`);
  let current: Json | undefined = doc;
  for (const token of ref.slice(2).split('/').map(decodePointerToken)) {
    const obj = asObject(current);
    current = obj === undefined ? undefined : obj[token];
  }
  return current;
}

function isEmptyBody(body: unknown): boolean {
  if (body === undefined || body === null || body === '') return true;
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) return body.byteLength === 0;
  return false;
}

function schemaRefLabel(ref: string): string {
  return ref.startsWith('#') ? ref : `${SCHEMA_REF_PREFIX}${ref}`;
}

const MAX_ERRORS = 25;
const MAX_BODY_CHARS = 2000;

function formatErrors(errors: ErrorObject[] | null | undefined, origins: WeakMap<object, string>): string {
  if (errors === null || errors === undefined || errors.length === 0) return '  (no details from the validator)';
  // `if` failures only say "must match then"; the branch's own errors follow them.
  const shown = errors.filter((e) => e.keyword !== 'if');
  const lines = (shown.length > 0 ? shown : errors).slice(0, MAX_ERRORS).map((e) => {
    const where = e.instancePath === '' ? '(root)' : e.instancePath;
    const extra =
      e.keyword === 'enum' ? ` ${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)}`
      : e.keyword === 'additionalProperties' ? ` (${JSON.stringify((e.params as { additionalProperty?: unknown }).additionalProperty)})`
      : '';
    const origin = typeof e.parentSchema === 'object' ? origins.get(e.parentSchema) : undefined;
    const source =
      origin === undefined ? `schema ${e.schemaPath}`
      : origin.endsWith('#') ? `spec ${origin.slice(0, -1)}`
      : `spec ${origin}/${e.keyword}`;
    return `  - ${where}: ${e.message ?? e.keyword}${extra}  [${source}]`;
  });
  const more = shown.length > MAX_ERRORS ? `\n  … and ${shown.length - MAX_ERRORS} more` : '';
  return lines.join('\n') + more;
}

function describeBody(body: unknown): string {
  let text: string;
  if (body === undefined) text = '(no body)';
  else if (body instanceof Uint8Array) text = `(${body.byteLength} bytes) ${Buffer.from(body).toString('utf8')}`;
  else {
    try {
      text = JSON.stringify(body) ?? String(body);
    } catch {
      text = String(body);
    }
  }
  return text.length > MAX_BODY_CHARS ? `${text.slice(0, MAX_BODY_CHARS)}… (${text.length} chars, truncated)` : text;
}

function fail(message: string): never {
  throw new AssertionError({ message, stackStartFn: fail });
}

function failWithBody(message: string, body: unknown): never {
  throw new AssertionError({ message: `${message}\nbody: ${describeBody(body)}`, stackStartFn: failWithBody });
}
