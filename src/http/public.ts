import type { FastifyInstance } from 'fastify';
import type { Registry } from '../registry/registry.js';
import { registerSchemaRoutes } from '../schema/handler.js';
import { registerSessionPublicRoutes } from '../session/handler.js';
import { createApp } from './app.js';
import { registerHealthRoutes } from './health.js';

/** The public API: what browsers, apps and UIs talk to. Admin endpoints are never served here. */
export async function buildPublicApi(r: Registry): Promise<FastifyInstance> {
  const app = await createApp({ logger: r.logger.child({ api: 'public' }), bodyLimit: r.config.bodyLimit('public') });
  registerHealthRoutes(app, { ping: () => r.database.ping() });
  registerSchemaRoutes(app, r.schemas);
  registerSessionPublicRoutes(app, { sessions: r.sessions, identities: r.persister.identities, renderIdentity: r.renderIdentity, pageTokens: r.pageTokens });

  // Admin paths asked of the public port are sent to the admin API, as Kratos does, never served.
  app.all('/admin/*', async (req, reply) => {
    const target = new URL(req.url.replace(/^\//, ''), withSlash(r.config.adminBaseUrl()));
    return reply.redirect(target.toString(), 307);
  });
  return app;
}

export function withSlash(u: URL): URL {
  const c = new URL(u);
  if (!c.pathname.endsWith('/')) c.pathname += '/';
  return c;
}
