// Loads configuration as Kratos does: schema defaults < files given with -c (in order; objects
// merge deeply, arrays replace) < overrides (command-line flags) < environment variables. Then
// validates everything and fails with every problem, each naming its key and where it came from.
import { createPrivateKey, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { Config } from './config.js';
import { ConfigError } from './config-error.js';
import type { ConfigIssue } from './config-error.js';
import { applyDevDefaults } from './dev.js';
import { applyEnv } from './env.js';
import type { Segments } from './paths.js';
import { expandDotted, formatPath, getAt, isPlainObject, mergeLayer, setAt, SourceMap } from './paths.js';
import type { TesseraConfig } from './types.js';
import { validateConfig } from './validate.js';
import { notYetSupported, notYetSupportedWarnings } from './not-yet-supported.js';

export interface LoadConfigOptions {
  /** Config files (YAML or JSON), merged in order: later files win. */
  files?: string[];
  /** Environment to read overrides from; defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Dev mode (`serve --dev`); also on when the merged config says `dev: true`. */
  dev?: boolean;
  /** Values from command-line flags, nested or with dotted keys ({"serve.public.port": 4455}). */
  overrides?: Record<string, unknown>;
  /**
   * Skip the keys Kratos requires (dsn, identity.schemas, selfservice.default_browser_return_url)
   * for commands that need only part of the config, such as `migrate sql`. Present keys are still
   * validated.
   */
  skipRequired?: boolean;
  /** Directory for dev-mode state (.tessera/); defaults to process.cwd(). */
  cwd?: string;
}

async function readConfigFile(file: string, issues: ConfigIssue[]): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    issues.push({ path: '', source: file, message: `cannot read config file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
    return undefined;
  }
  let value: unknown;
  if (extname(file).toLowerCase() === '.json') {
    try {
      value = JSON.parse(text);
    } catch (e) {
      issues.push({ path: '', source: file, message: `invalid JSON: ${(e as Error).message}` });
      return undefined;
    }
  } else {
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      for (const err of doc.errors) issues.push({ path: '', source: file, message: `invalid YAML: ${err.message.split('\n')[0]}` });
      return undefined;
    }
    value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  }
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value)) {
    issues.push({ path: '', source: file, message: 'the top level of a config file must be an object (a map of keys)' });
    return undefined;
  }
  return value;
}

function missing(issues: ConfigIssue[], segments: Segments, message: string): void {
  issues.push({ path: formatPath(segments), source: 'unset', message });
}

/** Keys Kratos requires; dev mode fills them. */
function requiredChecks(data: Record<string, unknown>, issues: ConfigIssue[]): void {
  if (getAt(data, ['dsn']) === undefined) {
    missing(issues, ['dsn'], 'is required (a database DSN such as postgres://user:pass@host:5432/db or sqlite:///var/lib/tessera/db.sqlite?_fk=true)');
  }
  if (getAt(data, ['identity', 'schemas']) === undefined) {
    missing(issues, ['identity', 'schemas'], 'is required: list at least one identity schema as {id, url}');
  }
  if (getAt(data, ['selfservice', 'default_browser_return_url']) === undefined) {
    missing(issues, ['selfservice', 'default_browser_return_url'], 'is required: where browsers go after a flow when no return_to is given');
  }
}

/** Rules across keys that the schema cannot express, and start-up warnings. */
function semanticChecks(data: Record<string, unknown>, dev: boolean, sources: SourceMap, issues: ConfigIssue[], warnings: string[]): void {
  const at = (segments: Segments, message: string): void => {
    issues.push({ path: formatPath(segments), source: sources.sourceOf(segments), message });
  };
  const v = data as unknown as TesseraConfig;

  const schemas = v.identity.schemas;
  if (Array.isArray(schemas) && schemas.length > 0) {
    const ids = schemas.map((s) => s?.id);
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup !== undefined) at(['identity', 'schemas', ids.lastIndexOf(dup), 'id'], `duplicate identity schema id ${JSON.stringify(dup)}`);
    if (!ids.includes(v.identity.default_schema_id)) {
      at(['identity', 'default_schema_id'], `names no schema in identity.schemas (have ${ids.map((i) => JSON.stringify(i)).join(', ')})`);
    }
  }

  const code = v.selfservice.methods.code;
  if (code.passwordless_enabled && code.mfa_enabled) {
    at(['selfservice', 'methods', 'code', 'mfa_enabled'], 'passwordless_enabled and mfa_enabled cannot both be true');
  }
  if (code.passwordless_enabled && !code.enabled) {
    // As in Kratos, the method's switch wins; said out loud, since the combination looks like a typo.
    warnings.push('selfservice.methods.code.passwordless_enabled is true but selfservice.methods.code.enabled is false: sign-in and sign-up by code stay off.');
  }
  if (code.mfa_enabled && !code.enabled) {
    warnings.push('selfservice.methods.code.mfa_enabled is true but selfservice.methods.code.enabled is false: codes as a second factor stay off.');
  }

  if (v.ciphers.algorithm !== 'noop' && (v.secrets.cipher === undefined || v.secrets.cipher.length === 0)) {
    missing(issues, ['secrets', 'cipher'], `is required when ciphers.algorithm is ${JSON.stringify(v.ciphers.algorithm)} (32-character secrets)`);
  }

  if (v.courier.delivery_strategy === 'http' && v.courier.http === undefined) {
    missing(issues, ['courier', 'http', 'request_config'], 'is required when courier.delivery_strategy is "http"');
  }

  for (const api of ['public', 'admin'] as const) {
    const tls = v.serve[api].tls;
    if (tls && (tls.key === undefined) !== (tls.cert === undefined)) {
      missing(issues, ['serve', api, 'tls', tls.key === undefined ? 'key' : 'cert'], `is required when serve.${api}.tls.${tls.key === undefined ? 'cert' : 'key'} is set (TLS needs both)`);
    }
  }

  const providers = v.selfservice.methods.oidc.config.providers;
  const pids = providers.map((p) => p.id);
  const pdup = pids.find((id, i) => pids.indexOf(id) !== i);
  if (pdup !== undefined) at(['selfservice', 'methods', 'oidc', 'config', 'providers', pids.lastIndexOf(pdup), 'id'], `duplicate OIDC provider id ${JSON.stringify(pdup)}`);
  for (const id of Object.keys(v.tessera.oidc.providers)) {
    if (!pids.includes(id)) at(['tessera', 'oidc', 'providers', id], `names no provider of selfservice.methods.oidc.config.providers (ids: ${pids.map((p) => JSON.stringify(p)).join(', ') || 'none'})`);
  }
  if (v.selfservice.methods.oidc.enabled) {
    providers.forEach((p, i) => {
      // Apple's client secret is signed with this key at each sign-in: a key that cannot sign stops start-up, not a sign-in.
      if (p.provider === 'apple' && p.apple_private_key !== undefined && !isP256PrivateKey(p.apple_private_key)) {
        at(['selfservice', 'methods', 'oidc', 'config', 'providers', i, 'apple_private_key'], 'is not a P-256 (ES256) private key in PEM (PKCS#8), as Apple issues them');
      }
    });
  }

  if (!dev) {
    if (v.serve.public.base_url === undefined) {
      warnings.push('serve.public.base_url is not set; guessing it from serve.public.host and port. Set it to the URL browsers use, or redirects and cookies may break.');
    }
    if (v.hashers.bcrypt.cost < 12) {
      warnings.push(`hashers.bcrypt.cost ${v.hashers.bcrypt.cost} is below 12; using 12 outside dev mode.`);
    }
    const mailFlows = v.selfservice.flows.recovery.enabled || v.selfservice.flows.verification.enabled;
    if (mailFlows && v.courier.delivery_strategy === 'smtp' && !v.courier.smtp.connection_uri) {
      warnings.push('recovery or verification is enabled but courier.smtp.connection_uri is not set; no email can be delivered.');
    }
  }
}

/** Loads, merges and validates configuration. Throws ConfigError listing every problem. */
export async function loadConfig(opts: LoadConfigOptions = {}): Promise<Config> {
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const sources = new SourceMap();
  const data: Record<string, unknown> = {};

  for (const file of opts.files ?? []) {
    const layer = await readConfigFile(file, issues);
    if (layer) mergeLayer(data, layer, [], file, sources);
  }
  // A file that cannot be read may hold required keys: stop here rather than report them missing.
  if (issues.length > 0) throw new ConfigError(issues);
  if (opts.overrides) mergeLayer(data, expandDotted(opts.overrides), [], 'overrides', sources);
  for (const e of applyEnv(data, opts.env ?? process.env, sources)) {
    issues.push({ path: formatPath(e.segments), source: e.source, message: e.message });
  }

  const dev = opts.dev === true || data.dev === true;
  if (dev) {
    await applyDevDefaults(data, sources, { cwd: opts.cwd ?? process.cwd(), relativeDsn: opts.cwd === undefined });
    data.dev = true;
  }

  if (!dev && !opts.skipRequired) requiredChecks(data, issues);
  for (const raw of validateConfig(data)) {
    issues.push({ path: formatPath(raw.segments), source: sources.sourceOf(raw.segments), message: raw.message });
  }
  if (issues.length > 0) throw new ConfigError(issues);

  semanticChecks(data, dev, sources, issues, warnings);
  for (const n of notYetSupported(data as unknown as TesseraConfig)) issues.push({ path: formatPath(n.segments), source: sources.sourceOf(n.segments), message: n.message });
  if (issues.length > 0) throw new ConfigError(issues);
  warnings.push(...notYetSupportedWarnings(data as unknown as TesseraConfig, (segments) => sources.setExplicitly(segments)));

  if (getAt(data, ['secrets', 'default']) === undefined) {
    setAt(data, ['secrets', 'default'], [randomBytes(24).toString('base64url')], 'generated', sources);
    const cookie = getAt(data, ['secrets', 'cookie']);
    const what = Array.isArray(cookie) && cookie.length > 0 ? 'Values signed with it' : 'Sessions, CSRF tokens and anything else signed with it';
    warnings.push(`secrets.default is not set; generated a random secret. ${what} will not survive a restart or work across instances. Set secrets.default (at least 16 characters).`);
  }

  return new Config(data as unknown as TesseraConfig, { dev, warnings });
}

function isP256PrivateKey(pem: string): boolean {
  try {
    const key = createPrivateKey({ key: pem, format: 'pem' });
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  } catch {
    return false;
  }
}
