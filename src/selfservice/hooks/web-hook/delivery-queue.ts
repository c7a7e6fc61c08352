// The durable outbox of `response.ignore: true` web hooks: what the runner queues, what workers
// claim, and every attempt made. Implemented in persistence/web-hook-delivery-persister.ts.

export type WebHookDeliveryStatus = 'queued' | 'processing' | 'delivered' | 'abandoned';
export const WEB_HOOK_DELIVERY_STATUSES: readonly WebHookDeliveryStatus[] = ['queued', 'processing', 'delivered', 'abandoned'];

export interface NewWebHookDelivery {
  /** ResolvedWebHook.ref: how the worker finds the hook's URL, headers and credentials at send time. */
  hookRef: string;
  /** The hook's configured `id`, for people reading the admin API. */
  hookId: string | null;
  /** The hook's URL without user info, query or fragment, for display only (the worker sends to the configured URL). */
  url: string;
  method: string;
  /** The rendered body; null when the method carries none. */
  body: string | null;
}

export interface WebHookDelivery extends NewWebHookDelivery {
  id: string;
  status: WebHookDeliveryStatus;
  attemptCount: number;
  nextAttemptAt: Date;
  lastError: string | null;
  /** Status code of the last answer, when there was one. */
  lastStatusCode: number | null;
  deliveredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebHookDeliveryAttempt {
  id: string;
  deliveryId: string;
  /** 1 for the first attempt. */
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  createdAt: Date;
}

export interface AttemptRecord {
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** What becomes of a delivery after an attempt. */
export type AttemptOutcome = { status: 'delivered' } | { status: 'queued'; retryAt: Date } | { status: 'abandoned' };

export interface ListWebHookDeliveriesParams {
  status?: WebHookDeliveryStatus;
  afterId?: string;
  limit: number;
}

export interface WebHookDeliveryQueue {
  enqueue(d: NewWebHookDelivery, now: Date): Promise<WebHookDelivery>;
  /**
   * Claims up to `limit` due deliveries for `workerId` until `now + leaseMs`: queued ones whose next
   * attempt is due and processing ones whose lease ran out. Concurrent callers get disjoint sets.
   */
  claim(workerId: string, limit: number, leaseMs: number, now: Date): Promise<WebHookDelivery[]>;
  /**
   * Records an attempt and its outcome. The delivery changes only while `workerId` still holds it;
   * returns false when the lease had been lost (the attempt is still recorded).
   */
  recordAttempt(id: string, workerId: string, attempt: AttemptRecord, outcome: AttemptOutcome, now: Date): Promise<boolean>;
  get(id: string): Promise<(WebHookDelivery & { attempts: WebHookDeliveryAttempt[] }) | null>;
  list(p: ListWebHookDeliveriesParams): Promise<{ deliveries: WebHookDelivery[]; hasMore: boolean }>;
}
