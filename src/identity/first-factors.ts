import type { Identity } from './identity.js';

const listLength = (v: unknown): number => (Array.isArray(v) ? v.length : 0);

/**
 * How many credentials can sign the identity in on their own: a password, each linked social
 * account, each passkey and each passwordless security key. Removing one is refused when it is
 * the last (the identity would be locked out).
 */
export function countFirstFactors(i: Identity): number {
  let n = 0;
  const pw = i.credentials.password?.config;
  if (pw && (typeof pw.hashed_password === 'string' || pw.use_password_migration_hook === true)) n++;
  for (const t of ['oidc', 'saml'] as const) n += listLength(i.credentials[t]?.config.providers);
  n += listLength(i.credentials.passkey?.config.credentials);
  const webauthn = i.credentials.webauthn?.config.credentials;
  if (Array.isArray(webauthn)) n += webauthn.filter((k) => typeof k === 'object' && k !== null && (k as { is_passwordless?: unknown }).is_passwordless === true).length;
  return n;
}
