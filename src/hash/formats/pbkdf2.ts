// $pbkdf2-<digest>$i=<iterations>,l=<length>$<salt>$<key> (unpadded base64). As in Kratos,
// "sha224" and "sha384" here name SHA3-224 and SHA3-384, not the SHA-2 functions, and the key
// length used is the decoded key's, whatever `l=` says.
import { pbkdf2 } from 'node:crypto';
import { promisify } from 'node:util';
import { decodeBase64RawStrict, equalConstantTime } from '../encoding.js';
import { malformed, outOfBounds } from '../hash-error.js';
import { HASH_LIMITS } from '../limits.js';
import { parseDecimal } from './format.js';
import type { HashFormatHandler } from './format.js';

const pbkdf2Async = promisify(pbkdf2);

const DIGESTS: Record<string, string> = {
  sha1: 'sha1',
  sha224: 'sha3-224',
  sha256: 'sha256',
  sha384: 'sha3-384',
  sha512: 'sha512',
};

const PBKDF2 = /^\$pbkdf2-([a-z0-9]+)\$i=([0-9]+),l=([0-9]+)\$([^$]*)\$([^$]*)$/;

export const pbkdf2Format: HashFormatHandler = {
  format: 'pbkdf2',
  matches: (hash) => /^\$pbkdf2-sha[0-9]{1,3}\$/.test(hash),
  prepare(hash) {
    const m = PBKDF2.exec(hash);
    if (!m) throw malformed('pbkdf2 hash is not of the form $pbkdf2-<digest>$i=..,l=..$salt$key');
    const digest = DIGESTS[m[1]];
    if (!digest) throw malformed(`pbkdf2 digest ${m[1]} is not one of sha1, sha224, sha256, sha384, sha512`);
    const iterations = parseDecimal(m[2]);
    if (iterations === null || iterations < 1 || iterations > HASH_LIMITS.pbkdf2MaxIterations) {
      throw outOfBounds(`pbkdf2 i=${m[2]} is not in [1, ${HASH_LIMITS.pbkdf2MaxIterations}]`);
    }
    const salt = decodeBase64RawStrict(m[4]);
    const key = decodeBase64RawStrict(m[5]);
    if (!salt || !key) throw malformed('pbkdf2 salt and key must be unpadded standard base64');
    if (key.length === 0) throw malformed('pbkdf2 key is empty');
    return async (password) => equalConstantTime(await pbkdf2Async(password, salt, iterations, key.length, digest), key);
  },
};
