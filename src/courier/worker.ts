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
  /** First retry delay; doubles per attempt up to `maxBackoffMs`. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface WorkerDeps {
  queue: CourierQueue;
  renderer: TemplateRenderer;
  channels: ChannelLookup;
  logger: Logger;
  now?: () => Date;
}

const EXCERPT = 2000;

/**
 * Drains the queue: claims due messages, renders and delivers them through their channel, and
 * records each attempt. Any number of workers may run against one database; the queue's claims
 * give each message to one of them. Failed attempts are retried with exponential backoff (with
 * jitter) until the attempts run out, then the message is abandoned with its last error.
 */
export class CourierWorker {
  readonly id = `${hostname()}-${process.pid}-${randomAlnum(6)}`;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly now: () => Date;
  private readonly opts: Required<WorkerOptions>;

  constructor(
    private readonly deps: WorkerDeps,
    opts: WorkerOptions,
  ) {
    this.now = deps.now ?? (() => new Date());
    this.opts = { leaseMs: 5 * 60_000, baseBackoffMs: 1000, maxBackoffMs: 15 * 60_000, ...opts };
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
    while (this.running) {
      let handled = 0;
      try {
        handled = await this.drainOnce();
      } catch (err) {
        // The database may be briefly away; nothing is lost, messages stay queued.
        this.deps.logger.error({ err }, 'courier: could not claim messages');
      }
      if (handled === 0 && this.running) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.opts.pullWaitMs);
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
    const exp = Math.min(this.opts.maxBackoffMs, this.opts.baseBackoffMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(exp / 2 + Math.random() * (exp / 2));
  }

  private async deliver(m: QueuedMessage): Promise<void> {
    const log = this.deps.logger.child({ message_id: m.id, template_type: m.template_type, channel: m.channel });
    const attempt = m.send_count + 1;
    let rendered: { subject: string; body: string } | null = null;
    try {
      const channel = this.deps.channels.get(m.channel);
      if (!channel) throw new DeliveryError(`no courier channel "${m.channel}" is configured`, { permanent: true });
      const outgoing = await this.render(m);
      rendered = { subject: outgoing.subject, body: outgoing.bodyText };
      await channel.send(outgoing);
      await this.deps.queue.markSent(m.id, rendered, this.now());
      log.info({ attempt }, 'courier: message sent');
    } catch (err) {
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
