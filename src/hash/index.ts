// Public surface of the hash module: the configured hasher, verification of stored hashes of any
// supported format, and validation of imported hashes.
export { createHasher, needsRehash, DEFAULT_HASHERS, DEV_HASHERS, bcryptTooLong, BCRYPT_MAX_PASSWORD_BYTES, BcryptPasswordTooLongError } from './hasher.js';
export type { Hasher, HashersConfig } from './hasher.js';
export { verifyPassword, checkPassword, detectHashFormat, parseHash } from './compare.js';
export type { HashFormat, PasswordCheck, ParsedHash } from './compare.js';
export { validateImportedHash } from './import.js';
export type { ImportedHashCheck } from './import.js';
export { HASH_LIMITS } from './limits.js';
