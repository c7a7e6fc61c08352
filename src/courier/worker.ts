import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { randomAlnum } from '../lib/ids.js';
import type { ChannelLookup } from './channel.js';
import { DeliveryError, type OutgoingMessage } from './message.js';
import type { CourierQueue, QueuedMessage } from './queue.js';
import { TemplateError, type TemplateRenderer } from './templates/renderer.js';

export interface WorkerOptions {
  /** Messages claimed per round (`courier.worker.pull_count`). */
  pullCount: number;
  /** Pause when the queue is empty (`courier.worker.pull_wait`). */
  pullWaitMs: number;
  /** Messages sent at once by this worker (`courier.worker.concurrency`). */
  concurrency: number;
  /** Attempts before a message is abandoned (`courier.message_retries`). */
  maxAttempts: number;
  /** How long a claimed message stays reserved for this worker. */
  leaseMs?: number;
  /**
   * The time over which a message's retries are spread (`tessera.courier.retry_window`): the delays
   * double from one retry to the next and add up to about this window, so a message outlives an
   * outage of the mail server or gateway about this long.
   */
  retryWindowMs?: number;
}

export interface WorkerDeps {
  queue: CourierQueue;
  renderer: TemplateRenderer;
  channels: ChannelLookup;
  logger: Logger;
  now?: () => Date;
}

const EXCERPT = 2000;
const DEFAULT_RETRY_WINDOW_MS = 60 * 60_000;

/**
 * The delay before retry `attempt` (1-based) of `retries`: doubling delays whose sum is `windowMs`
 * (the first is windowMs / (2^retries - 1)), each varied by up to ±25% so messages queued together
 * do not retry together.
 */
export function retryDelay(attempt: number, retries: number, windowMs: number): number {
  const n = Math.max(1, retries);
  const k = Math.min(Math.max(1, attempt), n);
  const base = windowMs / (2 ** n - 1);
  const delay = base * 2 ** (k - 1);
  return Math.max(1, Math.round(delay * (0.75 + Math.random() * 0.5)));
}

/**
 * Drains the queue: claims due messages, renders and delivers them through their channel, and
 * records each attempt. Any number of workers may run against one database; the queue's claims
 * give each message to one of them. Failed attempts are retried with exponential backoff (with
 * jitter) spread over the retry window until the attempts run out, then the message is abandoned
 * with its last error. A channel that cannot be reached at all is paused: the messages for it wait,
 * one probes it now and then, and only the probes spend attempts.
 */
export class CourierWorker {
  readonly id = `${hostname()}-${process.pid}-${randomAlnum(6)}`;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly now: () => Date;
  private readonly opts: Required<WorkerOptions>;
  /** Channels found unreachable: no message is tried on them before `until`, and then one at a time. */
  private readonly paused = new Map<string, { until: number; failures: number; probing: boolean }>();

  constructor(
    private readonly deps: WorkerDeps,
    opts: WorkerOptions,
  ) {
    this.now = deps.now ?? (() => new Date());
    this.opts = { leaseMs: 5 * 60_000, retryWindowMs: DEFAULT_RETRY_WINDOW_MS, ...opts };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops claiming; resolves once the messages in hand are finished. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** One round: claim and deliver up to pullCount messages. Returns how many were handled. */
  async drainOnce(): Promise<number> {
    const batch = await this.deps.queue.claim(this.id, this.opts.pullCount, this.opts.leaseMs, this.now());
    let next = 0;
    const lanes = Array.from({ length: Math.min(this.opts.concurrency, batch.length) }, async () => {
      while (next < batch.length) await this.deliver(batch[next++]!);
    });
    await Promise.all(lanes);
    return batch.length;
  }

  private async run(): Promise<void> {
    // While the database is away the worker pauses, polling less often the longer it lasts (up to
    // 30s), and says so once rather than on every round; it resumes by itself.
    let failedRounds = 0;
    while (this.running) {
      let handled = 0;
      try {
        handled = await this.drainOnce();
        if (failedRounds > 0) this.deps.logger.info({ failed_rounds: failedRounds }, 'courier: the queue is reachable again, resuming');
        failedRounds = 0;
      } catch (err) {
        // Nothing is lost: messages stay queued, and leased ones return when their lease runs out.
        if (failedRounds === 0) this.deps.logger.error({ err }, 'courier: could not claim messages; pausing until the database answers');
        failedRounds += 1;
      }
      if (handled === 0 && this.running) {
        const waitMs = failedRounds === 0 ? this.opts.pullWaitMs : Math.min(30_000, Math.max(this.opts.pullWaitMs, 250 * 2 ** Math.min(failedRounds, 7)));
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, waitMs);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wake = null;
      }
    }
  }

  private backoff(attempt: number): number {
    return retryDelay(attempt, this.opts.maxAttempts - 1, this.opts.retryWindowMs);
  }

  /**
   * Whether `m` must wait for its paused channel. The first message due after a pause ends is the
   * probe; the others wait for its outcome instead of all failing (and spending attempts) at once.
   */
  private async deferredForOutage(m: QueuedMessage): Promise<boolean> {
    const pause = this.paused.get(m.channel);
    if (!pause) return false;
    const now = this.now().getTime();
    if (pause.until <= now && !pause.probing) {
      pause.probing = true;
      return false;
    }
    // Spread the return a little so a long queue does not arrive back as one burst.
    const until = new Date(Math.max(pause.until, now + this.opts.pullWaitMs) + Math.round(Math.random() * 1000));
    await this.deps.queue.defer(m.id, until, this.now());
    return true;
  }

  private channelAnswered(channel: string): void {
    this.paused.delete(channel);
  }

  /** A probe that ended before reaching the channel (a template error) leaves the next message to probe. */
  private releaseProbe(channel: string): void {
    const pause = this.paused.get(channel);
    if (pause) pause.probing = false;
  }

  private channelUnreachable(channel: string): number {
    const pause = this.paused.get(channel) ?? { until: 0, failures: 0, probing: false };
    pause.failures += 1;
    pause.probing = false;
    // Probes follow the messages' own schedule, and keep its longest delay once past it.
    pause.until = this.now().getTime() + this.backoff(Math.min(pause.failures, Math.max(1, this.opts.maxAttempts - 1)));
    this.paused.set(channel, pause);
    return pause.until;
  }

  private async deliver(m: QueuedMessage): Promise<void> {
    const log = this.deps.logger.child({ message_id: m.id, template_type: m.template_type, channel: m.channel });
    const attempt = m.send_count + 1;
    let rendered: { subject: string; body: string } | null = null;
    let sent = false;
    try {
      if (await this.deferredForOutage(m)) return;
    } catch (err) {
      log.error({ err }, 'courier: could not put a message back while its channel is paused');
      return;
    }
    try {
      const channel = this.deps.channels.get(m.channel);
      if (!channel) throw new DeliveryError(`no courier channel "${m.channel}" is configured`, { permanent: true });
      const outgoing = await this.render(m);
      rendered = { subject: outgoing.subject, body: outgoing.bodyText };
      await channel.send(outgoing);
      sent = true;
      this.channelAnswered(m.channel);
      await this.deps.queue.markSent(m.id, rendered, this.now());
      log.info({ attempt }, 'courier: message sent');
    } catch (err) {
      if (sent) {
        // Delivered but not recorded: the lease runs out and it is sent again; log the cause.
        log.error({ err }, 'courier: a sent message could not be recorded as sent');
        return;
      }
      const unreachable = err instanceof DeliveryError && err.unreachable;
      if (unreachable) {
        const until = this.channelUnreachable(m.channel);
        log.warn({ channel: m.channel, until: new Date(until).toISOString() }, 'courier: channel unreachable, paused');
      } else if (err instanceof DeliveryError) {
        // Any answer, even a refusal of this message, shows the channel is back.
        this.channelAnswered(m.channel);
      } else this.releaseProbe(m.channel);
      const permanent = err instanceof TemplateError || (err instanceof DeliveryError && err.permanent);
      const exhausted = attempt >= this.opts.maxAttempts;
      const retryAt = permanent || exhausted ? null : new Date(this.now().getTime() + this.backoff(attempt));
      const reason = err instanceof Error ? err.message : String(err);
      const error = { message: reason.slice(0, EXCERPT), kind: err instanceof TemplateError ? 'template' : err instanceof DeliveryError ? 'delivery' : 'internal' };
      try {
        await this.deps.queue.markFailed(m.id, error, retryAt, rendered, this.now());
      } catch (storeErr) {
        // The lease runs out and the message is claimed again: delivered at least once, never lost.
        log.error({ err: storeErr }, 'courier: could not record a failed attempt');
        return;
      }
      if (retryAt) log.warn({ attempt, retry_at: retryAt.toISOString(), error: error.message }, 'courier: delivery failed, will retry');
      else log.error({ attempt, error: error.message }, 'courier: message abandoned');
    }
  }

  private async render(m: QueuedMessage): Promise<OutgoingMessage> {
    const base = { id: m.id, type: m.type, recipient: m.recipient, templateType: m.template_type, templateData: m.template_data };
    if (m.type === 'sms') {
      const sms = await this.deps.renderer.renderSms(m.template_type, m.template_data);
      return { ...base, subject: '', bodyText: sms.body };
    }
    const email = await this.deps.renderer.renderEmail(m.template_type, m.template_data);
    return { ...base, subject: email.subject, bodyText: email.text, bodyHtml: email.html };
  }
}
