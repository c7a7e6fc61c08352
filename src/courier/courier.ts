import type { Logger } from 'pino';
import type { MessageType, TemplateData, TemplateType } from './message.js';
import type { CourierQueue, NewMessage, QueuedMessage } from './queue.js';
import type { TemplateRenderer } from './templates/renderer.js';
import { renderMessage } from './render.js';

export interface AbuseLimit {
  /** Messages of one template type to one recipient allowed per window; 0 disables the limit. */
  maxPerWindow: number;
  windowMs: number;
}

/** By default: 10 messages of one kind to one address per hour. A flow answers the same either way. */
export const DEFAULT_ABUSE_LIMIT: AbuseLimit = { maxPerWindow: 10, windowMs: 60 * 60 * 1000 };

export interface CourierDeps {
  queue: CourierQueue;
  logger: Logger;
  abuseLimit: AbuseLimit;
  /** Renders messages as they are queued, so the admin API shows them and workers send them as stored. */
  renderer?: TemplateRenderer;
  now?: () => Date;
}

/**
 * Where flows hand messages over. Messages are stored before anything is sent (a worker delivers
 * them), and a per-recipient limit stops a public form from flooding an inbox or a phone bill. A
 * suppressed message is recorded as abandoned, and the caller cannot tell the difference.
 */
export class Courier {
  private readonly now: () => Date;

  constructor(private readonly deps: CourierDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The same courier writing through another queue, e.g. one bound to the caller's transaction. */
  withQueue(queue: CourierQueue): Courier {
    return new Courier({ ...this.deps, queue });
  }

  /** `ignoreLimit`: only for an admin's explicit per-request override (admin send API). */
  async queueEmail(recipient: string, templateType: TemplateType, data: Omit<TemplateData, 'To'>, opts: { ignoreLimit?: boolean } = {}): Promise<QueuedMessage> {
    return this.queue('email', 'email', recipient, templateType, data, opts.ignoreLimit);
  }

  async queueSms(recipient: string, templateType: TemplateType, data: Omit<TemplateData, 'To'>): Promise<QueuedMessage> {
    return this.queue('sms', 'sms', recipient, templateType, data);
  }

  private async queue(type: MessageType, channel: string, recipient: string, templateType: TemplateType, data: Omit<TemplateData, 'To'>, ignoreLimit = false): Promise<QueuedMessage> {
    const templateData = { ...data, To: recipient } as TemplateData;
    const rendered = await this.render(type, templateType, templateData);
    const message: NewMessage = { type, channel, recipient, template_type: templateType, template_data: templateData, rendered };
    const now = this.now();
    const { maxPerWindow, windowMs } = this.deps.abuseLimit;
    if (maxPerWindow === 0 || ignoreLimit) return this.deps.queue.enqueue(message, now);
    const reason = `more than ${maxPerWindow} ${templateType} messages to this recipient within ${Math.round(windowMs / 60000)} minutes`;
    const queued = await this.deps.queue.enqueueWithinLimit(message, { max: maxPerWindow, windowMs, reason }, now);
    if (queued.status === 'abandoned') this.deps.logger.warn({ template_type: templateType }, 'courier: message to a recipient over the per-recipient limit was suppressed');
    return queued;
  }

  /**
   * Rendered before the message is stored, as Kratos does. A template that fails here is not the
   * flow's failure: the message is stored unrendered, the worker renders it again and, if it still
   * fails, abandons it with the error on record.
   */
  private async render(type: MessageType, templateType: TemplateType, data: TemplateData) {
    if (!this.deps.renderer) return undefined;
    try {
      return await renderMessage(this.deps.renderer, type, templateType, data);
    } catch (err) {
      this.deps.logger.warn({ template_type: templateType, error: err instanceof Error ? err.message : String(err) }, 'courier: message could not be rendered when queued; the worker will render it');
      return undefined;
    }
  }
}
