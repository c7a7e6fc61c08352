// Byte encodings used by the hash formats: strict standard base64 (as Go's Strict() decoders are:
// no stray characters, canonical trailing bits), and the two "./"-first alphabets of crypt(3)
// and bcrypt.
import { timingSafeEqual } from 'node:crypto';

const STD_PADDED = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const STD_RAW = /^[A-Za-z0-9+/]*$/;

/** Standard alphabet with `=` padding; null unless the text is exactly what encoding would give. */
export function decodeBase64Strict(text: string): Buffer | null {
  if (!STD_PADDED.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}

/** Standard alphabet with `=` padding; tolerates non-zero trailing bits (Go's non-strict decoder). */
export function decodeBase64Padded(text: string): Buffer | null {
  if (!STD_PADDED.test(text)) return null;
  return Buffer.from(text, 'base64');
}

/** Standard alphabet without padding (PHC strings); null unless canonical. */
export function decodeBase64RawStrict(text: string): Buffer | null {
  if (!STD_RAW.test(text) || text.length % 4 === 1) return null;
  const bytes = Buffer.from(text, 'base64');
  return encodeBase64Raw(bytes) === text ? bytes : null;
}

export function encodeBase64Raw(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/=+$/, '');
}

/** The alphabet of crypt(3) ($1$, $5$, $6$): "./", digits, upper, lower. */
export const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** bcrypt's alphabet: "./", upper, lower, digits (standard base64 bit order). */
export const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const STD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decodes bcrypt's base64 (no padding; surplus trailing bits are dropped, as bcrypt does). */
export function decodeBcryptBase64(text: string): Buffer | null {
  let std = '';
  for (const ch of text) {
    const index = BCRYPT_ALPHABET.indexOf(ch);
    if (index < 0) return null;
    std += STD_ALPHABET[index];
  }
  return Buffer.from(std, 'base64');
}

/** crypt(3)'s "to64": emits `count` characters of `value`, least significant 6 bits first. */
export function cryptTo64(value: number, count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) {
    out += CRYPT_ALPHABET[value & 0x3f];
    value >>>= 6;
  }
  return out;
}

/** Constant-time equality; inputs of different lengths are unequal (the length is not secret). */
export function equalConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

/** Constant-time equality of two ASCII strings. */
export function equalTextConstantTime(a: string, b: string): boolean {
  return equalConstantTime(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1'));
}

/** Yields to the event loop, so a long computation written in JavaScript lets requests through. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
