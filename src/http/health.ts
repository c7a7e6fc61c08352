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
      // A database that drops packets would hold the probe for the pool's whole connect timeout.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('the database did not answer within 3s')), 3000);
      });
      await Promise.race([deps.ping(), timeout]).finally(() => clearTimeout(timer));
      return { status: 'ok' };
    } catch (err) {
      req.log.warn({ err }, 'readiness check failed');
      return reply.code(503).send({ errors: { database: 'the database did not answer' } });
    }
  });
  app.get('/version', async () => ({ version: VERSION }));
}
