// One-time codes and link tokens: how strategies issue them and how flows and storage see them.
import { createHmac, randomInt } from 'node:crypto';
import { randomAlnum } from '../../lib/ids.js';
import { validationGeneric, type UiText } from '../../text/index.js';

/** The kinds of one-time secrets, each checked only against its own kind. */
export type OneTimeSecretKind = 'recovery_code' | 'verification_code' | 'recovery_link' | 'verification_link' | 'login_code' | 'registration_code';

export interface OneTimeSecret {
  id: string;
  kind: OneTimeSecretKind;
  flow_id: string | null;
  identity_id: string | null;
  /** The address the secret was sent to (verification marks exactly this address). */
  address: string | null;
  digest: string;
  attempts: number;
  expires_at: Date;
  used_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * Storage of one-time codes and link tokens. Codes are looked up by flow (and compared by digest in
 * constant time by the caller); link tokens by digest.
 */
export interface OneTimeSecretPool {
  createSecret(s: OneTimeSecret): Promise<void>;
  /** The newest unused secret of a kind for a flow. */
  activeSecretForFlow(flowId: string, kind: OneTimeSecretKind): Promise<OneTimeSecret | null>;
  /** Every unused secret of a kind for a flow, newest first (a sign-up sends one code per address). */
  activeSecretsForFlow(flowId: string, kind: OneTimeSecretKind): Promise<OneTimeSecret[]>;
  findByDigest(kind: OneTimeSecretKind, digest: string): Promise<OneTimeSecret | null>;
  /** Counts a wrong guess; returns the new attempt count. */
  recordAttempt(id: string): Promise<number>;
  /** Marks a secret used; true only for the one caller that used it (concurrent uses lose). */
  useSecret(id: string, now: Date): Promise<boolean>;
  /**
   * Voids all but the newest `keep` unused, unexpired secrets sent to an address, across flows and
   * kinds, so that asking again and again cannot pile up codes to guess at.
   */
  voidOlderForAddress(address: string, keep: number, now: Date): Promise<void>;
  /** Voids every unused secret of a kind for a flow (a re-sent code replaces the old one). */
  invalidateForFlow(flowId: string, kind: OneTimeSecretKind, now: Date): Promise<void>;
}

/** Six digits, uniformly random. */
export const newCode = (): string => String(randomInt(0, 1_000_000)).padStart(6, '0');

/** A link token: 32 alphanumerics (190 bits). */
export const newLinkToken = (): string => randomAlnum(32);

/**
 * Keyed digest of a code or token (HMAC-SHA256 with the server secret): a database dump reveals
 * no usable code, and six-digit codes cannot be brute-forced offline without the secret.
 */
export function secretDigest(secret: string, key: string): string {
  return createHmac('sha256', key).update(secret).digest('hex');
}

/** The brute-force limiter as code checks use it: counts one check of a code sent to an address. */
export interface CodeCheckLimiter {
  admitCodeCheck(address: string): Promise<boolean>;
}

/** Shown when the codes sent to an address were checked too often (across flows). */
export const tooManyCodeChecks = (): UiText => validationGeneric('The request was submitted too often. Please request another code.');

/**
 * Stores a new secret, first voiding the address's older unused ones beyond `maxActive` − 1 (no
 * cap when 0): asking again and again cannot pile up codes to guess at.
 */
export async function storeCappedSecret(pool: Pick<OneTimeSecretPool, 'voidOlderForAddress' | 'createSecret'>, secret: OneTimeSecret, maxActive: number): Promise<void> {
  if (maxActive > 0 && secret.address !== null) await pool.voidOlderForAddress(secret.address, maxActive - 1, secret.created_at);
  await pool.createSecret(secret);
}
