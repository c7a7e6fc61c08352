// The hasher that stores new passwords (argon2id or bcrypt, per `hashers.algorithm`), and the
// "needs rehash" test that upgrades other hashes on the next successful login.
import { availableParallelism } from 'node:os';
import { createArgon2Hasher } from './argon2-hasher.js';
import { createBcryptHasher } from './bcrypt-hasher.js';

export { bcryptTooLong, BCRYPT_MAX_PASSWORD_BYTES } from './formats/bcrypt.js';
export { BcryptPasswordTooLongError } from './bcrypt-hasher.js';

/** The `hashers` configuration section. Argon2 memory is in bytes, as after parsing "128MB". */
export interface HashersConfig {
  algorithm: 'argon2' | 'bcrypt';
  argon2: {
    /** Bytes; the hash records it in KiB (rounded down). */
    memory: number;
    iterations: number;
    parallelism: number;
    salt_length: number;
    key_length: number;
  };
  bcrypt: { cost: number };
}

export interface Hasher {
  readonly algorithm: 'argon2' | 'bcrypt';
  /** Hashes the password's UTF-8 bytes with fresh random salt. */
  hash(password: string): Promise<string>;
  /** True when `hash` is of this algorithm with exactly the configured parameters: no rehash needed. */
  understands(hash: string): boolean;
}

const MIB = 1024 * 1024;

/**
 * Kratos's defaults: argon2 with 128 MiB, 1 pass, 2 lanes per CPU, 16-byte salt, 32-byte key;
 * bcrypt cost 12. Lanes are capped at 16, the most a stored argon2 hash may declare.
 */
export const DEFAULT_HASHERS: Readonly<HashersConfig> = Object.freeze({
  algorithm: 'argon2',
  argon2: Object.freeze({
    memory: 128 * MIB,
    iterations: 1,
    parallelism: Math.min(2 * availableParallelism(), 16),
    salt_length: 16,
    key_length: 32,
  }),
  bcrypt: Object.freeze({ cost: 12 }),
});

/** Cheap parameters for development and tests (Kratos lowers costs in dev mode as well). */
export const DEV_HASHERS: Readonly<HashersConfig> = Object.freeze({
  algorithm: 'argon2',
  argon2: Object.freeze({ memory: 64 * 1024, iterations: 1, parallelism: 1, salt_length: 16, key_length: 32 }),
  bcrypt: Object.freeze({ cost: 4 }),
});

/** Builds the configured hasher; throws a RangeError for parameters it could not verify later. */
export function createHasher(config: HashersConfig): Hasher {
  switch (config.algorithm) {
    case 'argon2':
      return createArgon2Hasher(config.argon2);
    case 'bcrypt':
      return createBcryptHasher(config.bcrypt);
    default:
      throw new RangeError(`hashers.algorithm must be "argon2" or "bcrypt", not ${JSON.stringify(config.algorithm)}`);
  }
}

/** True when the stored hash is not of the configured algorithm and parameters. */
export function needsRehash(storedHash: string, hasher: Hasher): boolean {
  return !hasher.understands(storedHash);
}
