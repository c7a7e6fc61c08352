// Public surface of the configuration module.
export { loadConfig } from './load.js';
export type { LoadConfigOptions } from './load.js';
export { ConfigError } from './config-error.js';
export type { ConfigIssue } from './config-error.js';
export { Config, BCRYPT_MIN_PRODUCTION_COST } from './config.js';
export type { HashersSettings, CookieSettings } from './config.js';
export type * from './types.js';
export { configSchema } from './schema.js';
export { envTable } from './env.js';
export { parseByteSize } from './byte-size.js';
export { DEV_IDENTITY_SCHEMA, devIdentitySchemaUrl } from './dev.js';
