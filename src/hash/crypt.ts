// MD5-crypt ($1$, Poul-Henning Kamp's FreeBSD algorithm) and SHA-crypt ($5$/$6$, Ulrich
// Drepper's "Unix crypt using SHA-256 and SHA-512" specification), written from their published
// descriptions: Node has no crypt(3). Both return only the checksum part of the crypt string.
import { createHash } from 'node:crypto';
import { cryptTo64, yieldToEventLoop } from './encoding.js';

const MD5_CRYPT_MAGIC = Buffer.from('$1$');

/** The 22-character checksum of md5-crypt for `password` and `salt` (at most 8 bytes are used). */
export function md5CryptChecksum(password: Buffer, salt: Buffer): string {
  const s = salt.subarray(0, 8);
  const alternate = createHash('md5').update(password).update(s).update(password).digest();

  const ctx = createHash('md5').update(password).update(MD5_CRYPT_MAGIC).update(s);
  for (let left = password.length; left > 0; left -= 16) ctx.update(alternate.subarray(0, Math.min(16, left)));
  const zero = Buffer.alloc(1);
  const first = password.subarray(0, 1);
  for (let bits = password.length; bits > 0; bits >>>= 1) ctx.update(bits & 1 ? zero : first);
  let digest = ctx.digest();

  for (let round = 0; round < 1000; round++) {
    const step = createHash('md5');
    step.update(round & 1 ? password : digest);
    if (round % 3) step.update(s);
    if (round % 7) step.update(password);
    step.update(round & 1 ? digest : password);
    digest = step.digest();
  }

  const d = digest;
  return (
    cryptTo64((d[0] << 16) | (d[6] << 8) | d[12], 4) +
    cryptTo64((d[1] << 16) | (d[7] << 8) | d[13], 4) +
    cryptTo64((d[2] << 16) | (d[8] << 8) | d[14], 4) +
    cryptTo64((d[3] << 16) | (d[9] << 8) | d[15], 4) +
    cryptTo64((d[4] << 16) | (d[10] << 8) | d[5], 4) +
    cryptTo64(d[11], 2)
  );
}

export type ShaCryptVariant = 'sha256' | 'sha512';

// Byte triples of the final digest, in output order, from the specification.
const SHA256_ORDER = [
  [0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14],
  [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29],
];
const SHA512_ORDER = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48],
  [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13],
  [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
];

/** Repeats `source` (a digest) to fill `length` bytes. */
function stretch(source: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let offset = 0; offset < length; offset += source.length) source.copy(out, offset, 0, Math.min(source.length, length - offset));
  return out;
}

/** Rounds between two yields to the event loop. */
const ROUNDS_PER_SLICE = 2000;

/**
 * The checksum of SHA-crypt for `password`, `salt` (at most 16 bytes are used) and `rounds`
 * (already checked to lie in 1000..999,999,999). Yields to the event loop every few thousand
 * rounds, since a high round count takes a while in JavaScript.
 */
export async function shaCryptChecksum(variant: ShaCryptVariant, password: Buffer, salt: Buffer, rounds: number): Promise<string> {
  const s = salt.subarray(0, 16);
  const size = variant === 'sha256' ? 32 : 64;
  const h = () => createHash(variant);

  const b = h().update(password).update(s).update(password).digest();
  const a = h().update(password).update(s);
  for (let left = password.length; left > 0; left -= size) a.update(b.subarray(0, Math.min(size, left)));
  for (let bits = password.length; bits > 0; bits >>>= 1) a.update(bits & 1 ? b : password);
  let c = a.digest();

  const dp = h();
  for (let i = 0; i < password.length; i++) dp.update(password);
  const p = stretch(dp.digest(), password.length);

  const ds = h();
  for (let i = 0; i < 16 + c[0]; i++) ds.update(s);
  const sBytes = stretch(ds.digest(), s.length);

  for (let round = 0; round < rounds; round++) {
    if (round > 0 && round % ROUNDS_PER_SLICE === 0) await yieldToEventLoop();
    const step = h();
    step.update(round & 1 ? p : c);
    if (round % 3) step.update(sBytes);
    if (round % 7) step.update(p);
    step.update(round & 1 ? c : p);
    c = step.digest();
  }

  let out = '';
  for (const [x, y, z] of variant === 'sha256' ? SHA256_ORDER : SHA512_ORDER) out += cryptTo64((c[x] << 16) | (c[y] << 8) | c[z], 4);
  out += variant === 'sha256' ? cryptTo64((c[31] << 8) | c[30], 3) : cryptTo64(c[63], 2);
  return out;
}
