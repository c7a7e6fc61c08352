/** Identity schemas: loading, the identity meta-schema rules, trait validation and the `ory.sh/kratos` extension. */
export { SchemaRegistry, type SchemaRef, type SchemaRegistryOptions } from './registry.js';
export { IdentitySchema, compileIdentitySchema, dialectOf, type SchemaDialect, type TraitsValidation } from './identity-schema.js';
export { SchemaLoadError, UnknownSchemaError } from './errors.js';
export { checkIdentityMeta, EXTENSION_KEYWORD, VERIFICATION_FORMATS } from './meta.js';
export type { AddressVia, DerivedAddress, DerivedCredentials, ExtensionConfig, TraitsExtraction } from './extension.js';
export { pointerToNodeName, type TraitError } from './translate.js';
export type { TraitField, TraitTypeHint } from './trait-fields.js';
export * from './text.js';
export { isEmail, isHostname, isPhoneNumber, toE164 } from './formats.js';
export { createDefaultFetchRemote, MAX_SCHEMA_BYTES, type FetchRemote } from './loader.js';
export {
  mergeAddresses,
  mergeRecoveryAddresses,
  normalizeAddressValue,
  type RecoveryAddressRecord,
  type VerifiableAddressRecord,
  type VerifiableAddressStatus,
} from './addresses.js';
