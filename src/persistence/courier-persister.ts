import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { updateThrottleRow } from './throttle-persister.js';
import { admitWindowAttempt } from '../security/throttle.js';
import { inTransaction, type Db } from './tx.js';
import type { CourierQueue, ListMessagesParams, MessageDispatch, NewMessage, QueuedMessage } from '../courier/queue.js';
import type { MessageStatus, MessageType, TemplateData, TemplateType } from '../courier/message.js';
import { newId } from '../lib/ids.js';
import { storableText } from './storable-text.js';
import { fromTime, type SqlDialect } from './dialects/sql-dialect.js';
import type { Tables } from './tables.js';

type Row = Tables['courier_messages'];

export class SqlCourierPersister implements CourierQueue {
  constructor(
    private readonly db: Db,
    private readonly dialect: SqlDialect,
  ) {}

  private row(m: NewMessage, status: MessageStatus, now: Date): Row {
    const t = this.dialect.toTime;
    return {
      id: newId(),
      type: m.type,
      status,
      channel: m.channel,
      recipient: m.recipient,
      subject: '',
      body: '',
      template_type: m.template_type,
      template_data: JSON.stringify(m.template_data),
      send_count: 0,
      next_attempt_at: t(now),
      lease_until: null,
      leased_by: null,
      created_at: t(now),
      updated_at: t(now),
    };
  }

  async enqueue(m: NewMessage, now: Date): Promise<QueuedMessage> {
    const row = this.row(m, 'queued', now);
    await this.db.insertInto('courier_messages').values(row).execute();
    return fromRow(row);
  }

  async recordSuppressed(m: NewMessage, reason: string, now: Date): Promise<QueuedMessage> {
    const row = this.row(m, 'abandoned', now);
    const t = this.dialect.toTime;
    await inTransaction(this.db, async (trx) => {
      await trx.insertInto('courier_messages').values(row).execute();
      await trx
        .insertInto('courier_message_dispatches')
        .values({ id: newId(), message_id: row.id, status: 'failed', error: JSON.stringify({ reason, suppressed: true }), created_at: t(now), updated_at: t(now) })
        .execute();
    });
    return fromRow(row);
  }

  async enqueueWithinLimit(m: NewMessage, limit: { max: number; windowMs: number; reason: string }, now: Date): Promise<QueuedMessage> {
    return inTransaction(this.db, async (trx) => {
      // The count lives in a limiter row locked until the caller's transaction ends: no read of the
      // queue itself, so no snapshot (MySQL's repeatable read) can hide what another caller just added.
      const key = `courier_recipient:${createHash('sha256').update(`${m.template_type}\0${m.recipient}`).digest('hex')}`;
      const decision = await updateThrottleRow(trx, this.dialect, key, 'courier_recipient', now, (c) => admitWindowAttempt({ max: limit.max, windowMs: limit.windowMs }, c, now));
      const queue = new SqlCourierPersister(trx, this.dialect);
      return decision.admitted ? queue.enqueue(m, now) : queue.recordSuppressed(m, limit.reason, now);
    });
  }

  async countRecent(recipient: string, templateType: TemplateType, since: Date): Promise<number> {
    const r = await this.db
      .selectFrom('courier_messages')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('recipient', '=', recipient)
      .where('template_type', '=', templateType)
      .where('created_at', '>', this.dialect.toTime(since) as never)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * Claims due messages: queued ones whose next attempt is due, and processing ones whose lease ran
   * out (their worker died). PostgreSQL and MySQL lock the candidates with SKIP LOCKED so concurrent
   * workers take disjoint sets; SQLite has one writer, and every claim is a conditional update that
   * only one worker can win.
   */
  async claim(workerId: string, limit: number, leaseMs: number, now: Date): Promise<QueuedMessage[]> {
    const t = this.dialect.toTime;
    const nowDb = t(now) as never;
    const leaseUntil = t(new Date(now.getTime() + leaseMs));
    return inTransaction(this.db, async (trx) => {
      let q = trx
        .selectFrom('courier_messages')
        .select('id')
        .where((eb) =>
          eb.or([eb.and([eb('status', '=', 'queued'), eb('next_attempt_at', '<=', nowDb)]), eb.and([eb('status', '=', 'processing'), eb('lease_until', '<', nowDb)])]),
        )
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(limit);
      if (this.dialect.supportsSkipLocked) q = q.forUpdate().skipLocked();
      const candidates = (await q.execute()).map((r) => r.id);
      if (candidates.length === 0) return [];
      const claimed: string[] = [];
      for (const id of candidates) {
        const res = await trx
          .updateTable('courier_messages')
          .set({ status: 'processing', lease_until: leaseUntil, leased_by: workerId, updated_at: t(now) })
          .where('id', '=', id)
          .where((eb) =>
            eb.or([eb.and([eb('status', '=', 'queued'), eb('next_attempt_at', '<=', nowDb)]), eb.and([eb('status', '=', 'processing'), eb('lease_until', '<', nowDb)])]),
          )
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) === 1) claimed.push(id);
      }
      if (claimed.length === 0) return [];
      const rows = await trx.selectFrom('courier_messages').selectAll().where('id', 'in', claimed).orderBy('next_attempt_at').orderBy('id').execute();
      return rows.map(fromRow);
    });
  }

  async markSent(id: string, rendered: { subject: string; body: string }, now: Date): Promise<void> {
    const t = this.dialect.toTime;
    await inTransaction(this.db, async (trx) => {
      await trx
        .updateTable('courier_messages')
        .set({ status: 'sent', subject: storableText(rendered.subject), body: storableText(rendered.body), send_count: sql`send_count + 1`, lease_until: null, leased_by: null, updated_at: t(now) })
        .where('id', '=', id)
        .execute();
      await trx.insertInto('courier_message_dispatches').values({ id: newId(), message_id: id, status: 'success', error: null, created_at: t(now), updated_at: t(now) }).execute();
    });
  }

  async defer(id: string, until: Date, now: Date): Promise<void> {
    const t = this.dialect.toTime;
    await this.db
      .updateTable('courier_messages')
      .set({ status: 'queued', next_attempt_at: t(until), lease_until: null, leased_by: null, updated_at: t(now) })
      .where('id', '=', id)
      .execute();
  }

  async markFailed(id: string, error: Record<string, unknown>, retryAt: Date | null, rendered: { subject: string; body: string } | null, now: Date): Promise<void> {
    const t = this.dialect.toTime;
    await inTransaction(this.db, async (trx) => {
      await trx
        .updateTable('courier_messages')
        .set({
          status: retryAt ? 'queued' : 'abandoned',
          send_count: sql`send_count + 1`,
          next_attempt_at: t(retryAt ?? now),
          lease_until: null,
          leased_by: null,
          ...(rendered ? { subject: storableText(rendered.subject), body: storableText(rendered.body) } : {}),
          updated_at: t(now),
        })
        .where('id', '=', id)
        .execute();
      await trx
        .insertInto('courier_message_dispatches')
        .values({ id: newId(), message_id: id, status: 'failed', error: storableText(JSON.stringify(error)), created_at: t(now), updated_at: t(now) })
        .execute();
    });
  }

  async getMessage(id: string): Promise<(QueuedMessage & { dispatches: MessageDispatch[] }) | null> {
    const row = await this.db.selectFrom('courier_messages').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    const dispatches = await this.db.selectFrom('courier_message_dispatches').selectAll().where('message_id', '=', id).orderBy('created_at').orderBy('id').execute();
    return {
      ...fromRow(row),
      dispatches: dispatches.map((d) => ({
        id: d.id,
        message_id: d.message_id,
        status: d.status as MessageDispatch['status'],
        error: d.error === null ? null : (JSON.parse(d.error) as Record<string, unknown>),
        created_at: fromTime(d.created_at),
        updated_at: fromTime(d.updated_at),
      })),
    };
  }

  async listMessages(p: ListMessagesParams): Promise<{ messages: QueuedMessage[]; hasMore: boolean }> {
    let q = this.db.selectFrom('courier_messages').selectAll();
    if (p.status) q = q.where('status', '=', p.status);
    if (p.recipient) q = q.where('recipient', '=', p.recipient);
    if (p.afterId) q = q.where('id', '>', p.afterId);
    const rows = await q.orderBy('id').limit(p.limit + 1).execute();
    return { messages: rows.slice(0, p.limit).map(fromRow), hasMore: rows.length > p.limit };
  }
}

function fromRow(r: Row): QueuedMessage {
  return {
    id: r.id,
    type: r.type as MessageType,
    status: r.status as MessageStatus,
    channel: r.channel,
    recipient: r.recipient,
    subject: r.subject,
    body: r.body,
    template_type: r.template_type as TemplateType,
    template_data: JSON.parse(r.template_data) as TemplateData,
    send_count: Number(r.send_count),
    next_attempt_at: fromTime(r.next_attempt_at),
    created_at: fromTime(r.created_at),
    updated_at: fromTime(r.updated_at),
  };
}
