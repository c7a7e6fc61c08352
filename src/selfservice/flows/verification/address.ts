import type { Identity, VerifiableAddress } from '../../../identity/identity.js';
import type { VerificationRepositories } from './strategy.js';

/** Records that a message went to a pending address (`status: sent`), as Kratos does. */
export async function markAddressSent(repos: VerificationRepositories, identity: Identity, address: VerifiableAddress, now: Date): Promise<void> {
  if (address.verified || address.status !== 'pending') return;
  address.status = 'sent';
  address.updated_at = now;
  await repos.identities.updateIdentity(identity);
}

/** Whole minutes, for the `ExpiresInMinutes` template field. */
export const minutes = (ms: number): number => Math.round(ms / 60000);
