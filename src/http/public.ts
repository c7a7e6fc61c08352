import type { FastifyInstance } from 'fastify';
import type { Registry } from '../registry/registry.js';
import { registerSchemaRoutes } from '../schema/handler.js';
import { registerSessionPublicRoutes } from '../session/handler.js';
import { registerLoginRoutes } from '../selfservice/flows/login/handler.js';
import { registerRegistrationRoutes } from '../selfservice/flows/registration/handler.js';
import { registerLogoutRoutes } from '../selfservice/flows/logout/handler.js';
import { registerErrorRoutes } from '../selfservice/flows/error/handler.js';
import { registerRecovery } from './recovery-wiring.js';
import { PasswordLoginStrategy } from '../selfservice/strategies/password/login.js';
import { PasswordRegistrationStrategy } from '../selfservice/strategies/password/registration.js';
import type { LoginStrategy } from '../selfservice/flows/login/strategy.js';
import type { RegistrationStrategy } from '../selfservice/flows/registration/strategy.js';
import { createApp } from './app.js';
import { registerCors } from './cors.js';
import { registerHealthRoutes } from './health.js';

/** The public API: what browsers, apps and UIs talk to. Admin endpoints are never served here. */
export async function buildPublicApi(r: Registry): Promise<FastifyInstance> {
  const app = await createApp({ logger: r.logger.child({ api: 'public' }), bodyLimit: r.config.bodyLimit('public') });
  await registerCors(app, r.config.values.serve.public.cors);
  registerHealthRoutes(app, { ping: () => r.database.ping() });
  registerSchemaRoutes(app, r.schemas);
  registerSessionPublicRoutes(app, { sessions: r.sessions, identities: r.persister.identities, renderIdentity: r.renderIdentity, pageTokens: r.pageTokens });

  await registerSelfService(app, r);

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

/** The self-service flows with the strategies the configuration enables. */
async function registerSelfService(app: FastifyInstance, r: Registry): Promise<void> {
  const c = r.config;
  const defaultSchema = (await r.schemas.getDefault()).raw();
  const loginStrategies: LoginStrategy[] = [];
  const registrationStrategies: RegistrationStrategy[] = [];
  if (c.methodEnabled('password')) {
    loginStrategies.push(
      new PasswordLoginStrategy({ identities: r.persister.identities, hasher: r.hasher, schemas: r.schemas, logger: r.logger, defaultSchema: () => defaultSchema }),
    );
    registrationStrategies.push(new PasswordRegistrationStrategy({ schemas: r.schemas, identities: r.identityManager, policy: r.passwordPolicy }));
  }
  registerLoginRoutes(app, {
    flows: r.flows,
    sessions: r.sessions,
    strategies: loginStrategies,
    renderIdentity: r.renderIdentity,
    afterHooks: (method) => c.hooks('login', 'after', method),
  });
  registerRegistrationRoutes(app, {
    flows: r.flows,
    sessions: r.sessions,
    schemas: r.schemas,
    strategies: registrationStrategies,
    enabled: () => c.flowEnabled('registration'),
    defaultSchemaId: () => c.defaultIdentitySchemaId(),
    renderIdentity: r.renderIdentity,
    afterHooks: (method) => c.hooks('registration', 'after', method),
  });
  registerLogoutRoutes(app, { flows: r.flows, sessions: r.sessions });
  registerErrorRoutes(app, r.persister.errors);
  registerRecovery(app, r);
}
