import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Identity } from '../../../identity/identity.js';

/** As Kratos: 12 codes of 8 characters from [a-z0-9] (about 41 bits each). */
export const CODE_COUNT = 12;
const CODE_LENGTH = 8;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** Marks a stored code as a digest, so it is never mistaken for a code in the clear. */
const DIGEST_PREFIX = 'hmac-sha256:';

/**
 * One entry of the credential's `config.recovery_codes` (Kratos's shape; `code` holds a digest here,
 * and `sealed` the code encrypted, so its owner can have the codes shown again).
 */
export interface StoredCode {
  code: string;
  used_at?: string | null;
  sealed?: string;
}

export function newCodes(): string[] {
  return Array.from({ length: CODE_COUNT }, () => Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join(''));
}

/**
 * The stored form of a code: HMAC-SHA256 under the server secret, bound to the identity, so the
 * database alone reveals no code and a digest cannot be replayed against another identity.
 */
export function codeDigest(code: string, identityId: string, key: string): string {
  return DIGEST_PREFIX + createHmac('sha256', key).update(`${identityId}:${code}`).digest('hex');
}

/** The codes in a `lookup_secret` credential's config. */
export function codesIn(config: Record<string, unknown> | undefined): StoredCode[] {
  const codes = config?.recovery_codes;
  return Array.isArray(codes) ? codes.filter((c): c is StoredCode => !!c && typeof (c as StoredCode).code === 'string') : [];
}

export const storedCodes = (identity: Identity): StoredCode[] => codesIn(identity.credentials.lookup_secret?.config);

/** Unused codes remain: the identity can still use this factor. */
export const hasUnusedCodeIn = (config: Record<string, unknown> | undefined): boolean => codesIn(config).some((c) => !c.used_at);
export const hasUnusedCode = (identity: Identity): boolean => hasUnusedCodeIn(identity.credentials.lookup_secret?.config);

/**
 * The index of the stored code `code` matches, checked against every entry and every secret key
 * (old keys keep codes valid across a rotation) in constant time per comparison; -1 when none.
 */
export function findCode(stored: readonly StoredCode[], code: string, identityId: string, keys: readonly string[]): number {
  const candidates = keys.map((k) => Buffer.from(codeDigest(code, identityId, k)));
  let found = -1;
  stored.forEach((entry, i) => {
    const have = Buffer.from(entry.code);
    for (const c of candidates) if (c.length === have.length && timingSafeEqual(c, have) && found === -1) found = i;
  });
  return found;
}

/** Marks a sealed code: AES-256-GCM, hex(nonce[12] | ciphertext | tag[16]). */
const SEALED_PREFIX = 'aes-256-gcm:';

/** The sealing key a server secret gives: derived, so the digest key is never used for encryption too. */
const sealingKey = (secret: string): Buffer => Buffer.from(hkdfSync('sha256', secret, '', 'tessera lookup_secret sealing', 32));

/**
 * A code encrypted under the server secret, bound to the identity (authenticated data), so that
 * `reveal` can show the codes again without the database alone holding them in the clear.
 */
export function sealCode(code: string, identityId: string, secret: string): string {
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', sealingKey(secret), nonce);
  c.setAAD(Buffer.from(identityId));
  const body = Buffer.concat([c.update(code, 'utf8'), c.final()]);
  return SEALED_PREFIX + Buffer.concat([nonce, body, c.getAuthTag()]).toString('hex');
}

/** The code a sealed entry holds, tried under every server secret (old ones open older codes); null when none opens it. */
export function openCode(sealed: string, identityId: string, secrets: readonly string[]): string | null {
  if (!sealed.startsWith(SEALED_PREFIX)) return null;
  const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'hex');
  if (raw.length < 12 + 16) return null;
  for (const secret of secrets) {
    try {
      const d = createDecipheriv('aes-256-gcm', sealingKey(secret), raw.subarray(0, 12));
      d.setAAD(Buffer.from(identityId));
      d.setAuthTag(raw.subarray(raw.length - 16));
      return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString('utf8');
    } catch {
      // Not this secret: try the next.
    }
  }
  return null;
}
