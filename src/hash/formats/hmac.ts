// $hmac-<digest>$<base64 of the lowercase hex MAC>$<base64 key>: HMAC of the password under the
// key. Here sha224/sha384 are the SHA-2 functions (unlike pbkdf2's). MD4 comes from ../md4.ts.
import { createHmac } from 'node:crypto';
import { decodeBase64Strict, equalTextConstantTime } from '../encoding.js';
import { malformed } from '../hash-error.js';
import { hmacMd4 } from '../md4.js';
import type { HashFormatHandler } from './format.js';

const MAC_LENGTHS: Record<string, number> = { md4: 16, md5: 16, sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };
const HMAC = /^\$hmac-(md4|md5|sha1|sha224|sha256|sha384|sha512)\$/;

function mac(digest: string, key: Buffer, password: Buffer): Buffer {
  return digest === 'md4' ? hmacMd4(key, password) : createHmac(digest, key).update(password).digest();
}

export const hmacFormat: HashFormatHandler = {
  format: 'hmac',
  matches: (hash) => HMAC.test(hash),
  prepare(hash) {
    const parts = hash.split('$');
    const digest = HMAC.exec(hash)?.[1];
    if (parts.length !== 4 || !digest) throw malformed('hmac hash is not of the form $hmac-<digest>$<base64 hex mac>$<base64 key>');
    const hex = decodeBase64Strict(parts[2]);
    const key = decodeBase64Strict(parts[3]);
    if (!hex || !key) throw malformed('hmac mac and key must be padded standard base64');
    const expected = hex.toString('latin1').toLowerCase();
    if (!new RegExp(`^[0-9a-f]{${2 * MAC_LENGTHS[digest]}}$`).test(expected)) {
      throw malformed(`hmac-${digest} mac must be ${2 * MAC_LENGTHS[digest]} hex digits`);
    }
    return async (password) => equalTextConstantTime(mac(digest, key, password).toString('hex'), expected);
  },
};
