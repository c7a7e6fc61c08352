import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notFound } from '../../../errors/kratos-error.js';
import { isUuid } from '../../../lib/ids.js';
import type { ErrorPool } from '../../flow/flow.js';

/** `GET /self-service/errors?id=`: errors that sent a browser to the error UI, for that UI to show. */
export function registerErrorRoutes(app: FastifyInstance, errors: ErrorPool): void {
  app.get('/self-service/errors', async (req: FastifyRequest<{ Querystring: { id?: string } }>) => {
    const id = req.query.id;
    const stored = id && isUuid(id) ? await errors.getError(id.toLowerCase()) : null;
    if (!stored) throw notFound('Unable to locate the resource');
    return { id: stored.id, error: stored.error, created_at: stored.created_at.toISOString(), updated_at: stored.updated_at.toISOString() };
  });
}
