import { createHmac } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { OidcProviderConfig } from '../../../config/types.js';
import { safeEqual } from '../../../lib/safe-compare.js';
import { toKratosClaims, type ProviderResult } from './claims.js';
import { IdTokenVerifier } from './id-token.js';
import { callbackError, upstreamError } from './provider-errors.js';
import { providerLabel, type AuthorizationChecks, type SocialProvider } from './social-provider.js';
import { exchangeCode, fetchJson, postJson, type TokenResponse } from './upstream.js';

/** What reading the user gets to work with. */
interface UserContext {
  config: OidcProviderConfig;
  bases: Record<string, string>;
  token: TokenResponse;
  nonce: string;
  /** The scopes the token response says were granted (`scope`, split as the provider writes it). */
  granted: string[];
  get(url: string, headers?: Record<string, string>): Promise<unknown>;
  idTokens: IdTokenVerifier;
}

/** A named provider that is OAuth2 (or OpenID Connect read its own way): endpoints, and how it reads the user into claims as Kratos v1.3 maps them. */
interface OAuth2Type {
  bases: Record<string, string>;
  authUrl(b: Record<string, string>, c: OidcProviderConfig): string;
  tokenUrl(b: Record<string, string>, c: OidcProviderConfig): string;
  /** How the token response's `scope` separates scopes; when set, every configured scope must have been granted (Kratos). */
  grantedSeparator?: ',' | ' ';
  /** Whether `openid` and a nonce go to the provider (it answers with an ID token). */
  openid?: boolean;
  authParams?(c: OidcProviderConfig, forced: boolean): Record<string, string>;
  /** A token endpoint that does not speak RFC 6749 (DingTalk). */
  exchange?(tokenUrl: string, c: OidcProviderConfig, code: string): Promise<TokenResponse>;
  user(ctx: UserContext): Promise<Record<string, unknown>>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : v === null || v === undefined ? undefined : typeof v === 'number' ? String(v) : undefined);
const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const unix = (v: unknown): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.floor(t / 1000);
};
const trimSlash = (u: string) => u.replace(/\/+$/, '');

/** GitHub's user and, with `user:email` granted (always for a GitHub App), its primary address. */
async function githubUser(ctx: UserContext, app: boolean): Promise<Record<string, unknown>> {
  const user = obj(await ctx.get(`${ctx.bases.api}/user`));
  const claims: Record<string, unknown> = {
    sub: str(user.id),
    iss: `${ctx.bases.web}/login/oauth/access_token`,
    name: str(user.name),
    nickname: str(user.login),
    website: str(user.blog),
    picture: str(user.avatar_url),
    profile: str(user.html_url),
    updated_at: unix(user.updated_at),
  };
  if (app || ctx.granted.includes('user:email')) {
    const emails = await ctx.get(`${ctx.bases.api}/user/emails`) as unknown;
    const list = Array.isArray(emails) ? emails.map(obj) : [];
    const chosen = list.find((e) => e.primary === true) ?? (app ? list[list.length - 1] : undefined);
    if (chosen) {
      claims.email = str(chosen.email);
      claims.email_verified = chosen.verified === true;
    }
  }
  return claims;
}

/**
 * The user's Discord avatar: the uploaded one (animated ones, `a_…`, as GIF), else the default
 * avatar Discord assigns (by discriminator, or for the new unique usernames, discriminator "0", by the id).
 */
function discordAvatar(cdn: string, id: string, avatar: string | undefined, discriminator: string | undefined): string {
  if (avatar) return `${cdn}/avatars/${id}/${avatar}.${avatar.startsWith('a_') ? 'gif' : 'png'}`;
  let index = 0;
  if (discriminator === '0') {
    try {
      index = Number((BigInt(id) >> 22n) % 6n);
    } catch {
      index = 0;
    }
  } else {
    const n = Number.parseInt(discriminator ?? '', 10);
    index = Number.isNaN(n) ? 0 : n % 5;
  }
  return `${cdn}/embed/avatars/${index}.png`;
}

const GITHUB_BASES = { web: 'https://github.com', api: 'https://api.github.com' };

/** The OAuth2 provider types, as Kratos v1.3 talks to each. */
export const OAUTH2_TYPES: Record<string, OAuth2Type> = {
  github: {
    bases: GITHUB_BASES,
    authUrl: (b) => `${b.web}/login/oauth/authorize`,
    tokenUrl: (b) => `${b.web}/login/oauth/access_token`,
    grantedSeparator: ',',
    user: (ctx) => githubUser(ctx, false),
  },
  'github-app': {
    bases: GITHUB_BASES,
    authUrl: (b) => `${b.web}/login/oauth/authorize`,
    tokenUrl: (b) => `${b.web}/login/oauth/access_token`,
    user: (ctx) => githubUser(ctx, true),
  },
  gitlab: {
    bases: { web: 'https://gitlab.com' },
    authUrl: (b, c) => `${trimSlash(c.issuer_url ?? b.web)}/oauth/authorize`,
    tokenUrl: (b, c) => `${trimSlash(c.issuer_url ?? b.web)}/oauth/token`,
    async user(ctx) {
      const info = obj(await ctx.get(`${trimSlash(ctx.config.issuer_url ?? ctx.bases.web)}/oauth/userinfo`));
      return { ...info, iss: str(info.iss) ?? ctx.config.issuer_url ?? '' };
    },
  },
  auth0: {
    bases: {},
    authUrl: (_b, c) => `${trimSlash(c.issuer_url!)}/authorize`,
    tokenUrl: (_b, c) => `${trimSlash(c.issuer_url!)}/oauth/token`,
    async user(ctx) {
      const info = obj(await ctx.get(`${trimSlash(ctx.config.issuer_url!)}/userinfo`));
      // Auth0 writes updated_at as a date string; Kratos turns it into seconds.
      return { ...info, iss: str(info.iss) ?? ctx.config.issuer_url!, ...(typeof info.updated_at === 'string' ? { updated_at: unix(info.updated_at) } : {}) };
    },
  },
  discord: {
    // Discord's versioned API, as Kratos's Discord library addresses it (also the issuer the mapper sees).
    bases: { api: 'https://discord.com/api/v9', cdn: 'https://cdn.discordapp.com' },
    authUrl: (b) => `${b.api}/oauth2/authorize`,
    tokenUrl: (b) => `${b.api}/oauth2/token`,
    grantedSeparator: ' ',
    // A re-authentication asks Discord to show its consent screen again; otherwise none.
    authParams: (_c, forced) => ({ prompt: forced ? 'consent' : 'none' }),
    async user(ctx) {
      const u = obj(await ctx.get(`${ctx.bases.api}/users/@me`));
      const id = str(u.id);
      return {
        iss: `${ctx.bases.api}/oauth2/`,
        sub: id,
        name: `${str(u.username) ?? ''}#${str(u.discriminator) ?? ''}`,
        nickname: str(u.username),
        preferred_username: str(u.username),
        picture: id ? discordAvatar(ctx.bases.cdn!, id, str(u.avatar), str(u.discriminator)) : undefined,
        email: str(u.email),
        email_verified: u.verified === true,
        locale: str(u.locale),
      };
    },
  },
  slack: {
    bases: { web: 'https://slack.com', api: 'https://slack.com/api' },
    authUrl: (b) => `${b.web}/oauth/authorize`,
    tokenUrl: (b) => `${b.api}/oauth.access`,
    grantedSeparator: ',',
    async user(ctx) {
      const r = obj(await ctx.get(`${ctx.bases.api}/users.identity`));
      if (r.ok !== true) throw upstreamError(`Slack refused to read the user's identity (${str(r.error) ?? 'unknown error'}).`);
      const user = obj(r.user);
      const team = obj(r.team);
      return {
        iss: 'https://slack.com/oauth/',
        sub: str(user.id),
        name: str(user.name),
        preferred_username: str(user.name),
        nickname: str(user.name),
        email: str(user.email),
        // Slack only hands out confirmed addresses (Kratos marks them verified).
        email_verified: true,
        picture: str(user.image_512),
        team: str(team.id),
      };
    },
  },
  facebook: {
    bases: { web: 'https://facebook.com', graph: 'https://graph.facebook.com' },
    authUrl: (b) => `${b.web}/dialog/oauth`,
    tokenUrl: (b) => `${b.graph}/oauth/access_token`,
    async user(ctx) {
      // appsecret_proof: the access token signed with the app secret, as Facebook asks of servers.
      const proof = createHmac('sha256', ctx.config.client_secret ?? '').update(ctx.token.access_token).digest('hex');
      const u = obj(await ctx.get(`${ctx.bases.graph}/me?fields=id,name,first_name,last_name,middle_name,email,picture,birthday,gender&appsecret_proof=${proof}`));
      const email = str(u.email);
      return {
        iss: `${ctx.bases.graph}/me`,
        sub: str(u.id),
        name: str(u.name),
        given_name: str(u.first_name),
        family_name: str(u.last_name),
        middle_name: str(u.middle_name),
        nickname: str(u.name),
        preferred_username: str(u.name),
        picture: str(obj(obj(u.picture).data).url),
        email,
        // Facebook only returns confirmed addresses (Kratos marks them verified).
        email_verified: email !== undefined,
        gender: str(u.gender),
        birthdate: str(u.birthday),
      };
    },
  },
  spotify: {
    bases: { accounts: 'https://accounts.spotify.com', api: 'https://api.spotify.com' },
    authUrl: (b) => `${b.accounts}/authorize`,
    tokenUrl: (b) => `${b.accounts}/api/token`,
    grantedSeparator: ' ',
    async user(ctx) {
      const u = obj(await ctx.get(`${ctx.bases.api}/v1/me`));
      const images = Array.isArray(u.images) ? u.images.map(obj) : [];
      return {
        iss: `${ctx.bases.accounts}/api/token`,
        sub: str(u.id),
        name: str(u.display_name),
        nickname: str(u.display_name),
        email: str(u.email),
        picture: str(images[0]?.url),
        profile: str(obj(u.external_urls).spotify),
        birthdate: str(u.birthdate),
      };
    },
  },
  patreon: {
    bases: { web: 'https://www.patreon.com' },
    authUrl: (b) => `${b.web}/oauth2/authorize`,
    tokenUrl: (b) => `${b.web}/api/oauth2/token`,
    authParams: (_c, forced) => ({ prompt: forced ? 'consent' : 'none' }),
    async user(ctx) {
      const r = obj(await ctx.get(`${ctx.bases.web}/api/oauth2/v2/identity?fields%5Buser%5D=first_name,last_name,url,full_name,email,image_url`));
      const data = obj(r.data);
      const a = obj(data.attributes);
      return {
        iss: 'https://www.patreon.com/',
        sub: str(data.id),
        name: str(a.full_name),
        email: str(a.email),
        given_name: str(a.first_name),
        family_name: str(a.last_name),
        last_name: str(a.last_name),
        picture: str(a.image_url),
      };
    },
  },
  yandex: {
    bases: { oauth: 'https://oauth.yandex.com', login: 'https://login.yandex.ru', avatars: 'https://avatars.yandex.net' },
    authUrl: (b) => `${b.oauth}/authorize`,
    tokenUrl: (b) => `${b.oauth}/token`,
    async user(ctx) {
      // Yandex's own header scheme (rather than the token in the URL).
      const u = obj(await ctx.get(`${ctx.bases.login}/info?format=json`, { authorization: `OAuth ${ctx.token.access_token}` }));
      const avatar = str(u.default_avatar_id);
      return {
        iss: 'https://login.yandex.ru/info',
        sub: str(u.id),
        given_name: str(u.first_name),
        family_name: str(u.last_name),
        picture: u.is_avatar_empty !== true && avatar ? `${ctx.bases.avatars}/get-yapic/${avatar}/islands-200` : undefined,
        email: str(u.default_email),
        gender: str(u.sex),
        birthdate: str(u.birthday),
      };
    },
  },
  vk: {
    bases: { oauth: 'https://oauth.vk.com', api: 'https://api.vk.com' },
    authUrl: (b) => `${b.oauth}/authorize`,
    tokenUrl: (b) => `${b.oauth}/access_token`,
    async user(ctx) {
      const r = obj(await ctx.get(`${ctx.bases.api}/method/users.get?fields=photo_200,nickname,bdate,sex&v=5.103&access_token=${encodeURIComponent(ctx.token.access_token)}`));
      const list = Array.isArray(r.response) ? r.response.map(obj) : [];
      const u = list[0];
      if (!u) throw upstreamError('VK did not return a user in the userinfo request.');
      return {
        iss: 'https://api.vk.com/method/users.get',
        sub: str(u.id),
        given_name: str(u.first_name),
        family_name: str(u.last_name),
        nickname: str(u.nickname),
        picture: str(u.photo_200),
        // VK hands out the address with the token, not through its API.
        email: str(ctx.token.email),
        gender: u.sex === 1 ? 'female' : u.sex === 2 ? 'male' : undefined,
        birthdate: str(u.bdate),
      };
    },
  },
  lark: {
    bases: { passport: 'https://passport.feishu.cn' },
    authUrl: (b) => `${b.passport}/suite/passport/oauth/authorize`,
    tokenUrl: (b) => `${b.passport}/suite/passport/oauth/token`,
    async user(ctx) {
      const endpoint = `${ctx.bases.passport}/suite/passport/oauth/userinfo`;
      const u = obj(await ctx.get(endpoint));
      return { iss: endpoint, sub: str(u.open_id), name: str(u.name), nickname: str(u.name), picture: str(u.avatar_url), email: str(u.email), phone_number: str(u.mobile) };
    },
  },
  salesforce: {
    bases: {},
    authUrl: (_b, c) => `${trimSlash(c.issuer_url!)}/services/oauth2/authorize`,
    tokenUrl: (_b, c) => `${trimSlash(c.issuer_url!)}/services/oauth2/token`,
    async user(ctx) {
      const info = obj(await ctx.get(`${trimSlash(ctx.config.issuer_url!)}/services/oauth2/userinfo`));
      return { ...info, iss: str(info.iss) ?? ctx.config.issuer_url!, ...(typeof info.updated_at === 'string' ? { updated_at: unix(info.updated_at) } : {}) };
    },
  },
  dingtalk: {
    bases: { login: 'https://login.dingtalk.com', api: 'https://api.dingtalk.com' },
    authUrl: (b) => `${b.login}/oauth2/auth`,
    tokenUrl: (b) => `${b.api}/v1.0/oauth2/userAccessToken`,
    authParams: () => ({ prompt: 'consent' }),
    async exchange(tokenUrl, c, code) {
      // DingTalk's token endpoint takes and answers camelCase JSON.
      const r = obj(await postJson(tokenUrl, { clientId: c.client_id, clientSecret: c.client_secret ?? '', code, grantType: 'authorization_code' }));
      const token = str(r.accessToken);
      if (!token) throw callbackError(`DingTalk refused the authorization code (${str(r.code) ?? 'no access token'}).`);
      return { access_token: token };
    },
    async user(ctx) {
      const endpoint = `${ctx.bases.api}/v1.0/contact/users/me`;
      const u = obj(await ctx.get(endpoint, { 'x-acs-dingtalk-access-token': ctx.token.access_token }));
      if (str(u.message)) throw upstreamError(`DingTalk refused to read the user (${str(u.code) ?? 'error'}).`);
      return { iss: endpoint, sub: str(u.openId), nickname: str(u.nick), name: str(u.nick), picture: str(u.avatarUrl), email: str(u.email) };
    },
  },
  linkedin: {
    bases: { web: 'https://www.linkedin.com', api: 'https://api.linkedin.com' },
    authUrl: (b) => `${b.web}/oauth/v2/authorization`,
    tokenUrl: (b) => `${b.web}/oauth/v2/accessToken`,
    async user(ctx) {
      const profile = obj(await ctx.get(`${ctx.bases.api}/v2/me?projection=(id,localizedFirstName,localizedLastName,profilePicture(displayImage~digitalmediaAsset:playableStreams))`));
      const emails = obj(await ctx.get(`${ctx.bases.api}/v2/emailAddress?q=members&projection=(elements*(handle~))`));
      const first = Array.isArray(emails.elements) ? obj(emails.elements[0]) : {};
      // The third size of the picture (or the largest there is), as Kratos picks it.
      const images = obj(obj(profile.profilePicture)['displayImage~']).elements;
      const list = Array.isArray(images) ? images.map(obj) : [];
      const image = list[Math.min(list.length, 3) - 1];
      const ids = image && Array.isArray(image.identifiers) ? image.identifiers.map(obj) : [];
      return {
        iss: 'https://login.linkedin.com/',
        sub: str(profile.id),
        email: str(obj(first['handle~']).emailAddress),
        given_name: str(profile.localizedFirstName),
        last_name: str(profile.localizedLastName),
        picture: str(ids[0]?.identifier),
      };
    },
  },
  microsoft: {
    bases: { login: 'https://login.microsoftonline.com', graph: 'https://graph.microsoft.com' },
    authUrl: (b, c) => `${b.login}/${c.microsoft_tenant}/oauth2/v2.0/authorize`,
    tokenUrl: (b, c) => `${b.login}/${c.microsoft_tenant}/oauth2/v2.0/token`,
    openid: true,
    async user(ctx) {
      const raw = ctx.token.id_token;
      if (!raw) throw callbackError('Authentication failed because no id_token was returned. Please accept the "openid" permission and try again.');
      let tid: unknown;
      try {
        tid = decodeJwt(raw).tid;
      } catch (err) {
        throw callbackError('The ID token is not a JWT.', err);
      }
      if (typeof tid !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tid)) throw callbackError('TenantID claim is not a valid UUID');
      // The issuer is the user's tenant (a "common" or "organizations" sign-in can end in any): its keys sign the token.
      const issuer = `${ctx.bases.login}/${tid}/v2.0`;
      const meta = obj(await fetchJson(`${issuer}/.well-known/openid-configuration`, ''));
      if (str(meta.issuer) !== issuer || typeof meta.jwks_uri !== 'string') throw upstreamError(`The tenant ${tid} did not describe itself as the ID token's issuer.`);
      const claims = await ctx.idTokens.verify(raw, { issuer, jwksUri: meta.jwks_uri, audiences: [ctx.config.client_id] });
      if (typeof claims.nonce !== 'string' || !safeEqual(claims.nonce, ctx.nonce)) throw callbackError('The ID token was not issued for this sign-in (nonce mismatch).');
      if (ctx.config.subject_source === 'me') {
        const me = obj(await ctx.get(`${ctx.bases.graph}/v1.0/me`));
        const id = str(me.id);
        if (!id) throw upstreamError('The Microsoft Graph did not return the user\'s id.');
        return { ...claims, sub: id };
      }
      return claims;
    },
  },
};

/**
 * A named provider reached through plain OAuth2: the authorization code is exchanged at its token
 * endpoint and the user is read from its API (or, for Microsoft, from an ID token checked against
 * the tenant's keys). `auth_url` / `token_url` replace the provider's endpoints.
 */
export class OAuth2Provider implements SocialProvider {
  private readonly type: OAuth2Type;
  private readonly bases: Record<string, string>;
  private readonly idTokens = new IdTokenVerifier();
  private pkce: Promise<boolean> | null = null;

  constructor(
    readonly config: OidcProviderConfig,
    private readonly redirectUri: URL,
    upstream: Record<string, string> = {},
  ) {
    const type = OAUTH2_TYPES[config.provider];
    if (!type) throw new Error(`provider type ${config.provider} is not an OAuth2 type`);
    this.type = type;
    this.bases = { ...type.bases, ...upstream };
  }

  get id(): string {
    return this.config.id;
  }

  get label(): string {
    return providerLabel(this.config);
  }

  private get authUrl(): string {
    return this.config.auth_url ?? this.type.authUrl(this.bases, this.config);
  }

  private get tokenUrl(): string {
    return this.config.token_url ?? this.type.tokenUrl(this.bases, this.config);
  }

  /** `auto` asks the `issuer_url`'s discovery document, as Kratos does; without one (or when it fails) there is no PKCE. */
  usesPkce(): Promise<boolean> {
    if (this.config.pkce === 'force') return Promise.resolve(true);
    if (this.config.pkce === 'never' || this.config.issuer_url === undefined) return Promise.resolve(false);
    this.pkce ??= (async () => {
      try {
        const res = await fetch(`${trimSlash(this.config.issuer_url!)}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(10_000) });
        const meta = obj(await res.json());
        return Array.isArray(meta.code_challenge_methods_supported) && meta.code_challenge_methods_supported.includes('S256');
      } catch {
        this.pkce = null;
        return false;
      }
    })();
    return this.pkce;
  }

  async authorizationUrl(checks: AuthorizationChecks): Promise<URL> {
    const url = new URL(this.authUrl);
    const scope = [...(this.type.openid ? ['openid'] : []), ...(this.config.scope ?? [])];
    const params: Record<string, string> = {
      ...(this.type.authParams?.(this.config, checks.forced === true) ?? {}),
      client_id: this.config.client_id,
      redirect_uri: this.redirectUri.toString(),
      response_type: 'code',
      state: checks.state,
      ...(scope.length > 0 ? { scope: [...new Set(scope)].join(' ') } : {}),
      ...(this.type.openid ? { nonce: checks.nonce } : {}),
    };
    if (checks.codeVerifier !== undefined) {
      const { calculatePKCECodeChallenge } = await import('openid-client');
      params.code_challenge = await calculatePKCECodeChallenge(checks.codeVerifier);
      params.code_challenge_method = 'S256';
    }
    if (this.config.requested_claims && Object.keys(this.config.requested_claims).length > 0) params.claims = JSON.stringify(this.config.requested_claims);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url;
  }

  async exchange(callbackQuery: string, checks: AuthorizationChecks): Promise<ProviderResult> {
    const q = new URLSearchParams(callbackQuery);
    const state = q.get('state') ?? '';
    if (!safeEqual(state, checks.state)) throw callbackError('The state returned by the provider does not match.');
    const code = q.get('code') ?? '';
    const token = this.type.exchange ? await this.type.exchange(this.tokenUrl, this.config, code) : await exchangeCode(this.tokenUrl, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.redirectUri.toString(),
      client_id: this.config.client_id,
      client_secret: this.config.client_secret ?? '',
      ...(checks.codeVerifier !== undefined ? { code_verifier: checks.codeVerifier } : {}),
    });
    const granted = typeof token.scope === 'string' ? token.scope.split(this.type.grantedSeparator ?? ' ').map((s) => s.trim()).filter(Boolean) : [];
    if (this.type.grantedSeparator) {
      for (const wanted of this.config.scope ?? []) {
        if (!granted.includes(wanted)) throw callbackError('Unable to finish because one or more permissions were not granted. Please retry and accept all permissions.');
      }
    }
    // What the provider's API answered goes to the mapper as `raw_claims`; the standard claims are only those mapped from it.
    const answers: Record<string, unknown> = {};
    const raw = await this.type.user({
      config: this.config,
      bases: this.bases,
      token,
      nonce: checks.nonce,
      granted,
      get: async (url, headers) => {
        const answer = await fetchJson(url, token.access_token, headers);
        for (const [k, v] of Object.entries(obj(answer))) if (!(k in answers)) answers[k] = v;
        return answer;
      },
      idTokens: this.idTokens,
    });
    const defined = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
    if (typeof defined.sub !== 'string' || defined.sub === '') throw upstreamError(`The provider ${JSON.stringify(this.config.id)} did not say who the user is.`);
    const claims = toKratosClaims(defined);
    return {
      claims: { ...claims, raw_claims: { ...answers, ...claims.raw_claims } },
      tokens: { id_token: token.id_token ?? '', access_token: token.access_token, refresh_token: token.refresh_token ?? '' },
    };
  }
}
