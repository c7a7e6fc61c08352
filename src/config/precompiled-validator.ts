import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runInThisContext } from 'node:vm';
import type { ValidateFunction } from 'ajv';
import equal from 'ajv/dist/runtime/equal.js';
import ucs2length from 'ajv/dist/runtime/ucs2length.js';
import uri from 'ajv/dist/runtime/uri.js';
import { configFormats } from './formats.js';

// The build (scripts/build.mjs, scripts/config-validator.mjs) writes the configuration schema's
// validator, compiled ahead of time, to dist/config/config-validator.js; this module is bundled into
// dist/cli or dist/chunks, one level beside it. From the TypeScript sources (tests, `npm run dev`)
// there is none, and validate.ts compiles the schema at run time.
const FILE = import.meta.url.endsWith('.ts') ? undefined : fileURLToPath(new URL('../config/config-validator.js', import.meta.url));

/** Ajv's helpers the generated code calls, by name (scripts/config-validator.mjs, RUNTIME_HELPERS). */
const interop = <T>(m: T | { default: T }): T => ((m as { default?: T }).default ?? m) as T;
const RUNTIME = { equal: interop(equal), ucs2length: interop(ucs2length), uri: interop(uri) };

/** Turns the generated text (a function expression) into the validator. */
export function validatorFromSource(source: string, filename = 'config-validator.js'): ValidateFunction {
  const factory = runInThisContext(source, { filename }) as (formats: typeof configFormats, runtime: typeof RUNTIME) => ValidateFunction;
  return factory(configFormats, RUNTIME);
}

/**
 * The validator the build compiled, made anew at each call (a few tens of milliseconds): its code is
 * large and a server validates its configuration once, so nothing keeps it afterwards. Undefined when
 * running from sources.
 */
export function precompiledConfigValidator(): ValidateFunction | undefined {
  if (FILE === undefined) return undefined;
  return validatorFromSource(readFileSync(FILE, 'utf8'), FILE);
}
