import type { Kysely } from 'kysely';
import type { Tables } from './tables.js';

/** Finds which identity owns a verifiable address (verification of an address typed by a user). */
export class SqlVerifiableAddressFinder {
  constructor(private readonly db: Kysely<Tables>) {}

  async identityIdForAddress(via: string, value: string): Promise<string | null> {
    const row = await this.db.selectFrom('identity_verifiable_addresses').select('identity_id').where('via', '=', via).where('value', '=', value).executeTakeFirst();
    return row ? String(row.identity_id) : null;
  }
}
