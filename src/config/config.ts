// A loaded, validated configuration and the typed accessors the rest of Tessera uses.
import { availableParallelism } from 'node:os';
import { parseDuration } from '../lib/duration.js';
import { parseByteSize } from './byte-size.js';
import type {
  HookConfig,
  SameSite,
  SelfServiceFlowName,
  TesseraConfig,
  UiFlowName,
} from './types.js';

export type * from './types.js';

export interface HashersSettings {
  algorithm: 'argon2' | 'bcrypt';
  argon2: {
    memoryBytes: number;
    /** Memory in KiB, the unit argon2 libraries take. */
    memoryKiB: number;
    iterations: number;
    parallelism: number;
    saltLength: number;
    keyLength: number;
    expectedDurationMs: number;
    expectedDeviationMs: number;
    dedicatedMemoryBytes: number;
  };
  bcrypt: { cost: number };
}

export interface CookieSettings {
  name: string;
  domain: string | undefined;
  path: string;
  sameSite: SameSite;
  persistent: boolean;
}

export interface ConfigInit {
  dev: boolean;
  warnings?: string[];
}

/** The minimum bcrypt cost Kratos enforces outside dev mode. */
export const BCRYPT_MIN_PRODUCTION_COST = 12;

function withTrailingSlash(u: URL): URL {
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return u;
}

const REDACTED = '[redacted]';
const SECRET_KEYS = new Set(['client_secret', 'apple_private_key', 'password', 'value', 'secrets', 'signing_secrets']);
const URI_KEYS = new Set(['dsn', 'connection_uri']);

function maskUri(uri: string): string {
  // Covers URL userinfo (scheme://user:pass@host) and Go MySQL DSNs (user:pass@tcp(host)/db).
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, `$1${REDACTED}@`).replace(/^([^:/@]+:)[^@/]*@tcp\(/, `$1${REDACTED}@tcp(`);
}

function redact(node: unknown, key?: string): unknown {
  if (key !== undefined && SECRET_KEYS.has(key) && node !== undefined) {
    return key === 'secrets' && node !== null && typeof node === 'object'
      ? Object.fromEntries(Object.entries(node).map(([k, v]) => [k, Array.isArray(v) ? v.map(() => REDACTED) : REDACTED]))
      : REDACTED;
  }
  if (key !== undefined && URI_KEYS.has(key) && typeof node === 'string') return maskUri(node);
  if (key === 'headers' && node !== null && typeof node === 'object' && !Array.isArray(node)) {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, /auth|token|key|secret|cookie|signature/i.test(k) ? REDACTED : v]));
  }
  if (Array.isArray(node)) return node.map((v) => redact(v));
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = redact(v, k);
    return out;
  }
  return node;
}

export class Config {
  readonly values: TesseraConfig;
  readonly warnings: string[];
  readonly dev: boolean;

  constructor(values: TesseraConfig, init: ConfigInit) {
    this.values = values;
    this.dev = init.dev;
    this.warnings = init.warnings ?? [];
  }

  private baseUrl(api: 'public' | 'admin'): URL {
    const s = this.values.serve[api];
    if (s.base_url) return withTrailingSlash(new URL(s.base_url));
    const host = !s.host || s.host === '0.0.0.0' || s.host === '::' || s.host.startsWith('unix:') ? '127.0.0.1' : s.host;
    const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    return new URL(`${s.tls ? 'https' : 'http'}://${h}:${s.port}/`);
  }

  /** The public API's base URL (always ends with "/"): serve.public.base_url, else http(s)://<host>:<port>/. */
  publicBaseUrl(): URL {
    return this.baseUrl('public');
  }

  /** The admin API's base URL (always ends with "/"). */
  adminBaseUrl(): URL {
    return this.baseUrl('admin');
  }

  /** Resolves an absolute URL or a "/path" against the public base URL. */
  resolvePublic(urlOrPath: string): URL {
    return new URL(urlOrPath, this.publicBaseUrl());
  }

  flowLifespanMs(flow: SelfServiceFlowName): number {
    return parseDuration(this.values.selfservice.flows[flow].lifespan);
  }

  flowUiUrl(flow: UiFlowName): URL {
    return this.resolvePublic(this.values.selfservice.flows[flow].ui_url);
  }

  /** Login and settings are always on; registration, recovery and verification can be disabled. */
  flowEnabled(flow: SelfServiceFlowName): boolean {
    const f = this.values.selfservice.flows;
    if (flow === 'registration') return f.registration.enabled;
    if (flow === 'recovery') return f.recovery.enabled;
    if (flow === 'verification') return f.verification.enabled;
    return true;
  }

  methodEnabled(method: keyof TesseraConfig['selfservice']['methods']): boolean {
    return this.values.selfservice.methods[method].enabled;
  }

  /**
   * Hooks to run, as Kratos picks them: `before` hooks of the flow, or the `after` hooks of the
   * method when it lists any, else the flow's global `after` hooks.
   */
  hooks(flow: SelfServiceFlowName, when: 'before' | 'after', method?: string): HookConfig[] {
    const f = this.values.selfservice.flows[flow];
    if (when === 'before') return f.before.hooks ?? [];
    const after = f.after as Record<string, unknown> & { hooks?: HookConfig[] };
    if (method) {
      const m = after[method] as { hooks?: HookConfig[] } | undefined;
      if (m?.hooks && m.hooks.length > 0) return m.hooks;
    }
    return after.hooks ?? [];
  }

  defaultBrowserReturnUrl(): URL {
    return this.resolvePublic(this.values.selfservice.default_browser_return_url);
  }

  /**
   * Where a browser goes after a flow: `after.<method>.default_browser_return_url`, else
   * `after.default_browser_return_url`, else `selfservice.default_browser_return_url`.
   */
  flowReturnUrl(flow: SelfServiceFlowName | 'logout', method?: string): URL {
    const f = this.values.selfservice.flows[flow];
    const after = f.after as Record<string, unknown> & { default_browser_return_url?: string };
    const m = method ? (after[method] as { default_browser_return_url?: string } | undefined) : undefined;
    const raw = m?.default_browser_return_url ?? after.default_browser_return_url ?? this.values.selfservice.default_browser_return_url;
    return this.resolvePublic(raw);
  }

  /** selfservice.allowed_return_urls as URLs (paths resolved against the public base URL). */
  allowedReturnUrls(): URL[] {
    return this.values.selfservice.allowed_return_urls.map((u) => this.resolvePublic(u));
  }

  sessionLifespanMs(): number {
    return parseDuration(this.values.session.lifespan);
  }

  /** session.earliest_possible_extend, defaulting to the session lifespan (extend any time). */
  sessionEarliestPossibleExtendMs(): number {
    const v = this.values.session.earliest_possible_extend;
    return v === undefined ? this.sessionLifespanMs() : parseDuration(v);
  }

  privilegedSessionMaxAgeMs(): number {
    return parseDuration(this.values.selfservice.flows.settings.privileged_session_max_age);
  }

  /** The session cookie; domain, path and same_site fall back to `cookies.*`. */
  sessionCookie(): CookieSettings {
    const c = this.values.session.cookie;
    const g = this.values.cookies;
    return {
      name: c.name,
      domain: c.domain ?? g.domain,
      path: c.path ?? g.path,
      sameSite: c.same_site ?? g.same_site,
      persistent: c.persistent,
    };
  }

  /** Settings for Tessera's other cookies (CSRF, continuity). */
  cookies(): Omit<CookieSettings, 'name' | 'persistent'> {
    const g = this.values.cookies;
    return { domain: g.domain, path: g.path, sameSite: g.same_site };
  }

  secretsDefault(): string[] {
    return this.values.secrets.default;
  }

  /** secrets.cookie, falling back to secrets.default. The first entry signs; all verify. */
  secretsCookie(): string[] {
    const c = this.values.secrets.cookie;
    return c && c.length > 0 ? c : this.values.secrets.default;
  }

  /** secrets.cipher (32 characters each); empty when unset. */
  secretsCipher(): string[] {
    return this.values.secrets.cipher ?? [];
  }

  hashers(): HashersSettings {
    const h = this.values.hashers;
    const memoryBytes = parseByteSize(h.argon2.memory);
    let cost = h.bcrypt.cost;
    if (!this.dev && cost < BCRYPT_MIN_PRODUCTION_COST) cost = BCRYPT_MIN_PRODUCTION_COST;
    return {
      algorithm: h.algorithm,
      argon2: {
        memoryBytes,
        memoryKiB: Math.floor(memoryBytes / 1024),
        iterations: h.argon2.iterations,
        parallelism: h.argon2.parallelism ?? Math.min(255, 2 * availableParallelism()),
        saltLength: h.argon2.salt_length,
        keyLength: h.argon2.key_length,
        expectedDurationMs: parseDuration(h.argon2.expected_duration),
        expectedDeviationMs: parseDuration(h.argon2.expected_deviation),
        dedicatedMemoryBytes: parseByteSize(h.argon2.dedicated_memory),
      },
      bcrypt: { cost },
    };
  }

  bodyLimit(api: 'public' | 'admin'): number {
    return this.values.serve[api].body_limit;
  }

  identitySchemas(): Array<{ id: string; url: string }> {
    return this.values.identity.schemas;
  }

  defaultIdentitySchemaId(): string {
    return this.values.identity.default_schema_id;
  }

  codeLifespanMs(): number {
    return parseDuration(this.values.selfservice.methods.code.config.lifespan);
  }

  linkLifespanMs(): number {
    return parseDuration(this.values.selfservice.methods.link.config.lifespan);
  }

  /** Base of recovery/verification links: methods.link.config.base_url, else the public base URL. */
  linkBaseUrl(): URL {
    const b = this.values.selfservice.methods.link.config.base_url;
    return b ? withTrailingSlash(new URL(b)) : this.publicBaseUrl();
  }

  /** TOTP issuer: methods.totp.config.issuer, else the public base URL's host name. */
  totpIssuer(): string {
    return this.values.selfservice.methods.totp.config.issuer ?? this.publicBaseUrl().hostname;
  }

  /** Base for OIDC callback URLs: methods.oidc.config.base_redirect_uri, else the public base URL. */
  oidcBaseRedirectUri(): URL {
    const b = this.values.selfservice.methods.oidc.config.base_redirect_uri;
    return b ? withTrailingSlash(new URL(b)) : this.publicBaseUrl();
  }

  /**
   * Whether text messages can go out: a `courier.channels` entry with id `sms`, or the legacy
   * `courier.sms` sender enabled with a request. Forms that take an address then accept phone numbers.
   */
  smsChannelConfigured(): boolean {
    const c = this.values.courier;
    if (c.channels.some((ch) => ch.id === 'sms')) return true;
    return c.sms !== undefined && c.sms.enabled && c.sms.request_config !== undefined;
  }

  /** `courier.rate_limit`: messages of one template type to one recipient per window. */
  courierAbuseLimit(): { maxPerWindow: number; windowMs: number } {
    const r = this.values.courier.rate_limit;
    return { maxPerWindow: r.max_messages, windowMs: parseDuration(r.window) };
  }

  courierWorker(): { pullCount: number; pullWaitMs: number; concurrency: number; messageRetries: number; retryWindowMs: number } {
    const c = this.values.courier;
    return {
      retryWindowMs: parseDuration(this.values.tessera.courier.retry_window),
      pullCount: c.worker.pull_count,
      pullWaitMs: parseDuration(c.worker.pull_wait),
      concurrency: c.worker.concurrency,
      messageRetries: c.message_retries,
    };
  }

  /**
   * A copy of `values` safe to log or print: secrets, private keys, passwords and tokens are
   * replaced by "[redacted]", and passwords inside DSNs and SMTP URIs are masked.
   */
  redactedValues(): TesseraConfig {
    return redact(structuredClone(this.values)) as TesseraConfig;
  }

  /** The built-in UI's mount path, without a trailing slash ("/ui"). */
  uiBasePath(): string {
    const p = this.values.ui.base_path.replace(/\/+$/, '');
    return p === '' ? '/' : p;
  }
}
