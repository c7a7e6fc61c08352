import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OidcCallback, OidcFlows } from './callback.js';

/**
 * The provider's way back: `/self-service/methods/oidc/callback/{provider}` (and without the
 * provider, the URL Kratos uses when PKCE is forced). A provider answering with a form post
 * (Apple's `response_mode=form_post`) is sent to the same URL as a GET with the fields in the query,
 * as Kratos does: a cross-site POST would arrive without the continuity cookie.
 */
export function registerOidcRoutes(app: FastifyInstance, deps: { callback: OidcCallback; flows: OidcFlows }): void {
  deps.callback.attach(deps.flows);
  const handle = (req: FastifyRequest<{ Params: { provider?: string } }>, reply: FastifyReply) => deps.callback.handle(req, reply, req.params.provider, deps.flows);
  const toGet = (req: FastifyRequest, reply: FastifyReply) => {
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(body)) if (typeof v === 'string') query.set(k, v);
    const path = req.url.split('?')[0]!;
    return reply.redirect(`${path}?${query.toString()}`, 303);
  };
  app.get('/self-service/methods/oidc/callback/:provider', handle);
  app.get('/self-service/methods/oidc/callback', handle);
  app.post('/self-service/methods/oidc/callback/:provider', toGet);
  app.post('/self-service/methods/oidc/callback', toGet);
}
