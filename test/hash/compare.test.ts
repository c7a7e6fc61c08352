import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPassword, detectHashFormat, verifyPassword } from '../../src/hash/compare.js';
import { MALFORMED, OUT_OF_BOUNDS, PASSWORD, PBKDF2_SHA2_224, VECTORS, WRONG_PASSWORD } from './vectors.js';

/** Flips the last character of the hash's final field to another character of the same alphabet. */
function tamper(hash: string): string {
  const last = hash.replace(/=+$/, '').length - 1;
  const replacement = hash[last] === 'A' ? 'B' : 'A';
  return hash.slice(0, last) + replacement + hash.slice(last + 1);
}

describe('verifyPassword with reference vectors from independent tools', () => {
  for (const vector of VECTORS) {
    it(`${vector.name}: detects, accepts the password, refuses a wrong one`, async () => {
      assert.equal(detectHashFormat(vector.hash), vector.format);
      assert.equal(await checkPassword(PASSWORD, vector.hash), 'match');
      assert.equal(await checkPassword(WRONG_PASSWORD, vector.hash), 'mismatch');
      assert.equal(await verifyPassword('', vector.hash), false);
    });
  }

  it('refuses every vector whose stored digest was altered', async () => {
    for (const vector of VECTORS) {
      const altered = tamper(vector.hash);
      assert.notEqual(altered, vector.hash);
      assert.equal(await verifyPassword(PASSWORD, altered), false, vector.name);
    }
  });

  it('compares passwords as UTF-8 bytes, not as normalised text', async () => {
    const bcrypt = VECTORS.find((v) => v.name === 'bcrypt $2b$')!.hash;
    assert.equal(await verifyPassword(PASSWORD.normalize('NFD'), bcrypt), false);
    assert.equal(await verifyPassword(PASSWORD.normalize('NFC'), bcrypt), true);
  });

  it('reads pbkdf2 "sha224" as SHA3-224, as Kratos does, not as SHA-2', async () => {
    assert.equal(await checkPassword(PASSWORD, PBKDF2_SHA2_224), 'mismatch');
  });

  it('accepts upper-case hex in an hmac MAC', async () => {
    const vector = VECTORS.find((v) => v.name === 'hmac-sha1')!.hash;
    const [, tag, mac, key] = vector.split('$');
    const upper = Buffer.from(Buffer.from(mac, 'base64').toString('latin1').toUpperCase()).toString('base64');
    assert.equal(await verifyPassword(PASSWORD, `$${tag}$${upper}$${key}`), true);
  });

  it('refuses a bcrypt password over 72 bytes even when its first 72 bytes match', async () => {
    const bcrypt = VECTORS.find((v) => v.name === 'bcrypt $2b$')!.hash;
    assert.equal(await checkPassword(PASSWORD + 'x'.repeat(80), bcrypt), 'mismatch');
  });
});

describe('unusable hashes', () => {
  for (const { name, hash } of MALFORMED) {
    it(`malformed: ${name}`, async () => {
      assert.notEqual(detectHashFormat(hash), null);
      assert.equal(await checkPassword(PASSWORD, hash), 'malformed');
      assert.equal(await verifyPassword(PASSWORD, hash), false);
    });
  }

  it('refuses hashes whose costs exceed the bounds without computing them', async () => {
    for (const { name, hash } of OUT_OF_BOUNDS) {
      const started = performance.now();
      assert.equal(await checkPassword(PASSWORD, hash), 'out_of_bounds', name);
      assert.ok(performance.now() - started < 50, `${name} was refused quickly`);
    }
  });

  it('treats a missing stored hash as an unknown format', async () => {
    for (const missing of [null, undefined, 42]) {
      const hash = missing as unknown as string;
      assert.equal(detectHashFormat(hash), null);
      assert.equal(await checkPassword(PASSWORD, hash), 'unknown_format');
    }
  });

  it('tells unknown formats apart', async () => {
    for (const hash of ['', 'hunter2', '$2x$05$Tessera.test.vector.sOrBhR06gINz/tIGGXPKtU0XpMrIbFTp.', '$argon2d$v=19$m=64,t=2,p=1$c2FsdHNhbHQ$aGFzaA', '{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=', '$pbkdf2$i=1$a$b', '$1$Tess3ra$mNei9Lfxm.0zsGr8tengG/', '$hmac-sha3$YQ==$YQ==']) {
      assert.equal(detectHashFormat(hash), null, hash);
      assert.equal(await checkPassword(PASSWORD, hash), 'unknown_format', hash);
      assert.equal(await verifyPassword(PASSWORD, hash), false, hash);
    }
  });
});

describe('event loop', () => {
  it('keeps serving timers while a slow SHA-crypt hash is checked', async () => {
    // 200,000 rounds take a few hundred milliseconds in JavaScript; the check yields meanwhile.
    const slow = '$sha512-crypt$rounds=200000$roundsalt$c6.I66vLKBgH2YLKWuugOXB9h5ISV8Skq0/G0E9IHuFAiNeoxscb60328sHAQvVooHlMNyP5NQWYSaO1CUwr8/';
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      assert.equal(await checkPassword(PASSWORD, slow), 'mismatch');
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks >= 3, `timer ran ${ticks} times during the check`);
  });

  it('runs argon2, bcrypt, pbkdf2 and scrypt checks concurrently off the main thread', async () => {
    const hashes = VECTORS.filter((v) => ['argon2id', 'bcrypt', 'pbkdf2', 'scrypt'].includes(v.format)).map((v) => v.hash);
    const results = await Promise.all(hashes.map((hash) => verifyPassword(PASSWORD, hash)));
    assert.deepEqual(results, hashes.map(() => true));
  });
});
