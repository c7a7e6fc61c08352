import type { ValidateFunction } from 'ajv';

/**
 * The configuration schema's validator compiled ahead of time. `npm run build` replaces this module
 * with Ajv standalone code generated from schema.ts and formats.ts (scripts/config-validator.mjs), so
 * the compiled server never compiles its configuration schema at start. From the TypeScript sources
 * (tests, `npm run dev`) it stays undefined and validate.ts compiles the schema at run time.
 */
export const precompiledConfigValidator: ValidateFunction | undefined = undefined;
