import pino, { type Logger } from 'pino';
import type { Config } from '../config/config.js';
import { Database } from '../persistence/database.js';
import { createPersister, type Persister } from '../persistence/persister.js';
import { SchemaRegistry } from '../schema/registry.js';
import { createHasher, type Hasher } from '../hash/hasher.js';
import { IdentityManager } from '../identity/manager.js';
import { PageTokens } from '../lib/pagination.js';
import { CookieSigner, type CookieAttributes } from '../http/cookies.js';
import { Csrf } from '../http/csrf.js';
import { SessionManager } from '../session/manager.js';
import { identityToJson, type Identity } from '../identity/identity.js';
import { FlowService } from '../selfservice/flow/service.js';
import { Courier } from '../courier/courier.js';
import { passwordPolicyFromConfig, type PasswordPolicy } from '../selfservice/strategies/password/policy.js';
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
}

export function createLogger(config: Config): Logger {
  // Kratos's level names; pino calls two of them differently.
  const configured = config.values.log?.level ?? 'info';
  const level = configured === 'warning' ? 'warn' : configured === 'panic' ? 'fatal' : configured;
  return pino({
    level,
    // Credentials can arrive in headers and bodies; none of them is ever logged.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-session-token"]', '*.password', '*.hashed_password'], censor: '[redacted]' },
  });
}

export function createRegistry(config: Config, opts: RegistryOptions = {}): Registry {
  const logger = opts.logger ?? createLogger(config);
  const database = new Database(config.values.dsn);
  const persister = createPersister(database);
  const schemas = new SchemaRegistry({ schemas: config.identitySchemas(), defaultSchemaId: config.values.identity.default_schema_id });
  const h = config.hashers();
  const hasher = createHasher({
    algorithm: h.algorithm,
    argon2: { memory: h.argon2.memoryBytes, iterations: h.argon2.iterations, parallelism: h.argon2.parallelism, salt_length: h.argon2.saltLength, key_length: h.argon2.keyLength },
    bcrypt: { cost: h.bcrypt.cost },
  });
  const identityManager = new IdentityManager({ pool: persister.identities, schemas, hasher });
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
  const courier = new Courier({ queue: persister.courier, logger: logger.child({ component: 'courier' }), abuseLimit: config.courierAbuseLimit() });
  const bruteForce = new BruteForceLimiter({
    store: new SqlThrottlePersister(database.db, database.dialect),
    settings: bruteForceSettings(config),
    logger: logger.child({ component: 'brute_force' }),
  });
  return {
    bruteForce,
    sessions,
    csrf,
    flows,
    passwordPolicy,
    courier,
    schemaUrl,
    renderIdentity: (identity, admin) => identityToJson(identity, { schemaUrl: schemaUrl(identity.schema_id), admin, credentials: false }),
    config,
    logger,
    database,
    persister,
    schemas,
    hasher,
    identityManager,
    pageTokens,
    close: () => database.close(),
  };
}
