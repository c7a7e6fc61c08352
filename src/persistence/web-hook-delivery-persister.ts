import { sql, type ExpressionBuilder } from 'kysely';
import { inTransaction, type Db } from './tx.js';
import type {
  AttemptOutcome,
  AttemptRecord,
  ListWebHookDeliveriesParams,
  NewWebHookDelivery,
  WebHookDelivery,
  WebHookDeliveryAttempt,
  WebHookDeliveryQueue,
  WebHookDeliveryStatus,
} from '../selfservice/hooks/web-hook/delivery-queue.js';
import { newId } from '../lib/ids.js';
import { fromNullableTime, fromTime, type SqlDialect } from './dialects/sql-dialect.js';
import type { Tables } from './tables.js';

type Eb = ExpressionBuilder<Tables, 'web_hook_deliveries'>;

type Row = Tables['web_hook_deliveries'];

export class SqlWebHookDeliveryPersister implements WebHookDeliveryQueue {
  constructor(
    private readonly db: Db,
    private readonly dialect: SqlDialect,
  ) {}

  async enqueue(d: NewWebHookDelivery, now: Date): Promise<WebHookDelivery> {
    const t = this.dialect.toTime;
    const row: Row = {
      id: newId(),
      hook_ref: d.hookRef,
      hook_id: d.hookId,
      url: d.url,
      method: d.method,
      body: d.body,
      status: 'queued',
      attempt_count: 0,
      last_status_code: null,
      last_error: null,
      next_attempt_at: t(now),
      lease_until: null,
      leased_by: null,
      delivered_at: null,
      created_at: t(now),
      updated_at: t(now),
    };
    await this.db.insertInto('web_hook_deliveries').values(row).execute();
    return fromRow(row);
  }

  /**
   * Due deliveries: processing ones whose worker let the lease run out, then queued ones whose time
   * has come, oldest first. PostgreSQL and MySQL lock the candidates with SKIP LOCKED so concurrent
   * workers take disjoint sets; on SQLite (one writer) each claim is a conditional update only one
   * worker wins.
   */
  async claim(workerId: string, limit: number, leaseMs: number, now: Date): Promise<WebHookDelivery[]> {
    const t = this.dialect.toTime;
    const nowDb = t(now) as never;
    const leaseRanOut = (eb: Eb) => eb.and([eb('status', '=', 'processing'), eb('lease_until', '<', nowDb)]);
    const dueNow = (eb: Eb) => eb.and([eb('status', '=', 'queued'), eb('next_attempt_at', '<=', nowDb)]);
    const due = (eb: Eb) => eb.or([leaseRanOut(eb), dueNow(eb)]);
    return inTransaction(this.db, async (trx) => {
      // Each kind is a range of the (status, next_attempt_at) index read in order: a claim never
      // sorts the whole backlog (as ORing both kinds in one query made the databases do).
      const candidates: string[] = [];
      for (const kind of [leaseRanOut, dueNow]) {
        const n = limit - candidates.length;
        if (n <= 0) break;
        let q = trx.selectFrom('web_hook_deliveries').select('id').where(kind).orderBy('next_attempt_at').limit(n);
        if (this.dialect.supportsSkipLocked) q = q.forUpdate().skipLocked();
        candidates.push(...(await q.execute()).map((r) => r.id));
      }
      const claimed: string[] = [];
      for (const id of candidates) {
        const res = await trx
          .updateTable('web_hook_deliveries')
          .set({ status: 'processing', lease_until: t(new Date(now.getTime() + leaseMs)), leased_by: workerId, updated_at: t(now) })
          .where('id', '=', id)
          .where(due)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) === 1) claimed.push(id);
      }
      if (claimed.length === 0) return [];
      const rows = await trx.selectFrom('web_hook_deliveries').selectAll().where('id', 'in', claimed).orderBy('next_attempt_at').orderBy('id').execute();
      return rows.map(fromRow);
    });
  }

  async recordAttempt(id: string, workerId: string, a: AttemptRecord, outcome: AttemptOutcome, now: Date): Promise<boolean> {
    const t = this.dialect.toTime;
    return inTransaction(this.db, async (trx) => {
      await trx
        .insertInto('web_hook_delivery_attempts')
        .values({ id: newId(), delivery_id: id, attempt: a.attempt, status_code: a.statusCode, error: a.error, duration_ms: Math.round(a.durationMs), created_at: t(now) })
        .execute();
      const res = await trx
        .updateTable('web_hook_deliveries')
        .set({
          status: outcome.status,
          attempt_count: sql`attempt_count + 1`,
          last_status_code: a.statusCode,
          last_error: a.error,
          next_attempt_at: t(outcome.status === 'queued' ? outcome.retryAt : now),
          lease_until: null,
          leased_by: null,
          ...(outcome.status === 'delivered' ? { delivered_at: t(now) } : {}),
          updated_at: t(now),
        })
        .where('id', '=', id)
        .where('status', '=', 'processing')
        .where('leased_by', '=', workerId)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    });
  }

  async get(id: string): Promise<(WebHookDelivery & { attempts: WebHookDeliveryAttempt[] }) | null> {
    const row = await this.db.selectFrom('web_hook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    const attempts = await this.db.selectFrom('web_hook_delivery_attempts').selectAll().where('delivery_id', '=', id).orderBy('attempt').orderBy('created_at').execute();
    return {
      ...fromRow(row),
      attempts: attempts.map((r) => ({
        id: r.id,
        deliveryId: r.delivery_id,
        attempt: Number(r.attempt),
        statusCode: r.status_code === null ? null : Number(r.status_code),
        error: r.error,
        durationMs: Number(r.duration_ms),
        createdAt: fromTime(r.created_at),
      })),
    };
  }

  async list(p: ListWebHookDeliveriesParams): Promise<{ deliveries: WebHookDelivery[]; hasMore: boolean }> {
    let q = this.db.selectFrom('web_hook_deliveries').selectAll();
    if (p.status) q = q.where('status', '=', p.status);
    if (p.afterId) q = q.where('id', '>', p.afterId);
    const rows = await q.orderBy('id').limit(p.limit + 1).execute();
    return { deliveries: rows.slice(0, p.limit).map(fromRow), hasMore: rows.length > p.limit };
  }
}

function fromRow(r: Row): WebHookDelivery {
  return {
    id: r.id,
    hookRef: r.hook_ref,
    hookId: r.hook_id,
    url: r.url,
    method: r.method,
    body: r.body,
    status: r.status as WebHookDeliveryStatus,
    attemptCount: Number(r.attempt_count),
    lastStatusCode: r.last_status_code === null ? null : Number(r.last_status_code),
    lastError: r.last_error,
    nextAttemptAt: fromTime(r.next_attempt_at),
    deliveredAt: fromNullableTime(r.delivered_at),
    createdAt: fromTime(r.created_at),
    updatedAt: fromTime(r.updated_at),
  };
}
