import { createHash } from 'node:crypto';
import { sql, type ExpressionBuilder } from 'kysely';
import { updateThrottleRow } from './throttle-persister.js';
import { admitWindowAttempt } from '../security/throttle.js';
import { inTransaction, type Db } from './tx.js';
import type { AttemptOutcome, CourierQueue, ListMessagesParams, MessageDispatch, NewMessage, QueuedMessage } from '../courier/queue.js';
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
      subject: storableText(m.rendered?.subject ?? ''),
      body: storableText(m.rendered?.body ?? ''),
      body_html: m.rendered ? storableText(m.rendered.html) : null,
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
   * Claims due messages: processing ones whose lease ran out (their worker died) first, then queued
   * ones whose next attempt is due, oldest first. Each kind is one range of the (status,
   * next_attempt_at) index read in order, so a claim costs the same with ten or a million messages
   * waiting (one condition ORing both kinds made the databases sort every due message for each
   * claim). PostgreSQL and SQLite claim each kind in one statement that updates the candidates it
   * picked and returns them: concurrent PostgreSQL workers skip each other's rows (`FOR UPDATE SKIP
   * LOCKED`), and SQLite has a single writer. MySQL can neither return updated rows nor update a table it
   * selects from, so it locks the candidates with SKIP LOCKED, leases them and reads them back, in
   * one transaction.
   */
  async claim(workerId: string, limit: number, leaseMs: number, now: Date): Promise<QueuedMessage[]> {
    const t = this.dialect.toTime;
    const nowDb = t(now) as never;
    const lease = { status: 'processing', lease_until: t(new Date(now.getTime() + leaseMs)), leased_by: workerId, updated_at: t(now) };
    const leaseRanOut = (eb: ExpressionBuilder<Tables, 'courier_messages'>) => eb.and([eb('status', '=', 'processing'), eb('lease_until', '<', nowDb)]);
    const dueNow = (eb: ExpressionBuilder<Tables, 'courier_messages'>) => eb.and([eb('status', '=', 'queued'), eb('next_attempt_at', '<=', nowDb)]);
    const candidates = (db: Pick<Db, 'selectFrom'>, kind: typeof dueNow, n: number) => {
      const q = db.selectFrom('courier_messages').select('id').where(kind).orderBy('next_attempt_at').limit(n);
      return this.dialect.supportsSkipLocked ? q.forUpdate().skipLocked() : q;
    };
    const rows: Row[] = [];
    for (const kind of [leaseRanOut, dueNow]) {
      const n = limit - rows.length;
      if (n <= 0) break;
      if (this.dialect.name === 'mysql') {
        rows.push(
          ...(await inTransaction(this.db, async (trx) => {
            const ids = (await candidates(trx, kind, n).execute()).map((r) => r.id);
            if (ids.length === 0) return [];
            await trx.updateTable('courier_messages').set(lease).where('id', 'in', ids).execute();
            return trx.selectFrom('courier_messages').selectAll().where('id', 'in', ids).execute();
          })),
        );
      } else if (this.dialect.name === 'postgres') {
        // The candidates are picked once, in a materialized CTE: as `WHERE id IN (SELECT … LIMIT n FOR
        // UPDATE SKIP LOCKED)` PostgreSQL may run the subquery again for each row it updates, and each
        // run locks the next n rows, so one claim took every due message. The update joins the picked
        // rows by primary key alone: FOR UPDATE checked the condition again on each row's latest
        // version as it locked it, and no other claim can change a locked row before this statement
        // ends. (Repeating the condition here let the planner read the whole due range of the index
        // for every picked row: 22 ms for a claim of 50 with 2,000 due.)
        rows.push(
          ...(await this.db
            .with((cte) => cte('picked').materialized(), (db) => candidates(db, kind, n))
            .updateTable('courier_messages')
            .set(lease)
            .from('picked')
            .whereRef('courier_messages.id', '=', 'picked.id')
            .returningAll('courier_messages')
            .execute()),
        );
      } else {
        rows.push(...(await this.db.updateTable('courier_messages').set(lease).where('id', 'in', candidates(this.db, kind, n)).returningAll().execute()));
      }
    }
    return rows.map(fromRow).sort((a, b) => a.next_attempt_at.getTime() - b.next_attempt_at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async defer(id: string, until: Date, now: Date): Promise<void> {
    const t = this.dialect.toTime;
    await this.db
      .updateTable('courier_messages')
      .set({ status: 'queued', next_attempt_at: t(until), lease_until: null, leased_by: null, updated_at: t(now) })
      .where('id', '=', id)
      .execute();
  }

  async recordAttempts(outcomes: readonly AttemptOutcome[], now: Date): Promise<void> {
    if (outcomes.length === 0) return;
    const t = this.dialect.toTime;
    const dispatches = outcomes.map((o) => ({
      id: newId(),
      message_id: o.id,
      status: o.sent ? 'success' : 'failed',
      error: o.sent ? null : storableText(JSON.stringify(o.error)),
      created_at: t(now),
      updated_at: t(now),
    }));
    const plainSent = outcomes.filter((o) => o.sent && !o.rendered).map((o) => o.id);
    if (plainSent.length === outcomes.length && outcomes.length <= CHUNK) {
      // The common case, a group all sent with the rendering stored at enqueue, is written from SQL
      // templates: with the query builder, building the two statements cost about as much CPU as
      // sending them and reading the answer (on PostgreSQL half the CPU per group of three). On
      // PostgreSQL the two are one statement, one round trip instead of four: a data-modifying WITH
      // runs to completion with the statement it belongs to, so both writes commit or fail together.
      const markSent = sql`update courier_messages set status = 'sent', send_count = send_count + 1, lease_until = null, leased_by = null, updated_at = ${t(now)} where id in (${sql.join(plainSent)})`;
      const addDispatches = sql`insert into courier_message_dispatches (id, message_id, status, created_at, updated_at) values ${sql.join(dispatches.map((d) => sql`(${d.id}, ${d.message_id}, 'success', ${d.created_at}, ${d.updated_at})`))}`;
      if (this.dialect.name === 'postgres') await sql`with sent as (${markSent}) ${addDispatches}`.execute(this.db);
      else
        await inTransaction(this.db, async (trx) => {
          await markSent.execute(trx);
          await addDispatches.execute(trx);
        });
      return;
    }
    const done = { send_count: sql<number>`send_count + 1`, lease_until: null, leased_by: null, updated_at: t(now) };
    const rendering = (o: AttemptOutcome) => (o.rendered ? { subject: storableText(o.rendered.subject), body: storableText(o.rendered.body), body_html: storableText(o.rendered.html) } : {});
    await inTransaction(this.db, async (trx) => {
      // Those sent with the rendering stored at enqueue are one statement.
      for (const ids of chunks(plainSent, CHUNK)) await trx.updateTable('courier_messages').set({ ...done, status: 'sent' }).where('id', 'in', ids).execute();
      for (const o of outcomes) {
        if (o.sent && !o.rendered) continue;
        const status = o.sent ? 'sent' : o.retryAt ? 'queued' : 'abandoned';
        const nextAttempt = o.sent ? {} : { next_attempt_at: t(o.retryAt ?? now) };
        await trx
          .updateTable('courier_messages')
          .set({ ...done, status, ...nextAttempt, ...rendering(o) })
          .where('id', '=', o.id)
          .execute();
      }
      for (const rows of chunks(dispatches, CHUNK)) await trx.insertInto('courier_message_dispatches').values(rows).execute();
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

/** Rows per statement in batches: far below every database's limit on bound parameters. */
const CHUNK = 500;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
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
    body_html: r.body_html ?? null,
    template_type: r.template_type as TemplateType,
    template_data: JSON.parse(r.template_data) as TemplateData,
    send_count: Number(r.send_count),
    next_attempt_at: fromTime(r.next_attempt_at),
    created_at: fromTime(r.created_at),
    updated_at: fromTime(r.updated_at),
  };
}
