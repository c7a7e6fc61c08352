import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { forbidden } from '../../../errors/kratos-error.js';
import { safeEqual } from '../../../lib/safe-compare.js';
import { noActiveSession, type SessionManager } from '../../../session/manager.js';
import { bodyValidator } from '../../../http/kit/validate-body.js';
import { browserResponseMode } from '../../flow/request.js';
import type { FlowService } from '../../flow/service.js';
import type { SecurityEvents } from '../../../telemetry/events.js';

export interface LogoutHandlerDeps {
  flows: FlowService;
  sessions: SessionManager;
  events: Pick<SecurityEvents, 'sessionRevoked'>;
}

type Query = Record<string, string | undefined>;
const parseApiLogout = bodyValidator<{ session_token: string }>({
  type: 'object',
  required: ['session_token'],
  additionalProperties: false,
  properties: { session_token: { type: 'string', minLength: 1 } },
});

export function registerLogoutRoutes(app: FastifyInstance, deps: LogoutHandlerDeps): void {
  const { flows, sessions } = deps;

  app.get('/self-service/logout/browser', async (req: FastifyRequest<{ Querystring: Query }>) => {
    const returnTo = flows.returnTo(req);
    const session = await sessions.fromRequest(req);
    if (!session || session.source !== 'cookie') throw noActiveSession();
    const token = sessions.logoutTokenFor(session);
    const url = new URL('self-service/logout', flows.config.publicBaseUrl());
    url.searchParams.set('token', token);
    if (returnTo) url.searchParams.set('return_to', returnTo);
    return { logout_url: url.toString(), logout_token: token };
  });

  app.get('/self-service/logout', async (req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
    const mode = browserResponseMode(req);
    try {
      const returnTo = flows.returnTo(req);
      const session = await sessions.fromRequest(req);
      if (session) {
        const token = req.query.token ?? '';
        if (session.source !== 'cookie' || !safeEqual(token, sessions.logoutTokenFor(session))) {
          throw forbidden('Unable to log out because the logout token in the URL query does not match the session cookie.');
        }
        await sessions.pool.revokeSession(session.id);
        deps.events.sessionRevoked({ req, session, actor: 'self' });
      }
      // Signing out twice is not an error: without a session the browser just moves on.
      sessions.clearCookie(reply);
      flows.rotateCsrf(reply);
      if (mode === 'spa') return reply.code(204).send();
      return flows.redirect(reply, returnTo ?? flows.config.flowReturnUrl('logout'));
    } catch (err) {
      return flows.respondError(req, reply, err, mode);
    }
  });

  app.delete('/self-service/logout/api', async (req, reply) => {
    const { session_token } = parseApiLogout(req.body);
    const session = await sessions.fromToken(session_token);
    if (!session) throw forbidden('The provided Ory Session Token could not be found or is no longer active.');
    await sessions.pool.revokeSession(session.id);
    deps.events.sessionRevoked({ req, session, actor: 'self' });
    return reply.code(204).send();
  });
}
