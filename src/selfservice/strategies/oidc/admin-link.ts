import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TesseraOidcProviderOptions } from '../../../config/types.js';
import { badRequest, conflict, notFound } from '../../../errors/kratos-error.js';
import type { Identity } from '../../../identity/identity.js';
import type { IdentityManager } from '../../../identity/manager.js';
import type { IdentityPool } from '../../../identity/pool.js';
import type { Cipher } from '../../../lib/cipher.js';
import { isUuid } from '../../../lib/ids.js';
import { addProviderEntry, linkedEntries, oidcIdentifier } from './credentials.js';
import type { OidcProviders } from './providers.js';

export interface OidcAdminLinkDeps {
  providers: OidcProviders;
  options(providerId: string): TesseraOidcProviderOptions;
  identities: IdentityPool;
  identityManager: IdentityManager;
  cipher: Cipher;
  renderIdentity(identity: Identity): Record<string, unknown>;
}

const MAX_SUBJECT_LENGTH = 255;

/**
 * `POST /admin/identities/{id}/credentials/oidc/link` `{provider, subject}` (Tessera's own, for
 * providers with `tessera.oidc.providers.<id>.admin_link`): an existing identity (an imported
 * user, say) signs in with that provider account from now on, without a linking step. The
 * provider's tokens are empty until the user signs in. Linking the same subject again is a no-op;
 * a subject of another identity, or a second subject of the same provider, is a 409.
 */
export function registerOidcAdminRoutes(app: FastifyInstance, deps: OidcAdminLinkDeps): void {
  app.post('/admin/identities/:id/credentials/oidc/link', async (req: FastifyRequest<{ Params: { id: string } }>) => {
    const body = (typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body) ? req.body : {}) as Record<string, unknown>;
    const { provider, subject } = body;
    if (typeof provider !== 'string' || provider === '') throw badRequest('provider must be the id of a configured OpenID Connect provider.');
    if (typeof subject !== 'string' || subject.trim() === '' || subject.length > MAX_SUBJECT_LENGTH) throw badRequest(`subject must be a non-empty string of at most ${MAX_SUBJECT_LENGTH} characters.`);
    deps.providers.get(provider);
    if (!deps.options(provider).admin_link) {
      throw badRequest(`Provider ${JSON.stringify(provider)} does not allow linking through the admin API (tessera.oidc.providers.${provider}.admin_link).`);
    }
    const identity = isUuid(req.params.id) ? await deps.identities.getIdentity(req.params.id.toLowerCase(), { withCredentials: true }) : null;
    if (!identity) throw notFound('Unable to locate the resource');
    const holder = await deps.identities.findByCredentialsIdentifier('oidc', oidcIdentifier(provider, subject));
    if (holder && holder.id !== identity.id) throw conflict('This provider account already signs in to another identity.');
    const current = linkedEntries(identity).find((e) => e.provider === provider);
    if (current && current.subject !== subject) throw conflict(`The identity is already linked to another account of provider ${JSON.stringify(provider)}; unlink it first.`);
    if (!current) {
      const empty = deps.cipher.encrypt('');
      addProviderEntry(identity, { subject, provider, initial_id_token: empty, initial_access_token: empty, initial_refresh_token: empty });
      await deps.identityManager.update(identity);
    }
    return deps.renderIdentity(identity);
  });
}
