import { stringField, transientPayload } from '../../flow/body.js';
import { notResponsible, type LoginFormContext, type LoginMethod, type MethodOutcome, type Submission } from '../../flow/method.js';
import { toJson, type UiNodeJson } from '../../flow/ui-json.js';
import type { OidcAuthorization } from './authorization.js';
import type { OidcCallback } from './callback.js';
import { loginProviderNode } from './nodes.js';
import type { OidcProviders } from './providers.js';

/**
 * The `oidc` login method: one "Sign in with …" button per provider; a submission naming a
 * `provider` sends the browser there. The sign-in itself completes at the callback.
 */
export class OidcLoginStrategy implements LoginMethod {
  constructor(private readonly deps: { providers: OidcProviders; authorization: OidcAuthorization; callback: OidcCallback }) {}

  async nodes(ctx: LoginFormContext): Promise<UiNodeJson[]> {
    // A first factor: not offered when a second one is asked for.
    if (ctx.requestedAal !== 'aal1') return [];
    return this.providersFor(ctx).map((p) => toJson(loginProviderNode(p.client.id, p.client.label)));
  }

  /** Identifier-first: the providers are on the first screen, and stay on the next one as they are. */
  identificationNodes(ctx: LoginFormContext): Promise<UiNodeJson[]> {
    return this.nodes(ctx);
  }

  async submit(s: Submission, ctx: LoginFormContext): Promise<MethodOutcome> {
    const provider = oidcProviderOf(s);
    if (provider === undefined || ctx.requestedAal !== 'aal1') return notResponsible();
    const idToken = stringField(s.fields, 'id_token') ?? '';
    if (idToken !== '') return this.deps.callback.submitIdToken(s, provider, idToken, stringField(s.fields, 'id_token_nonce') ?? '');
    return this.deps.authorization.start(s, provider, { transientPayload: transientPayload(s.fields) });
  }

  /** A refresh re-confirms the signed-in user: only the providers linked to them can. */
  private providersFor(ctx: LoginFormContext) {
    const all = this.deps.providers.list();
    if (!ctx.refresh || !ctx.session?.identity) return all;
    const linked = new Set((ctx.session.identity.credentials.oidc?.identifiers ?? []).map((i) => i.slice(0, i.indexOf(':'))));
    return all.filter((p) => linked.has(p.client.id));
  }
}

/** Kratos's rule: a submission is for `oidc` when it names a provider and no other method. */
export function oidcProviderOf(s: Submission): string | undefined {
  const provider = stringField(s.fields, 'provider');
  if (provider === undefined || provider === '') return undefined;
  const method = s.fields.method;
  if (method !== undefined && method !== '' && method !== 'oidc') return undefined;
  return provider;
}
