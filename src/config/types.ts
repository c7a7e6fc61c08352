// TypeScript shapes of a loaded configuration (schema.ts), with every schema default applied:
// a key that has a default is never undefined here. Durations and byte sizes stay as their
// config strings; use the Config accessors for milliseconds and bytes.

import type { TracingConfig } from '../telemetry/tracing.js';
import type { SecretValue } from '../lib/secret-ref.js';

export type SameSite = 'Strict' | 'Lax' | 'None';
export type RequiredAal = 'aal1' | 'highest_available';
export type SelfServiceFlowName = 'login' | 'registration' | 'settings' | 'recovery' | 'verification';
export type UiFlowName = SelfServiceFlowName | 'error';
export type HookName = 'session' | 'revoke_active_sessions' | 'require_verified_address' | 'show_verification_ui' | 'verification' | 'web_hook' | 'notify_previous_addresses';

export type HttpAuthConfig =
  | { type: 'api_key'; config: { name: string; value: string; in: 'header' | 'cookie' } }
  | { type: 'basic_auth'; config: { user: string; password: string } };

export interface WebHookConfig {
  id?: string;
  url: string;
  method: string;
  headers?: Record<string, string>;
  /** Jsonnet: a file://, http(s):// or base64:// URL, or inline text. */
  body?: string;
  can_interrupt?: boolean;
  emit_analytics_event?: boolean;
  response?: { ignore?: boolean; parse?: boolean };
  auth?: HttpAuthConfig;
}

export type HookConfig =
  | { hook: 'web_hook'; config: WebHookConfig }
  | { hook: Exclude<HookName, 'web_hook'>; config?: Record<string, unknown> };

export interface HookList {
  hooks?: HookConfig[];
}

export interface AfterMethodConfig extends HookList {
  default_browser_return_url?: string;
}

export interface HttpRequestConfig {
  url: string;
  method: string;
  headers?: Record<string, string>;
  body?: string;
  auth?: HttpAuthConfig;
}

export interface SocketConfig {
  owner: string;
  group: string;
  mode: number;
}

export interface ServeApiConfig {
  base_url?: string;
  host: string;
  port: number;
  socket?: SocketConfig;
  request_log: { disable_for_health: boolean };
  /** Maximum request body in bytes (Tessera). */
  body_limit: number;
  /** HTTPS: both key and cert, each a PEM file path or inline base64; absent for plain HTTP. */
  tls?: { key?: TlsSourceConfig; cert?: TlsSourceConfig };
}

export type TlsSourceConfig = { path: string; base64?: undefined } | { base64: string; path?: undefined };

export interface CorsConfig {
  enabled: boolean;
  allowed_origins: string[];
  allowed_methods: string[];
  allowed_headers: string[];
  exposed_headers: string[];
  allow_credentials: boolean;
  options_passthrough: boolean;
  max_age: number;
  debug: boolean;
}

export interface OidcProviderConfig {
  id: string;
  provider: string;
  label?: string;
  client_id: string;
  client_secret?: string;
  issuer_url?: string;
  auth_url?: string;
  token_url?: string;
  mapper_url: string;
  scope?: string[];
  microsoft_tenant?: string;
  subject_source: 'userinfo' | 'me';
  apple_team_id?: string;
  apple_private_key_id?: string;
  apple_private_key?: string;
  requested_claims?: Record<string, unknown>;
  organization_id?: string;
  additional_id_token_audiences?: string[];
  claims_source: 'id_token' | 'userinfo';
  pkce: 'auto' | 'never' | 'force';
}

export interface WebAuthnRpConfig {
  id: string;
  display_name: string;
  origin?: string;
  origins?: string[];
  icon?: string;
}

export interface MethodsConfig {
  password: {
    enabled: boolean;
    config: {
      haveibeenpwned_enabled: boolean;
      haveibeenpwned_host: string;
      max_breaches: number;
      ignore_network_errors: boolean;
      min_password_length: number;
      identifier_similarity_check_enabled: boolean;
      migrate_hook: {
        enabled: boolean;
        config?: { url: string; method: 'POST'; headers?: Record<string, string>; emit_analytics_event: boolean; auth?: HttpAuthConfig };
      };
    };
  };
  profile: { enabled: boolean };
  code: {
    enabled: boolean;
    passwordless_enabled: boolean;
    mfa_enabled: boolean;
    config: { lifespan: string; max_submissions: number; missing_credential_fallback_enabled: boolean };
  };
  link: { enabled: boolean; config: { lifespan: string; base_url?: string } };
  totp: { enabled: boolean; config: { issuer?: string } };
  lookup_secret: { enabled: boolean };
  webauthn: { enabled: boolean; config?: { passwordless?: boolean; rp: WebAuthnRpConfig } };
  passkey: { enabled: boolean; config?: { rp: { id: string; display_name: string; origins?: string[] } } };
  oidc: { enabled: boolean; config: { base_redirect_uri?: string; providers: OidcProviderConfig[] } };
}

export type LoginMethod = 'password' | 'oidc' | 'code' | 'totp' | 'lookup_secret' | 'webauthn' | 'passkey';
export type RegistrationMethod = 'password' | 'oidc' | 'code' | 'webauthn' | 'passkey';
export type SettingsMethod = 'password' | 'profile' | 'totp' | 'lookup_secret' | 'oidc' | 'webauthn' | 'passkey';

export interface FlowsConfig {
  login: {
    ui_url: string;
    lifespan: string;
    style: 'unified' | 'identifier_first';
    before: HookList;
    after: AfterMethodConfig & Partial<Record<LoginMethod, AfterMethodConfig>>;
  };
  registration: {
    enabled: boolean;
    ui_url: string;
    lifespan: string;
    login_hints: boolean;
    /** Deprecated in Kratos for `style`; `true` wins over `style` (one step). */
    enable_legacy_one_step: boolean;
    style: 'unified' | 'profile_first';
    before: HookList;
    after: AfterMethodConfig & Partial<Record<RegistrationMethod, AfterMethodConfig>>;
  };
  settings: {
    ui_url: string;
    lifespan: string;
    privileged_session_max_age: string;
    required_aal: RequiredAal;
    before: HookList;
    after: AfterMethodConfig & Partial<Record<SettingsMethod, AfterMethodConfig>>;
  };
  recovery: {
    enabled: boolean;
    ui_url: string;
    lifespan: string;
    use: 'code' | 'link';
    notify_unknown_recipients: boolean;
    before: HookList;
    after: AfterMethodConfig;
  };
  verification: {
    enabled: boolean;
    ui_url: string;
    lifespan: string;
    use: 'code' | 'link';
    notify_unknown_recipients: boolean;
    before: HookList;
    after: AfterMethodConfig;
  };
  logout: { after: { default_browser_return_url?: string } };
  error: { ui_url: string };
}

export interface EmailTemplateConfig {
  subject?: string;
  body?: { plaintext?: string; html?: string };
}
export interface SmsTemplateConfig {
  body?: { plaintext?: string };
}
export interface CourierTemplateConfig {
  valid?: { email: EmailTemplateConfig; sms?: SmsTemplateConfig };
  invalid?: { email: EmailTemplateConfig };
}

/** Tessera: a secret inline, from a JSON file (+ pointer) or by IDM purpose (a file in `courier.secrets_directory`). */
export type { SecretValue };

export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

export interface SmtpConfig {
  connection_uri?: string;
  /** Tessera: the password, instead of the one in connection_uri. */
  password?: SecretValue;
  /** Tessera: TLS protocol versions allowed (STARTTLS and smtps). */
  tls?: { min_version?: TlsVersion; max_version?: TlsVersion };
  /** Tessera: durations (Go syntax). */
  timeouts?: { connect?: string; read?: string; write?: string };
  client_cert_path: string;
  client_key_path: string;
  from_address: string;
  from_name?: string;
  headers?: Record<string, string>;
  local_name: string;
}

/** Tessera: `courier.channels[].msgraph_config` (Microsoft Graph sendMail, OAuth2 client credentials). */
export interface MsGraphConfig {
  /** `https://graph.microsoft.com/v1.0/users/{sender}/sendMail`. */
  mail_endpoint: string;
  from?: string;
  client_id: SecretValue;
  /** client_secret or client_secret_path (which wins when both are set). */
  client_secret?: SecretValue;
  /** Read whenever a token is fetched, so a rotated secret needs no restart. */
  client_secret_path?: string;
  token_endpoint: string;
  scope: string[];
  scope_delimiter: string;
}

export interface CourierChannelConfig {
  id: string;
  type: 'http' | 'smtp' | 'msgraph';
  request_config?: HttpRequestConfig;
  smtp_config?: Partial<SmtpConfig> & { connection_uri: string };
  msgraph_config?: MsGraphConfig;
}

export interface CourierConfig {
  smtp: SmtpConfig;
  /** Tessera: the directory `{$purpose}` secret references name files in. */
  secrets_directory?: string;
  template_override_path?: string;
  templates?: Partial<Record<'recovery' | 'recovery_code' | 'verification' | 'verification_code', CourierTemplateConfig>> &
    Partial<Record<'login_code' | 'registration_code', Pick<CourierTemplateConfig, 'valid'>>> & {
      verifiable_address_changed?: { email?: EmailTemplateConfig; sms?: SmsTemplateConfig };
    };
  message_retries: number;
  worker: { pull_count: number; pull_wait: string; concurrency: number };
  rate_limit: { max_messages: number; window: string };
  delivery_strategy: 'smtp' | 'http';
  http?: { request_config: HttpRequestConfig };
  channels: CourierChannelConfig[];
  /** Legacy (Kratos v1.x) SMS sender; prefer channels[{id: "sms"}]. */
  sms?: { enabled: boolean; from: string; request_config?: HttpRequestConfig };
}

export interface TokenizerTemplateConfig {
  ttl: string;
  claims_mapper_url?: string;
  jwks_url: string;
  subject_source: 'id' | 'external_id';
}

/** `tessera.oidc.providers.<id>`. */
export interface TesseraOidcProviderOptions {
  link_verified_addresses: boolean;
  admin_link: boolean;
  login_hooks_on_sign_up: boolean;
}

/** `tessera`: Tessera's own keys. */
export interface TesseraOwnConfig {
  courier: { retry_window: string };
  web_hooks: {
    signing_secrets: string[];
    timeout: string;
    delivery: { max_attempts: number; initial_backoff: string; max_backoff: string; lease: string; pull_wait: string; pull_count: number };
  };
  brute_force: {
    enabled: boolean;
    login: { delay_after: number; delay: string; max_delay: string; lockout_after: number; lockout_duration: string; max_failures: number; reset_after: string };
    client_address: { max_failures: number; window: string };
    one_time_codes: { max_checks: number; window: string; max_active: number; client_address: { max_sends: number; window: string } };
  };
  /** Social sign-in opt-ins beyond Kratos, by provider id. */
  oidc: { providers: Record<string, TesseraOidcProviderOptions> };
  /** Addresses or CIDR blocks of reverse proxies whose X-Forwarded-For is believed. */
  trusted_proxies: string[];
  /** Host names (besides loopback and the configured base URLs) each API answers to; "*" allows any. */
  allowed_hosts: { admin: string[]; public: string[] };
}

export interface TesseraConfig {
  tessera: TesseraOwnConfig;
  version?: string;
  /** Always set after loading (required outside dev mode, filled in dev mode). */
  dsn: string;
  dev: boolean;
  serve: { public: ServeApiConfig & { cors: CorsConfig }; admin: ServeApiConfig };
  identity: { default_schema_id: string; schemas: Array<{ id: string; url: string }> };
  selfservice: {
    /** Always set after loading (required outside dev mode, filled in dev mode). */
    default_browser_return_url: string;
    allowed_return_urls: string[];
    methods: MethodsConfig;
    flows: FlowsConfig;
  };
  session: {
    lifespan: string;
    earliest_possible_extend?: string;
    cookie: { name: string; domain?: string; path?: string; same_site?: SameSite; persistent: boolean };
    whoami: { required_aal: RequiredAal; tokenizer: { templates: Record<string, TokenizerTemplateConfig> } };
  };
  cookies: { domain?: string; path: string; same_site: SameSite };
  /** secrets.default is always set after loading (generated when missing). */
  secrets: { default: string[]; cookie?: string[]; cipher?: string[] };
  hashers: {
    algorithm: 'argon2' | 'bcrypt';
    argon2: {
      memory: string;
      iterations: number;
      parallelism?: number;
      salt_length: number;
      key_length: number;
      expected_duration: string;
      expected_deviation: string;
      dedicated_memory: string;
    };
    bcrypt: { cost: number };
  };
  ciphers: { algorithm: 'noop' | 'aes' | 'xchacha20-poly1305' };
  courier: CourierConfig;
  log: { level: 'trace' | 'debug' | 'info' | 'warning' | 'error' | 'fatal' | 'panic'; format: 'json' | 'text'; leak_sensitive_values: boolean; redaction_text: string };
  security: { account_enumeration: { mitigate: boolean } };
  /** Kratos's `tracing` (ory/x otelx); only the `otel` provider (OTLP over HTTP) is implemented. */
  tracing?: TracingConfig;
  clients: {
    http: { disallow_private_ip_ranges: boolean; private_ip_exception_urls: string[] };
    web_hook: { header_allowlist: string[] };
  };
  feature_flags: {
    cacheable_sessions: boolean;
    cacheable_sessions_max_age?: string;
    use_continue_with_transitions: boolean;
    faster_session_extend: boolean;
  };
  database: { cleanup: { batch_size: number; sleep: { tables: string }; older_than: string } };
  /** The built-in UI (Tessera). */
  ui: { enabled: boolean; base_path: string; name: string; logo_url?: string };
}
