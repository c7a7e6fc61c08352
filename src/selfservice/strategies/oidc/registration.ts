import type { SchemaRegistry } from '../../../schema/registry.js';
import { coerceFormTraits, stringField, transientPayload } from '../../flow/body.js';
import { notResponsible, type MethodOutcome, type RegistrationFormContext, type RegistrationMethod, type Submission } from '../../flow/method.js';
import { toJson, type UiNodeJson } from '../../flow/ui-json.js';
import type { OidcAuthorization } from './authorization.js';
import type { OidcCallback } from './callback.js';
import { oidcProviderOf } from './login.js';
import { registrationProviderNode } from './nodes.js';
import type { OidcProviders } from './providers.js';

/**
 * The `oidc` registration method: "Sign up with …" buttons; a submission naming a `provider` sends
 * the browser there, keeping any traits the user typed (a form sent back for missing traits).
 */
export class OidcRegistrationStrategy implements RegistrationMethod {
  /** Two-step registration: the "Sign up with …" buttons are on the first screen, as in Kratos v1.3. */
  readonly profileScreen = true;

  constructor(private readonly deps: { providers: OidcProviders; authorization: OidcAuthorization; schemas: SchemaRegistry; callback: OidcCallback }) {}

  async nodes(): Promise<UiNodeJson[]> {
    return this.deps.providers.list().map((p) => toJson(registrationProviderNode(p.client.id, p.client.label)));
  }

  async submit(s: Submission, ctx: RegistrationFormContext): Promise<MethodOutcome> {
    const provider = oidcProviderOf(s);
    if (provider === undefined) return notResponsible();
    let traits: Record<string, unknown> | undefined;
    const raw = s.fields.traits;
    if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && Object.keys(raw).length > 0) {
      const schema = await this.deps.schemas.get(ctx.schemaId);
      traits = (s.form ? coerceFormTraits(raw, (schema.raw() as { properties?: { traits?: object } }).properties?.traits as never) : raw) as Record<string, unknown>;
    }
    const idToken = stringField(s.fields, 'id_token') ?? '';
    if (idToken !== '') return this.deps.callback.submitIdToken(s, provider, idToken, stringField(s.fields, 'id_token_nonce') ?? '', traits);
    return this.deps.authorization.start(s, provider, { ...(traits ? { traits } : {}), transientPayload: transientPayload(s.fields) });
  }
}
