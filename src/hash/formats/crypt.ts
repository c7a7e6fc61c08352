// crypt(3) strings under Kratos's own prefixes: $md5-crypt$ (= $1$), $sha256-crypt$ (= $5$) and
// $sha512-crypt$ (= $6$), e.g. $sha512-crypt$rounds=5000$<salt>$<checksum>.
import { md5CryptChecksum, shaCryptChecksum } from '../crypt.js';
import type { ShaCryptVariant } from '../crypt.js';
import { equalTextConstantTime } from '../encoding.js';
import { malformed, outOfBounds } from '../hash-error.js';
import { HASH_LIMITS } from '../limits.js';
import { parseDecimal } from './format.js';
import type { HashFormatHandler } from './format.js';

const MD5_CRYPT = /^\$md5-crypt\$([^$]{0,8})\$([./0-9A-Za-z]{22})$/;

export const md5CryptFormat: HashFormatHandler = {
  format: 'md5crypt',
  matches: (hash) => hash.startsWith('$md5-crypt$'),
  prepare(hash) {
    const m = MD5_CRYPT.exec(hash);
    if (!m) throw malformed('md5-crypt hash is not of the form $md5-crypt$<salt, up to 8 chars>$<22 chars>');
    const salt = Buffer.from(m[1], 'utf8');
    const checksum = m[2];
    return async (password) => equalTextConstantTime(md5CryptChecksum(password, salt), checksum);
  },
};

/** Rounds used when a SHA-crypt string names none. */
const SHA_CRYPT_DEFAULT_ROUNDS = 5000;
const SHA_CRYPT_MIN_ROUNDS = 1000;
const SHA_CRYPT_MAX_ROUNDS = 999_999_999;

function shaCryptHandler(variant: ShaCryptVariant): HashFormatHandler {
  const prefix = `$${variant}-crypt$`;
  const checksumLength = variant === 'sha256' ? 43 : 86;
  const pattern = new RegExp(`^\\$${variant}-crypt\\$(?:rounds=([0-9]+)\\$)?([^$]{0,16})\\$([./0-9A-Za-z]{${checksumLength}})$`);
  return {
    format: variant === 'sha256' ? 'sha256crypt' : 'sha512crypt',
    matches: (hash) => hash.startsWith(prefix),
    prepare(hash) {
      const m = pattern.exec(hash);
      if (!m) throw malformed(`${variant}-crypt hash is not of the form ${prefix}[rounds=N$]<salt, up to 16 chars>$<${checksumLength} chars>`);
      const rounds = m[1] === undefined ? SHA_CRYPT_DEFAULT_ROUNDS : parseDecimal(m[1]);
      if (rounds === null || rounds < SHA_CRYPT_MIN_ROUNDS || rounds > SHA_CRYPT_MAX_ROUNDS) {
        throw malformed(`${variant}-crypt rounds=${m[1]} is not in [${SHA_CRYPT_MIN_ROUNDS}, ${SHA_CRYPT_MAX_ROUNDS}]`);
      }
      if (rounds > HASH_LIMITS.shaCryptMaxRounds) throw outOfBounds(`${variant}-crypt rounds=${rounds} exceeds the maximum ${HASH_LIMITS.shaCryptMaxRounds}`);
      const salt = Buffer.from(m[2], 'utf8');
      const checksum = m[3];
      return async (password) => equalTextConstantTime(await shaCryptChecksum(variant, password, salt, rounds), checksum);
    },
  };
}

export const sha256CryptFormat = shaCryptHandler('sha256');
export const sha512CryptFormat = shaCryptHandler('sha512');
