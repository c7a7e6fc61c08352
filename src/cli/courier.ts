import type { Command } from 'commander';
import { createRegistry, type Registry } from '../registry/registry.js';
import { createCourierWorker } from '../courier/setup.js';
import type { CourierWorker } from '../courier/worker.js';
import { loadOrExit, withConfigOption } from './config-option.js';

/** Starts a courier worker for a registry; `stop()` finishes the messages in hand and closes channels. */
export function startCourier(r: Registry): { worker: CourierWorker; stop(): Promise<void> } {
  const { worker, channels } = createCourierWorker(r.config, r.persister.courier, r.logger);
  if (!channels.has('email')) r.logger.warn('courier: no email channel is configured (courier.smtp.connection_uri); email messages will be abandoned');
  worker.start();
  r.logger.info({ worker: worker.id, channels: [...channels.keys()] }, 'courier worker started');
  return {
    worker,
    stop: async () => {
      await worker.stop();
      await Promise.all([...channels.values()].map((c) => c.close()));
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
