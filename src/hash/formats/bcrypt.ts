// $2a$, $2b$, $2y$, $2z$ (and bare $2$) bcrypt strings. All variants hash alike (as in Go's
// bcrypt, which Kratos uses), so verification re-hashes with the stored salt and cost through
// @node-rs/bcrypt (off the event loop) and compares the 31-character checksums in constant time.
import { bcryptAddon } from '../native.js';
import { decodeBcryptBase64, equalTextConstantTime } from '../encoding.js';
import { malformed, outOfBounds } from '../hash-error.js';
import { HASH_LIMITS } from '../limits.js';
import type { HashFormatHandler } from './format.js';

/** bcrypt reads only the first 72 bytes of a password. */
export const BCRYPT_MAX_PASSWORD_BYTES = 72;

/** True when the password's UTF-8 form is longer than bcrypt can use (Kratos refuses those). */
export function bcryptTooLong(password: string): boolean {
  return Buffer.byteLength(password, 'utf8') > BCRYPT_MAX_PASSWORD_BYTES;
}

export interface BcryptHash {
  cost: number;
  salt: Buffer;
  checksum: string;
}

const BCRYPT = /^\$2[abyz]?\$([0-9]{2})\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;

const BCRYPT_COST = /^\$2[abyz]?\$([0-9]{2})\$/;

export function parseBcryptHash(hash: string): BcryptHash {
  // The cost is checked first, so that an over-expensive hash is reported as such (as Kratos does).
  const costMatch = BCRYPT_COST.exec(hash);
  const cost = costMatch ? Number(costMatch[1]) : Number.NaN;
  if (cost > HASH_LIMITS.bcryptMaxCost) throw outOfBounds(`bcrypt cost=${cost} exceeds the maximum ${HASH_LIMITS.bcryptMaxCost}`);
  const m = BCRYPT.exec(hash);
  if (!m) throw malformed('bcrypt hash is not of the form $2b$<cost>$<22 salt chars><31 hash chars>');
  if (cost < HASH_LIMITS.bcryptMinCost) throw malformed(`bcrypt cost=${cost} is below the minimum ${HASH_LIMITS.bcryptMinCost}`);
  const salt = decodeBcryptBase64(m[2]);
  if (!salt || salt.length !== 16) throw malformed('bcrypt salt is not 16 bytes');
  return { cost, salt, checksum: m[3] };
}

export const bcryptFormat: HashFormatHandler = {
  format: 'bcrypt',
  matches: (hash) => /^\$2[abyz]?\$/.test(hash),
  prepare(hash) {
    const parsed = parseBcryptHash(hash);
    return async (password) => {
      if (password.length > BCRYPT_MAX_PASSWORD_BYTES) return false;
      const computed = await bcryptAddon().hash(password, parsed.cost, parsed.salt);
      return equalTextConstantTime(computed.slice(-31), parsed.checksum);
    };
  },
};
