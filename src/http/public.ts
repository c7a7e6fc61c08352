import type { FastifyInstance } from 'fastify';
import type { Registry } from '../registry/registry.js';
import { registerSchemaRoutes } from '../schema/handler.js';
import { registerSessionPublicRoutes } from '../session/handler.js';
import { registerLoginRoutes } from '../selfservice/flows/login/handler.js';
import { registerRegistrationRoutes } from '../selfservice/flows/registration/handler.js';
import { registerOidcRoutes } from '../selfservice/strategies/oidc/handler.js';
import { registerLogoutRoutes } from '../selfservice/flows/logout/handler.js';
import { registerErrorRoutes } from '../selfservice/flows/error/handler.js';
import { registerSettingsRoutes } from '../selfservice/flows/settings/handler.js';
import { registerRecoveryRoutes } from '../selfservice/flows/recovery/handler.js';
import { createApp } from './app.js';
import { tlsMaterial } from './tls.js';
import { registerVerificationRoutes } from '../selfservice/flows/verification/handler.js';
import { registerCors } from './cors.js';
import { configuredHosts, registerHostCheck } from './host-check.js';
import { installWhoamiFront } from './whoami-front.js';
import { registerHealthRoutes } from './health.js';
import { registerWebUi } from '../webui/routes.js';
import { registerWebAuthnScriptRoute } from '../selfservice/flow/webauthn/script.js';
import { devMailboxWanted } from '../courier/channels/dev-mailbox.js';
import { DevMailboxPersister } from '../persistence/dev-mailbox-persister.js';

/** The public API: what browsers, apps and UIs talk to. Admin endpoints are never served here. */
export async function buildPublicApi(r: Registry): Promise<FastifyInstance> {
  const app = await createApp({
    logger: r.logger.child({ api: 'public' }),
    bodyLimit: r.config.bodyLimit('public'),
    https: tlsMaterial(r.config, 'public'),
    quietHealthChecks: r.config.values.serve.public.request_log.disable_for_health,
    telemetry: r,
    trustProxy: r.config.values.tessera.trusted_proxies,
  });
  // In dev mode the built-in UI shows the dev mailbox (codes, links): only hosts it is served under may reach it.
  if (r.config.dev && r.config.values.ui.enabled) {
    const ui = r.config.uiBasePath();
    registerHostCheck(app, configuredHosts(r.config, 'public'), (req) => req.url === ui || req.url.startsWith(ui === '/' ? '/' : `${ui}/`));
  }
  await registerCors(app, r.config.values.serve.public.cors);
  registerHealthRoutes(app, { ping: () => r.database.ping() });
  registerSchemaRoutes(app, r.schemas);
  const whoamiAssurance = { check: r.selfService.assurance, required: () => r.config.values.session.whoami.required_aal };
  const whoamiAnswers = registerSessionPublicRoutes(app, {
    sessions: r.sessions,
    identities: r.persister.identities,
    renderIdentity: r.renderIdentity,
    pageTokens: r.pageTokens,
    tokenizer: r.tokenizer,
    tokenExchange: r.tokenExchange,
    events: r.events,
    whoamiAssurance,
  });
  installWhoamiFront(app, {
    answers: whoamiAnswers,
    digest: (token) => r.sessions.digest(token),
    assurance: whoamiAssurance,
    metrics: r.metrics,
    applies: () => !r.config.values.serve.public.cors.enabled && !r.tracing.wanted,
  });

  await registerSelfService(app, r);
  // Served whatever the configuration, as Kratos does: UIs may load it before knowing which methods are on.
  registerWebAuthnScriptRoute(app);
  if (r.config.values.ui.enabled) {
    const mailbox = devMailboxWanted(r.config) ? new DevMailboxPersister(r.database.db, r.database.dialect) : undefined;
    await registerWebUi(app, { config: r.config, mailbox });
  }

  // `/admin/*` is not routed here: it gets the 404 of any unknown path and does not say where the
  // admin API is (Kratos redirects there).
  return app;
}

export function withSlash(u: URL): URL {
  const c = new URL(u);
  if (!c.pathname.endsWith('/')) c.pathname += '/';
  return c;
}

/** The self-service routes, over the objects the registry built from the configuration. */
async function registerSelfService(app: FastifyInstance, r: Registry): Promise<void> {
  const c = r.config;
  const ss = r.selfService;
  const common = { flows: r.flows, sessions: r.sessions, methods: ss.methods, renderIdentity: r.renderIdentity, events: r.events };
  const login = registerLoginRoutes(app, {
    ...common,
    hooks: ss.hooks.login,
    tokenExchange: r.tokenExchange,
    assurance: ss.assurance,
    whoamiRequiredAal: () => c.values.session.whoami.required_aal,
    identifierFirst: () => c.values.selfservice.flows.login.style === 'identifier_first',
  });
  const registration = registerRegistrationRoutes(app, {
    ...common,
    hooks: ss.hooks.registration,
    schemas: r.schemas,
    identities: r.identityManager,
    enabled: () => c.flowEnabled('registration'),
    defaultSchemaId: () => c.defaultIdentitySchemaId(),
    tokenExchange: r.tokenExchange,
    twoStep: () => ss.twoStepRegistration,
  });
  registerLogoutRoutes(app, { flows: r.flows, sessions: r.sessions, events: r.events });
  registerVerificationRoutes(app, {
    flows: r.flows,
    flowPool: r.persister.flows,
    csrf: r.csrf,
    strategy: ss.verification.strategy,
    hooks: ss.hooks.verification,
    events: r.events,
    enabled: () => c.flowEnabled('verification'),
    notifyUnknownRecipients: () => c.values.selfservice.flows.verification.notify_unknown_recipients,
    continueUrl: (flow) => flow.return_to ?? c.flowReturnUrl('verification').toString(),
    identityIdForAddress: ss.verification.identityIdForAddress,
    transaction: (fn) => r.persister.transaction(fn),
  });
  registerErrorRoutes(app, r.persister.errors);
  const settings = registerSettingsRoutes(app, {
    ...common,
    hooks: ss.hooks.settings,
    flowPool: r.persister.flows,
    csrf: r.csrf,
    identities: r.persister.identities,
    identityManager: r.identityManager,
    schemas: r.schemas,
    privilegedSessionMaxAgeMs: () => c.privilegedSessionMaxAgeMs(),
    requiredAal: () => c.values.selfservice.flows.settings.required_aal,
    assurance: ss.assurance,
    configuredReturnUrl: (method) => {
      const after = c.values.selfservice.flows.settings.after as Record<string, unknown> & { default_browser_return_url?: string };
      const raw = (after[method] as { default_browser_return_url?: string } | undefined)?.default_browser_return_url ?? after.default_browser_return_url;
      return raw ? c.resolvePublic(raw).toString() : null;
    },
  });
  if (ss.oidcCallback) registerOidcRoutes(app, { callback: ss.oidcCallback, flows: { login, registration, settings: settings.resumption } });
  registerRecoveryRoutes(app, {
    flows: r.flows,
    flowPool: r.persister.flows,
    verifyCsrf: (req, submitted, token) => r.csrf.verify(req, submitted, token),
    sessions: r.sessions,
    identities: r.persister.identities,
    strategy: ss.recovery,
    hooks: ss.hooks.recovery,
    events: r.events,
    enabled: () => c.flowEnabled('recovery'),
    privilegedSessionMaxAgeMs: () => c.privilegedSessionMaxAgeMs(),
    continueWithTransitions: () => c.values.feature_flags.use_continue_with_transitions,
    createSettingsFlow: settings.createFlowFor,
  });
}
