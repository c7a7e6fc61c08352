import { hostname } from 'node:os';
import type { Logger } from 'pino';

import { bodyExcerpt, OutboundRequestError } from '../../../courier/channels/outbound-request.js';
import { randomAlnum } from '../../../lib/ids.js';
import { jitteredBackoff, PollLoop } from '../../../lib/poll-loop.js';
import type { WebHookCatalog } from './catalog.js';
import type { AttemptOutcome, WebHookDelivery, WebHookDeliveryQueue } from './delivery-queue.js';
import type { WebHookSender } from './sender.js';
import { isRefusedAddress } from './web-hook.js';

export interface WebHookDeliveryWorkerOptions {
  /** Deliveries claimed per round (`tessera.web_hooks.delivery.pull_count`). */
  pullCount: number;
  /** Pause when nothing is due (`pull_wait`). */
  pullWaitMs: number;
  /** Attempts before a delivery is abandoned (`max_attempts`). */
  maxAttempts: number;
  /** How long a claimed delivery stays reserved (`lease`); longer than one attempt's deadline. */
  leaseMs: number;
  /** First retry delay; doubles per attempt up to `maxBackoffMs`, with jitter (`initial_backoff`, `max_backoff`). */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Deliveries sent at once by this worker (default 4). */
  concurrency?: number;
}

export interface WebHookDeliveryWorkerDeps {
  queue: WebHookDeliveryQueue;
  catalog: WebHookCatalog;
  sender: WebHookSender;
  logger: Logger;
  now?: () => Date;
}

const ERROR_EXCERPT = 1000;

/**
 * Sends queued background web hooks. Any number of workers, in any number of processes, may run
 * against one database: claims hand each delivery to one of them, and a worker that dies lets its
 * lease run out so another takes over. A delivery succeeds once the peer answers below 400; every
 * other outcome is retried with exponential backoff and jitter until the attempts run out. Each
 * attempt is recorded with its status code, error and duration.
 */
export class WebHookDeliveryWorker {
  readonly id = `${hostname()}-${process.pid}-${randomAlnum(6)}`;
  private readonly now: () => Date;
  private readonly loop: PollLoop;

  constructor(
    private readonly deps: WebHookDeliveryWorkerDeps,
    private readonly opts: WebHookDeliveryWorkerOptions,
  ) {
    this.now = deps.now ?? (() => new Date());
    // A failed claim (the database briefly away) leaves the deliveries queued.
    this.loop = new PollLoop(() => this.drainOnce(), opts.pullWaitMs, (err) => deps.logger.error({ err }, 'web hooks: could not claim deliveries'));
  }

  start(): void {
    this.loop.start();
  }

  /** Stops claiming; resolves once the deliveries in hand are finished. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Ends the pause between rounds early (a delivery was just queued). */
  wake(): void {
    this.loop.wake();
  }

  /** One round: claims and sends up to pullCount deliveries. Returns how many were handled. */
  async drainOnce(): Promise<number> {
    const batch = await this.deps.queue.claim(this.id, this.opts.pullCount, this.opts.leaseMs, this.now());
    let next = 0;
    const lanes = Array.from({ length: Math.min(this.opts.concurrency ?? 4, batch.length) }, async () => {
      while (next < batch.length) await this.deliver(batch[next++]!);
    });
    await Promise.all(lanes);
    return batch.length;
  }

  private async deliver(d: WebHookDelivery): Promise<void> {
    const log = this.deps.logger.child({ delivery_id: d.id, web_hook: d.hookId ?? d.hookRef, url: d.url });
    const attempt = d.attemptCount + 1;
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    let permanent = false;
    const hook = this.deps.catalog.get(d.hookRef);
    if (hook === undefined) {
      // Not permanent: during a rolling deploy an instance with the previous configuration may
      // claim a delivery of a hook only the new one knows; it leaves it for a later attempt.
      error = `no configured web hook matches reference ${d.hookRef} (was the hook removed, or its id, URL or method changed?)`;
    } else {
      try {
        const res = await this.deps.sender.send(hook, d.id, d.body ?? undefined);
        statusCode = res.status;
        if (res.status >= 400) {
          const excerpt = bodyExcerpt(res.body, res.truncated, 256);
          error = `upstream answered with status code ${res.status}` + (excerpt === '' ? '' : `: ${excerpt}`);
        }
      } catch (err) {
        if (!(err instanceof OutboundRequestError)) throw err;
        error = err.message;
        permanent = isRefusedAddress(err);
      }
    }
    const durationMs = performance.now() - started;
    const outcome: AttemptOutcome =
      error === null
        ? { status: 'delivered' }
        : permanent || attempt >= this.opts.maxAttempts
          ? { status: 'abandoned' }
          : { status: 'queued', retryAt: new Date(this.now().getTime() + jitteredBackoff(attempt, this.opts.initialBackoffMs, this.opts.maxBackoffMs)) };
    let held: boolean;
    try {
      held = await this.deps.queue.recordAttempt(d.id, this.id, { attempt, statusCode, error: error?.slice(0, ERROR_EXCERPT) ?? null, durationMs }, outcome, this.now());
    } catch (err) {
      // The lease runs out and the delivery is claimed again: sent at least once, never lost.
      log.error({ err, attempt }, 'web hooks: could not record an attempt');
      return;
    }
    if (!held) log.warn({ attempt }, 'web hooks: the lease ran out during the attempt; another worker holds the delivery');
    if (outcome.status === 'delivered') log.info({ attempt, status: statusCode, duration_ms: Math.round(durationMs) }, 'web hooks: delivered');
    else if (outcome.status === 'queued') log.warn({ attempt, status: statusCode, error, retry_at: outcome.retryAt.toISOString() }, 'web hooks: attempt failed, will retry');
    else log.error({ attempt, status: statusCode, error }, 'web hooks: delivery abandoned');
  }
}
