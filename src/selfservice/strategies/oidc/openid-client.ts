import type * as OpenIdClient from 'openid-client';

// openid-client is loaded by the first social sign-in, not at start (it is most of what the oidc
// method would otherwise add to start-up).
let loaded: typeof OpenIdClient | undefined;
let loading: Promise<typeof OpenIdClient> | undefined;

/** openid-client, imported on first use. */
export function openidClient(): Promise<typeof OpenIdClient> {
  loading ??= import('openid-client').then((m) => (loaded = m));
  return loading;
}

/** openid-client if something loaded it already (an error it threw means it is). */
export const loadedOpenidClient = (): typeof OpenIdClient | undefined => loaded;
