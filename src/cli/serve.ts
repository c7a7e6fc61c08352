import type { Command } from 'commander';
import { createRegistry } from '../registry/registry.js';
import { startServers } from '../http/server.js';
import { redactDsn } from '../persistence/dsn.js';
import { loadOrExit, withConfigOption } from './config-option.js';
import { startCourier } from './courier.js';

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

      const pending = await r.database.pendingMigrations();
      if (pending.length > 0) {
        if (config.dev) {
          const applied = await r.database.migrate();
          log.info({ applied }, 'applied database migrations');
        } else {
          process.stderr.write(
            `The database schema is behind: ${pending.length} migration(s) not applied (${pending.join(', ')}).\n` +
              `Run \`tessera migrate sql -e --yes\` (with DSN set) or \`tessera migrate sql -c <config> --yes\` first.\n`,
          );
          await r.close();
          process.exit(1);
        }
      }

      const servers = await startServers(r);
      const courier = opts.watchCourier ? startCourier(r) : null;
      log.info({ dsn: redactDsn(config.values.dsn) }, 'database');
      process.stdout.write(`Public API listening on ${config.publicBaseUrl().toString()} (bound to ${servers.publicUrl})\n`);
      process.stdout.write(`Admin API listening on ${config.adminBaseUrl().toString()} (bound to ${servers.adminUrl})\n`);

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
