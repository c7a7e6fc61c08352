import pino, { type Logger } from 'pino';
import type { Config } from '../config/config.js';
import { Database } from '../persistence/database.js';
import { createPersister, type Persister } from '../persistence/persister.js';
import { SchemaRegistry } from '../schema/registry.js';
import { createHasher, type Hasher } from '../hash/hasher.js';
import { IdentityManager } from '../identity/manager.js';
import { PageTokens } from '../lib/pagination.js';

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
  close(): Promise<void>;
}

export interface RegistryOptions {
  logger?: Logger;
}

export function createLogger(config: Config): Logger {
  const level = config.values.log?.level ?? 'info';
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
  return {
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
