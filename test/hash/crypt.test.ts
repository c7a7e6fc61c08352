import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { md5CryptChecksum, shaCryptChecksum } from '../../src/hash/crypt.js';
import { hmacMd4, md4 } from '../../src/hash/md4.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const LONG = `${'x'.repeat(70)}Ünïcødé-long-password-${'y'.repeat(20)}`;

describe('crypt(3) algorithms', () => {
  // openssl passwd -1 -salt ab ''; openssl passwd -1 -salt longsaltlongsalt "$LONG" (salt cut to 8)
  it('md5-crypt matches openssl passwd -1', () => {
    assert.equal(md5CryptChecksum(bytes(''), bytes('ab')), 'rn6aQS/o7141mj179E/zA.');
    assert.equal(md5CryptChecksum(bytes(LONG), bytes('longsaltlongsalt')), 'Ltm2JLOWbd9uWmqKT.vu/.');
  });

  // python3 crypt.crypt('', '$5$ab') / ('', '$6$ab'); openssl passwd -5/-6 -salt saltsaltsaltsaltEXTRA "$LONG"
  // (salt cut to 16); python3 crypt.crypt('', '$6$rounds=1000$') (empty salt)
  it('sha-crypt matches python3 crypt and openssl passwd -5/-6', async () => {
    assert.equal(await shaCryptChecksum('sha256', bytes(''), bytes('ab'), 5000), 'qRq/oZkUn9lJUSIcgVT3NbpSDsjn.r137TBSoCt2kCA');
    assert.equal(
      await shaCryptChecksum('sha512', bytes(''), bytes('ab'), 5000),
      'xnh5Qsr2NdbFw1PgdZie7nLON3gv.S.23iQDBqAzkdoXPtDnVSpludXkM5UWybQO3OI7hBj9wHg9Ow6sUWD60/',
    );
    assert.equal(await shaCryptChecksum('sha256', bytes(LONG), bytes('saltsaltsaltsaltEXTRA'), 5000), 'dNpo3P6LRxkLddhZ/E2z/x/v/tuaRxdehhNORy5Z1r7');
    assert.equal(
      await shaCryptChecksum('sha512', bytes(LONG), bytes('saltsaltsaltsaltEXTRA'), 5000),
      't2Ba4XHxInjkDQ9XMLKcbDeWI7Ti2o3k4BCm6fz0BvjsSDI.8PW34e7ykPHM61pvHTL1JWxzeXNxhTYhiGjag0',
    );
    assert.equal(
      await shaCryptChecksum('sha512', bytes(''), bytes(''), 1000),
      'NPMepfN3/Cv.LPoa7suAzCVH3BhfhhB2wHuwY51WjZgqg.e601K6RWCJ7AHYXHZcp4ilHQ0xlpG1yRxSYX3TP/',
    );
  });
});

describe('MD4', () => {
  // The test suite of RFC 1320, appendix A.5.
  it('matches the RFC 1320 test suite', () => {
    const suite: [string, string][] = [
      ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
      ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
      ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
      ['message digest', 'd9130a8164549fe818874806e1c7014b'],
      ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
      ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '043f8582f241db351ce627e153e7f0e4'],
      ['1234567890'.repeat(8), 'e33b4ddc9c38f2199c3e7b164fcc0536'],
    ];
    for (const [input, digest] of suite) assert.equal(md4(bytes(input)).toString('hex'), digest, input);
  });

  // echo -n abc | openssl dgst -md4 -hmac key -provider legacy -provider default; and with a 100-byte
  // key of 0x01 bytes: openssl mac -provider legacy -provider default -digest MD4 -macopt hexkey:0101… HMAC
  it('HMAC-MD4 matches openssl, including keys longer than a block', () => {
    assert.equal(hmacMd4(bytes('key'), bytes('abc')).toString('hex'), '32c43d6d6eda7f1e464711473b956b68');
    assert.equal(hmacMd4(Buffer.alloc(100, 1), bytes('abc')).toString('hex'), '493aa509a05657edd14aecef0d8ffa9f');
  });
});
