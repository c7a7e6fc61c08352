import type { SchemaRegistry } from '../../../schema/registry.js';
import { infoRegistrationChooseCredentials, validationGeneric, validationRequired } from '../../../text/index.js';
import { profileRegistrationNodes, registrationBackNode } from '../../../ui/password-nodes.js';
import { coerceFormTraits, stringField } from '../../flow/body.js';
import { FlowValidationError } from '../../flow/validation.js';
import { toJson, type UiNodeJson } from '../../flow/ui-json.js';
import { notResponsible, type MethodOutcome, type RegistrationFormContext, type RegistrationMethod, type Submission } from '../../flow/method.js';

export interface ProfileRegistrationDeps {
  schemas: SchemaRegistry;
}

/**
 * The first step of two-step registration (Kratos v1.3's default): the traits, checked against the
 * identity schema, then the credential screen. As in Kratos: `method=profile` (or
 * `screen=credential-selection`) goes on, `screen=previous` (or the older `method=profile:back`)
 * goes back; neither stores anything. The credential methods then take the traits with their own
 * submission, as in one-step registration.
 */
export class ProfileRegistrationStrategy implements RegistrationMethod {
  readonly profileScreen = true;

  constructor(private readonly deps: ProfileRegistrationDeps) {}

  async nodes(ctx: RegistrationFormContext): Promise<UiNodeJson[]> {
    const schema = await this.deps.schemas.get(ctx.schemaId);
    return profileRegistrationNodes(schema.raw()).map(toJson);
  }

  async submit(s: Submission, ctx: RegistrationFormContext): Promise<MethodOutcome> {
    const method = s.fields.method;
    const screen = stringField(s.fields, 'screen');
    if (method !== 'profile' && method !== 'profile:back' && screen === undefined) return notResponsible();
    // A screen named decides (so `method=profile&screen=previous`, which @ory/client sends, goes back).
    if (screen !== undefined && screen !== 'credential-selection' && screen !== 'previous') {
      throw new FlowValidationError([{ node: 'screen', message: validationGeneric('screen must be one of "credential-selection", "previous"') }]);
    }
    const forward = screen === 'credential-selection' || (screen === undefined && method === 'profile');
    const traits = await this.traits(s, ctx);
    if (!forward) return { kind: 'screen', screen: 'previous', values: { traits } };

    const schema = await this.deps.schemas.get(ctx.schemaId);
    const result = schema.validateTraits(traits);
    if (!result.ok) throw new FlowValidationError(result.errors.map((e) => ({ message: e.message, node: e.nodeName || undefined })), { traits });
    return {
      kind: 'screen',
      screen: 'credential_selection',
      values: { traits },
      nodes: [toJson(registrationBackNode())],
      messages: [{ message: infoRegistrationChooseCredentials() }],
    };
  }

  /** The submitted traits (form posts typed by the schema); none is an empty object, which the schema then judges. */
  private async traits(s: Submission, ctx: RegistrationFormContext): Promise<Record<string, unknown>> {
    const raw = s.fields.traits ?? {};
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new FlowValidationError([{ message: validationRequired('traits'), node: 'traits' }]);
    }
    if (!s.form) return raw as Record<string, unknown>;
    const schema = await this.deps.schemas.get(ctx.schemaId);
    return coerceFormTraits(raw, (schema.raw() as { properties?: { traits?: object } }).properties?.traits as never) as Record<string, unknown>;
  }
}
