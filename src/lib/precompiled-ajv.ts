import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import type { ValidateFunction } from 'ajv';
import equal from 'ajv/dist/runtime/equal.js';
import ucs2length from 'ajv/dist/runtime/ucs2length.js';
import uri from 'ajv/dist/runtime/uri.js';

/** Ajv's helpers the generated code calls, by name (scripts/config-validator.mjs, RUNTIME_HELPERS). */
const interop = <T>(m: T | { default: T }): T => ((m as { default?: T }).default ?? m) as T;
const RUNTIME = { equal: interop(equal), ucs2length: interop(ucs2length), uri: interop(uri) };

/**
 * Turns a validator the build generated (scripts/config-validator.mjs: a function expression of the
 * formats and Ajv's run-time helpers) into the validate function.
 */
export function validatorFromSource(source: string, filename: string, formats: Record<string, unknown>, cachedData?: Buffer): ValidateFunction {
  const factory = new Script(source, { filename, cachedData }).runInThisContext() as (formats: Record<string, unknown>, runtime: typeof RUNTIME) => ValidateFunction;
  return factory(formats, RUNTIME);
}

/**
 * V8's code cache for a generated validator, beside it (`<file>.cache`): the build writes it after
 * a warm-up run, so the functions a validation calls are compiled already. V8 uses it only when it
 * was made by the same V8 with the same flags, and compiles the source as usual otherwise.
 */
const codeCacheFile = (file: string) => `${file}.cache`;

/**
 * Where the build wrote a generated validator, `dist/<dir>/<name>`, seen from the bundled module
 * `moduleUrl` (dist/cli or dist/chunks, one level beside it). Undefined when running from the
 * TypeScript sources (tests, `npm run dev`): there is none, and Ajv compiles at run time.
 */
export function precompiledFile(moduleUrl: string, dir: string, name: string): string | undefined {
  return moduleUrl.endsWith('.ts') ? undefined : fileURLToPath(new URL(`../${dir}/${name}`, moduleUrl));
}

/** The generated validator in `file`, or undefined when there is no such file. */
export function loadPrecompiledValidator(file: string | undefined, formats: Record<string, unknown>): ValidateFunction | undefined {
  if (file === undefined) return undefined;
  const cache = codeCacheFile(file);
  return validatorFromSource(readFileSync(file, 'utf8'), file, formats, existsSync(cache) ? readFileSync(cache) : undefined);
}
