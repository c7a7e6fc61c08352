import type { MessageStatus, MessageType, TemplateData, TemplateType } from './message.js';

export interface QueuedMessage {
  id: string;
  type: MessageType;
  status: MessageStatus;
  channel: string;
  recipient: string;
  /** The email subject, rendered when the message was queued (as Kratos stores it). */
  subject: string;
  /** The plain-text body or SMS text, rendered when the message was queued. */
  body: string;
  /**
   * The email's HTML part rendered when queued ('' for SMS and text-only email). null: the
   * message was not rendered when queued (its template failed then, or it predates rendering at
   * enqueue) and the worker renders it.
   */
  body_html: string | null;
  template_type: TemplateType;
  template_data: TemplateData;
  send_count: number;
  next_attempt_at: Date;
  created_at: Date;
  updated_at: Date;
}

export interface MessageDispatch {
  id: string;
  message_id: string;
  status: 'failed' | 'success';
  error: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
}

export interface NewMessage {
  type: MessageType;
  channel: string;
  recipient: string;
  template_type: TemplateType;
  template_data: TemplateData;
  /** The rendering made when queued; absent when the worker must render the message. */
  rendered?: Rendering;
}

/** A message's content as a channel sends it. `html` is '' for SMS and text-only email. */
export interface Rendering {
  subject: string;
  body: string;
  html: string;
}

/**
 * What one delivery attempt came to. `rendered` is the rendering the worker made, for a message
 * that was not rendered when queued (stored so the admin API shows what was sent).
 */
export type AttemptOutcome =
  | { id: string; sent: true; rendered: Rendering | null }
  | { id: string; sent: false; error: Record<string, unknown>; retryAt: Date | null; rendered: Rendering | null };

export interface ListMessagesParams {
  status?: MessageStatus;
  recipient?: string;
  afterId?: string;
  limit: number;
}

/**
 * The durable message queue. Claims are exclusive: a claimed message is leased to one worker until
 * it reports back or the lease runs out (then any worker may claim it again).
 */
export interface CourierQueue {
  enqueue(m: NewMessage, now: Date): Promise<QueuedMessage>;
  /** A message the abuse limit stopped: stored as abandoned with the reason, never sent. */
  recordSuppressed(m: NewMessage, reason: string, now: Date): Promise<QueuedMessage>;
  /**
   * Enqueues a message unless `limit.max` messages of its template type went to its recipient in
   * the current window (`limit.windowMs` from the first); then records it suppressed with `reason`.
   * Counting and writing happen under one lock per recipient and template type, in the caller's
   * transaction when there is one, so concurrent callers on any instance cannot exceed the limit.
   */
  enqueueWithinLimit(m: NewMessage, limit: { max: number; windowMs: number; reason: string }, now: Date): Promise<QueuedMessage>;
  /** How many messages of a template type went to a recipient since a time (for the abuse limit). */
  countRecent(recipient: string, templateType: TemplateType, since: Date): Promise<number>;
  /** Leases up to `limit` due messages to `workerId` in one claim (a few statements, whatever the limit). */
  claim(workerId: string, limit: number, leaseMs: number, now: Date): Promise<QueuedMessage[]>;
  /** Puts a claimed message back untried, due at `until`, without spending an attempt (its channel is paused). */
  defer(id: string, until: Date, now: Date): Promise<void>;
  /**
   * Records a batch of attempts in one transaction (group commit): sent messages get status sent
   * and a success dispatch; failed ones are retried at `retryAt`, or abandoned when it is null.
   */
  recordAttempts(outcomes: readonly AttemptOutcome[], now: Date): Promise<void>;
  getMessage(id: string): Promise<(QueuedMessage & { dispatches: MessageDispatch[] }) | null>;
  listMessages(p: ListMessagesParams): Promise<{ messages: QueuedMessage[]; hasMore: boolean }>;
}
