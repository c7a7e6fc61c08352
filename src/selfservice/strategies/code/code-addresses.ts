import type { Identity } from '../../../identity/identity.js';
import type { CodeAddress } from './passwordless-codes.js';

/**
 * The addresses a stored code credential config lists (`{ addresses: [{ channel, address }] }`, as
 * the identity schema's `credentials.code` derived them); entries with another channel are skipped.
 */
export function codeAddressesIn(config: Record<string, unknown> | undefined): CodeAddress[] {
  const raw = config?.addresses;
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((a: { address?: unknown; channel?: unknown }) =>
    typeof a.address === 'string' && a.address !== '' && (a.channel === 'email' || a.channel === 'sms') ? [{ value: a.address, via: a.channel as CodeAddress['via'] }] : [],
  );
}

/** The addresses of an identity's code credential, as the identity schema derived them. */
export function codeAddresses(identity: Identity): CodeAddress[] {
  return codeAddressesIn(identity.credentials.code?.config);
}

/**
 * Whether a stored code credential can serve as a second factor: it names at least one address a
 * code can be sent to (`selfservice.methods.code.mfa_enabled`).
 */
export const hasCodeAddressIn = (config: Record<string, unknown>): boolean => codeAddressesIn(config).length > 0;

/**
 * The addresses a second-factor code may go to, in the order the address buttons show them: the
 * code credential's addresses, each once, sorted by address (phone numbers, starting with `+`,
 * before email addresses). With `missing_credential_fallback_enabled` (`fallback`), an identity whose
 * code credential names no address gets its verified addresses instead. Kratos offers every
 * verifiable address there, verified or not; a code sent to an address nobody proved is no factor.
 */
export function secondFactorCodeAddresses(identity: Identity, fallback = false): CodeAddress[] {
  const seen = new Set<string>();
  const own = codeAddresses(identity);
  const candidates = own.length > 0 || !fallback ? own : verifiedAddresses(identity);
  return candidates
    .filter((a) => !seen.has(a.value) && (seen.add(a.value), true))
    .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

/** The identity's verified addresses a code can go to. */
export function verifiedAddresses(identity: Identity): CodeAddress[] {
  return identity.verifiable_addresses.filter((a) => a.verified && a.value !== '' && (a.via === 'email' || a.via === 'sms')).map((a) => ({ value: a.value, via: a.via as CodeAddress['via'] }));
}
