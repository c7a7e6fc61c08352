import type { Kysely, Transaction } from 'kysely';
import { newId } from '../lib/ids.js';
import type { SessionTokenExchangePool, StoredExchange } from '../session/token-exchange.js';
import { fromTime, type SqlDialect } from './dialects/sql-dialect.js';

/** Row shape of `session_token_exchanges` (migration 0012). */
export interface SessionTokenExchangesTable {
  id: string;
  flow_id: string;
  init_code_hash: string;
  return_to_code_hash: string | null;
  session_id: string | null;
  sealed_token: string | null;
  expires_at: unknown;
  created_at: unknown;
  updated_at: unknown;
}

type ExchangeDb = Kysely<{ session_token_exchanges: SessionTokenExchangesTable }>;

export class SqlSessionTokenExchangePersister implements SessionTokenExchangePool {
  private readonly db: ExchangeDb;

  constructor(
    db: Kysely<any> | Transaction<any>,
    private readonly dialect: SqlDialect,
  ) {
    this.db = db as ExchangeDb;
  }

  async createExchange(e: { flow_id: string; init_code_hash: string; expires_at: Date }, now: Date): Promise<void> {
    const t = this.dialect.toTime(now);
    await this.db
      .insertInto('session_token_exchanges')
      .values({ id: newId(), flow_id: e.flow_id, init_code_hash: e.init_code_hash, return_to_code_hash: null, session_id: null, sealed_token: null, expires_at: this.dialect.toTime(e.expires_at), created_at: t, updated_at: t })
      .execute();
  }

  async completeExchange(flowId: string, e: { return_to_code_hash: string; session_id: string; sealed_token: string }, now: Date): Promise<boolean> {
    const res = await this.db
      .updateTable('session_token_exchanges')
      .set({ return_to_code_hash: e.return_to_code_hash, session_id: e.session_id, sealed_token: e.sealed_token, updated_at: this.dialect.toTime(now) })
      .where('flow_id', '=', flowId)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async hasOpenExchange(flowId: string, now: Date): Promise<boolean> {
    const row = await this.db
      .selectFrom('session_token_exchanges')
      .select('id')
      .where('flow_id', '=', flowId)
      .where('session_id', 'is', null)
      .where('expires_at', '>', this.dialect.toTime(now))
      .executeTakeFirst();
    return row !== undefined;
  }

  async findByInitCodeHash(initCodeHash: string): Promise<StoredExchange | null> {
    const row = await this.db.selectFrom('session_token_exchanges').selectAll().where('init_code_hash', '=', initCodeHash).executeTakeFirst();
    if (!row) return null;
    return {
      id: row.id,
      flow_id: row.flow_id,
      init_code_hash: row.init_code_hash,
      return_to_code_hash: row.return_to_code_hash,
      session_id: row.session_id,
      sealed_token: row.sealed_token,
      expires_at: fromTime(row.expires_at),
    };
  }

  async deleteExchange(id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('session_token_exchanges').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
