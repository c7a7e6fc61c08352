import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { CipherError, createCipher } from '../../src/lib/cipher.js';

const K1 = 'first-key-of-exactly-32-bytes!!!';
const K2 = 'second-key-of-exactly-32-bytes!!';

describe('cipher (ciphers.algorithm + secrets.cipher)', () => {
  for (const algorithm of ['aes', 'xchacha20-poly1305'] as const) {
    test(`${algorithm}: round trip, fresh nonce each time, every key tried, tampering and foreign keys refused`, () => {
      const c = createCipher(algorithm, [K1]);
      assert.equal(c.encrypts, true);
      const a = c.encrypt('pässwörd');
      const b = c.encrypt('pässwörd');
      assert.notEqual(a, b);
      assert.match(a, /^[0-9a-f]+$/);
      assert.ok(!Buffer.from(a, 'hex').toString('latin1').includes('sswörd'));
      assert.equal(c.decrypt(a), 'pässwörd');
      assert.equal(c.encrypt(''), '');
      assert.equal(c.decrypt(''), '');

      // Rotation: a new first key encrypts, the old one still decrypts.
      const rotated = createCipher(algorithm, [K2, K1]);
      assert.equal(rotated.decrypt(a), 'pässwörd');
      assert.throws(() => createCipher(algorithm, [K1]).decrypt(rotated.encrypt('new')), CipherError);
      assert.throws(() => createCipher(algorithm, [K2]).decrypt(a), CipherError);

      const flipped = Buffer.from(a, 'hex');
      flipped[flipped.length - 1]! ^= 1;
      assert.throws(() => c.decrypt(flipped.toString('hex')), CipherError);
      assert.throws(() => c.decrypt('not hex'), CipherError);
      assert.throws(() => c.decrypt('00'), CipherError);
      assert.throws(() => createCipher(algorithm, []).encrypt('x'), CipherError);
    });
  }

  test("reads Kratos's layouts: hex(nonce | ciphertext | tag)", () => {
    const key = Buffer.from(K1);
    const gcmNonce = Buffer.alloc(12, 7);
    const g = createCipheriv('aes-256-gcm', key, gcmNonce);
    const sealed = Buffer.concat([gcmNonce, g.update('from kratos'), g.final(), g.getAuthTag()]).toString('hex');
    assert.equal(createCipher('aes', [K1]).decrypt(sealed), 'from kratos');
    const xNonce = Buffer.alloc(24, 9);
    const x = Buffer.concat([xNonce, xchacha20poly1305(key, xNonce).encrypt(Buffer.from('from kratos'))]).toString('hex');
    assert.equal(createCipher('xchacha20-poly1305', [K1]).decrypt(x), 'from kratos');
  });

  test('noop is hex, as in Kratos, and says it does not encrypt', () => {
    const c = createCipher('noop', []);
    assert.equal(c.encrypts, false);
    assert.equal(c.encrypt('abc'), '616263');
    assert.equal(c.decrypt('616263'), 'abc');
  });

  test('a key that is not 32 bytes is refused', () => {
    assert.throws(() => createCipher('aes', ['short']), /32 bytes/);
  });
});
