// $scrypt$ln=<N>,r=<r>,p=<p>$<salt>$<key> (padded base64). Note that in this format, as Kratos
// reads it, `ln` holds N itself, not its logarithm. Also the Firebase variant:
// $firescrypt$ln=<log2 N>,r=..,p=..$<salt>$<hash>$<salt separator>$<signer key>, where the
// scrypt key (of salt‖separator) is an AES-256-CTR key, zero IV, that encrypts the signer key.
import { createCipheriv, scrypt } from 'node:crypto';
import type { BinaryLike, ScryptOptions } from 'node:crypto';
import { decodeBase64Strict, equalConstantTime } from '../encoding.js';
import { malformed, outOfBounds } from '../hash-error.js';
import { HASH_LIMITS } from '../limits.js';
import { parseDecimal } from './format.js';
import type { HashFormatHandler } from './format.js';

/** scrypt on the libuv thread pool, with a memory cap that fits the bounded parameters. */
function scryptKey(password: BinaryLike, salt: BinaryLike, length: number, n: number, r: number, p: number): Promise<Buffer> {
  const options: ScryptOptions = { N: n, r, p, maxmem: 256 * n * r + (1 << 20) };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function checkBlockAndParallelism(label: string, rText: string, pText: string): { r: number; p: number } {
  const r = parseDecimal(rText);
  const p = parseDecimal(pText);
  if (r === null || r < 1 || r > HASH_LIMITS.scryptMaxR) throw outOfBounds(`${label} r=${rText} is not in [1, ${HASH_LIMITS.scryptMaxR}]`);
  if (p === null || p < 1 || p > HASH_LIMITS.scryptMaxP) throw outOfBounds(`${label} p=${pText} is not in [1, ${HASH_LIMITS.scryptMaxP}]`);
  return { r, p };
}

const SCRYPT = /^\$scrypt\$ln=([0-9]+),r=([0-9]+),p=([0-9]+)\$([^$]*)\$([^$]*)$/;

export const scryptFormat: HashFormatHandler = {
  format: 'scrypt',
  matches: (hash) => hash.startsWith('$scrypt$'),
  prepare(hash) {
    const m = SCRYPT.exec(hash);
    if (!m) throw malformed('scrypt hash is not of the form $scrypt$ln=<N>,r=..,p=..$salt$key');
    const n = parseDecimal(m[1]);
    if (n === null || n < 1 || n > HASH_LIMITS.scryptMaxN) throw outOfBounds(`scrypt N=${m[1]} is not in [1, ${HASH_LIMITS.scryptMaxN}]`);
    if (n < 2 || (n & (n - 1)) !== 0) throw malformed(`scrypt N=${n} is not a power of two greater than 1`);
    const { r, p } = checkBlockAndParallelism('scrypt', m[2], m[3]);
    const salt = decodeBase64Strict(m[4]);
    const key = decodeBase64Strict(m[5]);
    if (!salt || !key) throw malformed('scrypt salt and key must be padded standard base64');
    if (key.length === 0) throw malformed('scrypt key is empty');
    return async (password) => equalConstantTime(await scryptKey(password, salt, key.length, n, r, p), key);
  },
};

const FIREBASE_SCRYPT = /^\$firescrypt\$ln=([0-9]+),r=([0-9]+),p=([0-9]+)\$([^$]*)\$([^$]*)\$([^$]*)\$([^$]*)$/;

export const firebaseScryptFormat: HashFormatHandler = {
  format: 'firebasescrypt',
  matches: (hash) => hash.startsWith('$firescrypt$'),
  prepare(hash) {
    const m = FIREBASE_SCRYPT.exec(hash);
    if (!m) throw malformed('firebase scrypt hash is not of the form $firescrypt$ln=..,r=..,p=..$salt$hash$separator$signer_key');
    const logN = parseDecimal(m[1]);
    if (logN === null || logN > HASH_LIMITS.firebaseScryptMaxLogN) {
      throw outOfBounds(`firescrypt ln=${m[1]} exceeds the maximum ${HASH_LIMITS.firebaseScryptMaxLogN}`);
    }
    if (logN < 1) throw malformed('firescrypt ln must be at least 1');
    const { r, p } = checkBlockAndParallelism('firescrypt', m[2], m[3]);
    const salt = decodeBase64Strict(m[4]);
    const stored = decodeBase64Strict(m[5]);
    const separator = decodeBase64Strict(m[6]);
    const signerKey = decodeBase64Strict(m[7]);
    if (!salt || !stored || !separator || !signerKey) throw malformed('firescrypt fields must be padded standard base64');
    if (stored.length === 0 || signerKey.length === 0) throw malformed('firescrypt hash and signer key must not be empty');
    const saltWithSeparator = Buffer.concat([salt, separator]);
    return async (password) => {
      const aesKey = await scryptKey(password, saltWithSeparator, 32, 2 ** logN, r, p);
      const cipher = createCipheriv('aes-256-ctr', aesKey, Buffer.alloc(16));
      const computed = Buffer.concat([cipher.update(signerKey), cipher.final()]);
      return equalConstantTime(computed, stored);
    };
  },
};
