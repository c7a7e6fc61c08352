import type { Identity } from '../../../identity/identity.js';
import type { Cipher } from '../../../lib/cipher.js';
import { newId } from '../../../lib/ids.js';
import type { ProviderResult } from './claims.js';

/** One entry of an `oidc` credential's `config.providers`, as Kratos stores it (tokens encrypted with `secrets.cipher`). */
export interface OidcProviderEntry extends Record<string, unknown> {
  subject: string;
  provider: string;
  initial_id_token: string;
  initial_access_token: string;
  initial_refresh_token: string;
}

/** `<provider>:<subject>`: the identifier of an `oidc` credential, as Kratos writes it. */
export const oidcIdentifier = (provider: string, subject: string) => `${provider}:${subject}`;

export function providerEntry(providerId: string, result: ProviderResult, cipher: Cipher): OidcProviderEntry {
  return {
    subject: result.claims.sub,
    provider: providerId,
    initial_id_token: cipher.encrypt(result.tokens.id_token),
    initial_access_token: cipher.encrypt(result.tokens.access_token),
    initial_refresh_token: cipher.encrypt(result.tokens.refresh_token),
  };
}

export function linkedEntries(identity: Identity): OidcProviderEntry[] {
  const providers = identity.credentials.oidc?.config.providers;
  return Array.isArray(providers) ? (providers as OidcProviderEntry[]) : [];
}

/** Adds (or replaces, for the same provider and subject) a provider entry and its identifier. */
export function addProviderEntry(identity: Identity, entry: OidcProviderEntry, now = new Date()): void {
  const id = oidcIdentifier(entry.provider, entry.subject);
  const existing = identity.credentials.oidc;
  const entries = linkedEntries(identity).filter((e) => oidcIdentifier(e.provider, e.subject) !== id);
  identity.credentials.oidc = {
    id: existing?.id ?? newId(),
    type: 'oidc',
    identifiers: [...(existing?.identifiers ?? []).filter((i) => i !== id), id],
    config: { ...(existing?.config ?? {}), providers: [...entries, entry] },
    version: existing?.version ?? 0,
    created_at: existing?.created_at ?? now,
    updated_at: now,
  };
}

/** Removes one provider's entries and identifiers; the credential goes when nothing is left. */
export function removeProvider(identity: Identity, providerId: string): void {
  const existing = identity.credentials.oidc;
  if (!existing) return;
  const entries = linkedEntries(identity).filter((e) => e.provider !== providerId);
  const identifiers = existing.identifiers.filter((i) => !i.startsWith(`${providerId}:`));
  if (entries.length === 0 && identifiers.length === 0) {
    delete identity.credentials.oidc;
    return;
  }
  identity.credentials.oidc = { ...existing, identifiers, config: { ...existing.config, providers: entries }, updated_at: new Date() };
}
