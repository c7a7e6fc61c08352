import type { FastifyInstance, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { KratosError, notFound } from '../../../errors/kratos-error.js';
import { isUuid } from '../../../lib/ids.js';
import type { ErrorPool } from '../../flow/flow.js';

/**
 * Ids an error UI can be developed against without provoking a real error: each answers with a
 * fresh error container holding the generic error of that status and the reason "This is a stub error."
 */
const STUB_STATUSES: Record<string, number> = { 'stub:400': 400, 'stub:404': 404, 'stub:500': 500 };

function stubError(status: number) {
  const now = new Date().toISOString();
  return { id: randomUUID(), error: new KratosError(status, { reason: 'This is a stub error.' }).toEnvelope().error, created_at: now, updated_at: now };
}

const firstOf = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** `GET /self-service/errors?id=`: errors that sent a browser to the error UI, for that UI to show. */
export function registerErrorRoutes(app: FastifyInstance, errors: ErrorPool): void {
  app.get('/self-service/errors', async (req: FastifyRequest<{ Querystring: Record<string, string | string[] | undefined> }>) => {
    // `error` is the parameter name some UIs use (Kratos accepts both, `error` first).
    const id = firstOf(req.query.error) || firstOf(req.query.id);
    const stub = id ? STUB_STATUSES[id] : undefined;
    if (stub !== undefined) return stubError(stub);
    const stored = id && isUuid(id) ? await errors.getError(id.toLowerCase()) : null;
    if (!stored) throw notFound('Unable to locate the resource');
    return { id: stored.id, error: stored.error, created_at: stored.created_at.toISOString(), updated_at: stored.updated_at.toISOString() };
  });
}
