import { badRequest } from '../errors/kratos-error.js';

/** WebAuthn keys as an admin imports them (Kratos's `identityCredentialsWebAuthnList` plus the user handle). */
export interface ImportWebAuthnConfig {
  credentials?: unknown[];
  /** Bytes: a JSON array of numbers (as api.json describes it) or standard base64 (as Go encodes `[]byte`). */
  user_handle?: unknown;
}

/** Imported second-factor and passkey credentials (the `totp`, `lookup_secret`, `webauthn` and `passkey` members of `identityWithCredentials`). */
export interface ImportFactorCredentials {
  totp?: { config?: { totp_url?: string } };
  lookup_secret?: { config?: { codes?: Array<{ code?: unknown; used_at?: unknown }> } };
  webauthn?: { config?: ImportWebAuthnConfig };
  passkey?: { config?: ImportWebAuthnConfig };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Bytes given as standard base64 (or base64url), or as an array of byte values; null when absent or malformed. */
export function importedBytes(v: unknown): Buffer | null {
  if (Array.isArray(v)) {
    if (!v.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) return null;
    return Buffer.from(v as number[]);
  }
  if (typeof v !== 'string') return null;
  if (BASE64.test(v)) return Buffer.from(v, 'base64');
  if (BASE64URL.test(v)) return Buffer.from(v, 'base64url');
  return null;
}

/** The `totp_url` of an imported TOTP credential, checked to be an otpauth TOTP URL with a base32 secret. */
export function importedTotpUrl(raw: string | undefined): string {
  let url: URL;
  try {
    url = new URL(raw ?? '');
  } catch {
    throw badRequest('Unable to import the TOTP credential: totp_url must be an otpauth://totp/ URL.');
  }
  const secret = url.searchParams.get('secret') ?? '';
  if (url.protocol !== 'otpauth:' || url.host.toLowerCase() !== 'totp' || !/^[A-Za-z2-7]+=*$/.test(secret)) {
    throw badRequest('Unable to import the TOTP credential: totp_url must be an otpauth://totp/ URL with a base32 secret.');
  }
  return url.toString();
}

/** Imported backup codes in clear, with when each was used (if it was). */
export function importedLookupCodes(raw: Array<{ code?: unknown; used_at?: unknown }> | undefined): Array<{ code: string; used_at: string | null }> {
  if (!Array.isArray(raw) || raw.length === 0) throw badRequest('Unable to import the lookup_secret credential: config.codes must list at least one code.');
  return raw.map((c) => {
    if (typeof c?.code !== 'string' || c.code.trim() === '') throw badRequest('Unable to import the lookup_secret credential: each code needs a non-empty `code`.');
    let usedAt: string | null = null;
    if (c.used_at !== undefined && c.used_at !== null && c.used_at !== '' && c.used_at !== '0001-01-01T00:00:00Z') {
      const d = new Date(String(c.used_at));
      if (Number.isNaN(d.getTime())) throw badRequest('Unable to import the lookup_secret credential: used_at must be a date-time.');
      usedAt = d.toISOString();
    }
    return { code: c.code.trim(), used_at: usedAt };
  });
}

/**
 * Imported WebAuthn keys in the stored shape (byte fields as standard base64). Each needs an id and
 * a COSE public key; the rest defaults as a freshly registered key would have it.
 */
export function importedWebAuthnKeys(config: ImportWebAuthnConfig | undefined, passwordless: boolean | undefined, type: 'webauthn' | 'passkey', now: Date): Array<Record<string, unknown>> {
  const list = config?.credentials;
  if (!Array.isArray(list) || list.length === 0) throw badRequest(`Unable to import the ${type} credential: config.credentials must list at least one key.`);
  return list.map((raw, i) => {
    const c = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const id = importedBytes(c.id);
    const publicKey = importedBytes(c.public_key);
    if (!id || id.length === 0 || !publicKey || publicKey.length === 0) {
      throw badRequest(`Unable to import the ${type} credential: credentials[${i}] needs its id and public_key (base64).`);
    }
    const a = (typeof c.authenticator === 'object' && c.authenticator !== null ? c.authenticator : {}) as Record<string, unknown>;
    const signCount = Number.isInteger(a.sign_count) && (a.sign_count as number) >= 0 ? (a.sign_count as number) : 0;
    const aaguid = importedBytes(a.aaguid) ?? Buffer.alloc(16);
    const added = typeof c.added_at === 'string' && !Number.isNaN(new Date(c.added_at).getTime()) ? new Date(c.added_at) : now;
    return {
      id: id.toString('base64'),
      public_key: publicKey.toString('base64'),
      attestation_type: typeof c.attestation_type === 'string' ? c.attestation_type : 'none',
      authenticator: { aaguid: aaguid.toString('base64'), sign_count: signCount, clone_warning: a.clone_warning === true },
      display_name: typeof c.display_name === 'string' ? c.display_name : '',
      added_at: added.toISOString(),
      is_passwordless: passwordless ?? c.is_passwordless === true,
      ...(typeof c.flags === 'object' && c.flags !== null ? { flags: c.flags } : {}),
      ...(Array.isArray(c.transport) ? { transport: c.transport.filter((t) => typeof t === 'string') } : {}),
    };
  });
}
