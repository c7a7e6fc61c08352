// Reference hashes made by tools independent of Tessera, on the development machine, for the
// password PASSWORD below (UTF-8). Each group names the command that produced it.

import type { HashFormat } from '../../src/hash/compare.js';

export const PASSWORD = 'hunter2-Ünïcødé';
export const WRONG_PASSWORD = 'hunter2-Unicode';

export interface Vector {
  /** What the hash is, for test names. */
  name: string;
  format: HashFormat;
  hash: string;
}

export const VECTORS: Vector[] = [
  // python3 -c "import crypt,sys; print(crypt.crypt(sys.argv[1], '$2b$05$Tessera.test.vector.salt'[:22]))" "$PW"
  // (libxcrypt); likewise with $2y$ and $2a$. The salt's 22nd character is canonicalised by the tool.
  { name: 'bcrypt $2b$', format: 'bcrypt', hash: '$2b$05$Tessera.test.vector.sOrBhR06gINz/tIGGXPKtU0XpMrIbFTp.' },
  { name: 'bcrypt $2y$', format: 'bcrypt', hash: '$2y$05$Tessera.test.vector.sOrBhR06gINz/tIGGXPKtU0XpMrIbFTp.' },
  { name: 'bcrypt $2a$', format: 'bcrypt', hash: '$2a$05$Tessera.test.vector.sOrBhR06gINz/tIGGXPKtU0XpMrIbFTp.' },
  // No tool here writes $2z$; it hashes exactly as $2b$, so this is the $2b$ vector relabelled.
  { name: 'bcrypt $2z$', format: 'bcrypt', hash: '$2z$05$Tessera.test.vector.sOrBhR06gINz/tIGGXPKtU0XpMrIbFTp.' },

  // echo -n "$PW" | argon2 'tessera-salt-16b' -id -t 2 -m 6 -p 1 -l 32 -e   (Debian package argon2)
  { name: 'argon2id', format: 'argon2id', hash: '$argon2id$v=19$m=64,t=2,p=1$dGVzc2VyYS1zYWx0LTE2Yg$fX/eZ+K/voIAMTKFcjTR2AG1Lv2cCFrtwnayTbd57rY' },
  // echo -n "$PW" | argon2 'tessera-salt-16b' -i -t 2 -m 6 -p 2 -l 24 -e
  { name: 'argon2i', format: 'argon2i', hash: '$argon2i$v=19$m=64,t=2,p=2$dGVzc2VyYS1zYWx0LTE2Yg$N12QihIRvNCQeZqq5wytAloEworhBLAR' },

  // python3: hashlib.pbkdf2_hmac(algo, PW, b'tessera-pbkdf2-salt', 1000, 32), unpadded base64, with
  // algo sha1, sha3_224 (for "sha224"), sha256, sha3_384 (for "sha384"), sha512.
  { name: 'pbkdf2-sha1', format: 'pbkdf2', hash: '$pbkdf2-sha1$i=1000,l=32$dGVzc2VyYS1wYmtkZjItc2FsdA$qi+0jrN6EA2Z7yt5oV1EqJEfmRts56oDFbA4ooFjydA' },
  { name: 'pbkdf2-sha224 (SHA3-224)', format: 'pbkdf2', hash: '$pbkdf2-sha224$i=1000,l=32$dGVzc2VyYS1wYmtkZjItc2FsdA$DQKBraleS1xSGYW2OsEFnBDD30KPOvRT0aQUdxeAafs' },
  { name: 'pbkdf2-sha256', format: 'pbkdf2', hash: '$pbkdf2-sha256$i=1000,l=32$dGVzc2VyYS1wYmtkZjItc2FsdA$Tha5IrVa4wHekubk2I12Tgg13gY4/9IQGA+tDYrW7q0' },
  { name: 'pbkdf2-sha384 (SHA3-384)', format: 'pbkdf2', hash: '$pbkdf2-sha384$i=1000,l=32$dGVzc2VyYS1wYmtkZjItc2FsdA$2jxR6WH6VS/DVX9Bmow6mU+wm+/44FPbsY2TiwZz7XQ' },
  { name: 'pbkdf2-sha512', format: 'pbkdf2', hash: '$pbkdf2-sha512$i=1000,l=32$dGVzc2VyYS1wYmtkZjItc2FsdA$GduFXH2zx7yaIwXHuhksVQRKTTG9caKWSKv5BYwLzvE' },

  // python3: hashlib.scrypt(PW, salt=b'tessera-scrypt-salt', n=1024, r=8, p=1, dklen=32), padded base64.
  { name: 'scrypt', format: 'scrypt', hash: '$scrypt$ln=1024,r=8,p=1$dGVzc2VyYS1zY3J5cHQtc2FsdA==$VJtrbSFSMShY0Pc0mj03nJwVnhAZrenqtrQt8sLyb9Q=' },

  // python3: ck = hashlib.scrypt(PW, salt=b'fire-salt-01' + b'\x07', n=2**10, r=8, p=1, dklen=32);
  // signer key = bytes 1..64; hash = `openssl enc -aes-256-ctr -K <ck hex> -iv 00…00` of the signer key.
  {
    name: 'firebase scrypt',
    format: 'firebasescrypt',
    hash:
      '$firescrypt$ln=10,r=8,p=1$ZmlyZS1zYWx0LTAx$Q914tHnwEA0snXK8tRZdO2OcJKZHTXbGdplwXfNZQtyeYR+l8MkYxK9sxSDVoGt5ic7KO0YDnHh8UudZ3lt36g==$Bw==$' +
      'AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/QA==',
  },

  // python3: base64(hashlib.<algo>(PW + salt).digest() + salt), salt = b'\x01ldap-salt\xff'.
  { name: '{SSHA}', format: 'ssha', hash: '{SSHA}ZajVvsw1/aLO19CspCQNSRA9nvIBbGRhcC1zYWx0/w==' },
  { name: '{SSHA256}', format: 'ssha', hash: '{SSHA256}Mc/3emZiBT1gDZEEEX1sU3FNYJuHgMSwLpBMqYgP7w4BbGRhcC1zYWx0/w==' },
  {
    name: '{SSHA512}',
    format: 'ssha',
    hash: '{SSHA512}+SYQ3e/BinVkNhAqN0kLFZNrozaE231+L9zCcog3hcQm0No0tTUYlVUqce7mfKctPVr0x/h7kSMTDw7pEZ/03QFsZGFwLXNhbHT/',
  },

  // python3: hashlib.<algo>(pattern with {SALT} -> b'digest-salt', {PASSWORD} -> PW).digest(),
  // pattern b'{SALT}$${PASSWORD}{SALT}'; pattern, salt and digest in padded base64.
  { name: 'sha1 pf', format: 'sha', hash: '$sha1$pf=e1NBTFR9JCR7UEFTU1dPUkR9e1NBTFR9$ZGlnZXN0LXNhbHQ=$10p4LW7LTUYBNIQaRzz0rs3YdTw=' },
  { name: 'sha256 pf', format: 'sha', hash: '$sha256$pf=e1NBTFR9JCR7UEFTU1dPUkR9e1NBTFR9$ZGlnZXN0LXNhbHQ=$V9QvCJuTH1rSbnKI5Dk0rrwDhlR9kZKadpnwlVvQwyk=' },
  {
    name: 'sha512 pf',
    format: 'sha',
    hash: '$sha512$pf=e1NBTFR9JCR7UEFTU1dPUkR9e1NBTFR9$ZGlnZXN0LXNhbHQ=$EuDi6OmPt7/I6SKHarTN+27V8UlM4ngFbAp9gKOFmcGY/uzPExcRP7X4dfIk+lESk6RE2asuc4usPD/mOu/Z+A==',
  },
  { name: 'md5 pf', format: 'md5', hash: '$md5$pf=e1NBTFR9JCR7UEFTU1dPUkR9e1NBTFR9$ZGlnZXN0LXNhbHQ=$4nzUvUkjiSTbgq17vjFq0Q==' },
  // python3: base64(hashlib.md5(PW).digest())
  { name: 'md5', format: 'md5', hash: '$md5$dSjzLywGdo34jx8kmlWAjQ==' },

  // openssl passwd -1 -salt 'Tess3ra' "$PW", with $1$ renamed $md5-crypt$ (Kratos's prefix).
  { name: 'md5-crypt', format: 'md5crypt', hash: '$md5-crypt$Tess3ra$mNei9Lfxm.0zsGr8tengG/' },
  // openssl passwd -5 -salt 'tesseraSALT0123' "$PW"  ($5$ renamed $sha256-crypt$)
  { name: 'sha256-crypt', format: 'sha256crypt', hash: '$sha256-crypt$tesseraSALT0123$z/2pWs6BBhS9lx3T4d44yqr5X8xeqRYUubh9p4P.t56' },
  // openssl passwd -6 -salt 'tesseraSALT0123' "$PW"  ($6$ renamed $sha512-crypt$)
  {
    name: 'sha512-crypt',
    format: 'sha512crypt',
    hash: '$sha512-crypt$tesseraSALT0123$mKkMfye5S0IAxNI24Dmg2DiR5.aRbrCUQOzNy7dKLrwh5Tu9uBO0CgYbyQSV2QrF1WJWMekJdjSerhClDvA0S/',
  },
  // python3 -c "import crypt,sys; print(crypt.crypt(sys.argv[1], '$5$rounds=12000$roundsalt'))" "$PW"
  { name: 'sha256-crypt rounds=12000', format: 'sha256crypt', hash: '$sha256-crypt$rounds=12000$roundsalt$0CH1DH8lB3c9Ft7ek8RS5D6D0hk5dUd.lZtuZ3lv.uB' },
  // python3 crypt.crypt(PW, '$6$rounds=1000$roundsalt')
  {
    name: 'sha512-crypt rounds=1000',
    format: 'sha512crypt',
    hash: '$sha512-crypt$rounds=1000$roundsalt$c6.I66vLKBgH2YLKWuugOXB9h5ISV8Skq0/G0E9IHuFAiNeoxscb60328sHAQvVooHlMNyP5NQWYSaO1CUwr8/',
  },

  // printf '%s' "$PW" | openssl dgst -<algo> -hmac 'tessera-key' -provider legacy -provider default,
  // then $hmac-<algo>$ + base64(hex MAC) + $ + base64('tessera-key').
  { name: 'hmac-md4', format: 'hmac', hash: '$hmac-md4$YjYzMDUyMWNmYTQ0MmYwMmE1ODk4YWM3YTdhZWZkMmQ=$dGVzc2VyYS1rZXk=' },
  { name: 'hmac-md5', format: 'hmac', hash: '$hmac-md5$NDViZmUzYjFjMjg0MTg5Njc2YjY3MjEzZTQ0NGZjNjU=$dGVzc2VyYS1rZXk=' },
  { name: 'hmac-sha1', format: 'hmac', hash: '$hmac-sha1$Mzg3YmUwYjUwZmU4Y2FlMzgyYTA4MmE4OWMyNDk0NWVlNDg2ZjYzNw==$dGVzc2VyYS1rZXk=' },
  {
    name: 'hmac-sha224',
    format: 'hmac',
    hash: '$hmac-sha224$ODZiY2UxNmQxNzQ3ODhhNWZkYTM2MjIzOTg5ZDMzOWE4OTU1NWUxNzZlOWJhODg5YjdkOTg1ZDY=$dGVzc2VyYS1rZXk=',
  },
  {
    name: 'hmac-sha256',
    format: 'hmac',
    hash: '$hmac-sha256$OTUyNDQ2N2NlZTZhYzg0NjY4MTA2N2I5NTBjMGMxNTIzN2JiYmU5OWU4ODU2ZTNiZjhjZDgxNWYyYzdjMTY4ZA==$dGVzc2VyYS1rZXk=',
  },
  {
    name: 'hmac-sha384',
    format: 'hmac',
    hash:
      '$hmac-sha384$MjYxYWU2MDhmYjUwNTZlMTllNmI2YTdlODhkOGI2M2RlNjNkNDU1ZjZjZGNkOWJiNWYwNWExNWRmYzczODJiMTljYTNkZWU5ZDIzY2IyODNkZGU2M2Q1NzMwMDM3MDJl' +
      '$dGVzc2VyYS1rZXk=',
  },
  {
    name: 'hmac-sha512',
    format: 'hmac',
    hash:
      '$hmac-sha512$ZjY1OGYzNGY1MTkwMjg1NWQ4OTc3ZTAyODJjNWRmMDMwNDY3ZTM3OGU5YzlkNzBhNDMwODQ5ODk2YTQyYzNkMmRiODc2MTk2NmUzNmJjODQ3OTllYmM0YmRhYjkzYWIxNzZlODMzZDc4NmIzZjQxNmE3ZDNmNzYzMTk5MWE0M2U=' +
      '$dGVzc2VyYS1rZXk=',
  },
];

/** pbkdf2 with SHA-2-224 (python3 hashlib.pbkdf2_hmac('sha224', ...)): NOT what "sha224" means here. */
export const PBKDF2_SHA2_224 = '$pbkdf2-sha224$i=1000,l=32$dGVzc2VyYS1wYmtkZjItc2FsdA$/AejOfRZq8CKNhtyQ9baeaSVjHUpgm94ZOKCftgB1V4';

/** Hand-written hashes that carry a known prefix but are not well formed. */
export const MALFORMED: { name: string; hash: string }[] = [
  { name: 'bcrypt, truncated', hash: '$2b$05$Tessera.test.vector.sOrBhR06gINz' },
  { name: 'bcrypt, cost below 4', hash: '$2b$03$Tessera.test.vector.sOrBhR06gINz/tIGGXPKtU0XpMrIbFTp.' },
  { name: 'bcrypt, character outside its alphabet', hash: '$2b$05$Tessera.test.vector.sOrBhR06gINz/tIGGXPKtU0XpMrIbFTp!' },
  { name: 'argon2id, version 16', hash: '$argon2id$v=16$m=64,t=2,p=1$dGVzc2VyYS1zYWx0LTE2Yg$fX/eZ+K/voIAMTKFcjTR2AG1Lv2cCFrtwnayTbd57rY' },
  { name: 'argon2id, padded base64', hash: '$argon2id$v=19$m=64,t=2,p=1$dGVzc2VyYS1zYWx0LTE2Yg==$fX/eZ+K/voIAMTKFcjTR2AG1Lv2cCFrtwnayTbd57rY' },
  { name: 'argon2id, missing key', hash: '$argon2id$v=19$m=64,t=2,p=1$dGVzc2VyYS1zYWx0LTE2Yg' },
  { name: 'argon2id, salt under 8 bytes', hash: '$argon2id$v=19$m=64,t=2,p=1$c2FsdA$fX/eZ+K/voIAMTKFcjTR2AG1Lv2cCFrtwnayTbd57rY' },
  { name: 'argon2i, memory under 8 KiB per lane', hash: '$argon2i$v=19$m=8,t=2,p=2$dGVzc2VyYS1zYWx0LTE2Yg$N12QihIRvNCQeZqq5wytAloEworhBLAR' },
  { name: 'argon2id, non-numeric memory', hash: '$argon2id$v=19$m=abc,t=2,p=1$dGVzc2VyYS1zYWx0LTE2Yg$fX/eZ+K/voIAMTKFcjTR2AG1Lv2cCFrtwnayTbd57rY' },
  { name: 'pbkdf2, unknown digest', hash: '$pbkdf2-sha3$i=1000,l=32$dGVzc2VyYS1wYmtkZjItc2FsdA$Tha5IrVa4wHekubk2I12Tgg13gY4/9IQGA+tDYrW7q0' },
  { name: 'pbkdf2, padded base64', hash: '$pbkdf2-sha256$i=1000,l=32$dGVzc2VyYS1wYmtkZjItc2FsdA==$Tha5IrVa4wHekubk2I12Tgg13gY4/9IQGA+tDYrW7q0' },
  { name: 'pbkdf2, empty key', hash: '$pbkdf2-sha256$i=1000,l=32$dGVzc2VyYS1wYmtkZjItc2FsdA$' },
  { name: 'pbkdf2, missing parameters', hash: '$pbkdf2-sha256$dGVzc2VyYS1wYmtkZjItc2FsdA$Tha5IrVa4wHekubk2I12Tgg13gY4/9IQGA+tDYrW7q0' },
  { name: 'scrypt, N not a power of two', hash: '$scrypt$ln=1000,r=8,p=1$dGVzc2VyYS1zY3J5cHQtc2FsdA==$VJtrbSFSMShY0Pc0mj03nJwVnhAZrenqtrQt8sLyb9Q=' },
  { name: 'scrypt, unpadded base64', hash: '$scrypt$ln=1024,r=8,p=1$dGVzc2VyYS1zY3J5cHQtc2FsdA$VJtrbSFSMShY0Pc0mj03nJwVnhAZrenqtrQt8sLyb9Q' },
  { name: 'scrypt, empty key (would match any password)', hash: '$scrypt$ln=1024,r=8,p=1$dGVzc2VyYS1zY3J5cHQtc2FsdA==$' },
  { name: 'firebase scrypt, missing signer key', hash: '$firescrypt$ln=10,r=8,p=1$ZmlyZS1zYWx0LTAx$Q914tHnwEA0snXK8tRZdOw==$Bw==' },
  { name: 'firebase scrypt, ln=0', hash: '$firescrypt$ln=0,r=8,p=1$ZmlyZS1zYWx0LTAx$Q914tHnwEA0snXK8tRZdOw==$Bw==$AQID' },
  { name: '{SSHA}, no room for a salt', hash: '{SSHA}tooshort' },
  { name: '{SSHA256}, not base64', hash: '{SSHA256}!!!!' },
  { name: 'sha256, no pf field', hash: '$sha256$e1NBTFR9$ZGlnZXN0LXNhbHQ=$V9QvCJuTH1rSbnKI5Dk0rrwDhlR9kZKadpnwlVvQwyk=' },
  { name: 'sha1, digest of the wrong length', hash: '$sha1$pf=e1NBTFR9JCR7UEFTU1dPUkR9e1NBTFR9$ZGlnZXN0LXNhbHQ=$10p4LW7LTUYBNIQaRzz0rg==' },
  { name: 'md5, not base64', hash: '$md5$dSjzLywGdo34jx8kmlWA!Q==' },
  { name: 'md5, four fields', hash: '$md5$pf=e1NBTFR9$dSjzLywGdo34jx8kmlWAjQ==' },
  { name: 'md5-crypt, checksum too short', hash: '$md5-crypt$Tess3ra$mNei9Lfxm.0zsGr8teng' },
  { name: 'md5-crypt, salt over 8 characters', hash: '$md5-crypt$Tess3raTess3ra$mNei9Lfxm.0zsGr8tengG/' },
  { name: 'sha256-crypt, rounds below 1000', hash: '$sha256-crypt$rounds=999$roundsalt$0CH1DH8lB3c9Ft7ek8RS5D6D0hk5dUd.lZtuZ3lv.uB' },
  { name: 'sha512-crypt, sha256-length checksum', hash: '$sha512-crypt$tesseraSALT0123$z/2pWs6BBhS9lx3T4d44yqr5X8xeqRYUubh9p4P.t56' },
  { name: 'hmac-sha256, MAC not hex', hash: '$hmac-sha256$bm90IGhleA==$dGVzc2VyYS1rZXk=' },
  { name: 'hmac-md5, missing key', hash: '$hmac-md5$NDViZmUzYjFjMjg0MTg5Njc2YjY3MjEzZTQ0NGZjNjU=' },
  { name: 'longer than 1024 characters', hash: `$md5$${'A'.repeat(2000)}` },
];

/** Hand-written, well-formed hashes whose declared costs exceed the bounds (what Kratos enforces, and more). */
export const OUT_OF_BOUNDS: { name: string; hash: string }[] = [
  { name: 'bcrypt cost 16', hash: '$2b$16$Tessera.test.vector.sOrBhR06gINz/tIGGXPKtU0XpMrIbFTp.' },
  { name: 'bcrypt cost 31', hash: '$2a$31$Tessera.test.vector.sOrBhR06gINz/tIGGXPKtU0XpMrIbFTp.' },
  { name: 'argon2id memory 2 GiB', hash: '$argon2id$v=19$m=2097152,t=1,p=4$dGVzc2VyYS1zYWx0LTE2Yg$fX/eZ+K/voIAMTKFcjTR2AG1Lv2cCFrtwnayTbd57rY' },
  { name: 'argon2id t=11', hash: '$argon2id$v=19$m=65536,t=11,p=4$dGVzc2VyYS1zYWx0LTE2Yg$fX/eZ+K/voIAMTKFcjTR2AG1Lv2cCFrtwnayTbd57rY' },
  { name: 'argon2i p=17', hash: '$argon2i$v=19$m=65536,t=1,p=17$dGVzc2VyYS1zYWx0LTE2Yg$N12QihIRvNCQeZqq5wytAloEworhBLAR' },
  { name: 'argon2id m=0', hash: '$argon2id$v=19$m=0,t=1,p=1$dGVzc2VyYS1zYWx0LTE2Yg$fX/eZ+K/voIAMTKFcjTR2AG1Lv2cCFrtwnayTbd57rY' },
  { name: 'pbkdf2 10,000,001 iterations', hash: '$pbkdf2-sha256$i=10000001,l=32$dGVzc2VyYS1wYmtkZjItc2FsdA$Tha5IrVa4wHekubk2I12Tgg13gY4/9IQGA+tDYrW7q0' },
  { name: 'scrypt N=2^18', hash: '$scrypt$ln=262144,r=8,p=1$dGVzc2VyYS1zY3J5cHQtc2FsdA==$VJtrbSFSMShY0Pc0mj03nJwVnhAZrenqtrQt8sLyb9Q=' },
  { name: 'scrypt r=9', hash: '$scrypt$ln=1024,r=9,p=1$dGVzc2VyYS1zY3J5cHQtc2FsdA==$VJtrbSFSMShY0Pc0mj03nJwVnhAZrenqtrQt8sLyb9Q=' },
  { name: 'scrypt p=11', hash: '$scrypt$ln=1024,r=8,p=11$dGVzc2VyYS1zY3J5cHQtc2FsdA==$VJtrbSFSMShY0Pc0mj03nJwVnhAZrenqtrQt8sLyb9Q=' },
  { name: 'firebase scrypt ln=18', hash: '$firescrypt$ln=18,r=8,p=1$ZmlyZS1zYWx0LTAx$Q914tHnwEA0snXK8tRZdOw==$Bw==$AQID' },
  { name: 'firebase scrypt r=1024', hash: '$firescrypt$ln=14,r=1024,p=1$ZmlyZS1zYWx0LTAx$Q914tHnwEA0snXK8tRZdOw==$Bw==$AQID' },
  {
    name: 'sha512-crypt 1,000,001 rounds',
    hash: '$sha512-crypt$rounds=1000001$roundsalt$c6.I66vLKBgH2YLKWuugOXB9h5ISV8Skq0/G0E9IHuFAiNeoxscb60328sHAQvVooHlMNyP5NQWYSaO1CUwr8/',
  },
];
