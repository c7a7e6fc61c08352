import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateImportedHash } from '../../src/hash/import.js';
import { MALFORMED, OUT_OF_BOUNDS, VECTORS } from './vectors.js';

describe('validateImportedHash', () => {
  it('accepts every well-formed hash within bounds, with its format', () => {
    for (const vector of VECTORS) {
      assert.deepEqual(validateImportedHash(vector.hash), { ok: true, format: vector.format }, vector.name);
    }
  });

  it('accepts hashes at the bounds', () => {
    const atBounds = [
      '$2b$15$Tessera.test.vector.sOrBhR06gINz/tIGGXPKtU0XpMrIbFTp.',
      '$argon2id$v=19$m=1048576,t=10,p=16$dGVzc2VyYS1zYWx0LTE2Yg$fX/eZ+K/voIAMTKFcjTR2AG1Lv2cCFrtwnayTbd57rY',
      '$pbkdf2-sha512$i=10000000,l=32$dGVzc2VyYS1wYmtkZjItc2FsdA$GduFXH2zx7yaIwXHuhksVQRKTTG9caKWSKv5BYwLzvE',
      '$scrypt$ln=131072,r=8,p=10$dGVzc2VyYS1zY3J5cHQtc2FsdA==$VJtrbSFSMShY0Pc0mj03nJwVnhAZrenqtrQt8sLyb9Q=',
      '$firescrypt$ln=17,r=8,p=10$ZmlyZS1zYWx0LTAx$Q914tHnwEA0snXK8tRZdOw==$Bw==$AQID',
      '$sha256-crypt$rounds=1000000$roundsalt$0CH1DH8lB3c9Ft7ek8RS5D6D0hk5dUd.lZtuZ3lv.uB',
    ];
    for (const hash of atBounds) assert.equal(validateImportedHash(hash).ok, true, hash);
  });

  for (const { name, hash } of OUT_OF_BOUNDS) {
    it(`refuses costs out of bounds: ${name}`, () => {
      const result = validateImportedHash(hash);
      assert.equal(result.ok, false);
      assert.ok(!result.ok && result.problem === 'out_of_bounds');
      assert.match(result.reason, /exceed the bounds/);
    });
  }

  it('refuses malformed hashes of every format, with a reason', () => {
    for (const { name, hash } of MALFORMED) {
      const result = validateImportedHash(hash);
      assert.ok(!result.ok, name);
      assert.equal(result.problem, 'malformed', name);
      assert.match(result.reason, /could not be parsed \(.+\)/, name);
    }
  });

  it('refuses unknown formats and plain text', () => {
    for (const hash of ['hunter2', '', '$1$Tess3ra$mNei9Lfxm.0zsGr8tengG/', '$argon2d$v=19$m=64,t=2,p=1$c2FsdHNhbHQ$aGFzaA']) {
      assert.deepEqual(validateImportedHash(hash), {
        ok: false,
        problem: 'unknown_format',
        reason: 'The imported password does not match any known hash format.',
      });
    }
  });

  it('refuses a value that is not a string', () => {
    const result = validateImportedHash(42 as unknown as string);
    assert.equal(result.ok, false);
  });
});
