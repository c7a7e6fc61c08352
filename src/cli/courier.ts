import type { Command } from 'commander';
import { createRegistry, type Registry } from '../registry/registry.js';
import { createCourierWorker } from '../courier/setup.js';
import type { CourierWorker } from '../courier/worker.js';
import type { Channel } from '../courier/channel.js';
import { loadOrExit, withConfigOption } from './config-option.js';

/**
 * Starts a courier worker for a registry once its channels are built (from the file, or from the
 * email settings stored over the admin API, which it then watches); `stop()` finishes the messages
 * in hand and closes the channels.
 */
export function startCourier(r: Registry, extra: Channel[] = []): { worker: CourierWorker; ready: Promise<boolean>; stop(): Promise<void> } {
  const { worker, channels } = createCourierWorker(r.config, r.persister.courier, r.logger, extra, { settings: r.emailSettings });
  const started = channels.start().then(
    () => {
      if (!channels.get('email')) r.logger.warn('courier: no email channel is configured (courier.smtp.connection_uri); email messages will be abandoned');
      worker.start();
      r.logger.info({ worker: worker.id, channels: channels.ids() }, 'courier worker started');
      return true;
    },
    (err: unknown) => {
      r.logger.fatal({ error: err instanceof Error ? err.message : String(err) }, 'courier: the channels cannot be built; no messages are sent');
      process.exitCode = 1;
      return false;
    },
  );
  return {
    worker,
    ready: started,
    stop: async () => {
      await started;
      await worker.stop();
      await channels.close();
    },
  };
}

export function registerCourier(program: Command): void {
  const courier = program.command('courier').description('Message delivery');
  withConfigOption(courier.command('watch'))
    .description('Deliver queued messages until stopped (any number of workers may run at once)')
    .action(async (opts: { config: string[] }) => {
      const config = await loadOrExit(opts.config);
      const r = createRegistry(config);
      const pending = await r.database.pendingMigrations();
      if (pending.length > 0) {
        process.stderr.write(`The database schema is behind (${pending.join(', ')}). Run \`tessera migrate sql\` first.\n`);
        await r.close();
        process.exit(1);
      }
      const c = startCourier(r);
      if (!(await c.ready)) {
        await r.close();
        process.exit(1);
      }
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        r.logger.info('courier: stopping after the messages in hand');
        await c.stop();
        await r.close();
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop());
      process.on('SIGINT', () => void stop());
    });
}
