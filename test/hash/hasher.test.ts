import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyPassword } from '../../src/hash/compare.js';
import {
  BCRYPT_MAX_PASSWORD_BYTES,
  BcryptPasswordTooLongError,
  bcryptTooLong,
  createHasher,
  DEFAULT_HASHERS,
  DEV_HASHERS,
  needsRehash,
} from '../../src/hash/hasher.js';
import type { HashersConfig } from '../../src/hash/hasher.js';
import { validateImportedHash } from '../../src/hash/import.js';
import { VECTORS } from './vectors.js';

const PASSWORD = 'correct horse battery staple ✓';

function withArgon2(changes: Partial<HashersConfig['argon2']>): HashersConfig {
  return { ...DEV_HASHERS, algorithm: 'argon2', argon2: { ...DEV_HASHERS.argon2, ...changes } };
}

function withBcrypt(cost: number): HashersConfig {
  return { ...DEV_HASHERS, algorithm: 'bcrypt', bcrypt: { cost } };
}

describe('argon2 hasher', () => {
  const hasher = createHasher(DEV_HASHERS);

  it('writes argon2id PHC strings with the configured parameters', async () => {
    const hash = await hasher.hash(PASSWORD);
    assert.equal(hasher.algorithm, 'argon2');
    // 16-byte salt and 32-byte key in unpadded base64: 22 and 43 characters.
    assert.match(hash, /^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.deepEqual(validateImportedHash(hash), { ok: true, format: 'argon2id' });
  });

  it('round-trips, with a fresh salt each time', async () => {
    const [first, second] = await Promise.all([hasher.hash(PASSWORD), hasher.hash(PASSWORD)]);
    assert.notEqual(first, second);
    assert.equal(await verifyPassword(PASSWORD, first), true);
    assert.equal(await verifyPassword(PASSWORD, second), true);
    assert.equal(await verifyPassword(`${PASSWORD} `, first), false);
  });

  it('records memory in KiB, rounding down a byte count', async () => {
    const hash = await createHasher(withArgon2({ memory: 100 * 1024 + 512, iterations: 2, parallelism: 2, salt_length: 20, key_length: 24 })).hash(PASSWORD);
    assert.match(hash, /^\$argon2id\$v=19\$m=100,t=2,p=2\$[A-Za-z0-9+/]{27}\$[A-Za-z0-9+/]{32}$/);
    assert.equal(await verifyPassword(PASSWORD, hash), true);
  });

  it('needs no rehash for its own hashes and a rehash for anything else', async () => {
    const hash = await hasher.hash(PASSWORD);
    assert.equal(hasher.understands(hash), true);
    assert.equal(needsRehash(hash, hasher), false);
    for (const changes of [{ iterations: 2 }, { memory: 128 * 1024 }, { parallelism: 2 }, { salt_length: 24 }, { key_length: 16 }]) {
      assert.equal(needsRehash(hash, createHasher(withArgon2(changes))), true, JSON.stringify(changes));
    }
    const argon2i = hash.replace('$argon2id$', '$argon2i$');
    assert.equal(needsRehash(argon2i, hasher), true);
    assert.equal(needsRehash(await createHasher(withBcrypt(4)).hash(PASSWORD), hasher), true);
    for (const vector of VECTORS) assert.equal(needsRehash(vector.hash, hasher), true, vector.name);
    assert.equal(needsRehash('garbage', hasher), true);
  });

  it('hashes with the default parameters (128 MiB)', async () => {
    const hasherWithDefaults = createHasher(DEFAULT_HASHERS);
    const hash = await hasherWithDefaults.hash(PASSWORD);
    assert.ok(hash.startsWith(`$argon2id$v=19$m=131072,t=1,p=${DEFAULT_HASHERS.argon2.parallelism}$`));
    assert.equal(await verifyPassword(PASSWORD, hash), true);
    assert.equal(needsRehash(hash, hasherWithDefaults), false);
    assert.equal(needsRehash(hash, hasher), true);
  });
});

describe('bcrypt hasher', () => {
  const hasher = createHasher(withBcrypt(4));

  it('round-trips with the configured cost', async () => {
    const hash = await hasher.hash(PASSWORD);
    assert.equal(hasher.algorithm, 'bcrypt');
    assert.match(hash, /^\$2[ab]\$04\$[./A-Za-z0-9]{53}$/);
    assert.equal(await verifyPassword(PASSWORD, hash), true);
    assert.equal(await verifyPassword('correct horse battery staple', hash), false);
    assert.notEqual(await hasher.hash(PASSWORD), hash);
  });

  it('needs a rehash when the cost or algorithm differ', async () => {
    const hash = await hasher.hash(PASSWORD);
    assert.equal(needsRehash(hash, hasher), false);
    assert.equal(needsRehash(hash.replace(/^\$2[ab]\$/, '$2y$'), hasher), false);
    assert.equal(needsRehash(hash, createHasher(withBcrypt(5))), true);
    assert.equal(needsRehash(hash, createHasher(DEV_HASHERS)), true);
    assert.equal(needsRehash(await createHasher(DEV_HASHERS).hash(PASSWORD), hasher), true);
  });

  it('refuses passwords longer than 72 bytes instead of truncating them', async () => {
    await assert.rejects(hasher.hash('é'.repeat(37)), (err: unknown) => {
      assert.ok(err instanceof BcryptPasswordTooLongError);
      assert.equal(err.actualBytes, 74);
      assert.equal(err.maxBytes, 72);
      return true;
    });
    assert.equal(await verifyPassword('a'.repeat(72), await hasher.hash('a'.repeat(72))), true);
  });
});

describe('bcryptTooLong', () => {
  it('counts UTF-8 bytes', () => {
    assert.equal(BCRYPT_MAX_PASSWORD_BYTES, 72);
    assert.equal(bcryptTooLong('a'.repeat(72)), false);
    assert.equal(bcryptTooLong('a'.repeat(73)), true);
    assert.equal(bcryptTooLong('é'.repeat(36)), false);
    assert.equal(bcryptTooLong('é'.repeat(37)), true);
    assert.equal(bcryptTooLong('🔑'.repeat(19)), true);
  });
});

describe('hashers configuration', () => {
  it('has Kratos defaults, with lanes capped at what a stored hash may declare', () => {
    assert.equal(DEFAULT_HASHERS.algorithm, 'argon2');
    assert.equal(DEFAULT_HASHERS.argon2.memory, 128 * 1024 * 1024);
    assert.equal(DEFAULT_HASHERS.argon2.iterations, 1);
    assert.ok(DEFAULT_HASHERS.argon2.parallelism >= 2 && DEFAULT_HASHERS.argon2.parallelism <= 16);
    assert.equal(DEFAULT_HASHERS.argon2.salt_length, 16);
    assert.equal(DEFAULT_HASHERS.argon2.key_length, 32);
    assert.equal(DEFAULT_HASHERS.bcrypt.cost, 12);
    assert.equal(DEV_HASHERS.bcrypt.cost, 4);
    assert.ok(Object.isFrozen(DEFAULT_HASHERS) && Object.isFrozen(DEFAULT_HASHERS.argon2));
  });

  it('refuses parameters whose hashes could not be verified later', () => {
    const bad: HashersConfig[] = [
      withBcrypt(3),
      withBcrypt(16),
      withBcrypt(4.5),
      withArgon2({ memory: 2 * 1024 * 1024 * 1024 }),
      withArgon2({ memory: 4 * 1024 }),
      withArgon2({ memory: 64 * 1024, parallelism: 16 }),
      withArgon2({ iterations: 0 }),
      withArgon2({ iterations: 11 }),
      withArgon2({ parallelism: 17 }),
      withArgon2({ salt_length: 8 }),
      withArgon2({ key_length: 8 }),
      { ...DEV_HASHERS, algorithm: 'scrypt' as 'argon2' },
    ];
    for (const config of bad) assert.throws(() => createHasher(config), RangeError, JSON.stringify(config));
  });
});
