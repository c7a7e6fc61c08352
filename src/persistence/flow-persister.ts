import type { Db } from './tx.js';
import type { ErrorPool, Flow, FlowKind, FlowPool, StoredError } from '../selfservice/flow/flow.js';
import { fromTime, type SqlDialect } from './dialects/sql-dialect.js';
import type { Tables } from './tables.js';

export class SqlFlowPersister implements FlowPool, ErrorPool {
  constructor(
    private readonly db: Db,
    private readonly dialect: SqlDialect,
  ) {}

  private row(f: Flow): Tables['selfservice_flows'] {
    const t = this.dialect.toTime;
    return {
      id: f.id,
      kind: f.kind,
      type: f.type,
      state: f.state,
      identity_id: f.identity_id,
      expires_at: t(f.expires_at),
      issued_at: t(f.issued_at),
      request_url: f.request_url,
      return_to: f.return_to,
      active: f.active,
      csrf_token: f.csrf_token,
      ui: JSON.stringify(f.ui),
      data: JSON.stringify(f.data),
      created_at: t(f.created_at),
      updated_at: t(f.updated_at),
    };
  }

  async createFlow(f: Flow): Promise<void> {
    await this.db.insertInto('selfservice_flows').values(this.row(f)).execute();
  }

  /** The update that writes every column of the flow but its keys and creation time. */
  private updateOf(f: Flow) {
    const { id, kind, created_at, ...rest } = this.row(f);
    void created_at;
    return this.db.updateTable('selfservice_flows').set(rest).where('id', '=', id).where('kind', '=', kind);
  }

  async updateFlow(f: Flow): Promise<void> {
    let q = this.updateOf(f);
    // A submission that lost the race for completion must not write its stale state over the winner's.
    if (f.state !== 'passed_challenge') q = q.where('state', '!=', 'passed_challenge');
    await q.execute();
  }

  async updateFlowIfState(f: Flow, from: string): Promise<boolean> {
    const res = await this.updateOf(f).where('state', '=', from).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async transitionState(id: string, kind: FlowKind, from: string, to: string): Promise<boolean> {
    const res = await this.db
      .updateTable('selfservice_flows')
      .set({ state: to, updated_at: this.dialect.toTime(new Date()) })
      .where('id', '=', id)
      .where('kind', '=', kind)
      .where('state', '=', from)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async getFlow(id: string, kind: FlowKind): Promise<Flow | null> {
    const r = await this.db.selectFrom('selfservice_flows').selectAll().where('id', '=', id).where('kind', '=', kind).executeTakeFirst();
    if (!r) return null;
    return {
      id: r.id,
      kind: r.kind as FlowKind,
      type: r.type as Flow['type'],
      state: r.state,
      identity_id: r.identity_id,
      expires_at: fromTime(r.expires_at),
      issued_at: fromTime(r.issued_at),
      request_url: r.request_url,
      return_to: r.return_to,
      active: r.active,
      csrf_token: r.csrf_token,
      ui: JSON.parse(r.ui) as Flow['ui'],
      data: JSON.parse(r.data) as Flow['data'],
      created_at: fromTime(r.created_at),
      updated_at: fromTime(r.updated_at),
    };
  }

  async createError(e: StoredError): Promise<void> {
    const t = this.dialect.toTime;
    await this.db
      .insertInto('selfservice_errors')
      .values({ id: e.id, error: JSON.stringify(e.error), csrf_token: e.csrf_token, seen_at: null, created_at: t(e.created_at), updated_at: t(e.updated_at) })
      .execute();
  }

  async getError(id: string): Promise<StoredError | null> {
    const r = await this.db.selectFrom('selfservice_errors').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) return null;
    return { id: r.id, error: JSON.parse(r.error) as Record<string, unknown>, csrf_token: r.csrf_token, created_at: fromTime(r.created_at), updated_at: fromTime(r.updated_at) };
  }
}
