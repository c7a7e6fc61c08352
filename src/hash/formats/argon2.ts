// $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<key> and the same for argon2i (PHC
// strings, unpadded base64). Verification recomputes the raw key through @node-rs/argon2 (off the
// event loop) and compares it in constant time.
import { argon2Addon } from '../native.js';
import type { Algorithm, Version } from '@node-rs/argon2';
import { decodeBase64RawStrict, equalConstantTime } from '../encoding.js';
import { malformed, outOfBounds } from '../hash-error.js';
import { HASH_LIMITS } from '../limits.js';
import { parseDecimal } from './format.js';
import type { HashFormatHandler } from './format.js';

export interface Argon2Hash {
  variant: 'argon2id' | 'argon2i';
  memoryKiB: number;
  iterations: number;
  parallelism: number;
  salt: Buffer;
  key: Buffer;
}

const ARGON2 = /^\$(argon2id|argon2i)\$v=([0-9]+)\$m=([0-9]+),t=([0-9]+),p=([0-9]+)\$([^$]*)\$([^$]*)$/;
// Values of the @node-rs/argon2 const enums (not importable as values under isolated modules).
const ALGORITHM_ARGON2I = 1 as Algorithm;
const ALGORITHM_ARGON2ID = 2 as Algorithm;
const VERSION_0X13 = 1 as Version;

/** Parses an argon2id/argon2i PHC string and checks its costs against HASH_LIMITS. */
export function parseArgon2Hash(hash: string): Argon2Hash {
  const m = ARGON2.exec(hash);
  if (!m) throw malformed('argon2 hash is not of the form $argon2id$v=19$m=..,t=..,p=..$salt$key');
  if (m[2] !== '19') throw malformed('argon2 hash has an unsupported version (only v=19)');
  const memoryKiB = parseDecimal(m[3]);
  const iterations = parseDecimal(m[4]);
  const parallelism = parseDecimal(m[5]);
  if (memoryKiB === null || memoryKiB < 1 || memoryKiB > HASH_LIMITS.argon2MaxMemoryKiB) {
    throw outOfBounds(`argon2 m=${m[3]} KiB is not in [1, ${HASH_LIMITS.argon2MaxMemoryKiB}]`);
  }
  if (iterations === null || iterations < 1 || iterations > HASH_LIMITS.argon2MaxIterations) {
    throw outOfBounds(`argon2 t=${m[4]} is not in [1, ${HASH_LIMITS.argon2MaxIterations}]`);
  }
  if (parallelism === null || parallelism < 1 || parallelism > HASH_LIMITS.argon2MaxParallelism) {
    throw outOfBounds(`argon2 p=${m[5]} is not in [1, ${HASH_LIMITS.argon2MaxParallelism}]`);
  }
  if (memoryKiB < 8 * parallelism) throw malformed('argon2 m= must be at least 8 KiB per lane (8 × p)');
  const salt = decodeBase64RawStrict(m[6]);
  const key = decodeBase64RawStrict(m[7]);
  if (!salt || !key) throw malformed('argon2 salt and key must be unpadded standard base64');
  if (salt.length < 8) throw malformed('argon2 salt must be at least 8 bytes');
  if (key.length < 4) throw malformed('argon2 key must be at least 4 bytes');
  return { variant: m[1] as Argon2Hash['variant'], memoryKiB, iterations, parallelism, salt, key };
}

/** Computes the raw argon2 key of `password` with the given parameters (libuv thread pool). */
export function argon2Key(password: Buffer, params: Omit<Argon2Hash, 'key'>, keyLength: number): Promise<Buffer> {
  return argon2Addon().hashRaw(password, {
    algorithm: params.variant === 'argon2id' ? ALGORITHM_ARGON2ID : ALGORITHM_ARGON2I,
    version: VERSION_0X13,
    memoryCost: params.memoryKiB,
    timeCost: params.iterations,
    parallelism: params.parallelism,
    outputLen: keyLength,
    salt: params.salt,
  });
}

function handler(variant: Argon2Hash['variant']): HashFormatHandler {
  const prefix = `$${variant}$`;
  return {
    format: variant,
    matches: (hash) => hash.startsWith(prefix),
    prepare(hash) {
      const parsed = parseArgon2Hash(hash);
      return async (password) => equalConstantTime(await argon2Key(password, parsed, parsed.key.length), parsed.key);
    },
  };
}

export const argon2idFormat = handler('argon2id');
export const argon2iFormat = handler('argon2i');
