import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { SelfServiceFlowName } from '../config/types.js';
import type { Csrf } from '../http/kit/csrf.js';
import type { Identity } from '../identity/identity.js';
import type { IdentityManager } from '../identity/manager.js';
import type { Hasher } from '../hash/hasher.js';
import type { Persister } from '../persistence/persister.js';
import type { Database } from '../persistence/database.js';
import { recoveryAddressFinder } from '../persistence/recovery-address-finder.js';
import { SqlVerifiableAddressFinder } from '../persistence/verifiable-address-finder.js';
import type { SchemaRegistry } from '../schema/registry.js';
import type { SessionManager } from '../session/manager.js';
import type { Courier } from '../courier/courier.js';
import type { SecurityEvents } from '../telemetry/events.js';
import type { BruteForceLimiter } from '../security/brute-force-limiter.js';
import type { SelfServiceMethod } from '../selfservice/flow/method.js';
import type { FlowService } from '../selfservice/flow/service.js';
import { newCode, newLinkToken, secretDigest } from '../selfservice/flow/one-time-secret.js';
import type { AdminRecoveryMethods } from '../selfservice/flows/recovery/admin-handler.js';
import type { RecoveryStrategy } from '../selfservice/flows/recovery/strategy.js';
import type { RecoverySenderDeps } from '../selfservice/flows/recovery/sender.js';
import type { VerificationStrategy } from '../selfservice/flows/verification/strategy.js';
import { HookExecutor } from '../selfservice/hooks/executor.js';
import { withFirstSocialSignInLoginHooks } from '../selfservice/hooks/first-social-sign-in.js';
import { flowHooksFromConfig, hookExecutor, type HookDeps } from '../selfservice/hooks/factory.js';
import type { VerificationServices } from '../selfservice/hooks/verification.js';
import { CodeRecoveryStrategy, recoveryCodeNodes } from '../selfservice/strategies/code/recovery.js';
import { CodeVerificationStrategy } from '../selfservice/strategies/code/verification.js';
import { CodeLoginStrategy } from '../selfservice/strategies/code/login.js';
import { hasCodeAddressIn } from '../selfservice/strategies/code/code-addresses.js';
import { CodeMfaLoginStrategy } from '../selfservice/strategies/code/mfa-login.js';
import type { PasswordlessCodeDeps } from '../selfservice/strategies/code/passwordless-codes.js';
import { CodeRegistrationStrategy } from '../selfservice/strategies/code/registration.js';
import { LinkRecoveryStrategy, recoveryLinkUrl } from '../selfservice/strategies/link/recovery.js';
import { LinkVerificationStrategy } from '../selfservice/strategies/link/verification.js';
import { PasswordLoginStrategy } from '../selfservice/strategies/password/login.js';
import type { PasswordPolicy } from '../selfservice/strategies/password/policy.js';
import { PasswordRegistrationStrategy } from '../selfservice/strategies/password/registration.js';
import { PasswordSettingsStrategy } from '../selfservice/strategies/password/settings.js';
import { ProfileSettingsStrategy } from '../selfservice/strategies/profile/settings.js';
import { ProfileRegistrationStrategy } from '../selfservice/strategies/profile/registration.js';
import { IdentifierFirstLoginStrategy } from '../selfservice/strategies/identifier-first/login.js';
import { TotpLoginStrategy } from '../selfservice/strategies/totp/login.js';
import { TotpSettingsStrategy, totpUrlIn } from '../selfservice/strategies/totp/settings.js';
import { LookupSecretLoginStrategy } from '../selfservice/strategies/lookup-secret/login.js';
import { LookupSecretSettingsStrategy } from '../selfservice/strategies/lookup-secret/settings.js';
import { hasUnusedCodeIn } from '../selfservice/strategies/lookup-secret/codes.js';
import { relyingParty } from '../selfservice/flow/webauthn/ceremony.js';
import { keysIn } from '../selfservice/flow/webauthn/credentials.js';
import { WebAuthnLoginStrategy } from '../selfservice/strategies/webauthn/login.js';
import { WebAuthnSettingsStrategy } from '../selfservice/strategies/webauthn/settings.js';
import { WebAuthnPasswordlessLoginStrategy } from '../selfservice/strategies/webauthn/passwordless-login.js';
import { WebAuthnRegistrationStrategy } from '../selfservice/strategies/webauthn/registration.js';
import { PasskeyLoginStrategy } from '../selfservice/strategies/passkey/login.js';
import { PasskeyRegistrationStrategy } from '../selfservice/strategies/passkey/registration.js';
import { PasskeySettingsStrategy } from '../selfservice/strategies/passkey/settings.js';
import { AssuranceCheck } from '../session/aal.js';
import { OidcAuthorization } from '../selfservice/strategies/oidc/authorization.js';
import type { OidcAdminLinkDeps } from '../selfservice/strategies/oidc/admin-link.js';
import { OidcCallback } from '../selfservice/strategies/oidc/callback.js';
import { addProviderEntry, type OidcProviderEntry } from '../selfservice/strategies/oidc/credentials.js';
import { OidcLoginStrategy } from '../selfservice/strategies/oidc/login.js';
import { OidcProviders } from '../selfservice/strategies/oidc/providers.js';
import type { SessionTokenExchanger } from '../session/token-exchange.js';
import type { OidcUpstreams } from '../selfservice/strategies/oidc/social-provider.js';
import { OidcRegistrationStrategy } from '../selfservice/strategies/oidc/registration.js';
import { OidcSettingsStrategy } from '../selfservice/strategies/oidc/settings.js';
import { createNodeRequester, exceptionSet } from '../courier/channels/outbound-request.js';
import type { Cipher } from '../lib/cipher.js';

/** What the self-service objects are built from (the registry fits by shape). */
export interface SelfServiceDeps {
  config: Config;
  logger: Logger;
  database: Database;
  persister: Persister;
  schemas: SchemaRegistry;
  hasher: Hasher;
  identityManager: IdentityManager;
  sessions: SessionManager;
  csrf: Csrf;
  flows: FlowService;
  passwordPolicy: PasswordPolicy;
  courier: Courier;
  renderIdentity(identity: Identity, admin: boolean): Record<string, unknown>;
  events: SecurityEvents;
  bruteForce: BruteForceLimiter;
  cipher: Cipher;
  /** Session token exchange of native flows (social sign-in finishing in a browser). */
  tokenExchange: SessionTokenExchanger;
  /** Base URLs of named social sign-in providers' services (RegistryOptions; tests only). */
  oidcUpstreams?: OidcUpstreams;
}

/** Everything the self-service routes use, built once from the configuration. */
export interface SelfService {
  /** The enabled methods, in the order they are offered a submission. */
  methods: readonly SelfServiceMethod[];
  hooks: Record<SelfServiceFlowName, HookExecutor>;
  recovery: RecoveryStrategy;
  recoveryAdmin: AdminRecoveryMethods;
  /** Whether sessions meet `required_aal` (whoami, settings, the end of a login). */
  assurance: AssuranceCheck;
  verification: { strategy(): VerificationStrategy; services: VerificationServices; identityIdForAddress(via: 'email' | 'sms', value: string): Promise<string | null> };
  /** The provider callback of social sign-in, when the `oidc` method is on. */
  oidcCallback: OidcCallback | null;
  /** Registration in two steps (profile first), Kratos v1.3's default. */
  twoStepRegistration: boolean;
  /** What the admin API's provider linking needs, when the `oidc` method is on. */
  oidcAdmin: OidcAdminLinkDeps | null;
}

/**
 * The composition root of self-service: which methods are on, which hooks run where. Adding a
 * method is one folder under `selfservice/strategies/` and one entry in `methods` below.
 */
export function createSelfService(d: SelfServiceDeps, webHook: HookDeps['webHook']): SelfService {
  const c = d.config;
  const defaultSchema = lazyDefaultSchema(d.schemas);

  const methods: SelfServiceMethod[] = [];
  if (c.methodEnabled('password')) {
    methods.push({
      id: 'password',
      login: new PasswordLoginStrategy({ identities: d.persister.identities, hasher: d.hasher, schemas: d.schemas, logger: d.logger, defaultSchema, limiter: d.bruteForce }),
      registration: new PasswordRegistrationStrategy({ schemas: d.schemas, identities: d.identityManager, policy: d.passwordPolicy }),
      settings: new PasswordSettingsStrategy({ schemas: d.schemas, hasher: d.hasher, policy: d.passwordPolicy }),
    });
  }
  const codeMethod = c.values.selfservice.methods.code;
  if (c.methodEnabled('code') && (codeMethod.passwordless_enabled || codeMethod.mfa_enabled)) {
    const codes: PasswordlessCodeDeps = {
      transaction: (fn) => d.persister.transaction(fn),
      secrets: d.persister.secrets,
      courier: d.courier,
      secretKeys: () => c.secretsDefault(),
      lifespanMs: () => c.codeLifespanMs(),
      maxSubmissions: () => codeMethod.config.max_submissions,
      limiter: d.bruteForce,
    };
    const missingCredentialFallback = () => c.values.selfservice.methods.code.config.missing_credential_fallback_enabled;
    if (codeMethod.passwordless_enabled) {
      // A first factor (aal1): sign-up and sign-in by code.
      methods.push({
        id: 'code',
        login: new CodeLoginStrategy({ ...codes, identities: d.persister.identities, defaultSchema, renderIdentity: d.renderIdentity, missingCredentialFallback }),
        registration: new CodeRegistrationStrategy({ ...codes, schemas: d.schemas, identities: d.identityManager }),
      });
    } else {
      // A second factor (aal2) only; the configuration refuses both switches on at once.
      methods.push({
        id: 'code',
        login: new CodeMfaLoginStrategy({ ...codes, identities: d.persister.identities, limiter: d.bruteForce, renderIdentity: d.renderIdentity, missingCredentialFallback }),
        secondFactor: {
          type: 'code',
          configured: hasCodeAddressIn,
          configuredWithout: (identityId) => (missingCredentialFallback() ? d.persister.identities.hasVerifiedAddress(identityId) : Promise.resolve(false)),
        },
      });
    }
  }
  const secondFactorDeps = { identities: d.persister.identities, limiter: d.bruteForce, uses: d.persister.secondFactorUses };
  if (c.methodEnabled('totp')) {
    methods.push({
      id: 'totp',
      login: new TotpLoginStrategy(secondFactorDeps),
      settings: new TotpSettingsStrategy({ schemas: d.schemas, uses: d.persister.secondFactorUses, issuer: () => c.totpIssuer() }),
      secondFactor: { type: 'totp', configured: (config) => totpUrlIn(config) !== null },
    });
  }
  if (c.methodEnabled('lookup_secret')) {
    methods.push({
      id: 'lookup_secret',
      login: new LookupSecretLoginStrategy({ ...secondFactorDeps, secretKeys: () => c.secretsDefault() }),
      settings: new LookupSecretSettingsStrategy({ secretKeys: () => c.secretsDefault() }),
      secondFactor: { type: 'lookup_secret', configured: hasUnusedCodeIn },
    });
  }
  const webauthn = c.values.selfservice.methods.webauthn;
  if (c.methodEnabled('webauthn') && webauthn.config) {
    const rpConfig = webauthn.config.rp;
    const rp = () => relyingParty(rpConfig, c.publicBaseUrl());
    const publicBaseUrl = () => c.publicBaseUrl();
    const passwordless = webauthn.config.passwordless === true;
    const settings = new WebAuthnSettingsStrategy({ schemas: d.schemas, uses: d.persister.secondFactorUses, relyingParty: rp, publicBaseUrl, passwordless });
    if (passwordless) {
      // As Kratos: with passwordless on, security keys are a first factor (aal1) and no second factor.
      methods.push({
        id: 'webauthn',
        login: new WebAuthnPasswordlessLoginStrategy({
          identities: d.persister.identities,
          uses: d.persister.secondFactorUses,
          limiter: d.bruteForce,
          relyingParty: rp,
          publicBaseUrl,
          defaultSchema,
          loginUiUrl: (flowId) => loginUiUrl(c, flowId),
          saveFlow: (flow) => d.flows.save(flow),
        }),
        registration: new WebAuthnRegistrationStrategy({ schemas: d.schemas, identities: d.identityManager, relyingParty: rp, publicBaseUrl }),
        settings,
      });
    } else {
      methods.push({
        id: 'webauthn',
        login: new WebAuthnLoginStrategy({ ...secondFactorDeps, identityWriter: d.persister.identities, relyingParty: rp, publicBaseUrl }),
        settings,
        secondFactor: { type: 'webauthn', configured: (config) => keysIn(config, false).length > 0 },
      });
    }
  }
  const passkey = c.values.selfservice.methods.passkey;
  let passkeyLogin: PasskeyLoginStrategy | null = null;
  if (c.methodEnabled('passkey') && passkey.config) {
    const rpConfig = passkey.config.rp;
    // Kratos's default origin for passkeys: the public URL's scheme with the RP id as host.
    const rp = () => relyingParty({ ...rpConfig, origins: rpConfig.origins?.length ? rpConfig.origins : [`${c.publicBaseUrl().protocol}//${rpConfig.id}`] }, c.publicBaseUrl());
    const publicBaseUrl = () => c.publicBaseUrl();
    const common = { relyingParty: rp, publicBaseUrl };
    methods.push({
      id: 'passkey',
      login: (passkeyLogin = new PasskeyLoginStrategy({
        ...common,
        identities: d.persister.identities,
        uses: d.persister.secondFactorUses,
        defaultSchema,
        loginUiUrl: (flowId) => loginUiUrl(c, flowId),
      })),
      registration: new PasskeyRegistrationStrategy({ ...common, schemas: d.schemas, identities: d.identityManager }),
      settings: new PasskeySettingsStrategy({ ...common, schemas: d.schemas, uses: d.persister.secondFactorUses }),
    });
  }
  let oidcCallback: OidcCallback | null = null;
  let oidcAdmin: OidcAdminLinkDeps | null = null;
  if (c.methodEnabled('oidc')) {
    const oidc = createOidc(d);
    oidcCallback = oidc.callback;
    oidcAdmin = oidc.admin;
    methods.push({ id: 'oidc', login: oidc.login, registration: oidc.registration, settings: oidc.settings, linkCredential: oidc.linkCredential });
  }
  // Two-step registration is the profile method's first step: without that method, one step.
  // As Kratos: the deprecated enable_legacy_one_step, when true, wins over style.
  const registrationFlow = c.values.selfservice.flows.registration;
  const twoStepRegistration = c.methodEnabled('profile') && !registrationFlow.enable_legacy_one_step && registrationFlow.style === 'profile_first';
  if (c.methodEnabled('profile')) {
    methods.unshift({
      id: 'profile',
      settings: new ProfileSettingsStrategy({ schemas: d.schemas }),
      ...(twoStepRegistration ? { registration: new ProfileRegistrationStrategy({ schemas: d.schemas }) } : {}),
    });
  }
  if (c.values.selfservice.flows.login.style === 'identifier_first') {
    // The identifier field is identifier-first's; passkey autofill on it is the passkey method's to say.
    const autofill = passkeyLogin;
    methods.push({ id: 'identifier_first', login: new IdentifierFirstLoginStrategy({ defaultSchema, webAuthnAutofill: (ctx) => autofill?.offersAutofill(ctx) ?? false }) });
  }

  const secretKey = () => c.secretsDefault()[0]!;
  const verificationStrategies = createVerificationStrategies(d);
  const verification: VerificationServices = {
    flows: d.flows,
    csrf: d.csrf,
    strategy: verificationStrategies,
    enabled: () => c.flowEnabled('verification'),
    lifespanMs: () => c.flowLifespanMs('verification'),
    transaction: (fn) => d.persister.transaction(fn),
  };

  const hookDeps: HookDeps = {
    sessions: d.sessions,
    rotateCsrf: (reply) => d.csrf.rotate(reply),
    verification,
    events: d.events,
    webHook,
    notices: { courier: d.courier, renderIdentity: d.renderIdentity, logger: d.logger.child({ component: 'notices' }) },
  };
  const executor = (kind: SelfServiceFlowName) => hookExecutor(kind, c, hookDeps, d.logger);
  const loginHooks = executor('login');
  const hooks = {
    login: loginHooks,
    // A first social sign-in is a registration; providers that opt in run the login hooks there too.
    registration: new HookExecutor('registration', withFirstSocialSignInLoginHooks(
      flowHooksFromConfig('registration', c, hookDeps, d.logger),
      loginHooks,
      (id) => c.values.tessera.oidc.providers[id]?.login_hooks_on_sign_up === true,
    )),
    settings: executor('settings'),
    recovery: executor('recovery'),
    verification: executor('verification'),
  };

  const addressFinder = new SqlVerifiableAddressFinder(d.database.db);
  const assurance = new AssuranceCheck({
    identities: d.persister.identities,
    secondFactors: methods.flatMap((m) => (m.secondFactor ? [m.secondFactor] : [])),
    publicBaseUrl: () => c.publicBaseUrl(),
  });
  return {
    methods,
    twoStepRegistration,
    oidcCallback,
    oidcAdmin,
    hooks,
    assurance,
    recovery: createRecoveryStrategy(d),
    recoveryAdmin: {
      code: { lifespanMs: () => c.codeLifespanMs(), newSecret: newCode, digest: (s) => secretDigest(s, secretKey()), nodes: recoveryCodeNodes },
      link: {
        lifespanMs: () => c.linkLifespanMs(),
        newSecret: newLinkToken,
        digest: (s) => secretDigest(s, secretKey()),
        url: (flowId, token) => recoveryLinkUrl(c.publicBaseUrl(), flowId, token),
      },
    },
    verification: { strategy: verificationStrategies, services: verification, identityIdForAddress: (via, value) => addressFinder.identityIdForAddress(via, value) },
  };
}

/** Social sign-in: the configured providers, their claims mappers, the redirect and the callback. */
function createOidc(d: SelfServiceDeps) {
  const c = d.config;
  const http = c.values.clients.http;
  const providers = new OidcProviders(c.values.selfservice.methods.oidc.config.providers, c.oidcBaseRedirectUri(), {
    requester: createNodeRequester().request,
    allowPrivateNetworks: !http.disallow_private_ip_ranges,
    privateIpExceptions: exceptionSet(http.private_ip_exception_urls),
    fetchTimeoutMs: 10_000,
  }, d.oidcUpstreams ?? {});
  const authorization = new OidcAuthorization({
    providers,
    awaitsTokenExchange: (flowId) => d.tokenExchange.awaits(flowId),
    flows: d.persister.flows,
    saveFlow: (flow) => d.flows.save(flow),
    cookieAttributes: () => d.csrf.cookieAttributes(),
  });
  const options = (id: string) => c.values.tessera.oidc.providers[id] ?? { link_verified_addresses: false, admin_link: false, login_hooks_on_sign_up: false };
  const callback = new OidcCallback({
    loginUiUrl: () => c.flowUiUrl('login').toString(),
    providers,
    authorization,
    identities: d.persister.identities,
    identityManager: d.identityManager,
    schemas: d.schemas,
    cipher: d.cipher,
    logger: d.logger.child({ component: 'oidc' }),
    options: (id) => options(id),
    defaultReturnTo: () => c.defaultBrowserReturnUrl().toString(),
    tokenExchange: d.tokenExchange,
    showOnErrorPage: (reply, err) => d.flows.showOnErrorPage(reply, err),
  });
  return {
    login: new OidcLoginStrategy({ providers, authorization, callback }),
    registration: new OidcRegistrationStrategy({ providers, authorization, schemas: d.schemas, callback }),
    settings: new OidcSettingsStrategy({ providers, authorization }),
    linkCredential: async (identity: Identity, credential: Record<string, unknown>) => {
      addProviderEntry(identity, credential as OidcProviderEntry);
      await d.identityManager.update(identity);
    },
    callback,
    admin: { providers, options, identities: d.persister.identities, identityManager: d.identityManager, cipher: d.cipher, renderIdentity: (i: Identity) => d.renderIdentity(i, true) } satisfies OidcAdminLinkDeps,
  };
}

/** The login UI's URL for one flow. */
function loginUiUrl(c: Config, flowId: string): string {
  const u = c.flowUiUrl('login');
  u.searchParams.set('flow', flowId);
  return u.toString();
}

/** The default identity schema's JSON (the password login form names its identifier). */
function lazyDefaultSchema(schemas: SchemaRegistry): () => Promise<unknown> {
  return async () => (await schemas.getDefault()).raw();
}

/** The verification method `selfservice.flows.verification.use` names. */
export function createVerificationStrategies(d: Pick<SelfServiceDeps, 'config' | 'persister' | 'courier' | 'renderIdentity' | 'bruteForce'>): () => VerificationStrategy {
  const common = { secrets: d.persister.secrets, courier: d.courier, renderIdentity: d.renderIdentity, config: d.config, limiter: d.bruteForce };
  const code = new CodeVerificationStrategy(common);
  const link = new LinkVerificationStrategy(common);
  return () => (d.config.values.selfservice.flows.verification.use === 'link' ? link : code);
}

/** The recovery method `selfservice.flows.recovery.use` names. */
function createRecoveryStrategy(d: SelfServiceDeps): RecoveryStrategy {
  const c = d.config;
  const sender: RecoverySenderDeps = {
    transaction: (fn) => d.persister.transaction(fn),
    identities: d.persister.identities,
    findRecoveryAddress: recoveryAddressFinder(d.database.db),
    courier: d.courier,
    renderIdentity: d.renderIdentity,
    secretKey: () => c.secretsDefault()[0]!,
    notifyUnknownRecipients: () => c.values.selfservice.flows.recovery.notify_unknown_recipients,
    limiter: d.bruteForce,
  };
  const base = { ...sender, limiter: d.bruteForce, secrets: d.persister.secrets, flowPool: d.persister.flows };
  if (c.values.selfservice.flows.recovery.use === 'link') {
    return new LinkRecoveryStrategy({ ...base, lifespanMs: () => c.linkLifespanMs(), linkBaseUrl: () => c.linkBaseUrl() });
  }
  return new CodeRecoveryStrategy({ ...base, lifespanMs: () => c.codeLifespanMs(), acceptsPhoneNumbers: () => c.smsChannelConfigured() });
}
