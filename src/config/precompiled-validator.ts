import type { ValidateFunction } from 'ajv';
import { loadPrecompiledValidator, precompiledFile, validatorFromSource as fromSource } from '../lib/precompiled-ajv.js';
import { configFormats } from './formats.js';

// The build (scripts/build.mjs, scripts/config-validator.mjs) writes the configuration schema's
// validator, compiled ahead of time, to dist/config/config-validator.js. From the TypeScript sources
// there is none, and validate.ts compiles the schema at run time.
const FILE = precompiledFile(import.meta.url, 'config', 'config-validator.js');

/** Turns the generated text (a function expression) into the validator. */
export function validatorFromSource(source: string, filename = 'config-validator.js'): ValidateFunction {
  return fromSource(source, filename, configFormats);
}

/**
 * The validator the build compiled, made anew at each call (a few tens of milliseconds): its code is
 * large and a server validates its configuration once, so nothing keeps it afterwards. Undefined when
 * running from sources.
 */
export function precompiledConfigValidator(): ValidateFunction | undefined {
  return loadPrecompiledValidator(FILE, configFormats);
}
