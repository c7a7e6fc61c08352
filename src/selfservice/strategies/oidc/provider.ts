import type * as client from 'openid-client';
import { loadedOpenidClient, openidClient } from './openid-client.js';
import type { OidcProviderConfig } from '../../../config/types.js';
import { AppleClientSecret } from './apple-secret.js';
import { toKratosClaims, type OidcClaims, type ProviderResult } from './claims.js';
import { IdTokenVerifier } from './id-token.js';
import { callbackError, upstreamError } from './provider-errors.js';
import { providerLabel, type AuthorizationChecks, type SocialProvider } from './social-provider.js';

export type { OidcClaims, ProviderResult } from './claims.js';
export { callbackError, upstreamError } from './provider-errors.js';
export type { AuthorizationChecks } from './social-provider.js';

/** The OpenID Connect provider types: `generic`, and the named ones that are OpenID Connect with a known issuer (LinkedIn's and netID's read the user info too, as Kratos does). */
export type OidcProviderType = 'generic' | 'google' | 'apple' | 'linkedin_v2' | 'netid';

/** Issuers of the named OpenID Connect providers (`issuer_url` replaces them). */
export const DEFAULT_ISSUERS: Record<Exclude<OidcProviderType, 'generic'>, string> = {
  google: 'https://accounts.google.com',
  apple: 'https://appleid.apple.com',
  linkedin_v2: 'https://www.linkedin.com/oauth',
  netid: 'https://broker.netid.de/',
};

/**
 * One OpenID Connect provider (`generic`, `google`, `apple`), through `openid-client`: discovery of
 * the issuer (once, retried after a failure) or, for a `generic` one with `auth_url` and
 * `token_url`, those endpoints without discovery; the authorization URL with state, nonce and PKCE;
 * the code exchange with the ID token's signature, issuer, audience, expiry and nonce checked; and,
 * for Google and Apple, the check of an ID token a native app submits.
 */
export class OidcProvider implements SocialProvider {
  private discovered: Promise<client.Configuration> | null = null;
  private readonly type: OidcProviderType;
  private readonly appleSecret: AppleClientSecret | null;
  private readonly idTokens = new IdTokenVerifier();

  constructor(
    readonly config: OidcProviderConfig,
    private readonly redirectUri: URL,
    upstream: Record<string, string> = {},
  ) {
    this.type = config.provider as OidcProviderType;
    this.issuer = config.issuer_url ?? upstream.issuer ?? (this.type === 'generic' ? '' : DEFAULT_ISSUERS[this.type]);
    this.appleSecret = this.type === 'apple'
      ? new AppleClientSecret(config.apple_team_id!, config.apple_private_key_id!, config.apple_private_key!, config.client_id, upstream.client_secret_audience)
      : null;
  }

  private readonly issuer: string;

  get id(): string {
    return this.config.id;
  }

  get label(): string {
    return providerLabel(this.config);
  }

  private configuration(): Promise<client.Configuration> {
    this.discovered ??= this.discover().catch((err: unknown) => {
      this.discovered = null;
      throw err;
    });
    return this.discovered;
  }

  private clientAuth(oc: typeof client): client.ClientAuth {
    const apple = this.appleSecret;
    if (apple) {
      // A new secret for each token request: Apple's secrets expire, and this one lives five minutes.
      const post = async (as: client.ServerMetadata, c: client.ClientMetadata, body: URLSearchParams, headers: Headers) => oc.ClientSecretPost(await apple.next())(as, c, body, headers);
      return post as unknown as client.ClientAuth;
    }
    return oc.ClientSecretBasic(this.config.client_secret ?? '');
  }

  private async discover(): Promise<client.Configuration> {
    const oc = await openidClient();
    const issuer = new URL(this.issuer);
    // Kratos accepts an http issuer when the operator configures one (a provider on a private network, tests).
    const insecure = issuer.protocol === 'http:' || [this.config.auth_url, this.config.token_url].some((u) => u?.startsWith('http:'));
    const execute = insecure ? [oc.allowInsecureRequests] : [];
    let config: client.Configuration;
    if (this.type === 'generic' && this.config.auth_url !== undefined && this.config.token_url !== undefined) {
      // No discovery: the endpoints are configured. The ID token comes straight from the token
      // endpoint, so it is trusted for that channel (OpenID Connect Core 3.1.3.7) and its issuer, audience, expiry and nonce are checked.
      config = new oc.Configuration(
        { issuer: this.issuer, authorization_endpoint: this.config.auth_url, token_endpoint: this.config.token_url },
        this.config.client_id,
        undefined,
        this.clientAuth(oc),
      );
      for (const e of execute) e(config);
      return config;
    }
    try {
      config = await oc.discovery(issuer, this.config.client_id, undefined, this.clientAuth(oc), { execute });
    } catch (err) {
      throw upstreamError(`Unable to discover the OpenID Connect provider ${JSON.stringify(this.config.id)} at ${issuer.origin}: ${(err as Error).message}`, err);
    }
    const m = config.serverMetadata();
    // `auth_url` / `token_url` replace what discovery found.
    if (this.config.auth_url !== undefined || this.config.token_url !== undefined) {
      config = new oc.Configuration(
        { ...(JSON.parse(JSON.stringify(m)) as client.ServerMetadata), ...(this.config.auth_url ? { authorization_endpoint: this.config.auth_url } : {}), ...(this.config.token_url ? { token_endpoint: this.config.token_url } : {}) },
        this.config.client_id,
        undefined,
        this.clientAuth(oc),
      );
      for (const e of execute) e(config);
    }
    // ID tokens from the token endpoint are checked against the provider's keys too, not only trusted for arriving over TLS.
    oc.enableNonRepudiationChecks(config);
    return config;
  }

  /** Whether this authorization uses PKCE (`pkce`: force, never, or auto = when the provider announces S256). */
  async usesPkce(): Promise<boolean> {
    if (this.config.pkce === 'force') return true;
    if (this.config.pkce === 'never') return false;
    const methods = (await this.configuration()).serverMetadata().code_challenge_methods_supported;
    return Array.isArray(methods) && methods.includes('S256');
  }

  async authorizationUrl(checks: AuthorizationChecks): Promise<URL> {
    const config = await this.configuration();
    const oc = await openidClient();
    const requested = this.config.scope ?? [];
    let scope = ['openid', ...requested];
    const params: Record<string, string> = {};
    if (this.type === 'google' && scope.includes('offline_access')) {
      // Google does not know the offline_access scope: a refresh token is asked for with access_type=offline.
      scope = scope.filter((s) => s !== 'offline_access');
      params.access_type = 'offline';
    }
    // Apple sends the user's name and email only with a form post to the callback.
    if (this.type === 'apple' && requested.some((s) => s === 'email' || s === 'name')) params.response_mode = 'form_post';
    Object.assign(params, {
      redirect_uri: this.redirectUri.toString(),
      response_type: 'code',
      scope: [...new Set(scope)].join(' '),
      state: checks.state,
      nonce: checks.nonce,
    });
    if (checks.codeVerifier !== undefined) {
      params.code_challenge = await oc.calculatePKCECodeChallenge(checks.codeVerifier);
      params.code_challenge_method = 'S256';
    }
    if (this.config.requested_claims && Object.keys(this.config.requested_claims).length > 0) params.claims = JSON.stringify(this.config.requested_claims);
    return oc.buildAuthorizationUrl(config, params);
  }

  async exchange(callbackQuery: string, checks: AuthorizationChecks): Promise<ProviderResult> {
    const config = await this.configuration();
    const oc = await openidClient();
    const current = new URL(this.redirectUri);
    current.search = callbackQuery;
    // Apple's form post carries the user's name (first sign-in only) next to the code.
    const appleUser = this.type === 'apple' ? current.searchParams.get('user') : null;
    current.searchParams.delete('user');
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await oc.authorizationCodeGrant(config, current, {
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
        ...(checks.codeVerifier !== undefined ? { pkceCodeVerifier: checks.codeVerifier } : {}),
      });
    } catch (err) {
      throw callbackError(`Unable to complete the OpenID Connect flow with ${JSON.stringify(this.config.id)}: ${describe(err)}`, err);
    }
    const idClaims = tokens.claims();
    if (!idClaims) throw callbackError('The OpenID Connect provider did not return an ID token.');
    let raw: Record<string, unknown> = { ...idClaims };
    if (this.config.claims_source === 'userinfo' || this.type === 'linkedin_v2' || this.type === 'netid') {
      try {
        // openid-client checks that the user info is about the ID token's subject.
        raw = { ...raw, ...(await oc.fetchUserInfo(config, tokens.access_token, idClaims.sub)) };
      } catch (err) {
        // User info about another subject than the ID token's must not be used (OpenID Connect Core 5.3.2): refused as Kratos refuses it, a 400.
        if (isSubjectMismatch(err)) {
          throw callbackError('sub (Subject) claim mismatch between ID token and UserInfo endpoint', err);
        }
        throw upstreamError(`Unable to read the user info of ${JSON.stringify(this.config.id)}: ${describe(err)}`, err);
      }
    }
    if (typeof raw.sub !== 'string' || raw.sub === '') throw callbackError('The OpenID Connect provider returned no subject.');
    const claims = toKratosClaims(raw);
    if (appleUser) addAppleName(claims, appleUser);
    return {
      claims,
      tokens: { id_token: tokens.id_token ?? '', access_token: tokens.access_token, refresh_token: tokens.refresh_token ?? '' },
    };
  }

  get verifyIdToken(): SocialProvider['verifyIdToken'] {
    if (this.type !== 'google' && this.type !== 'apple') return undefined;
    return async (idToken: string) => {
      const m = (await this.configuration()).serverMetadata();
      if (typeof m.jwks_uri !== 'string') throw upstreamError(`The OpenID Connect provider ${JSON.stringify(this.config.id)} announces no jwks_uri.`);
      const payload = await this.idTokens.verify(idToken, {
        issuer: m.issuer,
        jwksUri: m.jwks_uri,
        audiences: [this.config.client_id, ...(this.config.additional_id_token_audiences ?? [])],
      });
      // Google may leave the nonce out; Apple does on devices that say so (`nonce_supported: false`).
      const nonceOptional = this.type === 'google' || (this.type === 'apple' && payload.nonce_supported === false);
      return { claims: toKratosClaims(payload), nonceOptional };
    };
  }
}

/** Apple's `user` form field (`{"name":{"firstName","lastName"}}`) fills the names the ID token lacks, as Kratos reads it. */
function addAppleName(claims: OidcClaims, user: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(user);
  } catch {
    return;
  }
  const name = (parsed as { name?: { firstName?: unknown; lastName?: unknown } } | null)?.name;
  if (!name) return;
  if (typeof name.firstName === 'string' && name.firstName !== '' && claims.given_name === undefined) claims.given_name = name.firstName;
  if (typeof name.lastName === 'string' && name.lastName !== '') {
    if (claims.last_name === undefined) claims.last_name = name.lastName;
    if (claims.family_name === undefined) claims.family_name = name.lastName;
  }
}

/** openid-client's "unexpected JSON attribute value" about `sub` (the processing error it wraps names the attribute). */
function isSubjectMismatch(err: unknown): boolean {
  type Coded = { code?: unknown; cause?: unknown; attribute?: unknown };
  const outer = err as Coded | null;
  if (outer?.code !== 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') return false;
  const inner = outer.cause as Coded | undefined;
  return inner?.attribute === 'sub' || (inner?.cause as Coded | undefined)?.attribute === 'sub';
}

/**
 * openid-client's error and the check that failed under it ("unexpected JWT claim value" → which
 * claim); a provider's OAuth error code is named, its response body is not echoed.
 */
function describe(err: unknown): string {
  const loaded = loadedOpenidClient();
  if (loaded && err instanceof loaded.ResponseBodyError) return `${err.message} (${err.error}${err.error_description ? `: ${err.error_description}` : ''})`;
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error && err.cause.message !== err.message ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}
