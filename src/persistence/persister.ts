import type { IdentityPool } from '../identity/pool.js';
import { Database } from './database.js';
import { SqlIdentityPersister } from './identity-persister.js';

/** All repositories over one database; what the registry hands to the domains. */
export interface Persister {
  readonly database: Database;
  readonly identities: IdentityPool;
}

export function createPersister(database: Database): Persister {
  return {
    database,
    identities: new SqlIdentityPersister(database.db, database.dialect),
  };
}
