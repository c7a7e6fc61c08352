import type { Command } from 'commander';
import { createRegistry } from '../registry/registry.js';
import { startServers } from '../http/server.js';
import { redactDsn } from '../persistence/dsn.js';
import { loadOrExit, withConfigOption } from './config-option.js';
import { startCourier } from './courier.js';
import { ensureDatabaseSchema } from './database-schema.js';
import { requireUsableSchemasAndTemplates, warnAboutSmsTraitsWithoutChannel } from './startup-checks.js';
import { TlsSettingsError, tlsMaterial } from '../http/tls.js';
import { createCourierWorker } from '../courier/setup.js';
import { createDevMailboxChannel, devMailboxWanted } from '../courier/channels/dev-mailbox.js';
import { DevMailboxPersister } from '../persistence/dev-mailbox-persister.js';
import type { Registry } from '../registry/registry.js';
import { instrumentChannels } from '../telemetry/courier-channels.js';

export function registerServe(program: Command): void {
  withConfigOption(program.command('serve'))
    .description('Run the public and admin APIs')
    .option('--dev', 'development mode: embedded SQLite, default schema, relaxed cookies, migrations applied automatically', false)
    .option('--watch-courier', 'also run a courier worker in this process', false)
    .action(async (opts: { config: string[]; dev: boolean; watchCourier: boolean }) => {
      const config = await loadOrExit(opts.config, { dev: opts.dev });
      const r = createRegistry(config);
      const log = r.logger;
      for (const w of config.warnings) log.warn(w);

      await requireUsableTls(r);
      await requireUsableSchemasAndTemplates(r);
      await warnAboutSmsTraitsWithoutChannel(r);
      await ensureDatabaseSchema(r);

      const servers = await startServers(r);
      // Dev mode without SMTP: a courier worker runs here and keeps emails in the dev mailbox.
      const courier = devMailboxWanted(config) ? startDevMailboxCourier(r) : opts.watchCourier ? startCourier(r) : null;
      log.info({ dsn: redactDsn(config.values.dsn) }, 'database');
      process.stdout.write(`Public API listening on ${config.publicBaseUrl().toString()} (bound to ${servers.publicUrl})\n`);
      process.stdout.write(`Admin API listening on ${config.adminBaseUrl().toString()} (bound to ${servers.adminUrl})\n`);
      if (config.values.ui.enabled) {
        const ui = new URL(config.uiBasePath().replace(/^\/+/, '').replace(/\/?$/, '/'), config.publicBaseUrl()).toString();
        process.stdout.write(`Open ${ui} in your browser to sign up, sign in and manage your account\n`);
        if (devMailboxWanted(config)) process.stdout.write(`Emails are kept in the dev mailbox: ${ui}mailbox\n`);
      }

      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'shutting down: finishing in-flight requests');
        const force = setTimeout(() => {
          log.error('graceful shutdown timed out');
          process.exit(1);
        }, 25_000);
        force.unref();
        await servers.close();
        await courier?.stop();
        await r.close();
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
    });
}

/** Stops the process when `serve.*.tls` names files that cannot be read or do not fit together. */
async function requireUsableTls(r: Registry): Promise<void> {
  try {
    tlsMaterial(r.config, 'public');
    tlsMaterial(r.config, 'admin');
  } catch (err) {
    if (!(err instanceof TlsSettingsError)) throw err;
    process.stderr.write(`The TLS settings cannot be used:
${err.message}
`);
    await r.close();
    process.exit(1);
  }
}

/** The in-process courier of dev mode: every email goes to the dev mailbox. */
function startDevMailboxCourier(r: Registry): { stop(): Promise<void> } {
  return startCourier(r, [createDevMailboxChannel(new DevMailboxPersister(r.database.db, r.database.dialect))]);
}
