// Verifies a password against a stored hash of any supported format, detected by prefix as
// Kratos does. Every format compares in constant time; the expensive ones run off the event loop
// (argon2, bcrypt, pbkdf2, scrypt) or yield to it (SHA-crypt).
import { HashParseError } from './hash-error.js';
import type { HashProblem } from './hash-error.js';
import { HASH_FORMATS } from './formats/index.js';
import type { HashFormat, HashFormatHandler, PasswordVerifier } from './formats/format.js';
import { HASH_LIMITS } from './limits.js';

export type { HashFormat } from './formats/format.js';

function handlerFor(hash: string): HashFormatHandler | null {
  return HASH_FORMATS.find((format) => format.matches(hash)) ?? null;
}

/** The format a hash claims by its prefix, or null when no supported format has that prefix. */
export function detectHashFormat(hash: string): HashFormat | null {
  return typeof hash === 'string' ? (handlerFor(hash)?.format ?? null) : null;
}

export type ParsedHash =
  | { ok: true; format: HashFormat; verify: PasswordVerifier }
  | { ok: false; format: HashFormat | null; problem: HashProblem | 'unknown_format'; detail: string };

/** Detects, parses and bounds-checks a hash without computing anything expensive. */
export function parseHash(hash: string): ParsedHash {
  const handler = typeof hash === 'string' ? handlerFor(hash) : null;
  if (!handler) return { ok: false, format: null, problem: 'unknown_format', detail: 'the hash does not match any known hash format' };
  if (hash.length > HASH_LIMITS.maxHashLength) {
    return { ok: false, format: handler.format, problem: 'malformed', detail: `the hash is longer than ${HASH_LIMITS.maxHashLength} characters` };
  }
  try {
    return { ok: true, format: handler.format, verify: handler.prepare(hash) };
  } catch (err) {
    if (err instanceof HashParseError) return { ok: false, format: handler.format, problem: err.problem, detail: err.message };
    throw err;
  }
}

/** Outcome of a password check; anything but 'match' means the password is not accepted. */
export type PasswordCheck = 'match' | 'mismatch' | 'unknown_format' | 'malformed' | 'out_of_bounds';

/** Like verifyPassword, but tells a wrong password apart from an unusable hash (for logs). */
export async function checkPassword(password: string, storedHash: string): Promise<PasswordCheck> {
  const parsed = parseHash(storedHash);
  if (!parsed.ok) return parsed.problem;
  if (typeof password !== 'string') return 'mismatch';
  try {
    return (await parsed.verify(Buffer.from(password, 'utf8'))) ? 'match' : 'mismatch';
  } catch {
    // The algorithm refused the parameters (a case parsing did not foresee): the hash is unusable.
    return 'malformed';
  }
}

/** True when `password` (compared as UTF-8 bytes) matches `storedHash`; false for unknown formats. */
export async function verifyPassword(password: string, storedHash: string): Promise<boolean> {
  return (await checkPassword(password, storedHash)) === 'match';
}
