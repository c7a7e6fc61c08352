import type { MessageStatus, MessageType, TemplateData, TemplateType } from './message.js';

export interface QueuedMessage {
  id: string;
  type: MessageType;
  status: MessageStatus;
  channel: string;
  recipient: string;
  /** Filled once rendered (email subject); empty while queued. */
  subject: string;
  /** Filled once rendered (plain-text body or SMS text); empty while queued. */
  body: string;
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
}

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
  claim(workerId: string, limit: number, leaseMs: number, now: Date): Promise<QueuedMessage[]>;
  /** Delivered: status sent, a success dispatch, the rendered subject/body kept for the admin API. */
  markSent(id: string, rendered: { subject: string; body: string }, now: Date): Promise<void>;
  /** Puts a claimed message back untried, due at `until`, without spending an attempt (its channel is paused). */
  defer(id: string, until: Date, now: Date): Promise<void>;
  /** A failed attempt: retried at `retryAt`, or abandoned when it is null. */
  markFailed(id: string, error: Record<string, unknown>, retryAt: Date | null, rendered: { subject: string; body: string } | null, now: Date): Promise<void>;
  getMessage(id: string): Promise<(QueuedMessage & { dispatches: MessageDispatch[] }) | null>;
  listMessages(p: ListMessagesParams): Promise<{ messages: QueuedMessage[]; hasMore: boolean }>;
}
