// MD4 (RFC 1320) and HMAC-MD4 (RFC 2104), written from the RFCs. OpenSSL 3 keeps MD4 in its
// legacy provider, which Node does not load, yet Kratos accepts `$hmac-md4$` imports.

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

const ROUND2_ORDER = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15];
const ROUND3_ORDER = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];
const ROUND1_SHIFTS = [3, 7, 11, 19];
const ROUND2_SHIFTS = [3, 5, 9, 13];
const ROUND3_SHIFTS = [3, 9, 11, 15];

export function md4(message: Uint8Array): Buffer {
  const bitLength = message.length * 8;
  const paddedLength = (((message.length + 8) >> 6) + 1) << 6;
  const padded = Buffer.alloc(paddedLength);
  padded.set(message);
  padded[message.length] = 0x80;
  padded.writeUInt32LE(bitLength >>> 0, paddedLength - 8);
  padded.writeUInt32LE(Math.floor(bitLength / 0x100000000) >>> 0, paddedLength - 4);

  const state = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  const x = new Array<number>(16);
  for (let offset = 0; offset < paddedLength; offset += 64) {
    for (let i = 0; i < 16; i++) x[i] = padded.readUInt32LE(offset + i * 4);
    // v[0..3] hold a, b, c, d; step j updates register (4 - j % 4) % 4 from the other three.
    const v = state.slice();
    for (let j = 0; j < 48; j++) {
      const target = (4 - (j % 4)) % 4;
      const b = v[(target + 1) % 4];
      const c = v[(target + 2) % 4];
      const d = v[(target + 3) % 4];
      let f: number;
      let word: number;
      let shift: number;
      if (j < 16) {
        f = (b & c) | (~b & d);
        word = x[j];
        shift = ROUND1_SHIFTS[j % 4];
      } else if (j < 32) {
        f = ((b & c) | (b & d) | (c & d)) + 0x5a827999;
        word = x[ROUND2_ORDER[j - 16]];
        shift = ROUND2_SHIFTS[j % 4];
      } else {
        f = (b ^ c ^ d) + 0x6ed9eba1;
        word = x[ROUND3_ORDER[j - 32]];
        shift = ROUND3_SHIFTS[j % 4];
      }
      v[target] = rotl((v[target] + f + word) | 0, shift);
    }
    for (let i = 0; i < 4; i++) state[i] = (state[i] + v[i]) | 0;
  }

  const digest = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) digest.writeInt32LE(state[i], i * 4);
  return digest;
}

export function hmacMd4(key: Uint8Array, message: Uint8Array): Buffer {
  const block = Buffer.alloc(64);
  block.set(key.length > 64 ? md4(key) : key);
  const inner = Buffer.alloc(64);
  const outer = Buffer.alloc(64);
  for (let i = 0; i < 64; i++) {
    inner[i] = block[i] ^ 0x36;
    outer[i] = block[i] ^ 0x5c;
  }
  const innerDigest = md4(Buffer.concat([inner, message]));
  return md4(Buffer.concat([outer, innerDigest]));
}
