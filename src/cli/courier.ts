import { InvalidArgumentError, type Command } from 'commander';
import { createRegistry, type Registry } from '../registry/registry.js';
import { createCourierWorker } from '../courier/setup.js';
import type { CourierWorker } from '../courier/worker.js';
import type { Channel } from '../courier/channel.js';
import { loadOrExit, withConfigOption } from './config-option.js';
import { instrumentChannels } from '../telemetry/courier-channels.js';
import { startMetricsServer } from '../telemetry/metrics-server.js';

/**
 * Starts a courier worker for a registry once its channels are built (from the file, or from the
 * email settings stored over the admin API, which it then watches); `stop()` finishes the messages
 * in hand and closes the channels.
 */
export function startCourier(r: Registry, extra: Channel[] = []): { worker: CourierWorker; ready: Promise<boolean>; stop(): Promise<void> } {
  const { worker, channels } = createCourierWorker(r.config, r.persister.courier, r.logger, extra, { settings: r.emailSettings });
  instrumentChannels(channels, r);
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
    .option('--expose-metrics-port <port>', 'serve /metrics/prometheus on this port (on serve.admin.host); not exposed by default', parsePort, 0)
    .action(async (opts: { config: string[]; exposeMetricsPort: number }) => {
      const config = await loadOrExit(opts.config);
      const r = createRegistry(config);
      const pending = await r.database.pendingMigrations();
      if (pending.length > 0) {
        process.stderr.write(`The database schema is behind (${pending.join(', ')}). Run \`tessera migrate sql\` first.\n`);
        await r.close();
        process.exit(1);
      }
      await r.tracing.start();
      const c = startCourier(r);
      if (!(await c.ready)) {
        await r.close();
        process.exit(1);
      }
      const metricsServer = opts.exposeMetricsPort ? await startMetricsServer(r, { host: config.values.serve.admin.host ?? '0.0.0.0', port: opts.exposeMetricsPort }) : null;
      if (metricsServer) r.logger.info({ port: opts.exposeMetricsPort }, 'courier: metrics served at /metrics/prometheus');
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        r.logger.info('courier: stopping after the messages in hand');
        await Promise.all([c.stop(), metricsServer?.close()]);
        await r.close();
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop());
      process.on('SIGINT', () => void stop());
    });
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}
