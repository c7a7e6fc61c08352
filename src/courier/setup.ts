import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Channel } from './channel.js';
import { createHttpChannel, legacySmsChannelConfig } from './channels/http.js';
import { createSmtpChannel } from './channels/smtp.js';
import { createMsGraphChannel } from './channels/msgraph.js';
import { createTemplateRenderer } from './templates/template-renderer.js';
import type { TemplateRenderer } from './templates/renderer.js';
import type { CourierQueue } from './queue.js';
import { CourierWorker } from './worker.js';

/**
 * The channels a configuration describes, by id. `email` comes from `courier.smtp` (or
 * `courier.http` with `delivery_strategy: http`), `sms` from `courier.sms`; entries of
 * `courier.channels` add or replace channels by id, as in Kratos.
 */
export function channelsFromConfig(config: Config, logger: Logger, extra: Channel[] = []): Map<string, Channel> {
  const c = config.values.courier;
  const allowPrivateNetworks = !config.values.clients.http.disallow_private_ip_ranges;
  const privateIpExceptionUrls = config.values.clients.http.private_ip_exception_urls;
  const channels = new Map<string, Channel>();
  const add = (ch: Channel) => channels.set(ch.id, ch);
  const log = logger.child({ component: 'courier' });

  if (c.delivery_strategy === 'http' && c.http?.request_config) {
    add(createHttpChannel({ id: 'email', type: 'email', request_config: c.http.request_config }, { allowPrivateNetworks, privateIpExceptionUrls, logger: log }));
  } else if (c.smtp.connection_uri) {
    add(createSmtpChannel({ ...c.smtp, id: 'email' }, { logger: log }));
  }
  const legacySms = legacySmsChannelConfig(c.sms);
  if (legacySms) add(createHttpChannel(legacySms, { allowPrivateNetworks, privateIpExceptionUrls, logger: log }));
  for (const ch of c.channels) {
    if (ch.type === 'http' && ch.request_config) {
      add(createHttpChannel({ id: ch.id, type: ch.id === 'sms' ? 'sms' : 'email', request_config: ch.request_config }, { allowPrivateNetworks, privateIpExceptionUrls, logger: log }));
    } else if (ch.type === 'smtp' && ch.smtp_config) {
      add(createSmtpChannel({ ...c.smtp, ...ch.smtp_config, id: ch.id }, { logger: log }));
    } else if (ch.type === 'msgraph' && ch.msgraph_config) {
      add(createMsGraphChannel({ id: ch.id, ...ch.msgraph_config }, { allowPrivateNetworks, privateIpExceptionUrls, logger: log }));
    }
  }
  for (const ch of extra) add(ch);
  return channels;
}

export function rendererFromConfig(config: Config, logger: Logger): TemplateRenderer {
  const c = config.values.courier;
  return createTemplateRenderer(
    { overridePath: c.template_override_path, templates: c.templates },
    {
      allowPrivateNetworks: !config.values.clients.http.disallow_private_ip_ranges,
      privateIpExceptionUrls: config.values.clients.http.private_ip_exception_urls,
      logger: logger.child({ component: 'courier' }),
    },
  );
}

export function createCourierWorker(config: Config, queue: CourierQueue, logger: Logger, extraChannels: Channel[] = []): { worker: CourierWorker; channels: Map<string, Channel> } {
  const w = config.courierWorker();
  const channels = channelsFromConfig(config, logger, extraChannels);
  const worker = new CourierWorker(
    { queue, renderer: rendererFromConfig(config, logger), channels, logger: logger.child({ component: 'courier' }) },
    { pullCount: w.pullCount, pullWaitMs: w.pullWaitMs, concurrency: w.concurrency, maxAttempts: w.messageRetries + 1 },
  );
  return { worker, channels };
}
