import type * as client from 'openid-client';
import type { OidcProviderConfig } from '../../../config/types.js';
import { KratosError } from '../../../errors/kratos-error.js';

// openid-client is loaded by the first social sign-in, not at start.
let loaded: typeof client | undefined;
let loading: Promise<typeof client> | undefined;
/** openid-client, imported on first use. */
export function openidClient(): Promise<typeof client> {
  loading ??= import('openid-client').then((m) => (loaded = m));
  return loading;
}

/** What a provider told Tessera about the user after a successful code exchange. */
export interface ProviderResult {
  /** Kratos's claims shape: the standard claims at the top, everything in `raw_claims`. */
  claims: OidcClaims;
  tokens: { id_token: string; access_token: string; refresh_token: string };
}

export interface OidcClaims extends Record<string, unknown> {
  iss: string;
  sub: string;
  raw_claims: Record<string, unknown>;
}

/** What the authorization request was made with; the callback needs the same values. */
export interface AuthorizationChecks {
  state: string;
  nonce: string;
  /** Absent when PKCE is not used with this provider. */
  codeVerifier?: string;
}

// The claims Kratos lifts to the top level of the mapper's `claims` (its Claims struct).
const STANDARD_CLAIMS = [
  'iss', 'sub', 'name', 'given_name', 'family_name', 'last_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture',
  'website', 'email', 'email_verified', 'gender', 'birthdate', 'zoneinfo', 'locale', 'phone_number', 'phone_number_verified', 'updated_at', 'hd', 'team', 'nonce',
] as const;

/** The provider cannot be reached or understood: nothing the user can fix. */
export const upstreamError = (reason: string, cause?: unknown): KratosError => new KratosError(502, { reason, cause });

/**
 * A callback whose answer does not check out (state, nonce, audience, signature, a refused or reused
 * code): a 400 the browser is shown on the error page, as Kratos forwards it there.
 */
export const callbackError = (reason: string, cause?: unknown): KratosError => new KratosError(400, { reason, cause });

/**
 * One configured `generic` OpenID provider, through `openid-client`: discovery (once, retried after a
 * failure), the authorization URL with state, nonce and PKCE, and the code exchange with the ID
 * token's signature, issuer, audience, expiry and nonce checked.
 */
export class GenericOidcProvider {
  private discovered: Promise<client.Configuration> | null = null;

  constructor(
    readonly config: OidcProviderConfig,
    private readonly redirectUri: URL,
  ) {}

  get id(): string {
    return this.config.id;
  }

  /** The label on buttons: `label`, else the provider's id, as Kratos shows it. */
  get label(): string {
    return this.config.label ?? this.config.id;
  }

  private configuration(): Promise<client.Configuration> {
    this.discovered ??= this.discover().catch((err: unknown) => {
      this.discovered = null;
      throw err;
    });
    return this.discovered;
  }

  private async discover(): Promise<client.Configuration> {
    const issuer = new URL(this.config.issuer_url!);
    const client = await openidClient();
    // Kratos accepts an http issuer when the operator configures one (a provider on a private network, tests).
    const execute = issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [];
    let config: client.Configuration;
    try {
      config = await client.discovery(issuer, this.config.client_id, undefined, client.ClientSecretBasic(this.config.client_secret ?? ''), { execute });
    } catch (err) {
      throw upstreamError(`Unable to discover the OpenID Connect provider ${JSON.stringify(this.config.id)} at ${issuer.origin}: ${(err as Error).message}`, err);
    }
    // ID tokens from the token endpoint are checked against the provider's keys too, not only trusted for arriving over TLS.
    client.enableNonRepudiationChecks(config);
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
    const client = await openidClient();
    const scope = new Set(['openid', ...(this.config.scope ?? [])]);
    const params: Record<string, string> = {
      redirect_uri: this.redirectUri.toString(),
      response_type: 'code',
      scope: [...scope].join(' '),
      state: checks.state,
      nonce: checks.nonce,
    };
    if (checks.codeVerifier !== undefined) {
      params.code_challenge = await client.calculatePKCECodeChallenge(checks.codeVerifier);
      params.code_challenge_method = 'S256';
    }
    if (this.config.requested_claims && Object.keys(this.config.requested_claims).length > 0) params.claims = JSON.stringify(this.config.requested_claims);
    return client.buildAuthorizationUrl(config, params);
  }

  /** Exchanges the code of a callback (its query string) and checks everything that came back. */
  async exchange(callbackQuery: string, checks: AuthorizationChecks): Promise<ProviderResult> {
    const config = await this.configuration();
    const client = await openidClient();
    const current = new URL(this.redirectUri);
    current.search = callbackQuery;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, {
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
    if (this.config.claims_source === 'userinfo') {
      try {
        raw = { ...raw, ...(await client.fetchUserInfo(config, tokens.access_token, idClaims.sub)) };
      } catch (err) {
        throw upstreamError(`Unable to read the user info of ${JSON.stringify(this.config.id)}: ${describe(err)}`, err);
      }
    }
    if (typeof raw.sub !== 'string' || raw.sub === '') throw callbackError('The OpenID Connect provider returned no subject.');
    return {
      claims: toKratosClaims(raw),
      tokens: { id_token: tokens.id_token ?? '', access_token: tokens.access_token, refresh_token: tokens.refresh_token ?? '' },
    };
  }
}

function toKratosClaims(raw: Record<string, unknown>): OidcClaims {
  const out: Record<string, unknown> = {};
  for (const k of STANDARD_CLAIMS) if (raw[k] !== undefined) out[k] = raw[k];
  // Kratos accepts `email_verified` as a string too ("true").
  if (typeof out.email_verified === 'string') out.email_verified = out.email_verified === 'true';
  return { ...out, iss: String(raw.iss ?? ''), sub: String(raw.sub), raw_claims: raw };
}

/**
 * openid-client's error and the check that failed under it ("unexpected JWT claim value" → which
 * claim); a provider's OAuth error code is named, its response body is not echoed.
 */
function describe(err: unknown): string {
  // An error from openid-client means it is loaded.
  if (loaded && err instanceof loaded.ResponseBodyError) return `${err.message} (${err.error}${err.error_description ? `: ${err.error_description}` : ''})`;
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error && err.cause.message !== err.message ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}
