import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { CourierConfig, SmtpConfig } from '../config/types.js';
import { SecretResolver } from '../lib/secret-ref.js';
import { withAdminEmailContent } from './admin-email.js';
import type { Channel } from './channel.js';
import { createHttpChannel, legacySmsChannelConfig } from './channels/http.js';
import { createSmtpChannel, SmtpConfigError, type SmtpChannelConfig } from './channels/smtp.js';
import { createMsGraphChannel } from './channels/msgraph.js';
import { LiveChannels, type BuiltChannels } from './live-channels.js';
import type { EmailSettingsService } from './settings/email-settings.js';
import { createTemplateRenderer } from './templates/template-renderer.js';
import type { TemplateRenderer } from './templates/renderer.js';
import type { CourierQueue } from './queue.js';
import { CourierWorker } from './worker.js';

export interface ChannelBuildOptions {
  allowPrivateNetworks: boolean;
  privateIpExceptionUrls: readonly string[];
  logger: Logger;
}

export function channelBuildOptions(config: Config, logger: Logger): ChannelBuildOptions {
  return {
    allowPrivateNetworks: !config.values.clients.http.disallow_private_ip_ranges,
    privateIpExceptionUrls: config.values.clients.http.private_ip_exception_urls,
    logger: logger.child({ component: 'courier' }),
  };
}

/** An SMTP configuration with its `password` (inline or by reference) put into the connection URI. */
async function smtpWithSecrets(cfg: Partial<SmtpConfig>, resolver: SecretResolver, where: string): Promise<SmtpChannelConfig> {
  const { password, ...rest } = cfg;
  if (password === undefined || !rest.connection_uri) return rest;
  const value = await resolver.resolve(password, `${where}.password`);
  let url: URL;
  try {
    url = new URL(rest.connection_uri);
  } catch {
    throw new SmtpConfigError('connection_uri', 'not a valid URI');
  }
  if (!url.username) throw new SmtpConfigError('password', 'needs a user name in connection_uri (smtp://user@host:port/)');
  url.password = encodeURIComponent(value);
  return { ...rest, connection_uri: url.toString() };
}

/**
 * The channels a courier configuration describes, by id. `email` comes from `courier.smtp` (or
 * `courier.http` with `delivery_strategy: http`), `sms` from `courier.sms`; entries of
 * `courier.channels` add or replace channels by id, as in Kratos. Secret references are resolved
 * here, and the files read are returned so a holder can tell when to build again.
 */
export async function buildChannels(c: CourierConfig, opts: ChannelBuildOptions, extra: Channel[] = []): Promise<BuiltChannels> {
  const { allowPrivateNetworks, privateIpExceptionUrls } = opts;
  const log = opts.logger;
  const resolver = new SecretResolver({ secretsDirectory: c.secrets_directory });
  const built: Channel[] = [];
  const channels = new Map<string, Channel>();
  const add = (ch: Channel) => {
    built.push(ch);
    channels.set(ch.id, ch);
  };
  try {
    if (c.delivery_strategy === 'http' && c.http?.request_config) {
      add(createHttpChannel({ id: 'email', type: 'email', request_config: c.http.request_config }, { allowPrivateNetworks, privateIpExceptionUrls, logger: log }));
    } else if (c.smtp.connection_uri) {
      add(createSmtpChannel({ ...(await smtpWithSecrets(c.smtp, resolver, 'courier.smtp')), id: 'email' }, { logger: log }));
    }
    const legacySms = legacySmsChannelConfig(c.sms);
    if (legacySms) add(createHttpChannel(legacySms, { allowPrivateNetworks, privateIpExceptionUrls, logger: log }));
    for (const [i, ch] of c.channels.entries()) {
      const where = `courier.channels.${i}`;
      if (ch.type === 'http' && ch.request_config) {
        add(createHttpChannel({ id: ch.id, type: ch.id === 'sms' ? 'sms' : 'email', request_config: ch.request_config }, { allowPrivateNetworks, privateIpExceptionUrls, logger: log }));
      } else if (ch.type === 'smtp' && ch.smtp_config) {
        add(createSmtpChannel({ ...(await smtpWithSecrets({ ...c.smtp, password: undefined, ...ch.smtp_config }, resolver, `${where}.smtp_config`)), id: ch.id }, { logger: log }));
      } else if (ch.type === 'msgraph' && ch.msgraph_config) {
        const g = ch.msgraph_config;
        const clientId = await resolver.resolve(g.client_id, `${where}.msgraph_config.client_id`);
        const clientSecret = g.client_secret === undefined ? undefined : await resolver.resolve(g.client_secret, `${where}.msgraph_config.client_secret`);
        add(createMsGraphChannel({ id: ch.id, ...g, client_id: clientId, client_secret: clientSecret }, { allowPrivateNetworks, privateIpExceptionUrls, logger: log }));
      }
    }
  } catch (err) {
    await Promise.all(built.map((ch) => ch.close()));
    throw err;
  }
  for (const ch of extra) channels.set(ch.id, ch);
  return { channels, files: resolver.files };
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

/**
 * The channels in force for a process: from the file, or from the email settings stored over the
 * admin API when `settings` is given (then watched for changes every `pollMs`).
 */
export function liveChannels(config: Config, logger: Logger, opts: { settings?: EmailSettingsService; extra?: Channel[]; pollMs?: number } = {}): LiveChannels {
  const buildOpts = channelBuildOptions(config, logger);
  const settings = opts.settings;
  return new LiveChannels({
    logger: buildOpts.logger,
    pollMs: opts.pollMs,
    version: settings ? () => settings.version() : undefined,
    build: async () => {
      const { version, courier } = settings ? await settings.effective() : { version: 0, courier: config.values.courier };
      return { version, ...(await buildChannels(courier, buildOpts, opts.extra)) };
    },
  });
}

/**
 * A courier worker and its channels. Call `channels.start()` (it reads the stored settings) before
 * `worker.start()`, and `channels.close()` after `worker.stop()`.
 */
export function createCourierWorker(
  config: Config,
  queue: CourierQueue,
  logger: Logger,
  extraChannels: Channel[] = [],
  opts: { settings?: EmailSettingsService; pollMs?: number } = {},
): { worker: CourierWorker; channels: LiveChannels } {
  const w = config.courierWorker();
  const channels = liveChannels(config, logger, { ...opts, extra: extraChannels });
  const worker = new CourierWorker(
    { queue, renderer: withAdminEmailContent(rendererFromConfig(config, logger)), channels, logger: logger.child({ component: 'courier' }) },
    { pullCount: w.pullCount, pullWaitMs: w.pullWaitMs, concurrency: w.concurrency, maxAttempts: w.messageRetries + 1, retryWindowMs: w.retryWindowMs },
  );
  return { worker, channels };
}
