import type { AuthenticatorTransportFuture } from '@simplewebauthn/server';
import type { Identity } from '../../../identity/identity.js';

/**
 * One security key as Kratos stores it inside the `webauthn` credential's config. Byte fields are
 * standard base64 with padding (how Go encodes `[]byte`), so identities move between Kratos and
 * Tessera through the admin API unchanged.
 */
export interface StoredWebAuthnCredential {
  /** The credential id (raw bytes). */
  id: string;
  /** The COSE public key. */
  public_key: string;
  attestation_type: string;
  authenticator?: { aaguid: string; sign_count: number; clone_warning: boolean };
  display_name: string;
  added_at: string;
  is_passwordless: boolean;
  flags?: { user_present: boolean; user_verified: boolean; backup_eligible: boolean; backup_state: boolean };
  transport?: string[];
}

/** The `webauthn` credential's config: every key of the identity and the user handle they were made for. */
export interface WebAuthnCredentialsConfig {
  credentials: StoredWebAuthnCredential[];
  /** The WebAuthn user handle: the identity id's 16 bytes. */
  user_handle: string;
}

export const bytesToStd = (b: Uint8Array): string => Buffer.from(b).toString('base64');
export const stdToBytes = (s: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(s, 'base64'));
export const base64urlToStd = (s: string): string => Buffer.from(s, 'base64url').toString('base64');
export const stdToBase64url = (s: string): string => Buffer.from(s, 'base64').toString('base64url');

/** The identity id as WebAuthn user handle bytes (the UUID's 16 bytes, as Kratos uses). */
export function userHandleOf(identityId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(identityId.replace(/-/g, ''), 'hex'));
}

/** The keys stored in a `webauthn` credential config; malformed entries are left out. */
export function storedCredentialsIn(config: Record<string, unknown> | undefined): StoredWebAuthnCredential[] {
  const list = config?.credentials;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (c): c is StoredWebAuthnCredential =>
      typeof c === 'object' && c !== null && typeof (c as StoredWebAuthnCredential).id === 'string' && typeof (c as StoredWebAuthnCredential).public_key === 'string',
  );
}

/** The identity's keys for the given use: second factor (not passwordless) or first factor (passwordless). */
export function keysOf(identity: Identity, passwordless: boolean): StoredWebAuthnCredential[] {
  return keysIn(identity.credentials.webauthn?.config, passwordless);
}

export function keysIn(config: Record<string, unknown> | undefined, passwordless: boolean): StoredWebAuthnCredential[] {
  return storedCredentialsIn(config).filter((c) => Boolean(c.is_passwordless) === passwordless);
}

/** How a key is named in `webauthn_remove`: its id's bytes in lower-case hex, as Kratos does. */
export const removalId = (c: StoredWebAuthnCredential): string => Buffer.from(c.id, 'base64').toString('hex');

export const transportsOf = (c: StoredWebAuthnCredential): AuthenticatorTransportFuture[] | undefined =>
  Array.isArray(c.transport) ? (c.transport.filter((t) => typeof t === 'string') as AuthenticatorTransportFuture[]) : undefined;

/**
 * The identity with the signature counter of its key `keyId` (in its `type` credential) moved to
 * `counter`, so an assertion with an older counter (a cloned key) is refused next time; null when
 * it has no such credential.
 */
export function withSignCount(identity: Identity, type: 'webauthn' | 'passkey', keyId: string, counter: number, now: Date): Identity | null {
  const cred = identity.credentials[type];
  if (!cred) return null;
  const config = cred.config as unknown as WebAuthnCredentialsConfig;
  const credentials = storedCredentialsIn(cred.config).map((c) =>
    c.id === keyId ? { ...c, authenticator: { aaguid: c.authenticator?.aaguid ?? '', clone_warning: false, sign_count: counter } } : c,
  );
  const updated: Identity = structuredClone(identity);
  updated.credentials[type] = { ...cred, config: { ...config, credentials } as unknown as Record<string, unknown>, updated_at: now };
  return updated;
}
