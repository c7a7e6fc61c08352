import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, KratosError, notFound } from '../errors/kratos-error.js';
import type { SchemaRegistry } from './registry.js';

const DEFAULT_PER_PAGE = 250;
const MAX_PER_PAGE = 1000;

/** Identity schema ids appear in schema URLs base64url-encoded; accept both forms. */
function resolveId(registry: SchemaRegistry, raw: string): string | undefined {
  const ids = registry.list().map((s) => s.id);
  if (ids.includes(raw)) return raw;
  const decoded = Buffer.from(raw, 'base64url').toString('utf8');
  return ids.includes(decoded) ? decoded : undefined;
}

function intParam(v: string | undefined, name: string, min: number): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw badRequest(`The ${name} parameter must be an integer of at least ${min}.`);
  return Number(v);
}

async function readSchema(registry: SchemaRegistry, id: string): Promise<object> {
  try {
    return await registry.raw(id);
  } catch (err) {
    throw new KratosError(500, { reason: 'The file for this JSON Schema ID could not be found or read. This is a configuration issue.', cause: err });
  }
}

/** GET /schemas and GET /schemas/{id}, served on both the public and the admin API. */
export function registerSchemaRoutes(app: FastifyInstance, registry: SchemaRegistry): void {
  app.get('/schemas', async (req: FastifyRequest<{ Querystring: Record<string, string | undefined> }>, reply) => {
    const all = registry.list();
    const perPage = Math.min(intParam(req.query.per_page ?? req.query.page_size, 'per_page', 1) ?? DEFAULT_PER_PAGE, MAX_PER_PAGE);
    const page = intParam(req.query.page, 'page', 0) ?? 0;
    const slice = all.slice(page * perPage, page * perPage + perPage);
    reply.header('x-total-count', String(all.length));
    const out = [];
    for (const s of slice) out.push({ id: s.id, schema: await readSchema(registry, s.id) });
    return out;
  });

  app.get('/schemas/:id', async (req: FastifyRequest<{ Params: { id: string } }>) => {
    const id = resolveId(registry, req.params.id);
    if (id === undefined) throw notFound(`Identity schema \`${req.params.id}\` could not be found.`);
    return readSchema(registry, id);
  });
}
