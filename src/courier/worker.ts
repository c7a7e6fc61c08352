import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { randomAlnum } from '../lib/ids.js';
import type { ChannelLookup } from './channel.js';
import { GroupCommit } from '../lib/group-commit.js';
import { jitteredBackoff, PollLoop } from '../lib/poll-loop.js';
import { DeliveryError } from './message.js';
import { renderMessage } from './render.js';
import type { AttemptOutcome, CourierQueue, QueuedMessage, Rendering } from './queue.js';
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
 * Drains the queue: claims due messages in batches, delivers each through its channel (sending the
 * rendering stored when it was queued, rendering only messages that have none), and records the
 * attempts by group commit. Any number of workers may run against one database; the queue's
 * claims give each message to one of them. Failed attempts are retried with exponential backoff
 * (with jitter) until the attempts run out, then the message is abandoned with its last error.
 */
export class CourierWorker {
  readonly id = `${hostname()}-${process.pid}-${randomAlnum(6)}`;
  private readonly loop: PollLoop;
  private readonly now: () => Date;
  private readonly opts: Required<WorkerOptions>;

  constructor(
    private readonly deps: WorkerDeps,
    opts: WorkerOptions,
  ) {
    this.now = deps.now ?? (() => new Date());
    this.opts = { leaseMs: 5 * 60_000, baseBackoffMs: 1000, maxBackoffMs: 15 * 60_000, ...opts };
    // The database may be briefly away; nothing is lost, messages stay queued.
    this.loop = new PollLoop(() => this.drainOnce(), this.opts.pullWaitMs, (err) => this.deps.logger.error({ err }, 'courier: could not claim messages'));
  }

  start(): void {
    this.loop.start();
  }

  /** Stops claiming; resolves once the messages in hand are finished. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One round: claim, deliver and record up to pullCount messages. Returns how many were handled. */
  async drainOnce(): Promise<number> {
    const batch = await this.deps.queue.claim(this.id, this.opts.pullCount, this.opts.leaseMs, this.now());
    let next = 0;
    // Each lane waits for its attempt to be recorded before sending the next message: a crash can
    // then repeat at most one sent-but-unrecorded message per lane, besides those being sent.
    const lanes = Array.from({ length: Math.min(this.opts.concurrency, batch.length) }, async () => {
      while (next < batch.length) {
        const m = batch[next++]!;
        await this.recorder.add({ m, outcome: await this.attempt(m) });
      }
    });
    await Promise.all(lanes);
    return batch.length;
  }

  /** Attempts finished while the previous group was being written are written together. */
  private readonly recorder = new GroupCommit<{ m: QueuedMessage; outcome: AttemptOutcome }>(
    async (attempts) => {
      await this.deps.queue.recordAttempts(
        attempts.map((a) => a.outcome),
        this.now(),
      );
      for (const a of attempts) this.logOutcome(a.m, a.outcome);
    },
    // The leases run out and the messages are claimed again: delivered at least once, never lost.
    (err, attempts) => this.deps.logger.error({ err, messages: attempts.length }, 'courier: could not record delivery attempts'),
  );

  private async attempt(m: QueuedMessage): Promise<AttemptOutcome> {
    const attempt = m.send_count + 1;
    let rendered: Rendering | null = null;
    try {
      const channel = this.deps.channels.get(m.channel);
      if (!channel) throw new DeliveryError(`no courier channel "${m.channel}" is configured`, { permanent: true });
      if (m.body_html === null) rendered = await this.render(m);
      const content = rendered ?? { subject: m.subject, body: m.body, html: m.body_html! };
      await channel.send({
        id: m.id,
        type: m.type,
        recipient: m.recipient,
        templateType: m.template_type,
        templateData: m.template_data,
        subject: m.type === 'sms' ? '' : content.subject,
        bodyText: content.body,
        ...(m.type === 'email' ? { bodyHtml: content.html } : {}),
      });
      return { id: m.id, sent: true, rendered };
    } catch (err) {
      const permanent = err instanceof TemplateError || (err instanceof DeliveryError && err.permanent);
      const exhausted = attempt >= this.opts.maxAttempts;
      const retryAt = permanent || exhausted ? null : new Date(this.now().getTime() + jitteredBackoff(attempt, this.opts.baseBackoffMs, this.opts.maxBackoffMs));
      const reason = err instanceof Error ? err.message : String(err);
      const error = { message: reason.slice(0, EXCERPT), kind: err instanceof TemplateError ? 'template' : err instanceof DeliveryError ? 'delivery' : 'internal' };
      return { id: m.id, sent: false, error, retryAt, rendered };
    }
  }

  private logOutcome(m: QueuedMessage, o: AttemptOutcome): void {
    const log = this.deps.logger.child({ message_id: m.id, template_type: m.template_type, channel: m.channel });
    const attempt = m.send_count + 1;
    if (o.sent) log.info({ attempt }, 'courier: message sent');
    else if (o.retryAt) log.warn({ attempt, retry_at: o.retryAt.toISOString(), error: o.error.message }, 'courier: delivery failed, will retry');
    else log.error({ attempt, error: o.error.message }, 'courier: message abandoned');
  }

  private render(m: QueuedMessage): Promise<Rendering> {
    return renderMessage(this.deps.renderer, m.type, m.template_type, m.template_data);
  }
}

