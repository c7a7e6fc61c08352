/** What a provider told Tessera about the user after a successful code exchange (or a verified ID token). */
export interface ProviderResult {
  /** Kratos's claims shape: the standard claims at the top, everything in `raw_claims`. */
  claims: OidcClaims;
  tokens: { id_token: string; access_token: string; refresh_token: string };
}

export interface OidcClaims extends Record<string, unknown> {
  iss: string;
  sub: string;
  raw_claims: Record<string, unknown>;
}

// The claims Kratos lifts to the top level of the mapper's `claims` (its Claims struct).
const STANDARD_CLAIMS = [
  'iss', 'sub', 'name', 'given_name', 'family_name', 'last_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture',
  'website', 'email', 'email_verified', 'gender', 'birthdate', 'zoneinfo', 'locale', 'phone_number', 'phone_number_verified', 'updated_at', 'hd', 'team', 'nonce',
] as const;

/**
 * Kratos's claims from what a provider answered: the standard ones at the top (empty strings left
 * out, as Kratos's `omitempty` does), the whole answer in `raw_claims`.
 */
export function toKratosClaims(raw: Record<string, unknown>): OidcClaims {
  const out: Record<string, unknown> = {};
  for (const k of STANDARD_CLAIMS) if (raw[k] !== undefined && raw[k] !== null && raw[k] !== '') out[k] = raw[k];
  // Kratos accepts `email_verified` as a string too ("true").
  if (typeof out.email_verified === 'string') out.email_verified = out.email_verified === 'true';
  if (typeof out.phone_number_verified === 'string') out.phone_number_verified = out.phone_number_verified === 'true';
  // LinkedIn writes the locale as an object ({"language":"en","country":"US"}); Kratos reads it as "en-US".
  if (typeof out.locale === 'object' && out.locale !== null && !Array.isArray(out.locale)) {
    const { language, country } = out.locale as { language?: unknown; country?: unknown };
    const parts = [language, country].filter((p): p is string => typeof p === 'string' && p !== '');
    if (parts.length > 0) out.locale = parts.join('-');
    else delete out.locale;
  }
  return { ...out, iss: String(raw.iss ?? ''), sub: String(raw.sub), raw_claims: raw };
}
