/**
 * @tessera/jsonnet — a Jsonnet interpreter in TypeScript.
 *
 * evaluateSnippet(code, options) gives the JSON text the `jsonnet` command prints; evaluate()
 * gives plain JS data; compile() parses once for repeated evaluation with different inputs.
 */
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { Expr } from './ast.js';
import { JsonnetError, RuntimeError, SourceFile, StaticError } from './errors.js';
import {
  DEFAULT_LIMITS, callFunction, checkAsserts, evaluate as evalExpr, force, getField, rtError, visibleFields, withContext,
  type Context, type Limits,
} from './evaluator.js';
import { noImports, type Importer } from './importer.js';
import { manifestJson, manifestYamlDoc } from './manifest.js';
import { parse } from './parser.js';
import { stdObject } from './stdlib.js';
import { JArray, JFunction, JObject, Thunk, fromJS, type Env, type Lazy, type Value } from './value.js';

export { JsonnetError, RuntimeError, StaticError } from './errors.js';
export { FileImporter, MemoryImporter, noImports } from './importer.js';
export type { FileImporterOptions, ImportResult, Importer } from './importer.js';
export { DEFAULT_LIMITS } from './evaluator.js';
export type { Limits } from './evaluator.js';

/** JSON-like data passed in or out of the interpreter. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** A host function callable from Jsonnet through std.native(name). Arguments arrive as plain data. */
export interface NativeFunction {
  params: string[];
  fn: (...args: JsonValue[]) => unknown;
}

export interface EvaluateOptions {
  /** Name used in error messages and as the base of relative imports (default "(snippet)"). */
  filename?: string;
  /** External variables given as strings (`--ext-str`). */
  extVars?: Record<string, string>;
  /** External variables given as Jsonnet code (`--ext-code`). */
  extCode?: Record<string, string>;
  /** External variables given as plain JS data (no parsing at all; the fastest way in). */
  extValues?: Record<string, unknown>;
  /** Top-level arguments given as strings (`--tla-str`). */
  tlaVars?: Record<string, string>;
  /** Top-level arguments given as Jsonnet code (`--tla-code`). */
  tlaCode?: Record<string, string>;
  /** Top-level arguments given as plain JS data. */
  tlaValues?: Record<string, unknown>;
  /** Host functions reachable by std.native(name). */
  nativeFunctions?: Record<string, NativeFunction>;
  /** Where imports come from; the default refuses every import. */
  importer?: Importer;
  /** Safety limits; unspecified ones take DEFAULT_LIMITS. */
  limits?: Partial<Limits>;
  /** Receives std.trace output (default: process.stderr). */
  trace?: (message: string) => void;
}

export interface ManifestOptions {
  /** Expect a string result and return it raw (`jsonnet -S`). */
  stringOutput?: boolean;
  /** Expect an array and render it as a YAML stream (`jsonnet -y`). */
  yamlStream?: boolean;
}

const astCache = new Map<string, Expr>();
const AST_CACHE_MAX = 2000;

function parseCached(code: string, filename: string): Expr {
  const key = filename + '\0' + code;
  const hit = astCache.get(key);
  if (hit !== undefined) return hit;
  const ast = parse(new SourceFile(filename, code));
  if (astCache.size >= AST_CACHE_MAX) astCache.delete(astCache.keys().next().value as string);
  astCache.set(key, ast);
  return ast;
}

/** Drops every cached parse (they are otherwise kept, up to 2000 programs). */
export function clearCache(): void {
  astCache.clear();
}

const rootEnv: Env = [null, stdObject];

/** A parsed program: parse once, evaluate many times. */
export class Program {
  constructor(
    readonly filename: string,
    private readonly ast: Expr,
  ) {}

  /** The program's result as the `jsonnet` command prints it (3-space indent, trailing newline). */
  evaluate(options: EvaluateOptions & ManifestOptions = {}): string {
    return run(this.ast, this.filename, options, (v) => {
      if (options.stringOutput) {
        if (typeof v !== 'string') throw rtError('expected string result, got: ' + typeName(v), null);
        return v + '\n';
      }
      if (options.yamlStream) {
        if (!(v instanceof JArray)) throw rtError('expected array for YAML stream output, got: ' + typeName(v), null);
        if (v.items.length === 0) return '';
        return v.items.map((x) => '---\n' + manifestYamlDoc(force(x), false, true) + '\n').join('') + '...\n';
      }
      return manifestJson(v) + '\n';
    });
  }

  /** The program's result as plain JS data. */
  evaluateToValue(options: EvaluateOptions = {}): JsonValue {
    return run(this.ast, this.filename, options, toJS);
  }
}

/** Parses (or takes from the cache) a program. Throws StaticError for syntax and scope errors. */
export function compile(code: string, filename = '(snippet)'): Program {
  return new Program(filename, parseCached(code, filename));
}

/** Evaluates Jsonnet source to JSON text, exactly as `jsonnet -e` prints it. */
export function evaluateSnippet(code: string, options: EvaluateOptions & ManifestOptions = {}): string {
  return compile(code, options.filename ?? '(snippet)').evaluate(options);
}

/** Evaluates Jsonnet source to plain JS data. */
export function evaluate(code: string, options: EvaluateOptions = {}): JsonValue {
  return compile(code, options.filename ?? '(snippet)').evaluateToValue(options);
}

/** Reads and evaluates a file; its folder is where its relative imports are looked up. */
export function evaluateFile(path: string, options: EvaluateOptions & ManifestOptions = {}): string {
  const full = resolvePath(path);
  const code = readFileSync(full, 'utf8');
  return compile(code, options.filename ?? path).evaluate(options);
}

function typeName(v: Value): string {
  if (v === null) return 'null';
  if (v instanceof JArray) return 'array';
  if (v instanceof JObject) return 'object';
  if (v instanceof JFunction) return 'function';
  return typeof v;
}

/** Deep conversion to JS data with manifestation semantics (hidden fields dropped, asserts run). */
export function toJS(v: Value): JsonValue {
  if (v === null || typeof v !== 'object') return v as JsonValue;
  if (v instanceof JArray) return v.items.map((x) => toJS(force(x)));
  if (v instanceof JObject) {
    checkAsserts(v);
    const out: { [k: string]: JsonValue } = {};
    for (const k of visibleFields(v)) {
      const x = toJS(getField(v, k, null));
      if (k === '__proto__') Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
      else out[k] = x;
    }
    return out;
  }
  throw rtError("couldn't manifest function in JSON output.", null);
}

function run<T>(ast: Expr, filename: string, options: EvaluateOptions, finish: (v: Value) => T): T {
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const importer = options.importer ?? noImports;
  const importCache = new Map<string, Value>();
  const extCache = new Map<string, Value>();
  const natives = new Map<string, JFunction>();
  const c: Context = {
    limits,
    stackLimit: Math.max(1, limits.maxStack - 4),
    depth: 0,
    steps: 0,
    nextCheck: 2048,
    deadline: Number.isFinite(limits.timeoutMs) ? performance.now() + limits.timeoutMs : Infinity,
    importer: (from, path, kind) => {
      const key = kind + '\0' + from + '\0' + path;
      const hit = importCache.get(key);
      if (hit !== undefined) return hit;
      let found;
      try {
        found = importer.resolve(from, path);
      } catch (err) {
        throw new RuntimeError(`couldn't open import ${JSON.stringify(path)}: ${(err as Error).message}`);
      }
      if (found === null) throw new RuntimeError(`couldn't open import ${JSON.stringify(path)}: no match locally or in the Jsonnet library paths.`);
      let v: Value;
      const bytes = typeof found.content === 'string' ? Buffer.from(found.content, 'utf8') : found.content;
      if (kind === 'importbin') v = new JArray(Array.from(bytes));
      else {
        const text = typeof found.content === 'string' ? found.content : Buffer.from(found.content).toString('utf8');
        if (kind === 'importstr') v = text;
        else {
          const sub = parseCached(text, found.foundAt);
          v = force(new Thunk(sub, rootEnv, null, `import ${JSON.stringify(path)}`));
        }
      }
      importCache.set(key, v);
      return v;
    },
    extVar: (name) => {
      const hit = extCache.get(name);
      if (hit !== undefined) return hit;
      let v: Value | undefined;
      if (options.extValues && Object.hasOwn(options.extValues, name)) v = fromJS(options.extValues[name]);
      else if (options.extVars && Object.hasOwn(options.extVars, name)) v = options.extVars[name];
      else if (options.extCode && Object.hasOwn(options.extCode, name)) v = codeValue(options.extCode[name], `<extvar:${name}>`);
      if (v !== undefined) extCache.set(name, v);
      return v;
    },
    native: (name) => {
      const nf = options.nativeFunctions;
      if (!nf || !Object.hasOwn(nf, name)) return undefined;
      let f = natives.get(name);
      if (f === undefined) {
        const spec = nf[name];
        f = new JFunction(
          spec.params.map((p) => ({ name: p, def: null, loc: null as never })),
          null,
          null,
          name,
          (args, loc) => {
            const plain = args.map((a) => toJS(force(a)));
            let out: unknown;
            try {
              out = spec.fn(...plain);
            } catch (err) {
              throw rtError(`native function ${name} failed: ${(err as Error).message}`, loc as never);
            }
            return fromJS(out);
          },
          spec.params.length,
        );
        natives.set(name, f);
      }
      return f;
    },
    trace: options.trace ?? ((m) => process.stderr.write(m + '\n')),
  };
  return withContext(c, () => {
    let value: Value;
    try {
      value = evalIn(ast, rootEnv);
      if (value instanceof JFunction) value = applyTla(value, options);
    } catch (err) {
      throw convert(err, undefined);
    }
    try {
      return finish(value);
    } catch (err) {
      throw convert(err, 'During manifestation');
    }
  });
}

function evalIn(ast: Expr, env: Env): Value {
  return evalExpr(ast, env);
}

function codeValue(code: string, name: string): Value {
  const t = code.trimStart();
  if (t.startsWith('{') || t.startsWith('[') || t.startsWith('"')) {
    try {
      return fromJS(JSON.parse(code));
    } catch {
      /* not plain JSON: evaluate it as Jsonnet */
    }
  }
  // not cached: inputs change from call to call and would push programs out of the cache
  return evalIn(parse(new SourceFile(name, code)), rootEnv);
}

function applyTla(fn: JFunction, options: EvaluateOptions): Value {
  const named: [string, Lazy][] = [];
  for (const [k, v] of Object.entries(options.tlaVars ?? {})) named.push([k, v]);
  for (const [k, v] of Object.entries(options.tlaCode ?? {})) named.push([k, new Thunk(null, null, () => codeValue(v, `<top-level-arg:${k}>`))]);
  for (const [k, v] of Object.entries(options.tlaValues ?? {})) named.push([k, new Thunk(null, null, () => fromJS(v))]);
  try {
    return callFunction(fn, [], named.length > 0 ? named : null, null);
  } catch (err) {
    if (err instanceof RuntimeError) err.unwind('Top-level function', null);
    throw err;
  }
}

function convert(err: unknown, tail: string | undefined): Error {
  if (err instanceof RuntimeError) return err.finish(tail);
  if (err instanceof StaticError || err instanceof JsonnetError) return err;
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    const e = new RuntimeError('max stack frames exceeded.');
    e.limit = 'stack';
    return e.finish(tail);
  }
  if (err instanceof RangeError && /Invalid (string|array|typed array) length|Array buffer allocation failed/i.test(err.message)) {
    const e = new RuntimeError(`value too large: ${err.message}`);
    e.limit = 'size';
    return e.finish(tail);
  }
  const e = new RuntimeError(`internal error: ${(err as Error)?.message ?? String(err)}`);
  return e.finish(tail);
}

export { JsonnetWorkerPool } from './worker-pool.js';
export { WorkerEvaluationError } from './worker-pool.js';
export type { WorkerPoolOptions, WorkerEvaluateRequest } from './worker-pool.js';
