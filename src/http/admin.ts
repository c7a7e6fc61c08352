import type { FastifyInstance } from 'fastify';
import type { Registry } from '../registry/registry.js';
import { registerIdentityAdminRoutes } from '../identity/handler.js';
import { revealOidcConfig } from '../identity/credentials-oidc.js';
import { registerSchemaRoutes } from '../schema/handler.js';
import { registerSessionAdminRoutes } from '../session/handler.js';
import { registerCourierAdminRoutes } from '../courier/handler.js';
import { registerOidcAdminRoutes } from '../selfservice/strategies/oidc/admin-link.js';
import { registerRecoveryAdminRoutes } from '../selfservice/flows/recovery/admin-handler.js';
import { registerEmailAdminRoutes } from '../courier/settings/handler.js';
import { createApp } from './app.js';
import { tlsMaterial } from './tls.js';
import { registerHealthRoutes } from './health.js';
import { registerMetricsRoute } from '../telemetry/metrics-route.js';
import { configuredHosts, registerHostCheck } from './host-check.js';
import { registerLockoutAdminRoutes } from '../security/handler.js';

// Admin endpoints also answer without their `/admin` prefix, as Kratos's admin router does.
const BARE_ADMIN_PATHS = /^\/(identities|sessions|courier|recovery|web-hooks|config\/external\.email|external\/email)(\/|\?|$)/;

/** The admin API: identity management and operations. Must not be exposed to the internet. */
export async function buildAdminApi(r: Registry): Promise<FastifyInstance> {
  const app = await createApp({
    logger: r.logger.child({ api: 'admin' }),
    bodyLimit: r.config.bodyLimit('admin'),
    https: tlsMaterial(r.config, 'admin'),
    quietHealthChecks: r.config.values.serve.admin.request_log.disable_for_health,
    rewriteUrl: (url) => (BARE_ADMIN_PATHS.test(url) ? `/admin${url}` : url),
    telemetry: r,
  });
  registerHostCheck(app, configuredHosts(r.config, 'admin'));
  registerMetricsRoute(app, r.metrics);
  registerHealthRoutes(app, { ping: () => r.database.ping() });
  registerSchemaRoutes(app, r.schemas);
  registerIdentityAdminRoutes(app, {
    manager: r.identityManager,
    pool: r.persister.identities,
    schemaUrl: r.schemaUrl,
    adminBaseUrl: () => r.config.adminBaseUrl(),
    defaultSchemaId: () => r.config.values.identity.default_schema_id,
    pageTokens: r.pageTokens,
    events: r.events,
    revealConfig: (c) => (c.type === 'oidc' ? revealOidcConfig(c, r.cipher) : c.config),
  });
  if (r.selfService.oidcAdmin) registerOidcAdminRoutes(app, r.selfService.oidcAdmin);
  registerCourierAdminRoutes(app, { queue: r.persister.courier, pageTokens: r.pageTokens });
  registerEmailAdminRoutes(app, { settings: r.emailSettings, courier: r.courier });
  registerRecoveryAdminRoutes(app, {
    flows: r.flows,
    identities: r.persister.identities,
    transaction: (fn) => r.persister.transaction(fn),
    methods: r.selfService.recoveryAdmin,
    events: r.events,
  });
  r.webHooks.registerAdminRoutes(app);
  registerLockoutAdminRoutes(app, { identities: r.persister.identities, limiter: r.bruteForce });
  registerSessionAdminRoutes(app, {
    sessions: r.sessions,
    identities: r.persister.identities,
    renderIdentity: r.renderIdentity,
    pageTokens: r.pageTokens,
    fasterExtend: () => r.config.values.feature_flags.faster_session_extend,
    events: r.events,
  });
  return app;
}
