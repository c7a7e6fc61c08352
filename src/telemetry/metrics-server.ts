import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createApp } from '../http/app.js';
import type { Metrics } from './metrics.js';
import type { Tracing } from './tracing.js';
import { registerMetricsRoute } from './metrics-route.js';

/**
 * The metrics endpoint of a standalone courier worker (`courier watch --expose-metrics-port`): only
 * `/metrics/prometheus`, on the admin API's host, as Kratos serves it.
 */
export async function startMetricsServer(deps: { metrics: Metrics; tracing: Tracing; logger: Logger }, o: { host: string; port: number }): Promise<FastifyInstance> {
  const app = await createApp({ logger: deps.logger.child({ api: 'metrics' }), bodyLimit: 1024, telemetry: deps });
  registerMetricsRoute(app, deps.metrics);
  await app.listen({ host: o.host, port: o.port });
  return app;
}
