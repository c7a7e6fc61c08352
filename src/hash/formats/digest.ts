// The plain-digest formats: LDAP's {SSHA}/{SSHA256}/{SSHA512} (base64 of digest‖salt, computed
// over password‖salt); $sha1|sha256|sha512$pf=<pattern>$<salt>$<digest> and $md5$pf=...; and
// unsalted $md5$<digest>. A pattern is base64 text holding {SALT} and {PASSWORD} placeholders.
import { createHash } from 'node:crypto';
import { decodeBase64Padded, decodeBase64Strict, equalConstantTime } from '../encoding.js';
import { malformed } from '../hash-error.js';
import type { HashFormatHandler, PasswordVerifier } from './format.js';

const DIGEST_LENGTHS: Record<string, number> = { md5: 16, sha1: 20, sha256: 32, sha512: 64 };

/** Substitutes {SALT} and {PASSWORD} in `pattern`, left to right, in one pass over raw bytes. */
export function applySaltPattern(pattern: Buffer, salt: Buffer, password: Buffer): Buffer {
  const text = pattern.toString('latin1');
  const pieces: Buffer[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const token = text.startsWith('{SALT}', i) ? '{SALT}' : text.startsWith('{PASSWORD}', i) ? '{PASSWORD}' : null;
    if (token) {
      pieces.push(pattern.subarray(start, i), token === '{SALT}' ? salt : password);
      i += token.length;
      start = i;
    } else {
      i++;
    }
  }
  pieces.push(pattern.subarray(start));
  return Buffer.concat(pieces);
}

function digestVerifier(algorithm: string, expected: Buffer, input: (password: Buffer) => Buffer): PasswordVerifier {
  return async (password) => equalConstantTime(createHash(algorithm).update(input(password)).digest(), expected);
}

/** Parses `pf=<b64>`, `<b64 salt>`, `<b64 digest>` of the salted $sha…$ and $md5$ forms. */
function saltedParts(algorithm: string, parts: string[]): PasswordVerifier {
  if (!parts[2].startsWith('pf=')) throw malformed(`${algorithm} hash lacks the pf=<pattern> field`);
  const pattern = decodeBase64Strict(parts[2].slice(3));
  const salt = decodeBase64Strict(parts[3]);
  const expected = decodeBase64Strict(parts[4]);
  if (!pattern || !salt || !expected) throw malformed(`${algorithm} pattern, salt and digest must be padded standard base64`);
  if (pattern.length === 0) throw malformed(`${algorithm} pattern is empty`);
  if (expected.length !== DIGEST_LENGTHS[algorithm]) throw malformed(`${algorithm} digest must be ${DIGEST_LENGTHS[algorithm]} bytes`);
  return digestVerifier(algorithm, expected, (password) => applySaltPattern(pattern, salt, password));
}

export const shaFormat: HashFormatHandler = {
  format: 'sha',
  matches: (hash) => /^\$sha(1|256|512)\$/.test(hash),
  prepare(hash) {
    const parts = hash.split('$');
    if (parts.length !== 5) throw malformed('sha hash is not of the form $sha256$pf=<pattern>$salt$digest');
    return saltedParts(parts[1], parts);
  },
};

export const md5Format: HashFormatHandler = {
  format: 'md5',
  matches: (hash) => hash.startsWith('$md5$'),
  prepare(hash) {
    const parts = hash.split('$');
    if (parts.length === 5) return saltedParts('md5', parts);
    if (parts.length !== 3) throw malformed('md5 hash is not of the form $md5$<digest> or $md5$pf=<pattern>$salt$digest');
    const expected = decodeBase64Strict(parts[2]);
    if (!expected || expected.length !== 16) throw malformed('md5 digest must be 16 bytes in padded standard base64');
    return digestVerifier('md5', expected, (password) => password);
  },
};

const SSHA = /^\{(SSHA|SSHA256|SSHA512)\}(.*)$/s;
const SSHA_DIGESTS: Record<string, string> = { SSHA: 'sha1', SSHA256: 'sha256', SSHA512: 'sha512' };

export const sshaFormat: HashFormatHandler = {
  format: 'ssha',
  matches: (hash) => /^\{SSHA(256|512)?\}/.test(hash),
  prepare(hash) {
    const m = SSHA.exec(hash);
    if (!m) throw malformed('ssha hash is not of the form {SSHA}<base64>');
    const algorithm = SSHA_DIGESTS[m[1]];
    const size = DIGEST_LENGTHS[algorithm];
    const decoded = decodeBase64Padded(m[2]);
    if (!decoded) throw malformed(`{${m[1]}} value must be padded standard base64`);
    if (decoded.length < size + 1) throw malformed(`{${m[1]}} value must hold a ${size}-byte digest and a salt`);
    const expected = decoded.subarray(0, size);
    const salt = decoded.subarray(size);
    return digestVerifier(algorithm, expected, (password) => Buffer.concat([password, salt]));
  },
};
