import { createRequire } from 'node:module';

// The native hashing addons are loaded by the first hash computed or checked, not at start: a
// server answering whoami never needs them, and each maps a shared library into the process.
const require = createRequire(import.meta.url);
let argon2: typeof import('@node-rs/argon2') | undefined;
let bcrypt: typeof import('@node-rs/bcrypt') | undefined;

export const argon2Addon = (): typeof import('@node-rs/argon2') => (argon2 ??= require('@node-rs/argon2') as typeof import('@node-rs/argon2'));
export const bcryptAddon = (): typeof import('@node-rs/bcrypt') => (bcrypt ??= require('@node-rs/bcrypt') as typeof import('@node-rs/bcrypt'));
