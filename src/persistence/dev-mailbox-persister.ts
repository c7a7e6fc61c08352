import { newId } from '../lib/ids.js';
import { fromTime, type SqlDialect } from './dialects/sql-dialect.js';
import type { Tables } from './tables.js';
import type { Db } from './tx.js';

/** One email the dev mailbox kept. */
export interface DevMailboxMessage {
  id: string;
  /** The courier message it was rendered from. */
  message_id: string;
  recipient: string;
  subject: string;
  text: string;
  html: string | null;
  created_at: Date;
}

export type NewDevMailboxMessage = Omit<DevMailboxMessage, 'id' | 'created_at'>;

type Row = Tables['dev_mailbox_messages'];

/** Storage of the dev mailbox (dev mode only). */
export class DevMailboxPersister {
  constructor(
    private readonly db: Db,
    private readonly dialect: SqlDialect,
  ) {}

  async add(m: NewDevMailboxMessage, now: Date = new Date()): Promise<DevMailboxMessage> {
    const row: Row = {
      id: newId(),
      message_id: m.message_id,
      recipient: m.recipient,
      subject: m.subject,
      body_text: m.text,
      body_html: m.html,
      created_at: this.dialect.toTime(now),
    };
    await this.db.insertInto('dev_mailbox_messages').values(row).execute();
    return fromRow(row);
  }

  /** The newest messages first. */
  async list(limit = 100): Promise<DevMailboxMessage[]> {
    const rows = await this.db.selectFrom('dev_mailbox_messages').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(fromRow);
  }

  async get(id: string): Promise<DevMailboxMessage | null> {
    const row = await this.db.selectFrom('dev_mailbox_messages').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row) : null;
  }
}

function fromRow(r: Row): DevMailboxMessage {
  return {
    id: r.id,
    message_id: r.message_id,
    recipient: r.recipient,
    subject: r.subject,
    text: r.body_text,
    html: r.body_html,
    created_at: fromTime(r.created_at),
  };
}
