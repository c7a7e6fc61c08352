import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OidcCallback, OidcFlows } from './callback.js';

/**
 * The provider's way back: `/self-service/methods/oidc/callback/{provider}` (and without the
 * provider, the URL Kratos uses when PKCE is forced).
 */
export function registerOidcRoutes(app: FastifyInstance, deps: { callback: OidcCallback; flows: OidcFlows }): void {
  const handle = (req: FastifyRequest<{ Params: { provider?: string } }>, reply: FastifyReply) => deps.callback.handle(req, reply, req.params.provider, deps.flows);
  app.get('/self-service/methods/oidc/callback/:provider', handle);
  app.get('/self-service/methods/oidc/callback', handle);
}
