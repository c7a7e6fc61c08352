// Every supported format, in Kratos's detection order (hash/hash_comparator.go).
import { argon2idFormat, argon2iFormat } from './argon2.js';
import { bcryptFormat } from './bcrypt.js';
import { md5CryptFormat, sha256CryptFormat, sha512CryptFormat } from './crypt.js';
import { md5Format, shaFormat, sshaFormat } from './digest.js';
import type { HashFormatHandler } from './format.js';
import { hmacFormat } from './hmac.js';
import { pbkdf2Format } from './pbkdf2.js';
import { firebaseScryptFormat, scryptFormat } from './scrypt.js';

export const HASH_FORMATS: readonly HashFormatHandler[] = [
  md5CryptFormat,
  bcryptFormat,
  sha256CryptFormat,
  sha512CryptFormat,
  argon2idFormat,
  argon2iFormat,
  pbkdf2Format,
  scryptFormat,
  sshaFormat,
  shaFormat,
  firebaseScryptFormat,
  md5Format,
  hmacFormat,
];
