import type { FastifyInstance } from 'fastify';
import type { Registry } from '../registry/registry.js';
import { registerIdentityAdminRoutes } from '../identity/handler.js';
import { registerSchemaRoutes } from '../schema/handler.js';
import { registerSessionAdminRoutes } from '../session/handler.js';
import { registerCourierAdminRoutes } from '../courier/handler.js';
import { registerRecoveryAdmin } from './recovery-wiring.js';
import { createApp } from './app.js';
import { registerHealthRoutes } from './health.js';
import { configuredHosts, registerHostCheck } from './host-check.js';
import { registerLockoutAdminRoutes } from '../security/handler.js';

// Admin endpoints also answer without their `/admin` prefix, as Kratos's admin router does.
const BARE_ADMIN_PATHS = /^\/(identities|sessions|courier|recovery)(\/|\?|$)/;

/** The admin API: identity management and operations. Must not be exposed to the internet. */
export async function buildAdminApi(r: Registry): Promise<FastifyInstance> {
  const app = await createApp({
    logger: r.logger.child({ api: 'admin' }),
    bodyLimit: r.config.bodyLimit('admin'),
    rewriteUrl: (url) => (BARE_ADMIN_PATHS.test(url) ? `/admin${url}` : url),
  });
  registerHostCheck(app, configuredHosts(r.config, 'admin'));
  registerHealthRoutes(app, { ping: () => r.database.ping() });
  registerSchemaRoutes(app, r.schemas);
  registerIdentityAdminRoutes(app, {
    manager: r.identityManager,
    pool: r.persister.identities,
    schemaUrl: r.schemaUrl,
    adminBaseUrl: () => r.config.adminBaseUrl(),
    defaultSchemaId: () => r.config.values.identity.default_schema_id,
    pageTokens: r.pageTokens,
  });
  registerCourierAdminRoutes(app, { queue: r.persister.courier, pageTokens: r.pageTokens });
  registerRecoveryAdmin(app, r);
  registerLockoutAdminRoutes(app, { identities: r.persister.identities, limiter: r.bruteForce });
  registerSessionAdminRoutes(app, { sessions: r.sessions, identities: r.persister.identities, renderIdentity: r.renderIdentity, pageTokens: r.pageTokens });
  return app;
}
