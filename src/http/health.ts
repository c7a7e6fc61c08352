import type { FastifyInstance } from 'fastify';
import { VERSION } from '../lib/version.js';

export interface HealthDeps {
  /** Resolves when the database answers. */
  ping(): Promise<void>;
}

/** `/health/alive`, `/health/ready` and `/version`, identical on both ports. */
export function registerHealthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  app.get('/health/alive', async () => ({ status: 'ok' }));
  app.get('/health/ready', async (req, reply) => {
    try {
      await deps.ping();
      return { status: 'ok' };
    } catch (err) {
      req.log.warn({ err }, 'readiness check failed');
      return reply.code(503).send({ errors: { database: 'the database did not answer' } });
    }
  });
  app.get('/version', async () => ({ version: VERSION }));
}
