import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { SqlDialect } from '../dialects/sql-dialect.js';
import * as m0001 from './0001-identities.js';
import * as m0002 from './0002-sessions.js';
import * as m0003 from './0003-selfservice-flows.js';
import * as m0004 from './0004-courier.js';
import * as m0005 from './0005-selfservice-codes.js';
import * as m0006 from './0006-dev-mailbox.js';
import * as m0007 from './0007-web-hook-deliveries.js';
import * as m0008 from './0008-security-throttle.js';
import * as m0009 from './0009-courier-email-settings.js';
import * as m0012 from './0012-session-token-exchanges.js';
import * as m0013 from './0013-courier-rendered-html.js';
import * as m0014 from './0014-second-factor-uses.js';
import * as m0015 from './0015-identity-version.js';

interface MigrationModule {
  name: string;
  up(db: Kysely<unknown>, d: SqlDialect): Promise<void>;
  down?(db: Kysely<unknown>, d: SqlDialect): Promise<void>;
}

/** Every migration in order. Names sort lexically; never rename or edit one that has shipped. */
export const MIGRATIONS: readonly MigrationModule[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008, m0009, m0012, m0013, m0014, m0015];

export function migrationProvider(dialect: SqlDialect): MigrationProvider {
  return {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const m of MIGRATIONS) {
        out[m.name] = {
          up: (db) => m.up(db, dialect),
          down: m.down ? (db) => m.down!(db, dialect) : undefined,
        };
      }
      return out;
    },
  };
}
