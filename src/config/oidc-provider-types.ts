import type { OidcProviderConfig } from './types.js';

/** Provider types Tessera has: all of Kratos v1.3's list. */
export const OIDC_PROVIDER_TYPES: readonly string[] = [
  'generic', 'google', 'apple', 'microsoft', 'github', 'github-app', 'gitlab', 'auth0', 'discord', 'slack', 'facebook', 'spotify',
  'patreon', 'yandex', 'vk', 'lark', 'salesforce', 'linkedin_v2', 'netid', 'dingtalk', 'linkedin', 'x',
];
/** Provider types whose ID tokens a native app may submit (Kratos v1.3: Apple and Google). */
export const ID_TOKEN_PROVIDER_TYPES: readonly string[] = ['google', 'apple'];
/** Provider types whose claims come from the ID token or the user info endpoint, as `claims_source` says. */
export const CLAIMS_SOURCE_PROVIDER_TYPES: readonly string[] = ['generic', 'google', 'apple', 'linkedin_v2', 'netid'];

/** Where each named type sends the browser to sign in, unless `auth_url` / `issuer_url` say otherwise. */
const AUTHORIZATION_ORIGINS: Record<string, string[]> = {
  google: ['https://accounts.google.com'],
  apple: ['https://appleid.apple.com'],
  microsoft: ['https://login.microsoftonline.com'],
  github: ['https://github.com'],
  'github-app': ['https://github.com'],
  gitlab: ['https://gitlab.com'],
  discord: ['https://discord.com'],
  slack: ['https://slack.com'],
  facebook: ['https://facebook.com', 'https://www.facebook.com'],
  spotify: ['https://accounts.spotify.com'],
  patreon: ['https://www.patreon.com'],
  yandex: ['https://oauth.yandex.com'],
  vk: ['https://oauth.vk.com'],
  lark: ['https://passport.feishu.cn'],
  linkedin_v2: ['https://www.linkedin.com'],
  linkedin: ['https://www.linkedin.com'],
  x: ['https://api.twitter.com'],
  netid: ['https://broker.netid.de'],
  dingtalk: ['https://login.dingtalk.com'],
};

/** The origins a provider's sign-in page lives at (the built-in UI's Content-Security-Policy allows form posts to be redirected there). */
export function authorizationOrigins(p: OidcProviderConfig): string[] {
  if (p.auth_url) return [new URL(p.auth_url).origin];
  if (p.issuer_url) return [new URL(p.issuer_url).origin];
  return AUTHORIZATION_ORIGINS[p.provider] ?? [];
}
