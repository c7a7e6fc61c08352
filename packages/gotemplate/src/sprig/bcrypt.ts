// bcrypt ($2a$, as Go's golang.org/x/crypto/bcrypt writes it) for Sprig's bcrypt and htpasswd.

import { randomBytes } from 'node:crypto';
import { PI_HEX_WORDS } from './blowfish-pi.js';

const B64 = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function b64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const c1 = bytes[i++];
    out += B64[c1 >> 2];
    let c2 = (c1 & 0x03) << 4;
    if (i >= bytes.length) {
      out += B64[c2];
      break;
    }
    const c3 = bytes[i++];
    c2 |= c3 >> 4;
    out += B64[c2];
    let c4 = (c3 & 0x0f) << 2;
    if (i >= bytes.length) {
      out += B64[c4];
      break;
    }
    const c5 = bytes[i++];
    c4 |= c5 >> 6;
    out += B64[c4] + B64[c5 & 0x3f];
  }
  return out;
}

function b64decode(s: string, len: number): Uint8Array {
  const vals = [...s].map((c) => B64.indexOf(c));
  const out: number[] = [];
  for (let i = 0; i < vals.length && out.length < len; i += 4) {
    const [a, b, c, d] = [vals[i], vals[i + 1], vals[i + 2] ?? 0, vals[i + 3] ?? 0];
    out.push(((a << 2) | (b >> 4)) & 0xff);
    if (out.length < len) out.push(((b << 4) | (c >> 2)) & 0xff);
    if (out.length < len) out.push(((c << 6) | d) & 0xff);
  }
  return Uint8Array.from(out);
}

class Blowfish {
  p = new Uint32Array(18);
  s = [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)];

  constructor() {
    const words = INITIAL_STATE();
    this.p.set(words.subarray(0, 18));
    for (let k = 0; k < 4; k++) this.s[k].set(words.subarray(18 + 256 * k, 18 + 256 * (k + 1)));
  }

  f(x: number): number {
    const [s0, s1, s2, s3] = this.s;
    return ((((s0[x >>> 24] + s1[(x >>> 16) & 0xff]) >>> 0) ^ s2[(x >>> 8) & 0xff]) + s3[x & 0xff]) >>> 0;
  }

  encrypt(l: number, r: number): [number, number] {
    const p = this.p;
    l ^= p[0];
    for (let i = 1; i <= 16; i += 2) {
      r ^= this.f(l) ^ p[i];
      l ^= this.f(r) ^ p[i + 1];
    }
    r ^= p[17];
    return [r >>> 0, l >>> 0];
  }

  expand(key: Uint8Array, salt: Uint8Array | null) {
    let j = 0;
    const word = (data: Uint8Array): number => {
      let w = 0;
      for (let k = 0; k < 4; k++) {
        w = ((w << 8) | data[j]) >>> 0;
        j = (j + 1) % data.length;
      }
      return w;
    };
    for (let i = 0; i < 18; i++) this.p[i] = (this.p[i] ^ word(key)) >>> 0;
    j = 0;
    let l = 0;
    let r = 0;
    const fill = (arr: Uint32Array) => {
      for (let i = 0; i < arr.length; i += 2) {
        if (salt) {
          l ^= word(salt);
          r ^= word(salt);
        }
        [l, r] = this.encrypt(l, r);
        arr[i] = l;
        arr[i + 1] = r;
      }
    };
    fill(this.p);
    for (const sbox of this.s) fill(sbox);
  }
}

let initial: Uint32Array | undefined;
function INITIAL_STATE(): Uint32Array {
  if (!initial) {
    initial = new Uint32Array(1042);
    for (let i = 0; i < 1042; i++) initial[i] = parseInt(PI_HEX_WORDS.slice(i * 8, i * 8 + 8), 16);
  }
  return initial;
}

/** bcrypt hash of password with the given cost (4..31) and a 16-byte salt. */
export function bcryptHash(password: string, cost = 10, salt: Uint8Array = randomBytes(16)): string {
  const pw = Buffer.from(password, 'utf8');
  if (pw.length > 72) throw new Error('bcrypt: password length exceeds 72 bytes');
  if (cost < 4 || cost > 31) throw new Error(`crypto/bcrypt: cost ${cost} is outside allowed range (4,31)`);
  const key = new Uint8Array(pw.length + 1);
  key.set(pw);
  const bf = new Blowfish();
  bf.expand(key, salt);
  const rounds = 2 ** cost;
  for (let i = 0; i < rounds; i++) {
    bf.expand(key, null);
    bf.expand(salt, null);
  }
  const magic = Buffer.from('OrpheanBeholderScryDoubt', 'latin1');
  const words: number[] = [];
  for (let i = 0; i < 6; i++) words.push(magic.readUInt32BE(i * 4));
  for (let i = 0; i < 6; i += 2) {
    let l: number = words[i];
    let r: number = words[i + 1];
    for (let k = 0; k < 64; k++) [l, r] = bf.encrypt(l, r);
    words[i] = l;
    words[i + 1] = r;
  }
  const out = Buffer.alloc(24);
  words.forEach((w, i) => out.writeUInt32BE(w, i * 4));
  return `$2a$${String(cost).padStart(2, '0')}$${b64(salt)}${b64(out.subarray(0, 23))}`;
}

/** Re-hashes password with the salt and cost of an existing hash (for checking). */
export function bcryptWithSettingsOf(password: string, hash: string): string {
  const m = /^\$2[abxy]?\$(\d\d)\$([./A-Za-z0-9]{22})/.exec(hash);
  if (!m) throw new Error('invalid bcrypt hash');
  return bcryptHash(password, Number(m[1]), b64decode(m[2], 16)).replace(/^\$2a/, hash.slice(0, 3) === '$2$' ? '$2' : hash.slice(0, 3));
}
