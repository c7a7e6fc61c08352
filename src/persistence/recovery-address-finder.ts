import type { Kysely } from 'kysely';
import type { Tables } from './tables.js';

/** A stored recovery address and the identity it belongs to. */
export interface FoundRecoveryAddress {
  identityId: string;
  value: string;
  via: string;
}

/** Finds the recovery address with this (normalised) value and channel, if any identity has it. */
export function recoveryAddressFinder(db: Kysely<Tables>) {
  return async (via: 'email' | 'sms', value: string): Promise<FoundRecoveryAddress | null> => {
    const r = await db
      .selectFrom('identity_recovery_addresses')
      .select(['identity_id', 'value', 'via'])
      .where('via', '=', via)
      .where('value', '=', value)
      .executeTakeFirst();
    return r ? { identityId: r.identity_id, value: r.value, via: r.via } : null;
  };
}
