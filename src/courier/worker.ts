import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { randomAlnum } from '../lib/ids.js';
import type { ChannelLookup } from './channel.js';
import { GroupCommit } from '../lib/group-commit.js';
import { PollLoop } from '../lib/poll-loop.js';
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
 * Drains the queue: claims due messages in batches, delivers each through its channel (sending the
 * rendering stored when it was queued, rendering only messages that have none), and records the
 * attempts by group commit. Any number of workers may run against one database; the queue's
 * claims give each message to one of them. Failed attempts are retried with exponential backoff
 * (with jitter) spread over the retry window until the attempts run out, then the message is
 * abandoned with its last error. A channel that cannot be reached at all is paused: the messages
 * for it wait, one probes it now and then, and none is abandoned because of the outage.
 */
export class CourierWorker {
  readonly id = `${hostname()}-${process.pid}-${randomAlnum(6)}`;
  private readonly loop: PollLoop;
  private readonly now: () => Date;
  private readonly opts: Required<WorkerOptions>;
  /** Channels found unreachable: no message is tried on them before `until`, and then one at a time. */
  private readonly paused = new Map<string, { until: number; failures: number; probing: boolean }>();
  /** Messages in hand: being attempted, or waiting for their attempt to be recorded. */
  private readonly inHand = new Set<Promise<void>>();

  constructor(
    private readonly deps: WorkerDeps,
    opts: WorkerOptions,
  ) {
    this.now = deps.now ?? (() => new Date());
    this.opts = { leaseMs: 5 * 60_000, retryWindowMs: DEFAULT_RETRY_WINDOW_MS, ...opts };
    // While the database is away the worker pauses, polling less often the longer it lasts, and says
    // so once; nothing is lost: messages stay queued, and leased ones return when their lease ends.
    this.loop = new PollLoop(
      () => this.claimAndStart(),
      this.opts.pullWaitMs,
      (err) => this.deps.logger.error({ err }, 'courier: could not claim messages; pausing until the database answers'),
      (failedRounds) => this.deps.logger.info({ failed_rounds: failedRounds }, 'courier: the queue is reachable again, resuming'),
    );
  }

  start(): void {
    this.loop.start();
  }

  /** Stops claiming; resolves once the messages in hand are finished. */
  async stop(): Promise<void> {
    await this.loop.stop();
    await this.settled();
  }

  /** One round: claim, deliver and record up to pullCount messages. Returns how many were handled. */
  async drainOnce(): Promise<number> {
    const claimed = await this.claimAndStart();
    await this.settled();
    return claimed;
  }

  /**
   * Claims up to pullCount messages and starts each as soon as one of the `concurrency` slots is
   * free; returns once the last of them has started. The running loop claims again at once, so the
   * next batch is in hand while the last ones of this batch are still being sent: no slot waits for
   * the slowest message of a batch and then for a claim.
   */
  private async claimAndStart(): Promise<number> {
    const batch = await this.deps.queue.claim(this.id, this.opts.pullCount, this.opts.leaseMs, this.now());
    for (const m of batch) {
      while (this.inHand.size >= this.opts.concurrency) await Promise.race(this.inHand);
      // attempt() turns every failure into an outcome; should anything still throw, it is logged
      // here: a rejection nobody awaits would end the process, and the lease brings the message back.
      const delivery: Promise<void> = this.deliver(m)
        .catch((err: unknown) => this.deps.logger.error({ err, message_id: m.id }, 'courier: a delivery attempt failed unexpectedly'))
        .finally(() => this.inHand.delete(delivery));
      this.inHand.add(delivery);
    }
    return batch.length;
  }

  private async settled(): Promise<void> {
    while (this.inHand.size > 0) await Promise.all(this.inHand);
  }

  /**
   * A slot is freed only once the attempt is recorded: a crash can then repeat at most one message
   * per slot (being sent, or sent and not yet recorded).
   */
  private async deliver(m: QueuedMessage): Promise<void> {
    const outcome = await this.attempt(m);
    if (outcome) await this.recorder.add({ m, outcome });
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

  /** One delivery attempt; null when the message was put back untried (its channel is paused). */
  private async attempt(m: QueuedMessage): Promise<AttemptOutcome | null> {
    const log = this.deps.logger.child({ message_id: m.id, template_type: m.template_type, channel: m.channel });
    try {
      if (await this.deferredForOutage(m)) return null;
    } catch (err) {
      // Its lease runs out and it is claimed again.
      log.error({ err }, 'courier: could not put a message back while its channel is paused');
      return null;
    }
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
      this.channelAnswered(m.channel);
      return { id: m.id, sent: true, rendered };
    } catch (err) {
      let channelBackAt: number | null = null;
      if (err instanceof DeliveryError && err.unreachable) {
        channelBackAt = this.channelUnreachable(m.channel);
        log.warn({ until: new Date(channelBackAt).toISOString() }, 'courier: channel unreachable, paused');
      } else if (err instanceof DeliveryError) {
        // Any answer, even a refusal of this message, shows the channel is back.
        this.channelAnswered(m.channel);
      } else this.releaseProbe(m.channel);
      const permanent = err instanceof TemplateError || (err instanceof DeliveryError && err.permanent);
      // A probe of a channel that cannot be reached says nothing about the message: it waits for
      // the channel however long the outage lasts, and probes again when the pause ends.
      const exhausted = attempt >= this.opts.maxAttempts && channelBackAt === null;
      const retryAt = permanent || exhausted ? null : new Date(channelBackAt ?? this.now().getTime() + this.backoff(attempt));
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
