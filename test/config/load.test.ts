import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Config, ConfigError, loadConfig } from '../../src/config/index.js';
import type { ConfigIssue } from '../../src/config/index.js';

const root = mkdtempSync(join(tmpdir(), 'tessera-config-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function file(name: string, text: string): string {
  const p = join(root, `${n++}-${name}`);
  writeFileSync(p, text);
  return p;
}

/** A minimal production config (YAML) that satisfies every required key. */
const MINIMAL = `
dsn: postgres://tessera:secret@db:5432/tessera
serve:
  public:
    base_url: https://auth.example.com/
identity:
  schemas:
    - id: default
      url: file:///etc/tessera/identity.schema.json
selfservice:
  default_browser_return_url: https://app.example.com/
secrets:
  default: [a-very-long-secret-value]
`;

async function loadFails(opts: Parameters<typeof loadConfig>[0]): Promise<ConfigIssue[]> {
  try {
    await loadConfig(opts);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return e.issues;
  }
  assert.fail('expected loadConfig to fail');
}

function issueAt(issues: ConfigIssue[], path: string): ConfigIssue {
  const hit = issues.find((i) => i.path === path);
  assert.ok(hit, `no issue at ${path}; got ${JSON.stringify(issues)}`);
  return hit;
}

describe('loadConfig defaults', () => {
  it('applies Kratos defaults to every defaulted key', async () => {
    const c = await loadConfig({ files: [file('min.yml', MINIMAL)], env: {} });
    const v = c.values;
    assert.ok(c instanceof Config);
    assert.equal(c.dev, false);
    assert.equal(v.serve.public.port, 4433);
    assert.equal(v.serve.admin.port, 4434);
    assert.equal(v.serve.public.host, '0.0.0.0');
    assert.equal(v.serve.public.body_limit, 1_048_576);
    assert.equal(v.serve.admin.body_limit, 1_048_576);
    assert.equal(v.serve.public.request_log.disable_for_health, false);
    assert.equal(v.serve.public.cors.enabled, false);
    assert.deepEqual(v.serve.public.cors.allowed_origins, ['*']);
    assert.equal(v.serve.public.cors.allow_credentials, true);
    assert.ok(v.serve.public.cors.allowed_headers.includes('X-Session-Token'));
    assert.equal(v.identity.default_schema_id, 'default');
    for (const flow of ['login', 'registration', 'settings', 'recovery', 'verification'] as const) {
      assert.equal(v.selfservice.flows[flow].lifespan, '1h', flow);
      assert.equal(c.flowLifespanMs(flow), 3_600_000, flow);
      assert.equal(v.selfservice.flows[flow].ui_url, `https://www.ory.sh/kratos/docs/fallback/${flow}`);
    }
    assert.equal(v.selfservice.flows.error.ui_url, 'https://www.ory.sh/kratos/docs/fallback/error');
    assert.equal(v.selfservice.flows.registration.enabled, true);
    assert.equal(v.selfservice.flows.recovery.enabled, false);
    assert.equal(v.selfservice.flows.verification.enabled, false);
    assert.equal(v.selfservice.flows.recovery.use, 'code');
    assert.equal(v.selfservice.flows.verification.use, 'code');
    assert.equal(v.selfservice.flows.settings.privileged_session_max_age, '1h');
    assert.equal(c.privilegedSessionMaxAgeMs(), 3_600_000);
    assert.equal(v.selfservice.flows.settings.required_aal, 'highest_available');
    assert.equal(v.selfservice.flows.login.style, 'unified');
    const m = v.selfservice.methods;
    assert.equal(m.password.enabled, true);
    assert.equal(m.password.config.min_password_length, 8);
    assert.equal(m.password.config.haveibeenpwned_host, 'api.pwnedpasswords.com');
    assert.equal(m.password.config.haveibeenpwned_enabled, true);
    assert.equal(m.password.config.ignore_network_errors, true);
    assert.equal(m.password.config.max_breaches, 0);
    assert.equal(m.password.config.identifier_similarity_check_enabled, true);
    assert.equal(m.profile.enabled, true);
    assert.equal(m.code.enabled, true);
    assert.equal(m.code.passwordless_enabled, false);
    assert.equal(m.code.config.lifespan, '1h');
    assert.equal(c.codeLifespanMs(), 3_600_000);
    assert.equal(m.link.enabled, false);
    assert.equal(c.linkLifespanMs(), 3_600_000);
    assert.equal(m.totp.enabled, false);
    assert.equal(m.lookup_secret.enabled, false);
    assert.equal(m.webauthn.enabled, false);
    assert.equal(m.passkey.enabled, false);
    assert.equal(m.oidc.enabled, false);
    assert.deepEqual(m.oidc.config.providers, []);
    assert.equal(v.session.lifespan, '24h');
    assert.equal(c.sessionLifespanMs(), 86_400_000);
    assert.equal(c.sessionEarliestPossibleExtendMs(), 86_400_000);
    assert.equal(v.session.whoami.required_aal, 'highest_available');
    assert.deepEqual(c.sessionCookie(), { name: 'ory_kratos_session', domain: undefined, path: '/', sameSite: 'Lax', persistent: true });
    assert.equal(v.cookies.same_site, 'Lax');
    assert.equal(v.hashers.algorithm, 'bcrypt');
    assert.equal(c.hashers().bcrypt.cost, 12);
    assert.equal(c.hashers().argon2.memoryBytes, 128 * 1024 * 1024);
    assert.equal(c.hashers().argon2.iterations, 1);
    assert.ok(c.hashers().argon2.parallelism >= 2);
    assert.equal(v.ciphers.algorithm, 'noop');
    assert.equal(v.courier.message_retries, 5);
    assert.equal(v.courier.delivery_strategy, 'smtp');
    assert.equal(v.courier.smtp.from_address, 'no-reply@ory.kratos.sh');
    assert.deepEqual(c.courierWorker(), { pullCount: 10, pullWaitMs: 1000, concurrency: 4, messageRetries: 5, retryWindowMs: 3_600_000 });
    assert.equal(v.log.level, 'info');
    assert.equal(v.log.leak_sensitive_values, false);
    assert.equal(v.security.account_enumeration.mitigate, false);
    assert.equal(v.clients.http.disallow_private_ip_ranges, false);
    assert.ok(v.clients.web_hook.header_allowlist.includes('User-Agent'));
    assert.equal(v.feature_flags.use_continue_with_transitions, false);
    assert.deepEqual(v.ui, { enabled: false, base_path: '/ui', name: 'Tessera' });
    assert.equal(c.uiBasePath(), '/ui');
    assert.equal(v.serve.public.socket, undefined, 'optional objects stay absent');
    assert.equal(v.courier.sms, undefined);
  });

  it('exposes typed accessors', async () => {
    const c = await loadConfig({
      files: [
        file('min.yml', MINIMAL),
        file('more.yml', `
selfservice:
  allowed_return_urls: [https://app.example.com/, /dashboard]
  flows:
    login:
      ui_url: /login
      after:
        default_browser_return_url: https://app.example.com/welcome
        hooks: [{hook: revoke_active_sessions}]
        password:
          default_browser_return_url: https://app.example.com/pw
          hooks: [{hook: require_verified_address}]
        oidc:
          hooks: []
session:
  cookie: {domain: example.com, same_site: Strict}
hashers:
  algorithm: argon2
  argon2: {memory: 64MB, parallelism: 3}
serve:
  admin: {host: 10.0.0.5, port: 9000, body_limit: 2048}
secrets:
  cookie: [cookie-secret-0123456789]
  cipher: [0123456789abcdef0123456789abcdef]
`),
      ],
      env: {},
    });
    assert.equal(c.publicBaseUrl().href, 'https://auth.example.com/');
    assert.equal(c.adminBaseUrl().href, 'http://10.0.0.5:9000/');
    assert.equal(c.bodyLimit('admin'), 2048);
    assert.equal(c.bodyLimit('public'), 1_048_576);
    assert.equal(c.flowUiUrl('login').href, 'https://auth.example.com/login');
    assert.equal(c.defaultBrowserReturnUrl().href, 'https://app.example.com/');
    assert.deepEqual(c.allowedReturnUrls().map((u) => u.href), ['https://app.example.com/', 'https://auth.example.com/dashboard']);
    assert.equal(c.flowReturnUrl('login', 'password').href, 'https://app.example.com/pw');
    assert.equal(c.flowReturnUrl('login', 'totp').href, 'https://app.example.com/welcome');
    assert.equal(c.flowReturnUrl('registration').href, 'https://app.example.com/');
    assert.deepEqual(c.hooks('login', 'after', 'password'), [{ hook: 'require_verified_address' }]);
    assert.deepEqual(c.hooks('login', 'after', 'oidc'), [{ hook: 'revoke_active_sessions' }], 'an empty method list falls back to the global one');
    assert.deepEqual(c.hooks('login', 'before'), []);
    assert.deepEqual(c.sessionCookie(), { name: 'ory_kratos_session', domain: 'example.com', path: '/', sameSite: 'Strict', persistent: true });
    assert.equal(c.hashers().algorithm, 'argon2');
    assert.equal(c.hashers().argon2.memoryKiB, 65_536);
    assert.equal(c.hashers().argon2.parallelism, 3);
    assert.deepEqual(c.secretsCookie(), ['cookie-secret-0123456789']);
    assert.deepEqual(c.secretsDefault(), ['a-very-long-secret-value']);
    assert.deepEqual(c.secretsCipher(), ['0123456789abcdef0123456789abcdef']);
    assert.equal(c.totpIssuer(), 'auth.example.com');
    assert.equal(c.linkBaseUrl().href, 'https://auth.example.com/');
    assert.deepEqual(c.identitySchemas(), [{ id: 'default', url: 'file:///etc/tessera/identity.schema.json' }]);
    assert.deepEqual(c.warnings, []);
  });

  it('guesses base URLs from host and port when unset, with a warning', async () => {
    const c = await loadConfig({
      files: [file('min.yml', MINIMAL.replace('    base_url: https://auth.example.com/\n', '    port: 5555\n'))],
      env: {},
    });
    assert.equal(c.publicBaseUrl().href, 'http://127.0.0.1:5555/');
    assert.equal(c.adminBaseUrl().href, 'http://127.0.0.1:4434/');
    assert.ok(c.warnings.some((w) => w.includes('serve.public.base_url')));
  });

  it('starts with code sign-in on, and warns when the code method itself is off', async () => {
    const on = await loadConfig({ files: [file('min.yml', MINIMAL), file('code.yml', 'selfservice: {methods: {code: {passwordless_enabled: true}}}\n')], env: {} });
    assert.equal(on.values.selfservice.methods.code.passwordless_enabled, true);
    assert.deepEqual(on.warnings, []);
    const off = await loadConfig({ files: [file('min.yml', MINIMAL)], env: { SELFSERVICE_METHODS_CODE_PASSWORDLESS_ENABLED: 'true', SELFSERVICE_METHODS_CODE_ENABLED: 'false' } });
    assert.ok(off.warnings.some((w) => /passwordless_enabled is true but selfservice.methods.code.enabled is false/.test(w)), off.warnings.join('\n'));
  });

  it('starts with codes as a second factor on (no longer refused), and warns when the code method itself is off', async () => {
    const on = await loadConfig({ files: [file('min.yml', MINIMAL), file('code.yml', 'selfservice: {methods: {code: {mfa_enabled: true}}}\n')], env: {} });
    assert.equal(on.values.selfservice.methods.code.mfa_enabled, true);
    assert.deepEqual(on.warnings, []);
    const off = await loadConfig({ files: [file('min.yml', MINIMAL)], env: { SELFSERVICE_METHODS_CODE_MFA_ENABLED: 'true', SELFSERVICE_METHODS_CODE_ENABLED: 'false' } });
    assert.equal(off.values.selfservice.methods.code.mfa_enabled, true);
    assert.ok(off.warnings.some((w) => /mfa_enabled is true but selfservice.methods.code.enabled is false/.test(w)), off.warnings.join('\n'));
  });
});

describe('loadConfig files', () => {
  it('merges files in order: objects deeply, arrays replace, later wins', async () => {
    const min = file('min.yml', MINIMAL);
    const a = file('a.yml', `
log: {level: debug, format: text}
serve:
  public:
    cors:
      allowed_origins: [https://one.example, https://two.example]
`);
    const b = file('b.json', JSON.stringify({
      log: { level: 'error' },
      serve: { public: { port: 8443, cors: { allowed_origins: ['https://three.example'] } } },
    }));
    const c = await loadConfig({ files: [min, a, b], env: {} });
    assert.equal(c.values.log.level, 'error');
    assert.equal(c.values.log.format, 'text', 'keys only the first file sets survive');
    assert.equal(c.values.serve.public.port, 8443);
    assert.equal(c.values.serve.public.base_url, 'https://auth.example.com/');
    assert.deepEqual(c.values.serve.public.cors.allowed_origins, ['https://three.example']);

    const reversed = await loadConfig({ files: [min, b, a], env: {} });
    assert.equal(reversed.values.log.level, 'debug');
    assert.deepEqual(reversed.values.serve.public.cors.allowed_origins, ['https://one.example', 'https://two.example']);
  });

  it('reads JSON files', async () => {
    const j = file('full.json', JSON.stringify({
      dsn: 'sqlite:///var/lib/tessera.sqlite?_fk=true',
      identity: { schemas: [{ id: 'default', url: 'base64://e30=' }] },
      selfservice: { default_browser_return_url: 'https://app.example.com/' },
      secrets: { default: ['0123456789abcdef'] },
    }));
    const c = await loadConfig({ files: [j], env: {} });
    assert.equal(c.values.dsn, 'sqlite:///var/lib/tessera.sqlite?_fk=true');
  });

  it('reports unreadable and malformed files with their path', async () => {
    const missingFile = join(root, 'nope.yml');
    let issues = await loadFails({ files: [missingFile], env: {} });
    assert.equal(issues[0]?.source, missingFile);
    assert.match(issues[0]?.message ?? '', /ENOENT/);

    const badYaml = file('bad.yml', 'serve:\n  public: [unclosed\n');
    issues = await loadFails({ files: [badYaml], env: {} });
    assert.equal(issues[0]?.source, badYaml);
    assert.match(issues[0]?.message ?? '', /invalid YAML/);

    const badJson = file('bad.json', '{"dsn": ');
    issues = await loadFails({ files: [badJson], env: {} });
    assert.equal(issues[0]?.source, badJson);
    assert.match(issues[0]?.message ?? '', /invalid JSON/);

    const list = file('list.yml', '- a\n- b\n');
    issues = await loadFails({ files: [list], env: {} });
    assert.match(issues[0]?.message ?? '', /must be an object/);
  });
});

describe('loadConfig environment', () => {
  it('overrides files with env vars, coercing by schema type', async () => {
    const c = await loadConfig({
      files: [file('min.yml', MINIMAL)],
      env: {
        SERVE_PUBLIC_PORT: '4455',
        LOG_LEVEL: 'debug',
        DSN: 'mysql://u:p@tcp(db:3306)/tessera',
        COURIER_SMTP_CONNECTION_URI: 'smtps://user:pass@mail.example.com:465/',
        SELFSERVICE_FLOWS_LOGIN_LIFESPAN: '15m',
        SELFSERVICE_FLOWS_RECOVERY_ENABLED: 'true',
        SESSION_COOKIE_PERSISTENT: 'false',
        SECRETS_COOKIE: 'first-cookie-secret-aa, second-cookie-secret-bb',
        SECRETS_DEFAULT: '["json-list-secret-0001"]',
        SERVE_PUBLIC_CORS_ALLOWED_ORIGINS: 'https://a.example,https://b.example',
        COURIER_SMTP_HEADERS: '{"X-Env": "yes"}',
        SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS: JSON.stringify([
          { id: 'gh', provider: 'github', client_id: 'cid', client_secret: 'cs', mapper_url: 'base64://e30=' },
        ]),
        PATH: '/usr/bin',
        HOME: '/root',
        LOG: 'not a config key on its own',
      },
    });
    const v = c.values;
    assert.equal(v.serve.public.port, 4455);
    assert.equal(v.log.level, 'debug');
    assert.equal(v.dsn, 'mysql://u:p@tcp(db:3306)/tessera');
    assert.equal(v.courier.smtp.connection_uri, 'smtps://user:pass@mail.example.com:465/');
    assert.equal(c.flowLifespanMs('login'), 900_000);
    assert.equal(v.selfservice.flows.recovery.enabled, true);
    assert.equal(v.session.cookie.persistent, false);
    assert.deepEqual(c.secretsCookie(), ['first-cookie-secret-aa', 'second-cookie-secret-bb']);
    assert.deepEqual(c.secretsDefault(), ['json-list-secret-0001']);
    assert.deepEqual(v.serve.public.cors.allowed_origins, ['https://a.example', 'https://b.example']);
    assert.deepEqual(v.courier.smtp.headers, { 'X-Env': 'yes' });
    assert.equal(v.selfservice.methods.oidc.config.providers[0]?.pkce, 'auto', 'defaults apply inside env-provided arrays');
  });

  it('sets array items field by field with indexed names', async () => {
    const c = await loadConfig({
      files: [file('min.yml', MINIMAL)],
      env: {
        IDENTITY_SCHEMAS_0_URL: 'https://schemas.example.com/person.json',
        IDENTITY_SCHEMAS_1_ID: 'admin',
        IDENTITY_SCHEMAS_1_URL: 'file:///etc/tessera/admin.json',
      },
    });
    assert.deepEqual(c.identitySchemas(), [
      { id: 'default', url: 'https://schemas.example.com/person.json' },
      { id: 'admin', url: 'file:///etc/tessera/admin.json' },
    ]);
  });

  it('reports a gap in indexed array variables', async () => {
    const issues = await loadFails({ files: [file('min.yml', MINIMAL)], env: { SECRETS_DEFAULT: 'x-long-enough-secret', IDENTITY_SCHEMAS_2_ID: 'late' } });
    assert.match(issueAt(issues, 'identity.schemas[1]').message, /is missing \(must be object\)/);
    assert.equal(issueAt(issues, 'identity.schemas[2].url').source, 'env:IDENTITY_SCHEMAS_2_ID');
  });

  it('applies overrides above files and below env', async () => {
    const c = await loadConfig({
      files: [file('min.yml', MINIMAL), file('more.yml', 'log: {level: warning}\nserve: {admin: {port: 1111}}\n')],
      overrides: { 'log.level': 'error', serve: { admin: { port: 2222 } }, 'ui.enabled': true, courier: { smtp: { headers: { 'X.Dotted': 'kept' } } } },
      env: { LOG_LEVEL: 'trace' },
    });
    assert.equal(c.values.log.level, 'trace');
    assert.equal(c.values.serve.admin.port, 2222);
    assert.equal(c.values.ui.enabled, true);
    assert.deepEqual(c.values.courier.smtp.headers, { 'X.Dotted': 'kept' });
  });

  it('names the env var that carried a bad value', async () => {
    const issues = await loadFails({
      files: [file('min.yml', MINIMAL)],
      env: { SERVE_ADMIN_PORT: 'eighty', SELFSERVICE_FLOWS_SETTINGS_LIFESPAN: 'forever', COURIER_SMTP_HEADERS: 'x=y' },
    });
    assert.equal(issueAt(issues, 'serve.admin.port').source, 'env:SERVE_ADMIN_PORT');
    assert.match(issueAt(issues, 'serve.admin.port').message, /must be integer/);
    assert.equal(issueAt(issues, 'courier.smtp.headers').source, 'env:COURIER_SMTP_HEADERS');
    assert.match(issueAt(issues, 'courier.smtp.headers').message, /JSON object/);
  });
});

describe('loadConfig validation', () => {
  it('fails on an unknown key, naming its path and file', async () => {
    const bad = file('unknown.yml', `serve:\n  public:\n    tls:\n      enabled: true\nsession:\n  lifespn: 1h\n`);
    const issues = await loadFails({ files: [file('min.yml', MINIMAL), bad], env: {} });
    const tls = issueAt(issues, 'serve.public.tls.enabled');
    assert.equal(tls.source, bad);
    assert.match(tls.message, /unknown key/);
    assert.equal(issueAt(issues, 'session.lifespn').source, bad);
    assert.match(issueAt(issues, 'session.lifespn').message, /did you mean "lifespan"\?/);
    try {
      await loadConfig({ files: [file('min.yml', MINIMAL), bad], env: {} });
      assert.fail('expected a ConfigError');
    } catch (e) {
      assert.match((e as Error).message, /serve\.public\.tls\.enabled: unknown key/);
      assert.ok((e as Error).message.includes(bad));
    }
  });

  it('fails on unknown keys deep in lists and hooks', async () => {
    const bad = file('hooks.yml', `selfservice:
  flows:
    registration:
      after:
        password:
          hooks:
            - hook: session
            - hook: web_hook
              config: {url: https://hooks.example.com/, method: POST, retries: 3}
    login:
      after:
        hooks: [{hook: session}]
`);
    const issues = await loadFails({ files: [file('min.yml', MINIMAL), bad], env: {} });
    assert.equal(issueAt(issues, 'selfservice.flows.registration.after.password.hooks[1].config.retries').source, bad);
    assert.match(issueAt(issues, 'selfservice.flows.login.after.hooks[0].hook').message, /must be one of/);
  });

  it('fails on a wrong type', async () => {
    const bad = file('type.yml', `serve: {public: {port: "http"}}\nselfservice: {flows: {registration: {enabled: "yes"}}}\n`);
    const issues = await loadFails({ files: [file('min.yml', MINIMAL), bad], env: {} });
    assert.match(issueAt(issues, 'serve.public.port').message, /must be integer, got string "http"/);
    assert.match(issueAt(issues, 'selfservice.flows.registration.enabled').message, /must be boolean/);
    assert.equal(issueAt(issues, 'serve.public.port').source, bad);
  });

  it('fails on a bad duration', async () => {
    const bad = file('dur.yml', `selfservice: {flows: {login: {lifespan: 1 hour}}}\nsession: {lifespan: 10}\n`);
    const issues = await loadFails({ files: [file('min.yml', MINIMAL), bad], env: {} });
    const i = issueAt(issues, 'selfservice.flows.login.lifespan');
    assert.equal(i.source, bad);
    assert.match(i.message, /invalid duration "1 hour"/);
    assert.match(issueAt(issues, 'session.lifespan').message, /must be string/);
  });

  it('fails on a bad URL', async () => {
    const bad = file('url.yml', `serve: {public: {base_url: "auth.example.com"}}
identity: {schemas: [{id: default, url: "not a url"}]}
selfservice:
  default_browser_return_url: "ftp//nope"
  flows: {error: {ui_url: "relative/path"}}
`);
    const issues = await loadFails({ files: [file('min.yml', MINIMAL), bad], env: {} });
    for (const p of ['serve.public.base_url', 'identity.schemas[0].url', 'selfservice.default_browser_return_url', 'selfservice.flows.error.ui_url']) {
      assert.match(issueAt(issues, p).message, /invalid URL/, p);
      assert.equal(issueAt(issues, p).source, bad, p);
    }
  });

  it('enforces Kratos limits on secrets, enums and byte sizes', async () => {
    const bad = file('limits.yml', `secrets: {default: [short], cipher: [not-32-characters]}
hashers: {algorithm: scrypt, argon2: {memory: lots}}
cookies: {same_site: lax}
`);
    const issues = await loadFails({ files: [file('min.yml', MINIMAL), bad], env: {} });
    assert.match(issueAt(issues, 'secrets.default[0]').message, /at least 16 characters/);
    assert.match(issueAt(issues, 'secrets.cipher[0]').message, /at least 32 characters/);
    assert.match(issueAt(issues, 'hashers.algorithm').message, /must be one of "argon2", "bcrypt"/);
    assert.match(issueAt(issues, 'hashers.argon2.memory').message, /invalid byte size/);
    assert.match(issueAt(issues, 'cookies.same_site').message, /must be one of/);
  });

  it('skips required keys on request but still validates the rest', async () => {
    const c = await loadConfig({ env: { DSN: 'postgres://u:p@db/x' }, skipRequired: true });
    assert.equal(c.values.dsn, 'postgres://u:p@db/x');
    const issues = await loadFails({ env: { DSN: 'postgres://u:p@db/x', LOG_LEVEL: 'chatty' }, skipRequired: true });
    assert.deepEqual(issues.map((i) => i.path), ['log.level']);
  });

  it('requires dsn, identity.schemas and selfservice.default_browser_return_url outside dev mode', async () => {
    const issues = await loadFails({ files: [file('empty.yml', 'log: {level: info}\n')], env: {} });
    for (const p of ['dsn', 'identity.schemas', 'selfservice.default_browser_return_url']) {
      const i = issueAt(issues, p);
      assert.equal(i.source, 'unset');
      assert.match(i.message, /is required/);
    }
    const noFiles = await loadFails({ env: {} });
    assert.equal(noFiles.length, 3);
  });

  it('checks cross-key rules', async () => {
    const bad = file('cross.yml', `identity: {default_schema_id: customer}
ciphers: {algorithm: aes}
selfservice: {methods: {code: {passwordless_enabled: true, mfa_enabled: true}}}
`);
    const issues = await loadFails({ files: [file('min.yml', MINIMAL), bad], env: {} });
    assert.match(issueAt(issues, 'identity.default_schema_id').message, /names no schema/);
    assert.match(issueAt(issues, 'secrets.cipher').message, /is required when ciphers.algorithm is "aes"/);
    assert.match(issueAt(issues, 'selfservice.methods.code.mfa_enabled').message, /cannot both be true/);
  });

  it('validates OIDC providers and web hooks as Kratos does', async () => {
    const bad = file('oidc.yml', `selfservice:
  methods:
    oidc:
      enabled: true
      config:
        providers:
          - {id: ms, provider: microsoft, client_id: a, client_secret: b, mapper_url: "base64://e30="}
          - {id: x, provider: myspace, client_id: a, client_secret: b, mapper_url: "base64://e30="}
  flows:
    settings:
      after:
        hooks: [{hook: web_hook, config: {url: https://h.example.com/}}]
`);
    const issues = await loadFails({ files: [file('min.yml', MINIMAL), bad], env: {} });
    assert.match(issueAt(issues, 'selfservice.methods.oidc.config.providers[0].microsoft_tenant').message, /is required/);
    assert.match(issueAt(issues, 'selfservice.methods.oidc.config.providers[1].provider').message, /must be one of/);
    assert.match(issueAt(issues, 'selfservice.flows.settings.after.hooks[0].config.method').message, /is required/);
  });

  it('takes the OpenID Connect and OAuth2 providers Tessera has and refuses the provider keys it does not have yet', async () => {
    const ok = file('oidc-ok.yml', `selfservice:
  methods:
    oidc:
      enabled: true
      config:
        providers:
          - {id: corp, provider: generic, client_id: a, client_secret: b, issuer_url: "https://id.example.com", mapper_url: "base64://e30=", pkce: force}
          - {id: manual, provider: generic, client_id: a, client_secret: b, issuer_url: "https://id.example.com", auth_url: "https://id.example.com/a", token_url: "https://id.example.com/t", mapper_url: "base64://e30="}
          - {id: gh, provider: github, client_id: a, client_secret: b, mapper_url: "base64://e30=", scope: ["user:email"]}
          - {id: g, provider: google, client_id: a, client_secret: b, mapper_url: "base64://e30=", additional_id_token_audiences: [ios-app]}
          - {id: ms, provider: microsoft, microsoft_tenant: common, subject_source: me, client_id: a, client_secret: b, mapper_url: "base64://e30="}
`);
    const c = await loadConfig({ files: [file('min.yml', MINIMAL), ok], env: {} });
    assert.equal(c.values.selfservice.methods.oidc.config.providers[0]?.pkce, 'force');
    assert.deepEqual(c.values.selfservice.methods.oidc.config.providers.map((p) => p.provider), ['generic', 'generic', 'github', 'google', 'microsoft']);

    const bad = file('oidc-later.yml', `selfservice:
  methods:
    oidc:
      enabled: true
      config:
        providers:
          - {id: x, provider: x, client_id: a, client_secret: b, mapper_url: "base64://e30=", additional_id_token_audiences: [app]}
          - {id: noissuer, provider: generic, client_id: a, client_secret: b, mapper_url: "base64://e30="}
          - {id: native, provider: generic, client_id: a, client_secret: b, issuer_url: "https://id.example.com", mapper_url: "base64://e30=", additional_id_token_audiences: [app]}
          - {id: half, provider: generic, client_id: a, client_secret: b, issuer_url: "https://id.example.com", token_url: "https://id.example.com/t", mapper_url: "base64://e30="}
          - {id: a0, provider: auth0, client_id: a, client_secret: b, mapper_url: "base64://e30="}
          - {id: gh, provider: github, client_id: a, client_secret: b, mapper_url: "base64://e30=", claims_source: userinfo}
          - {id: org, provider: google, client_id: a, client_secret: b, mapper_url: "base64://e30=", organization_id: x}
          - {id: apple, provider: apple, client_id: a, apple_team_id: T, apple_private_key_id: K, apple_private_key: "-----BEGIN PRIVATE KEY-----", mapper_url: "base64://e30="}
tessera:
  oidc:
    providers:
      ghost: {admin_link: true}
`);
    const issues = await loadFails({ files: [file('min.yml', MINIMAL), bad], env: {} });
    assert.match(issueAt(issues, 'selfservice.methods.oidc.config.providers[0].additional_id_token_audiences').message, /provider type "x" \(Apple and Google have it\) is not supported by Tessera yet/);
    assert.match(issueAt(issues, 'selfservice.methods.oidc.config.providers[1].issuer_url').message, /without issuer_url/);
    assert.match(issueAt(issues, 'selfservice.methods.oidc.config.providers[2].additional_id_token_audiences').message, /ID token a native app submits for provider type "generic"/);
    assert.match(issueAt(issues, 'selfservice.methods.oidc.config.providers[3].token_url').message, /only one of auth_url and token_url/);
    assert.match(issueAt(issues, 'selfservice.methods.oidc.config.providers[4].issuer_url').message, /auth0 provider without issuer_url/);
    assert.match(issueAt(issues, 'selfservice.methods.oidc.config.providers[5].claims_source').message, /reads the user from its own API/);
    assert.match(issueAt(issues, 'selfservice.methods.oidc.config.providers[6].organization_id').message, /organizations/);
    assert.match(issueAt(issues, 'selfservice.methods.oidc.config.providers[7].apple_private_key').message, /not a P-256 \(ES256\) private key/);
    assert.match(issueAt(issues, 'tessera.oidc.providers.ghost').message, /names no provider/);
  });

  it('generates secrets.default with a warning when unset', async () => {
    const c = await loadConfig({ files: [file('nosecret.yml', MINIMAL.replace('secrets:\n  default: [a-very-long-secret-value]\n', ''))], env: {} });
    assert.equal(c.secretsDefault().length, 1);
    assert.ok((c.secretsDefault()[0] ?? '').length >= 16);
    assert.deepEqual(c.secretsCookie(), c.secretsDefault());
    assert.ok(c.warnings.some((w) => w.includes('secrets.default')));
  });
});

describe('loadConfig dev mode', () => {
  it('fills what a fresh clone lacks', async () => {
    const cwd = mkdtempSync(join(root, 'dev-'));
    const c = await loadConfig({ dev: true, env: {}, cwd });
    const v = c.values;
    assert.equal(c.dev, true);
    assert.equal(v.dev, true);
    assert.equal(v.dsn, `sqlite://${join(cwd, '.tessera', 'tessera.sqlite')}?_fk=true`);
    assert.equal(c.publicBaseUrl().href, 'http://127.0.0.1:4433/');
    assert.equal(c.adminBaseUrl().href, 'http://127.0.0.1:4434/');
    assert.equal(v.selfservice.default_browser_return_url, 'http://127.0.0.1:4433/ui/');
    for (const flow of ['login', 'registration', 'settings', 'recovery', 'verification', 'error'] as const) {
      assert.equal(c.flowUiUrl(flow).href, `http://127.0.0.1:4433/ui/${flow}`);
    }
    assert.equal(v.selfservice.flows.recovery.enabled, true);
    assert.equal(v.selfservice.flows.verification.enabled, true);
    assert.equal(v.ui.enabled, true);
    assert.equal(c.hashers().bcrypt.cost, 12, 'dev mode keeps real hasher defaults');
    assert.deepEqual(c.warnings, []);

    const [schema] = c.identitySchemas();
    assert.equal(schema?.id, 'default');
    assert.ok(schema?.url.startsWith('base64://'));
    const decoded = JSON.parse(Buffer.from((schema?.url ?? '').slice('base64://'.length), 'base64').toString('utf8'));
    const email = decoded.properties.traits.properties.email;
    assert.equal(email.format, 'email');
    assert.equal(email.title, 'E-Mail');
    assert.deepEqual(email['ory.sh/kratos'], {
      credentials: { password: { identifier: true }, code: { identifier: true, via: 'email' }, webauthn: { identifier: true }, passkey: { display_name: true } },
      verification: { via: 'email' },
      recovery: { via: 'email' },
    });
    assert.equal(decoded.properties.traits.properties.name.properties.first.title, 'First name');
    assert.equal(decoded.properties.traits.properties.name.properties.last.title, 'Last name');

    // Secrets are persisted so sessions survive restarts.
    const secretsFile = join(cwd, '.tessera', 'secrets.json');
    const stored = JSON.parse(readFileSync(secretsFile, 'utf8'));
    assert.deepEqual(stored.default, c.secretsDefault());
    assert.deepEqual(stored.cipher, c.secretsCipher());
    assert.equal(c.secretsCipher()[0]?.length, 32);
    assert.equal(statSync(secretsFile).mode & 0o077, 0, 'secrets file is private');
    const again = await loadConfig({ dev: true, env: {}, cwd });
    assert.deepEqual(again.secretsDefault(), c.secretsDefault());
    assert.deepEqual(again.secretsCipher(), c.secretsCipher());
  });

  it('leaves alone every key that is set', async () => {
    const cwd = mkdtempSync(join(root, 'dev-'));
    const c = await loadConfig({
      dev: true,
      cwd,
      files: [file('dev.yml', `
dsn: sqlite:///tmp/elsewhere.sqlite?_fk=true
serve: {public: {port: 5000}}
selfservice:
  flows:
    login: {ui_url: "http://localhost:3000/login"}
    recovery: {enabled: false}
secrets: {default: [my-own-dev-secret-123]}
`)],
      env: { UI_ENABLED: 'false' },
    });
    const v = c.values;
    assert.equal(v.dsn, 'sqlite:///tmp/elsewhere.sqlite?_fk=true');
    assert.equal(c.publicBaseUrl().href, 'http://127.0.0.1:5000/');
    assert.equal(c.flowUiUrl('login').href, 'http://localhost:3000/login');
    assert.equal(c.flowUiUrl('settings').href, 'http://127.0.0.1:5000/ui/settings');
    assert.equal(v.selfservice.flows.recovery.enabled, false);
    assert.equal(v.ui.enabled, false);
    assert.deepEqual(c.secretsDefault(), ['my-own-dev-secret-123']);
    assert.equal(c.secretsCipher()[0]?.length, 32, 'the missing cipher secret is still generated');
  });

  it('still reports wrongly typed sections it would otherwise fill', async () => {
    const issues = await loadFails({ dev: true, env: {}, cwd: mkdtempSync(join(root, 'dev-')), files: [file('badserve.yml', 'serve: 5\nselfservice: {flows: []}\n')] });
    assert.match(issueAt(issues, 'serve').message, /must be object/);
    assert.match(issueAt(issues, 'selfservice.flows').message, /must be object, got array/);
  });

  it('is switched on by dev: true in a file and writes a relative DSN for the working directory', async () => {
    const c = await loadConfig({ files: [file('devkey.yml', 'dev: true\n')], env: {}, cwd: mkdtempSync(join(root, 'dev-')) });
    assert.equal(c.dev, true);
    assert.ok(c.values.dsn.startsWith('sqlite://'));
  });
});

describe('docs/configuration.md', () => {
  it('has a production example that loads without problems or warnings', async () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const example = /## A minimal production configuration\s+```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(example, 'example block not found');
    const c = await loadConfig({ files: [file('example.yml', example)], env: {} });
    assert.deepEqual(c.warnings, []);
    assert.equal(c.publicBaseUrl().href, 'https://auth.example.com/');
    assert.deepEqual(c.hooks('registration', 'after', 'password'), [{ hook: 'session' }]);
  });
});

describe('Kratos compatibility', () => {
  it('loads a config written for Kratos v1.3 with many features', async () => {
    const kratos = file('kratos.yml', `
version: v1.3.1
dsn: memory
serve:
  public:
    base_url: http://localhost:4433/
    cors: {enabled: true}
  admin:
    base_url: http://kratos:4434/
session:
  whoami: {required_aal: aal1}
selfservice:
  default_browser_return_url: http://localhost:4455/
  allowed_return_urls:
    - http://localhost:4455
    - myapp://callback
    - exp://localhost:8081/--/Callback
  methods:
    password: {enabled: true}
    code: {passwordless_enabled: true, config: {lifespan: 15m}}
    totp: {enabled: true, config: {issuer: Example}}
    lookup_secret: {enabled: true}
    webauthn:
      enabled: true
      config:
        passwordless: true
        rp: {display_name: Example, id: localhost, origin: "http://localhost:4455"}
    passkey:
      enabled: true
      config:
        rp: {display_name: Example, id: localhost, origins: ["http://localhost:4455"]}
    oidc:
      enabled: true
      config:
        providers:
          - id: google
            provider: google
            client_id: id
            client_secret: secret
            mapper_url: file:///etc/kratos/oidc.google.jsonnet
            scope: [email, profile]
            requested_claims: {id_token: {email: {essential: true}}}
          - id: apple
            provider: apple
            client_id: id
            apple_team_id: T
            apple_private_key_id: K
            apple_private_key: ${JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }))}
            mapper_url: "base64://bG9jYWwgY2xhaW1zID0ge30gKyBzdGQuZXh0VmFyKCdjbGFpbXMnKTsge30="
  flows:
    error: {ui_url: http://localhost:4455/error}
    settings: {ui_url: http://localhost:4455/settings, privileged_session_max_age: 15m, required_aal: aal1}
    recovery: {enabled: true, ui_url: http://localhost:4455/recovery, use: code}
    verification:
      enabled: true
      ui_url: http://localhost:4455/verification
      use: link
      after: {default_browser_return_url: http://localhost:4455/}
    logout: {after: {default_browser_return_url: http://localhost:4455/login}}
    login:
      ui_url: http://localhost:4455/login
      lifespan: 10m
      before:
        hooks:
          - hook: web_hook
            config:
              url: https://hooks.example.com/before-login
              method: POST
              body: base64://ZnVuY3Rpb24oY3R4KSB7fQ==
              auth: {type: api_key, config: {name: X-Key, value: abc, in: header}}
              response: {ignore: true}
    registration:
      lifespan: 10m
      ui_url: http://localhost:4455/registration
      after:
        password:
          hooks:
            - hook: session
            - hook: show_verification_ui
        oidc:
          hooks: [{hook: session}]
log: {level: debug, format: text, leak_sensitive_values: true}
secrets:
  cookie: [PLEASE-CHANGE-ME-I-AM-VERY-INSECURE]
  cipher: [32-LONG-SECRET-NOT-SECURE-AT-ALL]
ciphers: {algorithm: xchacha20-poly1305}
hashers: {algorithm: bcrypt, bcrypt: {cost: 8}}
identity:
  default_schema_id: default
  schemas:
    - {id: default, url: "file://./identity.schema.json"}
courier:
  smtp:
    connection_uri: smtps://test:test@mailslurper:1025/?skip_ssl_verify=true
  channels:
    - id: sms
      type: http
      request_config:
        url: https://sms.example.com/send
        method: POST
        body: base64://ZnVuY3Rpb24oY3R4KSB7fQ==
        headers: {Content-Type: application/x-www-form-urlencoded}
        auth: {type: basic_auth, config: {user: u, password: p}}
`);
    // Every method this Kratos configuration turns on is one Tessera has: it loads as it is.
    const all = await loadConfig({ files: [kratos], env: {} });
    assert.equal(all.values.selfservice.methods.passkey.enabled, true);
    assert.equal(all.values.selfservice.methods.webauthn.config?.passwordless, true);
    assert.deepEqual(all.values.selfservice.methods.oidc.config.providers.map((p) => p.provider), ['google', 'apple']);
    const off = file('off.yml', `
selfservice:
  methods:
    code: {passwordless_enabled: false}
    totp: {enabled: false}
    lookup_secret: {enabled: false}
    webauthn: {enabled: false}
    passkey: {enabled: false}
    oidc: {enabled: false}
`);
    const c = await loadConfig({ files: [kratos, off], env: {} });
    // WebAuthn as a second factor loads too (passwordless off).
    const mfa = file('mfa.yml', `
selfservice:
  methods:
    code: {passwordless_enabled: false}
    passkey: {enabled: false}
    oidc: {enabled: false}
    webauthn: {config: {passwordless: false}}
`);
    assert.equal((await loadConfig({ files: [kratos, mfa], env: {} })).values.selfservice.methods.webauthn.enabled, true);
    assert.equal(c.flowLifespanMs('login'), 600_000);
    assert.equal(c.privilegedSessionMaxAgeMs(), 900_000);
    assert.equal(c.hashers().bcrypt.cost, 12, 'raised outside dev mode');
    assert.ok(c.warnings.some((w) => w.includes('hashers.bcrypt.cost')));
    assert.ok(c.warnings.some((w) => w.includes('secrets.default')));
    assert.deepEqual(c.secretsCookie(), ['PLEASE-CHANGE-ME-I-AM-VERY-INSECURE']);
    assert.equal(c.allowedReturnUrls()[1]?.href, 'myapp://callback');
    assert.equal(c.values.selfservice.methods.oidc.config.providers[0]?.pkce, 'auto');
    assert.equal(c.hooks('login', 'before')[0]?.hook, 'web_hook');
    assert.equal(c.values.courier.channels[0]?.request_config?.method, 'POST');
  });

  it('refuses hooks where Kratos does not allow them', async () => {
    const bad = file('hooks.yml', `
selfservice:
  flows:
    registration: {after: {hooks: [{hook: session}]}}
    recovery: {after: {hooks: [{hook: show_verification_ui}]}}
    login: {before: {hooks: [{hook: revoke_active_sessions}]}}
`);
    const issues = await loadFails({ files: [file('min.yml', MINIMAL), bad], env: {} });
    for (const p of ['selfservice.flows.registration.after.hooks[0].hook', 'selfservice.flows.recovery.after.hooks[0].hook', 'selfservice.flows.login.before.hooks[0].hook']) {
      assert.match(issueAt(issues, p).message, /must be one of/, p);
    }
  });

  it('requires config for enabled webauthn and passkey, and request_config for HTTP email', async () => {
    const bad = file('methods.yml', `
selfservice: {methods: {webauthn: {enabled: true}, passkey: {enabled: true, config: {rp: {id: localhost}}}}}
courier: {delivery_strategy: http}
`);
    const issues = await loadFails({ files: [file('min.yml', MINIMAL), bad], env: {} });
    assert.equal(issueAt(issues, 'selfservice.methods.webauthn.config').source, bad);
    assert.match(issueAt(issues, 'selfservice.methods.passkey.config.rp.display_name').message, /is required/);
    const more = await loadFails({ files: [file('min.yml', MINIMAL), file('http.yml', 'courier: {delivery_strategy: http}\n')], env: {} });
    assert.match(issueAt(more, 'courier.http.request_config').message, /delivery_strategy is "http"/);
  });
});

describe('Config.redactedValues', () => {
  it('hides secrets, passwords and private keys', async () => {
    const c = await loadConfig({
      files: [file('min.yml', MINIMAL)],
      env: {
        DSN: 'postgres://tessera:db-password@db:5432/tessera',
        COURIER_SMTP_CONNECTION_URI: 'smtps://mailer:smtp-password@mail.example.com:465/',
        COURIER_SMTP_HEADERS: JSON.stringify({ 'X-Api-Key': 'header-secret', 'X-Tag': 'visible' }),
        SECRETS_COOKIE: 'cookie-secret-0123456789',
        SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS: JSON.stringify([{ id: 'gh', provider: 'github', client_id: 'cid', client_secret: 'oidc-secret', mapper_url: 'base64://e30=' }]),
        SELFSERVICE_FLOWS_LOGIN_BEFORE_HOOKS: JSON.stringify([{ hook: 'web_hook', config: { url: 'https://h.example.com/', method: 'POST', auth: { type: 'basic_auth', config: { user: 'u', password: 'hook-password' } } } }]),
      },
    });
    const shown = JSON.stringify(c.redactedValues());
    for (const secret of ['db-password', 'smtp-password', 'cookie-secret-0123456789', 'a-very-long-secret-value', 'oidc-secret', 'hook-password', 'header-secret']) {
      assert.ok(!shown.includes(secret), `${secret} leaked`);
    }
    const r = c.redactedValues();
    assert.equal(r.dsn, 'postgres://tessera:[redacted]@db:5432/tessera');
    assert.equal(r.courier.smtp.connection_uri, 'smtps://mailer:[redacted]@mail.example.com:465/');
    assert.deepEqual(r.secrets.cookie, ['[redacted]']);
    assert.equal(r.courier.smtp.headers?.['X-Tag'], 'visible');
    assert.equal(r.selfservice.methods.oidc.config.providers[0]?.client_id, 'cid');
    assert.equal(c.values.dsn, 'postgres://tessera:db-password@db:5432/tessera', 'the original is untouched');
  });
});
