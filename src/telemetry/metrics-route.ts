import type { FastifyInstance } from 'fastify';
import { PROMETHEUS_CONTENT_TYPE, type Metrics } from './metrics.js';

export const METRICS_PATH = '/metrics/prometheus';

/** `GET /metrics/prometheus` (and `/admin/metrics/prometheus`, as Kratos's admin router answers both). */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics): void {
  const handler = async (_req: unknown, reply: import('fastify').FastifyReply) => reply.type(PROMETHEUS_CONTENT_TYPE).send(await metrics.render());
  app.get(METRICS_PATH, handler);
  app.get(`/admin${METRICS_PATH}`, handler);
}
