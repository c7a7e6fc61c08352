import type { OidcProviderConfig } from '../../../config/types.js';
import { safeEqual } from '../../../lib/safe-compare.js';
import { toKratosClaims, type ProviderResult } from './claims.js';
import { oauth1Header, type OAuth1Credentials } from './oauth1.js';
import { callbackError, upstreamError } from './provider-errors.js';
import { providerLabel, type AuthorizationChecks, type SocialProvider } from './social-provider.js';

const TIMEOUT_MS = 10_000;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * X (Twitter), which signs in with OAuth 1.0a as Kratos v1.3 uses it: a request token for the
 * callback URL (with the state and `code=unused` in its query, so the callback finds its flow),
 * X's authenticate page, the verifier exchanged for an access token, and the user from
 * `verify_credentials` (with `include_email` when `email` is in `scope`). Requests are signed with
 * HMAC-SHA1 (`oauth1.ts`). `auth_url` replaces the authenticate page, `token_url` the access
 * token endpoint.
 */
export class XProvider implements SocialProvider {
  private readonly api: string;

  constructor(
    readonly config: OidcProviderConfig,
    private readonly redirectUri: URL,
    upstream: Record<string, string> = {},
  ) {
    this.api = upstream.api ?? 'https://api.twitter.com';
  }

  get id(): string {
    return this.config.id;
  }

  get label(): string {
    return providerLabel(this.config);
  }

  private get consumer(): OAuth1Credentials {
    return { consumerKey: this.config.client_id, consumerSecret: this.config.client_secret ?? '' };
  }

  /** OAuth 1.0a has no PKCE. */
  usesPkce(): Promise<boolean> {
    return Promise.resolve(false);
  }

  async authorizationUrl(checks: AuthorizationChecks): Promise<URL> {
    const callback = new URL(this.redirectUri);
    callback.searchParams.set('state', checks.state);
    callback.searchParams.set('code', 'unused');
    const url = `${this.api}/oauth/request_token`;
    const answer = await this.post(url, oauth1Header('POST', url, this.consumer, { oauth_callback: callback.toString() }), 'request token');
    const token = answer.get('oauth_token');
    if (!token || answer.get('oauth_callback_confirmed') !== 'true') throw upstreamError('Unable to sign in with X because the OAuth1 request token could not be initialized.');
    const authenticate = new URL(this.config.auth_url ?? `${this.api}/oauth/authenticate`);
    authenticate.searchParams.set('oauth_token', token);
    return authenticate;
  }

  async exchange(callbackQuery: string, checks: AuthorizationChecks): Promise<ProviderResult> {
    const q = new URLSearchParams(callbackQuery);
    if (q.get('denied')) throw callbackError('Unable to sign in with X because the user denied the request.');
    if (!safeEqual(q.get('state') ?? '', checks.state)) throw callbackError('The state returned by the provider does not match.');
    const requestToken = q.get('oauth_token') ?? '';
    const verifier = q.get('oauth_verifier') ?? '';
    if (requestToken === '' || verifier === '') throw callbackError('Unable to sign in with X because the callback carries no oauth_token and oauth_verifier.');
    const url = this.config.token_url ?? `${this.api}/oauth/access_token`;
    const answer = await this.post(url, oauth1Header('POST', url, { ...this.consumer, token: requestToken }, { oauth_verifier: verifier }), 'access token');
    const token = answer.get('oauth_token');
    const secret = answer.get('oauth_token_secret');
    if (!token || !secret) throw callbackError('X refused the verifier.');

    const endpoint = `${this.api}/1.1/account/verify_credentials.json${(this.config.scope ?? []).includes('email') ? '?include_email=true' : ''}`;
    let res: Response;
    try {
      res = await fetch(endpoint, { headers: { authorization: oauth1Header('GET', endpoint, { ...this.consumer, token, tokenSecret: secret }), accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (err) {
      throw upstreamError(`X could not be reached: ${(err as Error).message}`, err);
    }
    if (!res.ok) throw upstreamError(`X answered the user lookup with status ${res.status}.`);
    let user: Record<string, unknown>;
    try {
      user = (await res.json()) as Record<string, unknown>;
    } catch {
      throw upstreamError('X did not answer the user lookup with JSON.');
    }
    const sub = str(user.id_str);
    if (!sub) throw upstreamError('X did not say who the user is.');
    const raw = {
      iss: endpoint,
      sub,
      name: str(user.name),
      picture: str(user.profile_image_url_https),
      email: str(user.email),
      preferred_username: str(user.screen_name),
      website: str(user.url),
    };
    const claims = toKratosClaims(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
    // Only the access token is kept; its secret stays out of storage.
    return { claims: { ...claims, raw_claims: { ...user, ...claims.raw_claims } }, tokens: { id_token: '', access_token: token, refresh_token: '' } };
  }

  private async post(url: string, authorization: string, what: string): Promise<URLSearchParams> {
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers: { authorization }, signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' });
    } catch (err) {
      throw upstreamError(`X could not be reached for the ${what}: ${(err as Error).message}`, err);
    }
    const text = await res.text();
    if (res.status >= 500) throw upstreamError(`X failed to issue the ${what} (status ${res.status}).`);
    if (!res.ok) throw callbackError(`X refused to issue the ${what} (status ${res.status}).`);
    return new URLSearchParams(text);
  }
}
