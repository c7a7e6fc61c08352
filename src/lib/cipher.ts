import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';

// Reversible encryption of values Tessera must store but also use again (channel passwords, provider
// tokens), as Kratos's `ciphers.algorithm` + `secrets.cipher` describe:
//   aes                 AES-256-GCM, hex(nonce[12] | ciphertext | tag[16])
//   xchacha20-poly1305  XChaCha20-Poly1305, hex(nonce[24] | ciphertext | tag[16])
//   noop                hex of the plaintext: NOT encryption; callers that must not store
//                       plaintext check `encrypts` first.
// The layouts are Kratos's, so values either side wrote can be read by the other. Each key is one
// 32-character `secrets.cipher` entry taken as its 32 bytes. The first key encrypts; decryption
// tries every key in order, so a new key can be put first while values written under an older one
// stay readable until they are rewritten.

export type CipherAlgorithm = 'noop' | 'aes' | 'xchacha20-poly1305';

/** Thrown when a value cannot be decrypted (no key fits, or it is not a ciphertext at all). */
export class CipherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CipherError';
  }
}

export interface Cipher {
  readonly algorithm: CipherAlgorithm;
  /** False for `noop`, whose output is the plaintext in hex. */
  readonly encrypts: boolean;
  /** Hex ciphertext; '' for ''. */
  encrypt(plaintext: string): string;
  /** The plaintext; '' for ''. Throws CipherError when no key opens it. */
  decrypt(ciphertext: string): string;
}

const KEY_BYTES = 32;
const HEX = /^(?:[0-9a-f]{2})*$/i;

interface Aead {
  nonceBytes: number;
  seal(key: Buffer, nonce: Buffer, plaintext: Buffer): Buffer;
  /** Null when the tag does not verify under this key. */
  open(key: Buffer, nonce: Buffer, sealed: Buffer): Buffer | null;
}

const AES_GCM: Aead = {
  nonceBytes: 12,
  seal(key, nonce, plaintext) {
    const c = createCipheriv('aes-256-gcm', key, nonce);
    return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
  },
  open(key, nonce, sealed) {
    if (sealed.length < 16) return null;
    try {
      const d = createDecipheriv('aes-256-gcm', key, nonce);
      d.setAuthTag(sealed.subarray(sealed.length - 16));
      return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
    } catch {
      return null;
    }
  },
};

const XCHACHA: Aead = {
  nonceBytes: 24,
  seal(key, nonce, plaintext) {
    return Buffer.from(xchacha20poly1305(key, nonce).encrypt(plaintext));
  },
  open(key, nonce, sealed) {
    try {
      return Buffer.from(xchacha20poly1305(key, nonce).decrypt(sealed));
    } catch {
      return null;
    }
  },
};

function keyBytes(secret: string, index: number): Buffer {
  const key = Buffer.from(secret, 'utf8');
  if (key.length !== KEY_BYTES) throw new Error(`secrets.cipher[${index}] must be exactly 32 bytes long, it is ${key.length}`);
  return key;
}

function hexDecode(text: string): Buffer {
  if (!HEX.test(text)) throw new CipherError('the value is not a hex-encoded ciphertext');
  return Buffer.from(text, 'hex');
}

/** The cipher `ciphers.algorithm` names, keyed by `secrets.cipher` (first key encrypts). */
export function createCipher(algorithm: CipherAlgorithm, secrets: readonly string[]): Cipher {
  if (algorithm === 'noop') {
    return {
      algorithm,
      encrypts: false,
      encrypt: (plaintext) => Buffer.from(plaintext, 'utf8').toString('hex'),
      decrypt: (ciphertext) => hexDecode(ciphertext).toString('utf8'),
    };
  }
  const aead = algorithm === 'aes' ? AES_GCM : XCHACHA;
  const keys = secrets.map(keyBytes);
  return {
    algorithm,
    encrypts: true,
    encrypt(plaintext) {
      if (plaintext === '') return '';
      const key = keys[0];
      if (key === undefined) throw new CipherError('cannot encrypt: secrets.cipher is empty');
      const nonce = randomBytes(aead.nonceBytes);
      return Buffer.concat([nonce, aead.seal(key, nonce, Buffer.from(plaintext, 'utf8'))]).toString('hex');
    },
    decrypt(ciphertext) {
      if (ciphertext === '') return '';
      if (keys.length === 0) throw new CipherError('cannot decrypt: secrets.cipher is empty');
      const raw = hexDecode(ciphertext);
      if (raw.length < aead.nonceBytes) throw new CipherError('the ciphertext is too short');
      const nonce = raw.subarray(0, aead.nonceBytes);
      const sealed = raw.subarray(aead.nonceBytes);
      for (const key of keys) {
        const plain = aead.open(key, nonce, sealed);
        if (plain !== null) return plain.toString('utf8');
      }
      throw new CipherError('no key in secrets.cipher decrypts the value (was the key it was written with removed?)');
    },
  };
}
