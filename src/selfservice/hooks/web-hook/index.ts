import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

import { createNodeRequester, exceptionSet } from '../../../courier/channels/outbound-request.js';
import type { OutboundRequester } from '../../../courier/channels/outbound-request.js';
import { ConfigError } from '../../../config/config-error.js';
import type { TesseraConfig } from '../../../config/types.js';
import { parseDuration } from '../../../lib/duration.js';
import type { PageTokens } from '../../../lib/pagination.js';
import { registerWebHookAdminRoutes } from './admin-handler.js';
import { WebHookCatalog } from './catalog.js';
import { configuredWebHooks, validateWebHookConfigs } from './config.js';
import type { WebHookDeliveryQueue } from './delivery-queue.js';
import { WebHookDeliveryWorker } from './delivery-worker.js';
import { WebHookSender } from './sender.js';
import { WebHookSigner } from './signing.js';
import { WebHookRunner } from './web-hook.js';
import type { WebHookEvent } from './web-hook.js';

export type { WebHookContext, WebHookEvent, WebHookFieldMessages, WebHookIdentityPatch, WebHookMessage, WebHookResult } from './web-hook.js';
export { REASON_IMPROPER, REASON_UNREACHABLE, WebHookRunner } from './web-hook.js';
export { WebHookDeliveryWorker } from './delivery-worker.js';
export { runsBeforePersist, validateWebHookConfigs } from './config.js';
export type { WebHookConfig } from './config.js';
export type { WebHookDeliveryQueue } from './delivery-queue.js';

export interface WebHooksDeps {
  /** The loaded configuration's values (`config.values`). */
  config: Pick<TesseraConfig, 'selfservice' | 'clients' | 'tessera'>;
  /** `persister.webHookDeliveries` */
  queue: WebHookDeliveryQueue;
  logger: Logger;
  /** The registry's page tokens (admin API paging). */
  pageTokens: PageTokens;
  now?: () => Date;
  /** Base of relative `file://` body templates (default: the working directory). */
  cwd?: string;
  /** Sends requests (tests, proxies); default node:http with the private-address guard at connect time. */
  requester?: OutboundRequester;
  /** Wait before the second blocking attempt, doubled for the third (default 1 s). */
  retryBaseMs?: number;
  /** Kratos-style span events for hooks with `emit_analytics_event` (telemetry plugs in here). */
  onEvent?: (e: WebHookEvent) => void;
}

export interface WebHooks {
  runner: WebHookRunner;
  /** Not started: call `worker.start()` where background work runs, `await worker.stop()` on shutdown. */
  worker: WebHookDeliveryWorker;
  /** Mounts `GET /admin/web-hooks/deliveries[/{id}]` on the admin app. */
  registerAdminRoutes(app: FastifyInstance): void;
  /** Stops the worker if running and closes pooled connections. */
  close(): Promise<void>;
}

/**
 * Builds the web hook runner, its delivery worker and admin routes from the configuration.
 * Throws ConfigError when a configured web hook can never work (checked once, at start-up).
 */
export function createWebHooks(deps: WebHooksDeps): WebHooks {
  const issues = validateWebHookConfigs(deps.config);
  if (issues.length > 0) throw new ConfigError(issues);
  const settings = deps.config.tessera.web_hooks;
  const timeoutMs = parseDuration(settings.timeout);
  const leaseMs = parseDuration(settings.delivery.lease);
  if (leaseMs < 2 * timeoutMs) {
    throw new ConfigError([
      { path: 'tessera.web_hooks.delivery.lease', source: 'config', message: `must be at least twice tessera.web_hooks.timeout (${settings.timeout}), or a slow attempt could be sent twice` },
    ]);
  }
  const now = deps.now ?? (() => new Date());
  const node = deps.requester === undefined ? createNodeRequester() : null;
  const requester = deps.requester ?? node!.request;
  const allowPrivateNetworks = !deps.config.clients.http.disallow_private_ip_ranges;
  const privateIpExceptions = exceptionSet(deps.config.clients.http.private_ip_exception_urls);
  const logger = deps.logger.child({ component: 'web-hooks' });

  const catalog = new WebHookCatalog();
  // Registered in configuration order, so every process derives the same references.
  for (const { config } of configuredWebHooks(deps.config)) catalog.resolve(config);
  const sender = new WebHookSender({ requester, signer: new WebHookSigner(settings.signing_secrets), allowPrivateNetworks, privateIpExceptions, timeoutMs, now });
  const d = settings.delivery;
  const worker = new WebHookDeliveryWorker(
    { queue: deps.queue, catalog, sender, logger, now },
    {
      pullCount: d.pull_count,
      pullWaitMs: parseDuration(d.pull_wait),
      maxAttempts: d.max_attempts,
      leaseMs,
      initialBackoffMs: parseDuration(d.initial_backoff),
      maxBackoffMs: parseDuration(d.max_backoff),
    },
  );
  const runner = new WebHookRunner({
    catalog,
    sender,
    queue: deps.queue,
    logger,
    headerAllowlist: deps.config.clients.web_hook.header_allowlist,
    templates: { requester, allowPrivateNetworks, privateIpExceptions, fetchTimeoutMs: timeoutMs, ...(deps.cwd !== undefined ? { cwd: deps.cwd } : {}) },
    onQueued: () => worker.wake(),
    ...(deps.onEvent !== undefined ? { onEvent: deps.onEvent } : {}),
    ...(deps.retryBaseMs !== undefined ? { retryBaseMs: deps.retryBaseMs } : {}),
    now,
  });
  return {
    runner,
    worker,
    registerAdminRoutes: (app) => registerWebHookAdminRoutes(app, { queue: deps.queue, pageTokens: deps.pageTokens }),
    async close() {
      await worker.stop();
      node?.close();
    },
  };
}
