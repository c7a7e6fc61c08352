import type { OidcProviderConfig } from '../../../config/types.js';
import type { OidcClaims, ProviderResult } from './claims.js';

/** What the authorization request was made with; the callback needs the same values. */
export interface AuthorizationChecks {
  state: string;
  nonce: string;
  /** Absent when PKCE is not used with this provider. */
  codeVerifier?: string;
  /** A login flow that re-authenticates a signed-in user (`refresh=true`): providers that can be asked to show their consent again are. */
  forced?: boolean;
}

/**
 * One configured provider, whatever its protocol: where to send the browser, how to turn the
 * callback into the user's claims, and (for providers whose apps sign in natively) how to check an
 * ID token an app submits.
 */
export interface SocialProvider {
  readonly config: OidcProviderConfig;
  readonly id: string;
  /** The label on buttons: `label`, else the provider's id, as Kratos shows it. */
  readonly label: string;
  usesPkce(): Promise<boolean>;
  authorizationUrl(checks: AuthorizationChecks): Promise<URL>;
  /** Exchanges the code of a callback (its query string) and checks everything that came back. */
  exchange(callbackQuery: string, checks: AuthorizationChecks): Promise<ProviderResult>;
  /** Present for the providers that accept an ID token from a native app (Kratos v1.3: apple, google). */
  verifyIdToken?(idToken: string): Promise<{ claims: OidcClaims; nonceOptional: boolean }>;
}

/** Kratos's labels: `label`, else the id. */
export const providerLabel = (c: OidcProviderConfig): string => c.label ?? c.id;

/**
 * Base URLs of the services a named provider talks to (`api`, `login`, ...), by provider type. The
 * defaults are the real services; tests point them at loopback peers through the registry options,
 * never through configuration.
 */
export type OidcUpstreams = Partial<Record<string, Record<string, string>>>;
