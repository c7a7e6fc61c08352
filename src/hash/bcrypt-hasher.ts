// Stores passwords as bcrypt strings ($2b$<cost>$...). Refuses passwords over 72 bytes rather
// than silently hashing a prefix of them, as Kratos does.
import { bcryptAddon } from './native.js';
import { BCRYPT_MAX_PASSWORD_BYTES, parseBcryptHash } from './formats/bcrypt.js';
import type { Hasher, HashersConfig } from './hasher.js';
import { HASH_LIMITS } from './limits.js';

/** The password is longer than bcrypt can use; the password policy reports it to the user. */
export class BcryptPasswordTooLongError extends RangeError {
  readonly maxBytes = BCRYPT_MAX_PASSWORD_BYTES;
  readonly actualBytes: number;

  constructor(actualBytes: number) {
    super(`password is ${actualBytes} bytes long; bcrypt uses at most ${BCRYPT_MAX_PASSWORD_BYTES}`);
    this.name = 'BcryptPasswordTooLongError';
    this.actualBytes = actualBytes;
  }
}

export function createBcryptHasher(config: HashersConfig['bcrypt']): Hasher {
  const { cost } = config;
  if (!Number.isInteger(cost) || cost < HASH_LIMITS.bcryptMinCost || cost > HASH_LIMITS.bcryptMaxCost) {
    throw new RangeError(`hashers.bcrypt.cost must be an integer in [${HASH_LIMITS.bcryptMinCost}, ${HASH_LIMITS.bcryptMaxCost}], got ${cost}`);
  }

  return {
    algorithm: 'bcrypt',
    async hash(password) {
      const bytes = Buffer.from(password, 'utf8');
      if (bytes.length > BCRYPT_MAX_PASSWORD_BYTES) throw new BcryptPasswordTooLongError(bytes.length);
      // Some library releases label their output $2y$; $2y$ and $2b$ are the same algorithm, and
      // $2b$ is what other bcrypt implementations (and Kratos) write and expect.
      return (await bcryptAddon().hash(bytes, cost)).replace(/^\$2y\$/, '$2b$');
    },
    understands(hash) {
      try {
        return parseBcryptHash(hash).cost === cost;
      } catch {
        return false;
      }
    },
  };
}
