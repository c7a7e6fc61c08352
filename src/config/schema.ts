// Tessera's configuration schema (JSON Schema draft-07).
//
// Key names, meanings and defaults follow Kratos v1.3's configuration so existing Kratos config
// files load unchanged; keys Tessera does not implement are absent, and since every object has
// `additionalProperties: false` they fail as unknown. Objects that only group defaulted keys carry
// `default: {}` so that the validator fills the whole tree. Optional feature objects (a socket, an
// SMS sender, ...) have no default: their presence means "configured".
//
// Custom formats (formats.ts): go-duration, byte-size, uri (absolute, any scheme),
// http-url (absolute http/https), url-or-path (absolute URL or a path starting with "/"), email.

type JsonSchema = Record<string, unknown>;

const obj = (properties: Record<string, JsonSchema>, extra: JsonSchema = {}): JsonSchema => ({
  type: 'object',
  additionalProperties: false,
  properties,
  ...extra,
});
/** An object that only groups keys: always present after defaults are applied. */
const group = (properties: Record<string, JsonSchema>, extra: JsonSchema = {}): JsonSchema =>
  obj(properties, { default: {}, ...extra });
const str = (extra: JsonSchema = {}): JsonSchema => ({ type: 'string', ...extra });
const bool = (def?: boolean): JsonSchema => (def === undefined ? { type: 'boolean' } : { type: 'boolean', default: def });
const int = (extra: JsonSchema = {}): JsonSchema => ({ type: 'integer', ...extra });
const duration = (def?: string): JsonSchema =>
  def === undefined ? { type: 'string', format: 'go-duration' } : { type: 'string', format: 'go-duration', default: def };
const uri = (extra: JsonSchema = {}): JsonSchema => ({ type: 'string', format: 'uri', ...extra });
const urlOrPath = (extra: JsonSchema = {}): JsonSchema => ({ type: 'string', format: 'url-or-path', ...extra });
const strList = (extra: JsonSchema = {}, items: JsonSchema = { type: 'string' }): JsonSchema => ({ type: 'array', items, ...extra });
const ref = (name: string): JsonSchema => ({ $ref: `#/definitions/${name}` });
const headers = (): JsonSchema => ({ type: 'object', additionalProperties: { type: 'string' } });
/**
 * Tessera: a secret given inline, or read from a file (`{file, pointer}`: a JSON pointer into a JSON
 * file, or the whole file without one), or by IDM purpose (`{$purpose}`: a file of that name in
 * `courier.secrets_directory`). Files are re-read when they change.
 */
const secretValue = (extra: JsonSchema = {}): JsonSchema => ({
  anyOf: [
    str(extra),
    obj({ file: str({ minLength: 1 }), pointer: str({ pattern: '^(/.*)?$' }) }, { required: ['file'] }),
    obj({ $purpose: str({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }) }, { required: ['$purpose'] }),
  ],
});
const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
/** Tessera: SMTP password (instead of the one in connection_uri), TLS versions and timeouts. */
const smtpExtras = (): Record<string, JsonSchema> => ({
  password: secretValue(),
  tls: obj({ min_version: str({ enum: TLS_VERSIONS }), max_version: str({ enum: TLS_VERSIONS }) }),
  timeouts: obj({ connect: duration(), read: duration(), write: duration() }),
});

export const FLOW_UI_FALLBACK = 'https://www.ory.sh/kratos/docs/fallback/';

const hookList = (allowed: readonly string[]): JsonSchema => ({
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['hook'],
    properties: {
      hook: { type: 'string', enum: [...allowed] },
      config: { type: 'object' },
    },
    allOf: [
      {
        if: { properties: { hook: { const: 'web_hook' } }, required: ['hook'] },
        then: { required: ['config'], properties: { config: ref('webHookConfig') } },
      },
      {
        if: { properties: { hook: { const: 'notify_previous_addresses' } }, required: ['hook'] },
        then: { properties: { config: obj({ recipients: str({ enum: ['removed', 'all_verified', 'all'], default: 'removed' }) }) } },
      },
    ],
  },
});

const BEFORE_HOOKS = ['web_hook'] as const;
const LOGIN_AFTER_HOOKS = ['revoke_active_sessions', 'require_verified_address', 'web_hook', 'verification', 'show_verification_ui'] as const;
const LOGIN_AFTER_OIDC_HOOKS = ['revoke_active_sessions', 'require_verified_address', 'web_hook'] as const;
const REGISTRATION_AFTER_HOOKS = ['web_hook'] as const;
const REGISTRATION_AFTER_METHOD_HOOKS = ['session', 'web_hook', 'show_verification_ui'] as const;
const SETTINGS_AFTER_HOOKS = ['web_hook'] as const;
const SETTINGS_AFTER_METHOD_HOOKS = ['web_hook', 'revoke_active_sessions'] as const;
const SETTINGS_AFTER_PROFILE_HOOKS = ['web_hook', 'show_verification_ui', 'notify_previous_addresses'] as const;
const RECOVERY_AFTER_HOOKS = ['web_hook', 'revoke_active_sessions'] as const;
const VERIFICATION_AFTER_HOOKS = ['web_hook'] as const;

const before = (): JsonSchema => obj({ hooks: hookList(BEFORE_HOOKS) }, { default: {} });
const afterMethod = (allowed: readonly string[]): JsonSchema =>
  obj({ default_browser_return_url: urlOrPath(), hooks: hookList(allowed) });

const lifespan = (def = '1h'): JsonSchema => duration(def);
const uiUrl = (flow: string): JsonSchema => urlOrPath({ default: FLOW_UI_FALLBACK + flow });

export const OIDC_PROVIDERS = [
  'github', 'github-app', 'gitlab', 'generic', 'google', 'microsoft', 'discord', 'salesforce', 'slack',
  'facebook', 'auth0', 'vk', 'yandex', 'apple', 'spotify', 'netid', 'dingtalk', 'patreon', 'linkedin',
  'linkedin_v2', 'lark', 'x',
] as const;

const httpRequestConfig = (): JsonSchema =>
  obj(
    {
      url: str({ format: 'http-url' }),
      method: str({ default: 'POST' }),
      headers: headers(),
      body: str({ format: 'uri', pattern: '^(http|https|file|base64)://' }),
      auth: ref('httpAuth'),
    },
    { required: ['url'] },
  );

const oidcProvider = (): JsonSchema =>
  obj(
    {
      id: str({ minLength: 1 }),
      provider: str({ enum: [...OIDC_PROVIDERS] }),
      label: str(),
      client_id: str(),
      client_secret: str(),
      issuer_url: uri(),
      auth_url: uri(),
      token_url: uri(),
      mapper_url: uri(),
      scope: strList(),
      microsoft_tenant: str(),
      subject_source: str({ enum: ['userinfo', 'me'], default: 'userinfo' }),
      apple_team_id: str(),
      apple_private_key_id: str(),
      apple_private_key: str(),
      requested_claims: { type: 'object' },
      organization_id: str(),
      additional_id_token_audiences: strList(),
      claims_source: str({ enum: ['id_token', 'userinfo'], default: 'id_token' }),
      pkce: str({ enum: ['auto', 'never', 'force'], default: 'auto' }),
    },
    {
      required: ['id', 'provider', 'client_id', 'mapper_url'],
      allOf: [
        { if: { properties: { provider: { const: 'microsoft' } }, required: ['provider'] }, then: { required: ['microsoft_tenant'] } },
        {
          if: { properties: { provider: { const: 'apple' } }, required: ['provider'] },
          then: { required: ['apple_team_id', 'apple_private_key_id', 'apple_private_key'] },
          else: { required: ['client_secret'] },
        },
      ],
    },
  );

const socket = (): JsonSchema =>
  obj({ owner: str({ default: '' }), group: str({ default: '' }), mode: int({ minimum: 0, maximum: 511, default: 493 }) });

const requiredAal = (): JsonSchema =>
  str({ enum: ['aal1', 'highest_available'], default: 'highest_available' });

const definitions: Record<string, JsonSchema> = {
  httpAuth: {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'config'],
    properties: {
      type: { type: 'string', enum: ['api_key', 'basic_auth'] },
      config: { type: 'object' },
    },
    allOf: [
      {
        if: { properties: { type: { const: 'api_key' } }, required: ['type'] },
        then: {
          properties: {
            config: obj({ name: str(), value: str(), in: str({ enum: ['header', 'cookie'] }) }, { required: ['name', 'value', 'in'] }),
          },
        },
      },
      {
        if: { properties: { type: { const: 'basic_auth' } }, required: ['type'] },
        then: { properties: { config: obj({ user: str(), password: str() }, { required: ['user', 'password'] }) } },
      },
    ],
  },
  webHookConfig: obj(
    {
      id: str(),
      url: uri(),
      method: str(),
      headers: headers(),
      body: str(),
      can_interrupt: bool(false),
      emit_analytics_event: bool(true),
      // `ignore` with `parse` or `can_interrupt` is refused at start by validateWebHookConfigs
      // (selfservice/hooks/web-hook/config.ts), with a clearer message than a schema could give.
      response: obj({ ignore: bool(false), parse: bool(false) }),
      auth: ref('httpAuth'),
    },
    { required: ['url', 'method'] },
  ),
  emailTemplate: obj({
    subject: uri(),
    body: obj({ plaintext: uri(), html: uri() }),
  }),
  smsTemplate: obj({ body: obj({ plaintext: uri() }) }),
  courierTemplate: obj({
    valid: obj({ email: ref('emailTemplate'), sms: ref('smsTemplate') }, { required: ['email'] }),
    invalid: obj({ email: ref('emailTemplate') }, { required: ['email'] }),
  }),
  courierValidOnlyTemplate: obj({
    valid: obj({ email: ref('emailTemplate'), sms: ref('smsTemplate') }, { required: ['email'] }),
  }),
  // A PEM file by path, or its content base64-encoded inline (Kratos's tlsx source).
  tlsxSource: obj({ path: str({ minLength: 1 }), base64: str({ minLength: 1 }) }, { minProperties: 1, maxProperties: 1 }),
  tlsx: obj({ key: ref('tlsxSource'), cert: ref('tlsxSource') }),
  webauthnRp: obj(
    {
      id: str(),
      display_name: str(),
      origin: uri(),
      origins: strList({}, uri()),
      icon: uri(),
    },
    { required: ['id', 'display_name'] },
  ),
};

const serveApi = (port: number, extra: Record<string, JsonSchema> = {}): JsonSchema =>
  group({
    base_url: str({ format: 'http-url' }),
    host: str({ default: '0.0.0.0' }),
    port: int({ minimum: 1, maximum: 65535, default: port }),
    socket: socket(),
    request_log: group({ disable_for_health: bool(false) }),
    body_limit: int({ minimum: 1, default: 1_048_576 }),
    tls: ref('tlsx'),
    ...extra,
  });

const cors = group({
  enabled: bool(false),
  allowed_origins: strList({ default: ['*'] }, str({ minLength: 1 })),
  allowed_methods: strList(
    { default: ['POST', 'GET', 'PUT', 'PATCH', 'DELETE'] },
    str({ enum: ['POST', 'GET', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'HEAD', 'OPTIONS', 'TRACE'] }),
  ),
  allowed_headers: strList({ default: ['Authorization', 'Content-Type', 'Max-Age', 'X-Session-Token', 'X-XSRF-TOKEN', 'X-CSRF-TOKEN'] }),
  exposed_headers: strList({ default: ['Content-Type'] }),
  allow_credentials: bool(true),
  options_passthrough: bool(false),
  max_age: int({ minimum: 0, default: 0 }),
  debug: bool(false),
});

const methods = group({
  password: group({
    enabled: bool(true),
    config: group({
      haveibeenpwned_enabled: bool(true),
      haveibeenpwned_host: str({ default: 'api.pwnedpasswords.com' }),
      max_breaches: int({ minimum: 0, maximum: 100, default: 0 }),
      ignore_network_errors: bool(true),
      min_password_length: int({ minimum: 6, default: 8 }),
      identifier_similarity_check_enabled: bool(true),
      migrate_hook: group({
        enabled: bool(false),
        config: obj(
          {
            url: uri(),
            method: str({ enum: ['POST'], default: 'POST' }),
            headers: headers(),
            emit_analytics_event: bool(true),
            auth: ref('httpAuth'),
          },
          { required: ['url'] },
        ),
      }),
    }),
  }),
  profile: group({ enabled: bool(true) }),
  code: group({
    enabled: bool(true),
    passwordless_enabled: bool(false),
    mfa_enabled: bool(false),
    config: group({
      lifespan: lifespan('1h'),
      max_submissions: int({ minimum: 1, maximum: 255, default: 5 }),
      missing_credential_fallback_enabled: bool(false),
    }),
  }),
  link: group({
    enabled: bool(false),
    config: group({ lifespan: lifespan('1h'), base_url: str({ format: 'http-url' }) }),
  }),
  totp: group({ enabled: bool(false), config: group({ issuer: str() }) }),
  lookup_secret: group({ enabled: bool(false) }),
  webauthn: obj(
    {
      enabled: bool(false),
      config: obj({ passwordless: bool(), rp: ref('webauthnRp') }, { required: ['rp'] }),
    },
    {
      default: {},
      if: { properties: { enabled: { const: true } }, required: ['enabled'] },
      then: { required: ['config'] },
    },
  ),
  passkey: obj(
    {
      enabled: bool(false),
      config: obj(
        { rp: obj({ id: str(), display_name: str(), origins: strList({}, uri()) }, { required: ['id', 'display_name'] }) },
        { required: ['rp'] },
      ),
    },
    {
      default: {},
      if: { properties: { enabled: { const: true } }, required: ['enabled'] },
      then: { required: ['config'] },
    },
  ),
  oidc: group({
    enabled: bool(false),
    config: group({
      base_redirect_uri: str({ format: 'http-url' }),
      providers: { type: 'array', items: oidcProvider(), default: [] },
    }),
  }),
});

const loginAfter = obj(
  {
    default_browser_return_url: urlOrPath(),
    hooks: hookList(LOGIN_AFTER_HOOKS),
    password: afterMethod(LOGIN_AFTER_HOOKS),
    oidc: afterMethod(LOGIN_AFTER_OIDC_HOOKS),
    code: afterMethod(LOGIN_AFTER_HOOKS),
    totp: afterMethod(LOGIN_AFTER_HOOKS),
    lookup_secret: afterMethod(LOGIN_AFTER_HOOKS),
    webauthn: afterMethod(LOGIN_AFTER_HOOKS),
    passkey: afterMethod(LOGIN_AFTER_HOOKS),
  },
  { default: {} },
);

const registrationAfter = obj(
  {
    default_browser_return_url: urlOrPath(),
    hooks: hookList(REGISTRATION_AFTER_HOOKS),
    password: afterMethod(REGISTRATION_AFTER_METHOD_HOOKS),
    oidc: afterMethod(REGISTRATION_AFTER_METHOD_HOOKS),
    code: afterMethod(REGISTRATION_AFTER_METHOD_HOOKS),
    webauthn: afterMethod(REGISTRATION_AFTER_METHOD_HOOKS),
    passkey: afterMethod(REGISTRATION_AFTER_METHOD_HOOKS),
  },
  { default: {} },
);

const settingsAfter = obj(
  {
    default_browser_return_url: urlOrPath(),
    hooks: hookList(SETTINGS_AFTER_HOOKS),
    password: afterMethod(SETTINGS_AFTER_METHOD_HOOKS),
    profile: afterMethod(SETTINGS_AFTER_PROFILE_HOOKS),
    totp: afterMethod(SETTINGS_AFTER_METHOD_HOOKS),
    lookup_secret: afterMethod(SETTINGS_AFTER_METHOD_HOOKS),
    oidc: afterMethod(SETTINGS_AFTER_METHOD_HOOKS),
    webauthn: afterMethod(SETTINGS_AFTER_METHOD_HOOKS),
    passkey: afterMethod(SETTINGS_AFTER_METHOD_HOOKS),
  },
  { default: {} },
);

const simpleAfter = (allowed: readonly string[]): JsonSchema =>
  obj({ default_browser_return_url: urlOrPath(), hooks: hookList(allowed) }, { default: {} });

const flows = group({
  login: group({
    ui_url: uiUrl('login'),
    lifespan: lifespan(),
    style: str({ enum: ['unified', 'identifier_first'], default: 'unified' }),
    before: before(),
    after: loginAfter,
  }),
  registration: group({
    enabled: bool(true),
    ui_url: uiUrl('registration'),
    lifespan: lifespan(),
    login_hints: bool(false),
    enable_legacy_one_step: bool(false),
    style: str({ enum: ['unified', 'profile_first'], default: 'profile_first' }),
    before: before(),
    after: registrationAfter,
  }),
  settings: group({
    ui_url: uiUrl('settings'),
    lifespan: lifespan(),
    privileged_session_max_age: duration('1h'),
    required_aal: requiredAal(),
    before: before(),
    after: settingsAfter,
  }),
  recovery: group({
    enabled: bool(false),
    ui_url: uiUrl('recovery'),
    lifespan: lifespan(),
    use: str({ enum: ['code', 'link'], default: 'code' }),
    notify_unknown_recipients: bool(false),
    before: before(),
    after: simpleAfter(RECOVERY_AFTER_HOOKS),
  }),
  verification: group({
    enabled: bool(false),
    ui_url: uiUrl('verification'),
    lifespan: lifespan(),
    use: str({ enum: ['code', 'link'], default: 'code' }),
    notify_unknown_recipients: bool(false),
    before: before(),
    after: simpleAfter(VERIFICATION_AFTER_HOOKS),
  }),
  logout: group({ after: group({ default_browser_return_url: urlOrPath() }) }),
  error: group({ ui_url: uiUrl('error') }),
});

const courier = group({
  smtp: group({
    connection_uri: str({ pattern: '^smtps?://', format: 'uri' }),
    client_cert_path: str({ default: '' }),
    client_key_path: str({ default: '' }),
    from_address: str({ format: 'email', default: 'no-reply@ory.kratos.sh' }),
    from_name: str(),
    headers: headers(),
    local_name: str({ default: 'localhost' }),
    ...smtpExtras(),
  }),
  // Tessera: where `{$purpose}` secret references are read from.
  secrets_directory: str({ minLength: 1 }),
  template_override_path: str(),
  templates: obj({
    recovery: ref('courierTemplate'),
    recovery_code: ref('courierTemplate'),
    verification: ref('courierTemplate'),
    verification_code: ref('courierTemplate'),
    login_code: ref('courierValidOnlyTemplate'),
    registration_code: ref('courierValidOnlyTemplate'),
    verifiable_address_changed: obj({ email: ref('emailTemplate'), sms: ref('smsTemplate') }),
  }),
  message_retries: int({ minimum: 0, default: 5 }),
  worker: group({
    pull_count: int({ minimum: 1, default: 10 }),
    pull_wait: duration('1s'),
    concurrency: int({ minimum: 1, default: 4 }),
  }),
  // Tessera's own: at most max_messages of one template type to one recipient per window (0 = no limit).
  rate_limit: group({
    max_messages: int({ minimum: 0, default: 10 }),
    window: duration('1h'),
  }),
  delivery_strategy: str({ enum: ['smtp', 'http'], default: 'smtp' }),
  http: obj({ request_config: httpRequestConfig() }, { required: ['request_config'] }),
  channels: {
    type: 'array',
    default: [],
    items: obj(
      {
        id: str({ minLength: 1 }),
        type: str({ enum: ['http', 'smtp', 'msgraph'], default: 'http' }),
        request_config: httpRequestConfig(),
        smtp_config: obj({
          connection_uri: str({ pattern: '^smtps?://', format: 'uri' }),
          client_cert_path: str(),
          client_key_path: str(),
          from_address: str({ format: 'email' }),
          from_name: str(),
          headers: headers(),
          local_name: str(),
          ...smtpExtras(),
        }, { required: ['connection_uri'] }),
        // Tessera: email through Microsoft Graph sendMail with OAuth2 client credentials.
        msgraph_config: obj(
          {
            mail_endpoint: str({ format: 'http-url' }),
            from: str({ format: 'email' }),
            client_id: secretValue({ minLength: 1 }),
            client_secret: secretValue({ minLength: 1 }),
            client_secret_path: str({ minLength: 1 }),
            token_endpoint: str({ format: 'http-url' }),
            scope: strList({ minItems: 1, default: ['https://graph.microsoft.com/.default'] }),
            scope_delimiter: str({ default: ' ' }),
          },
          {
            required: ['mail_endpoint', 'client_id', 'token_endpoint'],
            anyOf: [{ required: ['client_secret'] }, { required: ['client_secret_path'] }],
          },
        ),
      },
      {
        required: ['id'],
        allOf: [
          { if: { properties: { type: { const: 'http' } } }, then: { required: ['request_config'] } },
          { if: { properties: { type: { const: 'smtp' } }, required: ['type'] }, then: { required: ['smtp_config'] } },
          { if: { properties: { type: { const: 'msgraph' } }, required: ['type'] }, then: { required: ['msgraph_config'] } },
        ],
      },
    ),
  },
  sms: obj({
    enabled: bool(false),
    from: str({ default: 'Ory Kratos' }),
    request_config: httpRequestConfig(),
  }),
});

// Kratos's `ory://tracing-config`, limited to what Tessera implements: the `otel` provider (OTLP over
// HTTP). `jaeger` and `zipkin` are refused by the enum with the key's path rather than ignored.
const tracing: JsonSchema = obj({
  provider: str({ enum: ['', 'otel'] }),
  service_name: str(),
  deployment_environment: str(),
  providers: obj({
    otlp: obj({
      // host:port, as Kratos: the scheme comes from `insecure`, the path is /v1/traces.
      server_url: str({ pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):[0-9]*$' }),
      insecure: bool(),
      sampling: obj({ sampling_ratio: { type: 'number', minimum: 0, maximum: 1 } }),
      authorization_header: str(),
    }),
  }),
});

// Tessera's own keys (not in Kratos's schema), under one namespace so Kratos configuration files stay valid.
const tessera = group({
  courier: group({
    // The time over which `courier.message_retries` retries are spread (doubling delays that add
    // up to it): how long a message outlives an outage of its mail server or SMS gateway.
    retry_window: duration('1h'),
  }),
  web_hooks: group({
    // Standard Webhooks signing secrets (`whsec_<base64>` or any string of 24+ characters);
    // every request is signed with each one, so a receiver can rotate without downtime.
    signing_secrets: strList({ default: [] }, str({ minLength: 24 })),
    // Deadline of one attempt of a web hook call (Kratos: 30s for the whole exchange).
    timeout: duration('10s'),
    // Durable deliveries of `response.ignore: true` hooks.
    delivery: group({
      max_attempts: int({ minimum: 1, default: 20 }),
      initial_backoff: duration('5s'),
      max_backoff: duration('10m'),
      lease: duration('2m'),
      pull_wait: duration('1s'),
      pull_count: int({ minimum: 1, default: 20 }),
    }),
  }),
  brute_force: group({
    enabled: bool(true),
    login: group({
      delay_after: int({ minimum: 1, default: 5 }),
      delay: duration('1s'),
      max_delay: duration('1m'),
      lockout_after: int({ minimum: 1, maximum: 100, default: 30 }),
      lockout_duration: duration('15m'),
      // NIST SP 800-63B: no more than 100 consecutive failed attempts on one account.
      max_failures: int({ minimum: 1, maximum: 100, default: 100 }),
      reset_after: duration('12h'),
    }),
    client_address: group({ max_failures: int({ minimum: 0, default: 100 }), window: duration('15m') }),
    one_time_codes: group({
      max_checks: int({ minimum: 1, default: 25 }),
      window: duration('1h'),
      max_active: int({ minimum: 1, default: 3 }),
      // Codes for sign-in and sign-up one client address may request per window (cost control for SMS); 0 = no limit.
      client_address: group({ max_sends: int({ minimum: 0, default: 60 }), window: duration('1h') }),
    }),
  }),
  // Social sign-in opt-ins beyond Kratos, per provider id of selfservice.methods.oidc.config.providers.
  oidc: group({
    providers: {
      type: 'object',
      default: {},
      additionalProperties: obj({
        // A sign-up whose address belongs to an account is linked to it at once when the provider
        // and the account both have the address verified (no linking step).
        link_verified_addresses: bool(false),
        // POST /admin/identities/{id}/credentials/oidc/link may link this provider's subjects.
        admin_link: bool(false),
        // A first sign-in with this provider (a registration) also runs the login hooks of oidc (Kratos #4172).
        login_hooks_on_sign_up: bool(false),
      }),
    },
  }),
  trusted_proxies: strList({ default: [] }, str({ minLength: 1 })),
  allowed_hosts: group({
    admin: strList({ default: [] }, str({ minLength: 1 })),
    public: strList({ default: [] }, str({ minLength: 1 })),
  }),
});

export const configSchema: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://tessera.invalid/config.schema.json',
  title: 'Tessera configuration',
  type: 'object',
  additionalProperties: false,
  definitions,
  properties: {
    version: str({ pattern: '^(v(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?)?$' }),
    dsn: str({ minLength: 1 }),
    dev: bool(false),
    serve: group({
      public: serveApi(4433, { cors }),
      admin: serveApi(4434),
    }),
    identity: group({
      default_schema_id: str({ default: 'default' }),
      schemas: {
        type: 'array',
        minItems: 1,
        items: obj({ id: str({ minLength: 1 }), url: uri() }, { required: ['id', 'url'] }),
      },
    }),
    selfservice: group({
      default_browser_return_url: urlOrPath(),
      allowed_return_urls: strList({ default: [] }, urlOrPath()),
      methods,
      flows,
    }),
    session: group({
      lifespan: duration('24h'),
      earliest_possible_extend: duration(),
      cookie: group({
        name: str({ minLength: 1, default: 'ory_kratos_session' }),
        domain: str(),
        path: str(),
        same_site: str({ enum: ['Strict', 'Lax', 'None'] }),
        persistent: bool(true),
      }),
      whoami: group({
        required_aal: requiredAal(),
        tokenizer: group({
          templates: {
            type: 'object',
            default: {},
            propertyNames: { pattern: '^[a-zA-Z0-9-_.]+$' },
            additionalProperties: obj(
              {
                ttl: duration('1m'),
                claims_mapper_url: uri(),
                // A JWKS holding private keys is read from a file or inline, never fetched (as later Kratos requires).
                jwks_url: uri({ pattern: '^(file|base64)://' }),
                subject_source: str({ enum: ['id', 'external_id'], default: 'id' }),
              },
              { required: ['jwks_url'] },
            ),
          },
        }),
      }),
    }),
    cookies: group({
      domain: str(),
      path: str({ default: '/' }),
      same_site: str({ enum: ['Strict', 'Lax', 'None'], default: 'Lax' }),
    }),
    secrets: group({
      default: strList({}, str({ minLength: 16 })),
      cookie: strList({}, str({ minLength: 16 })),
      cipher: strList({}, str({ minLength: 32, maxLength: 32 })),
    }),
    hashers: group({
      algorithm: str({ enum: ['argon2', 'bcrypt'], default: 'bcrypt' }),
      argon2: group({
        memory: str({ format: 'byte-size', default: '128MB' }),
        iterations: int({ minimum: 1, default: 1 }),
        parallelism: int({ minimum: 1 }),
        salt_length: int({ minimum: 16, default: 16 }),
        key_length: int({ minimum: 16, default: 32 }),
        expected_duration: duration('500ms'),
        expected_deviation: duration('500ms'),
        dedicated_memory: str({ format: 'byte-size', default: '1GB' }),
      }),
      bcrypt: group({ cost: int({ minimum: 4, maximum: 31, default: 12 }) }),
    }),
    ciphers: group({ algorithm: str({ enum: ['noop', 'aes', 'xchacha20-poly1305'], default: 'noop' }) }),
    courier,
    log: group({
      level: str({ enum: ['trace', 'debug', 'info', 'warning', 'error', 'fatal', 'panic'], default: 'info' }),
      format: str({ enum: ['json', 'text'], default: 'json' }),
      leak_sensitive_values: bool(false),
      redaction_text: str({ default: '' }),
    }),
    security: group({ account_enumeration: group({ mitigate: bool(false) }) }),
    tracing,
    clients: group({
      http: group({
        disallow_private_ip_ranges: bool(false),
        private_ip_exception_urls: strList({ default: [] }, uri()),
      }),
      web_hook: group({
        header_allowlist: strList({
          default: [
            'Accept', 'Accept-Encoding', 'Accept-Language', 'Content-Length', 'Content-Type', 'Origin', 'Priority',
            'Referer', 'Sec-Ch-Ua', 'Sec-Ch-Ua-Mobile', 'Sec-Ch-Ua-Platform', 'Sec-Fetch-Dest', 'Sec-Fetch-Mode',
            'Sec-Fetch-Site', 'Sec-Fetch-User', 'True-Client-Ip', 'User-Agent',
          ],
        }),
      }),
    }),
    feature_flags: group({
      cacheable_sessions: bool(false),
      cacheable_sessions_max_age: duration(),
      use_continue_with_transitions: bool(false),
      faster_session_extend: bool(false),
    }),
    database: group({
      cleanup: group({
        batch_size: int({ minimum: 1, default: 100 }),
        sleep: group({ tables: duration('1m') }),
        older_than: duration('0s'),
      }),
    }),
    tessera,
    ui: group({
      enabled: bool(false),
      base_path: str({ pattern: '^/', default: '/ui' }),
      name: str({ default: 'Tessera' }),
      logo_url: urlOrPath(),
    }),
  },
};
