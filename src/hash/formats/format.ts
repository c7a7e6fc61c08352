/**
 * The hash formats Tessera verifies: the ones Kratos accepts, named as Kratos names them.
 * Detection goes by prefix only; a detected hash may still be malformed.
 */
export type HashFormat =
  | 'md5crypt'
  | 'bcrypt'
  | 'sha256crypt'
  | 'sha512crypt'
  | 'argon2id'
  | 'argon2i'
  | 'pbkdf2'
  | 'scrypt'
  | 'ssha'
  | 'sha'
  | 'firebasescrypt'
  | 'md5'
  | 'hmac';

/** Checks one password (as UTF-8 bytes) against an already parsed hash. */
export type PasswordVerifier = (password: Buffer) => Promise<boolean>;

export interface HashFormatHandler {
  readonly format: HashFormat;
  /** True when the hash carries this format's prefix. */
  matches(hash: string): boolean;
  /** Parses and bounds-checks the hash; throws HashParseError when it cannot be used. */
  prepare(hash: string): PasswordVerifier;
}

/** Parses a decimal parameter value; null for anything but 1 to 10 plain digits. */
export function parseDecimal(text: string): number | null {
  return /^[0-9]{1,10}$/.test(text) ? Number(text) : null;
}
