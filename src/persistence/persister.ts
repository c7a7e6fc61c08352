import type { IdentityPool } from '../identity/pool.js';
import { Database } from './database.js';
import { SqlIdentityPersister } from './identity-persister.js';
import { SqlSessionPersister } from './session-persister.js';
import type { SessionPool } from '../session/pool.js';
import { SqlFlowPersister } from './flow-persister.js';
import { SqlCourierPersister } from './courier-persister.js';
import type { CourierQueue } from '../courier/queue.js';
import { SqlCourierSettingsPersister } from './courier-settings-persister.js';
import type { CourierSettingsStore } from '../courier/settings/store.js';
import { SqlOneTimeSecretPersister } from './code-persister.js';
import type { OneTimeSecretPool } from '../selfservice/flow/one-time-secret.js';
import type { Transaction } from 'kysely';
import { SqlSecondFactorUsePersister } from './second-factor-use-persister.js';
import type { SecondFactorUses } from '../identity/second-factor-uses.js';
import type { Tables } from './tables.js';
import type { ErrorPool, FlowPool } from '../selfservice/flow/flow.js';
import { SqlWebHookDeliveryPersister } from './web-hook-delivery-persister.js';
import type { WebHookDeliveryQueue } from '../selfservice/hooks/web-hook/delivery-queue.js';

/** All repositories over one database; what the registry hands to the domains. */
export interface Persister {
  readonly database: Database;
  readonly identities: IdentityPool;
  readonly sessions: SessionPool;
  readonly flows: FlowPool;
  readonly errors: ErrorPool;
  readonly courier: CourierQueue;
  /** Runtime courier settings (admin API). */
  readonly courierSettings: CourierSettingsStore;
  readonly secrets: OneTimeSecretPool;
  /** The durable outbox of background (`response.ignore`) web hooks. */
  readonly webHookDeliveries: WebHookDeliveryQueue;
  /** Spent TOTP steps and backup codes. */
  readonly secondFactorUses: SecondFactorUses;
  /**
   * Runs `fn` with repositories bound to one transaction: a flow change, the one-time secret it
   * issues, the message that carries it and any identity change commit or roll back together.
   */
  transaction<T>(fn: (tx: TransactionalRepositories) => Promise<T>): Promise<T>;
}

export interface TransactionalRepositories {
  readonly identities: IdentityPool;
  readonly flows: FlowPool & ErrorPool;
  readonly courier: CourierQueue;
  readonly secrets: OneTimeSecretPool;
}

function repositories(db: Transaction<Tables>, dialect: Database['dialect']): TransactionalRepositories {
  return {
    identities: new SqlIdentityPersister(db, dialect),
    flows: new SqlFlowPersister(db, dialect),
    courier: new SqlCourierPersister(db, dialect),
    secrets: new SqlOneTimeSecretPersister(db, dialect),
  };
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
    courierSettings: new SqlCourierSettingsPersister(database.db, database.dialect),
    secrets: new SqlOneTimeSecretPersister(database.db, database.dialect),
    webHookDeliveries: new SqlWebHookDeliveryPersister(database.db, database.dialect),
    secondFactorUses: new SqlSecondFactorUsePersister(database.db, database.dialect),
    transaction: (fn) => database.db.transaction().execute((trx) => fn(repositories(trx, database.dialect))),
    sessions: new SqlSessionPersister(database.db, database.dialect, identities),
  };
}
