import { randomUUID } from 'node:crypto';

import { privateGuardExempt } from '../../../courier/channels/outbound-request.js';
import type { OutboundRequester, OutboundResponse } from '../../../courier/channels/outbound-request.js';
import type { ResolvedWebHook } from './config.js';
import type { WebHookSigner } from './signing.js';

// One HTTP attempt of a web hook, shared by the blocking runner and the delivery worker: the
// configured headers and credentials, the Standard Webhooks signature, the private-address guard
// (`clients.http.disallow_private_ip_ranges`, `private_ip_exception_urls`), a deadline, and at most
// 5 MB of the answer read, as Kratos reads.

export const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

export interface WebHookSenderOptions {
  requester: OutboundRequester;
  signer: WebHookSigner;
  /** `!clients.http.disallow_private_ip_ranges` */
  allowPrivateNetworks: boolean;
  /** Normalised `clients.http.private_ip_exception_urls`. */
  privateIpExceptions: ReadonlySet<string>;
  /** Deadline of one attempt (`tessera.web_hooks.timeout`). */
  timeoutMs: number;
  now: () => Date;
}

export class WebHookSender {
  constructor(private readonly opts: WebHookSenderOptions) {}

  get timeoutMs(): number {
    return this.opts.timeoutMs;
  }

  /**
   * Sends one attempt. `messageId` is the Standard Webhooks `webhook-id`: the same for every attempt
   * of one message, so receivers can drop repeats. Throws OutboundRequestError when no answer came.
   */
  send(hook: ResolvedWebHook, messageId: string, body: string | undefined): Promise<OutboundResponse> {
    const headers: Record<string, string> = { ...hook.headers, ...this.opts.signer.headers(messageId, body ?? '', this.opts.now()) };
    // Kratos marks each attempt of an instrumented hook with a fresh request id.
    if (hook.emitAnalyticsEvent) headers['Ory-Webhook-Request-ID'] = randomUUID();
    return this.opts.requester({
      url: hook.url,
      method: hook.method,
      headers,
      ...(body !== undefined ? { body } : {}),
      timeoutMs: this.opts.timeoutMs,
      allowPrivateNetworks: privateGuardExempt(hook.url, this.opts.allowPrivateNetworks, this.opts.privateIpExceptions),
      maxResponseBytes: MAX_RESPONSE_BYTES,
      onOverflow: 'truncate',
    });
  }
}
