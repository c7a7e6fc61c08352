// Stores passwords as argon2id PHC strings: $argon2id$v=19$m=<KiB>,t=..,p=..$<salt>$<key>.
import { randomBytes } from 'node:crypto';
import { encodeBase64Raw } from './encoding.js';
import { argon2Key, parseArgon2Hash } from './formats/argon2.js';
import type { Hasher, HashersConfig } from './hasher.js';
import { HASH_LIMITS } from './limits.js';

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`hashers.argon2.${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}

export function createArgon2Hasher(config: HashersConfig['argon2']): Hasher {
  const memoryKiB = Math.floor(config.memory / 1024);
  checkRange('parallelism', config.parallelism, 1, HASH_LIMITS.argon2MaxParallelism);
  checkRange('iterations', config.iterations, 1, HASH_LIMITS.argon2MaxIterations);
  checkRange('memory (KiB)', memoryKiB, 8 * config.parallelism, HASH_LIMITS.argon2MaxMemoryKiB);
  checkRange('salt_length', config.salt_length, 16, 256);
  checkRange('key_length', config.key_length, 16, 256);
  const { iterations, parallelism } = config;
  const prefix = `$argon2id$v=19$m=${memoryKiB},t=${iterations},p=${parallelism}$`;

  return {
    algorithm: 'argon2',
    async hash(password) {
      const salt = randomBytes(config.salt_length);
      const params = { variant: 'argon2id', memoryKiB, iterations, parallelism, salt } as const;
      const key = await argon2Key(Buffer.from(password, 'utf8'), params, config.key_length);
      return `${prefix}${encodeBase64Raw(salt)}$${encodeBase64Raw(key)}`;
    },
    understands(hash) {
      if (!hash.startsWith(prefix)) return false;
      try {
        const parsed = parseArgon2Hash(hash);
        return parsed.salt.length === config.salt_length && parsed.key.length === config.key_length;
      } catch {
        return false;
      }
    },
  };
}
