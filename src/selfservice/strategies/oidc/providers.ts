import type { OidcProviderConfig } from '../../../config/types.js';
import type { JsonnetBodyOptions } from '../../../courier/channels/jsonnet-body.js';
import { KratosError } from '../../../errors/kratos-error.js';
import { ClaimsMapper } from './claims-mapper.js';
import { OAUTH2_TYPES, OAuth2Provider } from './oauth2-provider.js';
import { OidcProvider } from './provider.js';
import { XProvider } from './x-provider.js';
import type { OidcUpstreams, SocialProvider } from './social-provider.js';

export interface ConfiguredProvider {
  client: SocialProvider;
  mapper: ClaimsMapper;
}

function createProvider(c: OidcProviderConfig, redirectUri: URL, upstreams: OidcUpstreams): SocialProvider {
  const upstream = upstreams[c.provider] ?? {};
  if (c.provider === 'generic' || c.provider === 'google' || c.provider === 'apple' || c.provider === 'linkedin_v2' || c.provider === 'netid') return new OidcProvider(c, redirectUri, upstream);
  if (OAUTH2_TYPES[c.provider]) return new OAuth2Provider(c, redirectUri, upstream);
  if (c.provider === 'x') return new XProvider(c, redirectUri, upstream);
  // The configuration refuses these at start-up (not-yet-supported.ts); this is the last guard.
  throw new KratosError(500, { reason: `The social sign-in provider type ${JSON.stringify(c.provider)} is not supported by Tessera yet.` });
}

/**
 * The providers of `selfservice.methods.oidc.config.providers`, in configuration order, each with
 * its client and claims mapper (built once). The callback URL is
 * `<base_redirect_uri>/self-service/methods/oidc/callback/<id>`, or without the id when PKCE is forced, as in Kratos.
 */
export class OidcProviders {
  private readonly byId = new Map<string, ConfiguredProvider>();

  constructor(configs: readonly OidcProviderConfig[], baseRedirectUri: URL, mapperOptions: Omit<JsonnetBodyOptions, 'pool'>, upstreams: OidcUpstreams = {}) {
    for (const c of configs) {
      const path = c.pkce === 'force' ? 'self-service/methods/oidc/callback' : `self-service/methods/oidc/callback/${encodeURIComponent(c.id)}`;
      this.byId.set(c.id, { client: createProvider(c, new URL(path, baseRedirectUri), upstreams), mapper: new ClaimsMapper(c.id, c.mapper_url, mapperOptions) });
    }
  }

  list(): ConfiguredProvider[] {
    return [...this.byId.values()];
  }

  /** The provider, or a 400 naming the unknown id (a form cannot name a provider that was not offered). */
  get(id: string): ConfiguredProvider {
    const p = this.byId.get(id);
    if (!p) throw new KratosError(400, { reason: `OpenID Connect provider ${JSON.stringify(id)} is unknown or has not been configured.` });
    return p;
  }
}
