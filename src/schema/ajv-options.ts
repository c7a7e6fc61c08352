import type { Options } from 'ajv';

/**
 * How identity schemas are compiled (and checked against their meta-schema). Shared with the build,
 * which compiles draft-07's meta-schema validator ahead of time with the same options
 * (scripts/config-validator.mjs), so its errors read exactly like Ajv's at run time.
 */
export const IDENTITY_SCHEMA_AJV_OPTIONS = {
  allErrors: true,
  verbose: true,
  strict: false,
  logger: false,
  validateFormats: true,
} as const satisfies Options;

export const DRAFT_07_META_URI = 'http://json-schema.org/draft-07/schema';
