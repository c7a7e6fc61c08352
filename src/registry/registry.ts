import type { OidcUpstreams } from '../selfservice/strategies/oidc/social-provider.js';
import type { Logger } from 'pino';
import { codeDigest, sealCode } from '../selfservice/strategies/lookup-secret/codes.js';
import { createLogger as createConfiguredLogger, type LoggerOptions } from '../lib/logger.js';
import type { Config } from '../config/config.js';
import { Database } from '../persistence/database.js';
import { createPersister, type Persister } from '../persistence/persister.js';
import { SchemaRegistry } from '../schema/registry.js';
import { createHasher, type Hasher } from '../hash/hasher.js';
import { IdentityManager } from '../identity/manager.js';
import { PageTokens } from '../lib/pagination.js';
import { CookieSigner, type CookieAttributes } from '../http/kit/cookies.js';
import { Csrf } from '../http/kit/csrf.js';
import { SessionManager } from '../session/manager.js';
import { identityToJson, type Identity } from '../identity/identity.js';
import { FlowService } from '../selfservice/flow/service.js';
import { Courier } from '../courier/courier.js';
import { passwordPolicyFromConfig, type PasswordPolicy } from '../selfservice/strategies/password/policy.js';
import { createSelfService, type SelfService } from './selfservice.js';
import { createWebHooks, type WebHooks } from '../selfservice/hooks/web-hook/index.js';
import { WebHookHook, webHookPhase } from '../selfservice/hooks/web-hook/hook.js';
import { baseFlowJson } from '../selfservice/flow/service.js';
import { sessionToJson } from '../session/session.js';
import { SessionTokenExchanger } from '../session/token-exchange.js';
import { SessionTokenizer } from '../session/tokenizer.js';
import { SqlSessionTokenExchangePersister } from '../persistence/session-token-exchange-persister.js';
import { createDefaultFetchRemote, loadSchemaSource } from '../schema/loader.js';
import { Metrics } from '../telemetry/metrics.js';
import { Tracing } from '../telemetry/tracing.js';
import { SecurityEvents } from '../telemetry/events.js';
import { sqlSpanLogger } from '../telemetry/sql-spans.js';
import { timedHasher } from '../telemetry/timed-hasher.js';
import { createCipher, type Cipher } from '../lib/cipher.js';
import { EmailSettingsService } from '../courier/settings/email-settings.js';
import { buildChannels, channelBuildOptions, rendererFromConfig } from '../courier/setup.js';
import { withAdminEmailContent } from '../courier/admin-email.js';
import { BruteForceLimiter } from '../security/brute-force-limiter.js';
import { bruteForceSettings } from '../security/settings.js';
import { SqlThrottlePersister } from '../persistence/throttle-persister.js';

/**
 * Everything built from one configuration, wired once and passed explicitly. Nothing here is global:
 * tests build as many registries as they like, each against its own database.
 */
export interface Registry {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: Database;
  readonly persister: Persister;
  readonly schemas: SchemaRegistry;
  readonly hasher: Hasher;
  readonly identityManager: IdentityManager;
  readonly pageTokens: PageTokens;
  readonly sessions: SessionManager;
  readonly csrf: Csrf;
  readonly flows: FlowService;
  readonly passwordPolicy: PasswordPolicy;
  readonly courier: Courier;
  /** Self-service methods, hooks and strategies, built from the configuration at first use. */
  readonly selfService: SelfService;
  /** The web hook runner, its background delivery worker and admin routes. */
  readonly webHooks: WebHooks;
  /** RegistryOptions.oidcUpstreams (tests only). */
  readonly oidcUpstreams: OidcUpstreams;
  /** Session token exchange of native flows (`return_session_token_exchange_code`). */
  readonly tokenExchange: SessionTokenExchanger;
  /** whoami's `tokenize_as`: sessions as JWTs. */
  readonly tokenizer: SessionTokenizer;
  /** Prometheus metrics of this registry (served at /metrics/prometheus). */
  readonly metrics: Metrics;
  /** OpenTelemetry traces; a no-op until `tracing.start()` when `tracing` is not configured. */
  readonly tracing: Tracing;
  /** Audit log line + span event + counter for each security event. */
  readonly events: SecurityEvents;
  /** `ciphers.algorithm` keyed by `secrets.cipher`: values stored encrypted (channel secrets, provider tokens). */
  readonly cipher: Cipher;
  /** The email channel settings: the file's, or what the admin API stored over them. */
  readonly emailSettings: EmailSettingsService;
  /** Sign-in throttling and lockout, and the limits on one-time codes (tessera.brute_force). */
  readonly bruteForce: BruteForceLimiter;
  /** The public URL an identity schema is served at. */
  schemaUrl(schemaId: string): string;
  /** Identity JSON for the public (session) or admin view; credentials are never included. */
  renderIdentity(identity: Identity, admin: boolean): Record<string, unknown>;
  close(): Promise<void>;
}

const sameSite = (v: string | undefined): CookieAttributes['sameSite'] => (v === 'Strict' ? 'strict' : v === 'None' ? 'none' : 'lax');

export interface RegistryOptions {
  logger?: Logger;
  /** Base URLs of named social sign-in providers' services, by provider type (tests point them at loopback peers; not a configuration key). */
  oidcUpstreams?: OidcUpstreams;
}

/** The process logger with the configuration's `log.*` settings (level, format, redaction). */
export function createLogger(config: Config, destination?: LoggerOptions['destination']): Logger {
  const l = config.values.log;
  return createConfiguredLogger({
    level: l?.level ?? 'info',
    format: l?.format ?? 'json',
    leakSensitiveValues: l?.leak_sensitive_values ?? false,
    redactionText: l?.redaction_text ?? '',
    destination,
  });
}

export function createRegistry(config: Config, opts: RegistryOptions = {}): Registry {
  const logger = opts.logger ?? createLogger(config);
  const metrics = new Metrics();
  const tracing = new Tracing(config.values.tracing, logger.child({ component: 'tracing' }));
  const events = new SecurityEvents({ logger, metrics, tracing });
  // Queries are reported to the tracer only when tracing is configured: no per-query cost otherwise.
  const dbLogger = logger.child({ component: 'database' });
  const database: Database = new Database(config.values.dsn, {
    ...(tracing.wanted ? { log: sqlSpanLogger(tracing, () => database.dsn.dialect) } : {}),
    onConnectionError: (err) => dbLogger.warn({ err: { type: err.name, message: err.message, code: (err as { code?: unknown }).code } }, 'database connection lost; the pool will reconnect'),
  });
  const persister = createPersister(database);
  const schemas = new SchemaRegistry({ schemas: config.identitySchemas(), defaultSchemaId: config.values.identity.default_schema_id });
  const h = config.hashers();
  const hasher = timedHasher(createHasher({
    algorithm: h.algorithm,
    argon2: { memory: h.argon2.memoryBytes, iterations: h.argon2.iterations, parallelism: h.argon2.parallelism, salt_length: h.argon2.saltLength, key_length: h.argon2.keyLength },
    bcrypt: { cost: h.bcrypt.cost },
  }), metrics);
  const identityManager = new IdentityManager({
    pool: persister.identities,
    schemas,
    hasher,
    storeLookupCode: config.methodEnabled('lookup_secret')
      ? (code, identityId) => ({ code: codeDigest(code, identityId, config.secretsDefault()[0]!), sealed: sealCode(code, identityId, config.secretsDefault()[0]!) })
      : undefined,
  });
  const pageTokens = new PageTokens(config.secretsCookie());
  // Cookies are Secure except in dev mode, where the UI is served over plain http on localhost.
  const secure = !config.dev;
  const sessions = new SessionManager({
    pool: persister.sessions,
    signer: new CookieSigner(config.secretsCookie()),
    lifespanMs: () => config.sessionLifespanMs(),
    earliestPossibleExtendMs: () => config.sessionEarliestPossibleExtendMs(),
    logoutSecret: () => config.secretsCookie()[0]!,
    cookie: () => {
      const c = config.sessionCookie();
      return { name: c.name, domain: c.domain, path: c.path, sameSite: sameSite(c.sameSite), secure, persistent: c.persistent };
    },
  });
  const csrf = new Csrf(config.publicBaseUrl(), () => {
    const c = config.cookies();
    return { domain: c.domain, path: c.path, sameSite: secure ? sameSite(c.sameSite) : 'lax', secure };
  });
  const schemaUrls = new Map<string, string>();
  const schemaUrl = (id: string) => {
    let u = schemaUrls.get(id);
    if (u === undefined) {
      u = new URL(`schemas/${Buffer.from(id).toString('base64url')}`, config.publicBaseUrl()).toString();
      schemaUrls.set(id, u);
    }
    return u;
  };
  const flows = new FlowService({ config, flows: persister.flows, errors: persister.errors, csrf });
  const passwordPolicy = passwordPolicyFromConfig(config, {
    onLookupError: (err) =>
      logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        config.values.selfservice.methods.password.config.ignore_network_errors
          ? 'breached-password lookup failed: the password was checked against the bundled list of common passwords instead'
          : 'breached-password lookup failed: the password was refused (ignore_network_errors is false)',
      ),
  });
  const courier = new Courier({
    queue: persister.courier,
    logger: logger.child({ component: 'courier' }),
    abuseLimit: config.courierAbuseLimit(),
    renderer: withAdminEmailContent(rendererFromConfig(config, logger)),
  });
  const bruteForce = new BruteForceLimiter({
    store: new SqlThrottlePersister(database.db, database.dialect),
    settings: bruteForceSettings(config),
    logger: logger.child({ component: 'brute_force' }),
    otherWindowsMs: config.courierAbuseLimit().windowMs,
  });
  const cipher = createCipher(config.values.ciphers.algorithm, config.values.secrets.cipher ?? []);
  const channelOpts = channelBuildOptions(config, logger);
  const emailSettings = new EmailSettingsService({
    store: persister.courierSettings,
    cipher,
    fileCourier: config.values.courier,
    build: async (courier) => (await buildChannels(courier, channelOpts)).channels,
  });
  const tokenExchange = new SessionTokenExchanger({
    pool: new SqlSessionTokenExchangePersister(database.db, database.dialect),
    // Usable while the flow is, and for an hour after it ends (the app exchanges right after the redirect).
    lifespanMs: () => Math.max(config.flowLifespanMs('login'), config.flowLifespanMs('registration')) + 3_600_000,
  });
  const fetchRemote = createDefaultFetchRemote();
  const tokenizer = new SessionTokenizer({
    templates: () => config.values.session.whoami.tokenizer.templates,
    issuer: () => config.publicBaseUrl().toString(),
    load: (url) => loadSchemaSource(url, { cwd: process.cwd(), fetchRemote }),
  });
  const renderIdentity = (identity: Identity, admin: boolean) => identityToJson(identity, { schemaUrl: schemaUrl(identity.schema_id), admin, credentials: false });
  // Built now, so a web hook that can never work stops start-up.
  const webHooks = createWebHooks({
    config: config.values,
    queue: persister.webHookDeliveries,
    logger,
    pageTokens,
    // `emit_analytics_event`: each delivery becomes Kratos's span events and the delivery counter.
    onEvent: (e) => {
      if (e.name === 'WebhookDelivered') events.webhookDelivered({ hook: e.hookId ?? 'web_hook', url: e.url, status: e.statusCode, attempt: e.attempt, ok: e.statusCode < 400 });
    },
  });
  const webHookDeps = {
    runner: webHooks.runner,
    logger,
    publicBaseUrl: () => config.publicBaseUrl(),
    renderFlow: baseFlowJson,
    renderIdentity: (identity: Identity) => renderIdentity(identity, true),
    renderSession: (session: Parameters<typeof sessionToJson>[0], identity: Identity | null) => sessionToJson(session, identity ? renderIdentity(identity, false) : undefined),
  };
  let selfService: SelfService | undefined;
  const registry: Registry = {
    oidcUpstreams: opts.oidcUpstreams ?? {},
    webHooks,
    cipher,
    emailSettings,
    bruteForce,
    sessions,
    tokenExchange,
    tokenizer,
    csrf,
    flows,
    passwordPolicy,
    courier,
    metrics,
    tracing,
    events,
    schemaUrl,
    renderIdentity,
    get selfService() {
      selfService ??= createSelfService(registry, (kind, position, cfg) => new WebHookHook(cfg, webHookPhase(kind, position, cfg), webHookDeps));
      return selfService;
    },
    config,
    logger,
    database,
    persister,
    schemas,
    hasher,
    identityManager,
    pageTokens,
    close: async () => {
      await webHooks.close();
      await tracing.shutdown();
      await database.close();
    },
  };
  return registry;
}
