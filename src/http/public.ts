import type { FastifyInstance } from 'fastify';
import type { Registry } from '../registry/registry.js';
import { registerSchemaRoutes } from '../schema/handler.js';
import { registerSessionPublicRoutes } from '../session/handler.js';
import { registerLoginRoutes } from '../selfservice/flows/login/handler.js';
import { registerRegistrationRoutes } from '../selfservice/flows/registration/handler.js';
import { registerLogoutRoutes } from '../selfservice/flows/logout/handler.js';
import { registerErrorRoutes } from '../selfservice/flows/error/handler.js';
import { registerRecovery } from './recovery-wiring.js';
import { registerSettings } from './settings-wiring.js';
import { PasswordLoginStrategy } from '../selfservice/strategies/password/login.js';
import { PasswordRegistrationStrategy } from '../selfservice/strategies/password/registration.js';
import type { LoginStrategy } from '../selfservice/flows/login/strategy.js';
import type { RegistrationStrategy } from '../selfservice/flows/registration/strategy.js';
import { createApp } from './app.js';
import { registerVerificationRoutes } from '../selfservice/flows/verification/handler.js';
import { createVerificationServices, verificationStrategies } from '../selfservice/hooks/verification-services.js';
import { sendVerificationForAddresses } from '../selfservice/hooks/verification.js';
import { requireVerifiedAddress } from '../selfservice/hooks/verification-required.js';
import { SqlVerifiableAddressFinder } from '../persistence/verifiable-address-finder.js';
import { registerCors } from './cors.js';
import { configuredHosts, registerHostCheck } from './host-check.js';
import { registerHealthRoutes } from './health.js';
import { registerWebUi } from '../webui/routes.js';
import { devMailboxWanted } from '../courier/channels/dev-mailbox.js';
import { DevMailboxPersister } from '../persistence/dev-mailbox-persister.js';

/** The public API: what browsers, apps and UIs talk to. Admin endpoints are never served here. */
export async function buildPublicApi(r: Registry): Promise<FastifyInstance> {
  const app = await createApp({ logger: r.logger.child({ api: 'public' }), bodyLimit: r.config.bodyLimit('public'), trustProxy: r.config.values.tessera.trusted_proxies });
  // In dev mode the built-in UI shows the dev mailbox (codes, links): only hosts it is served under may reach it.
  if (r.config.dev && r.config.values.ui.enabled) {
    const ui = r.config.uiBasePath();
    registerHostCheck(app, configuredHosts(r.config, 'public'), (req) => req.url === ui || req.url.startsWith(ui === '/' ? '/' : `${ui}/`));
  }
  await registerCors(app, r.config.values.serve.public.cors);
  registerHealthRoutes(app, { ping: () => r.database.ping() });
  registerSchemaRoutes(app, r.schemas);
  registerSessionPublicRoutes(app, { sessions: r.sessions, identities: r.persister.identities, renderIdentity: r.renderIdentity, pageTokens: r.pageTokens });

  await registerSelfService(app, r);
  if (r.config.values.ui.enabled) {
    const mailbox = devMailboxWanted(r.config) ? new DevMailboxPersister(r.database.db, r.database.dialect) : undefined;
    await registerWebUi(app, { config: r.config, mailbox });
  }

  // `/admin/*` is not routed here: it gets the 404 of any unknown path and does not say where the
  // admin API is (Kratos redirects there).
  return app;
}

/** The self-service flows with the strategies the configuration enables. */
async function registerSelfService(app: FastifyInstance, r: Registry): Promise<void> {
  const c = r.config;
  const defaultSchema = (await r.schemas.getDefault()).raw();
  const loginStrategies: LoginStrategy[] = [];
  const registrationStrategies: RegistrationStrategy[] = [];
  if (c.methodEnabled('password')) {
    loginStrategies.push(
      new PasswordLoginStrategy({ identities: r.persister.identities, hasher: r.hasher, schemas: r.schemas, logger: r.logger, defaultSchema: () => defaultSchema, limiter: r.bruteForce }),
    );
    registrationStrategies.push(new PasswordRegistrationStrategy({ schemas: r.schemas, identities: r.identityManager, policy: r.passwordPolicy }));
  }
  const verificationServices = createVerificationServices(r);
  registerLoginRoutes(app, {
    flows: r.flows,
    sessions: r.sessions,
    strategies: loginStrategies,
    renderIdentity: r.renderIdentity,
    afterHooks: (method) => c.hooks('login', 'after', method),
    requireVerifiedAddress,
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
    rotateCsrf: (reply) => r.csrf.rotate(reply),
    afterRegistration: (identity, ctx) => sendVerificationForAddresses(identity, identity.verifiable_addresses, { ...ctx, services: verificationServices }),
  });
  registerLogoutRoutes(app, { flows: r.flows, sessions: r.sessions });
  const addressFinder = new SqlVerifiableAddressFinder(r.database.db);
  registerVerificationRoutes(app, {
    flows: r.flows,
    flowPool: r.persister.flows,
    csrf: r.csrf,
    strategy: verificationStrategies(r).strategy,
    enabled: () => c.flowEnabled('verification'),
    notifyUnknownRecipients: () => c.values.selfservice.flows.verification.notify_unknown_recipients,
    continueUrl: (flow) => flow.return_to ?? c.flowReturnUrl('verification').toString(),
    identityIdForAddress: (via, value) => addressFinder.identityIdForAddress(via, value),
    transaction: (fn) => r.persister.transaction(fn),
  });
  registerErrorRoutes(app, r.persister.errors);
  registerRecovery(app, r, registerSettings(app, r, verificationServices));
}
