import type { IdentityPool } from '../identity/pool.js';
import { Database } from './database.js';
import { SqlIdentityPersister } from './identity-persister.js';
import { SqlSessionPersister } from './session-persister.js';
import type { SessionPool } from '../session/pool.js';
import { SqlFlowPersister } from './flow-persister.js';
import { SqlCourierPersister } from './courier-persister.js';
import type { CourierQueue } from '../courier/queue.js';
import type { ErrorPool, FlowPool } from '../selfservice/flow/flow.js';

/** All repositories over one database; what the registry hands to the domains. */
export interface Persister {
  readonly database: Database;
  readonly identities: IdentityPool;
  readonly sessions: SessionPool;
  readonly flows: FlowPool;
  readonly errors: ErrorPool;
  readonly courier: CourierQueue;
}

export function createPersister(database: Database): Persister {
  const identities = new SqlIdentityPersister(database.db, database.dialect);
  const flows = new SqlFlowPersister(database.db, database.dialect);
  return {
    database,
    identities,
    flows,
    errors: flows,
    courier: new SqlCourierPersister(database.db, database.dialect),
    sessions: new SqlSessionPersister(database.db, database.dialect, identities),
  };
}
