import type { Identity } from '../../../identity/identity.js';
import type { IdentityManager } from '../../../identity/manager.js';
import type { SchemaRegistry } from '../../../schema/registry.js';
import { validationRequired } from '../../../text/index.js';
import { passwordRegistrationNodes } from '../../../ui/password-nodes.js';
import { coerceFormTraits, stringField } from '../../flow/body.js';
import type { Flow } from '../../flow/flow.js';
import { FlowValidationError } from '../../flow/validation.js';
import type { UiNodeJson } from '../../flow/ui-json.js';
import { names, notResponsible, type MethodOutcome, type RegistrationFormContext, type RegistrationMethod, type Submission } from '../../flow/method.js';
import type { PasswordPolicy } from './policy.js';
import { toJson } from '../../flow/ui-json.js';

export interface PasswordRegistrationDeps {
  schemas: SchemaRegistry;
  identities: IdentityManager;
  policy: PasswordPolicy;
}

/** The `password` registration method: traits and a password; the identity it describes is stored by the flow. */
export class PasswordRegistrationStrategy implements RegistrationMethod {
  constructor(private readonly deps: PasswordRegistrationDeps) {}

  async nodes(ctx: RegistrationFormContext): Promise<UiNodeJson[]> {
    const schema = await this.deps.schemas.get(ctx.schemaId);
    return passwordRegistrationNodes(schema.raw()).map(toJson);
  }

  async submit(s: Submission): Promise<MethodOutcome> {
    if (!names(s, 'password')) return notResponsible();
    const identity = await this.register(s.flow, s.fields, s.form);
    return { kind: 'authenticated', identity, method: { method: 'password', aal: 'aal1', completed_at: new Date() } };
  }

  private async register(flow: Flow, fields: Record<string, unknown>, form: boolean): Promise<Identity> {
    const schemaId = String(flow.data.identity_schema);
    const schema = await this.deps.schemas.get(schemaId);
    const rawTraits = fields.traits ?? {};
    if (typeof rawTraits !== 'object' || rawTraits === null || Array.isArray(rawTraits)) {
      throw new FlowValidationError([{ message: validationRequired('traits'), node: 'traits' }]);
    }
    const traits = (form ? coerceFormTraits(rawTraits, (schema.raw() as { properties?: { traits?: object } }).properties?.traits as never) : rawTraits) as Record<string, unknown>;
    const password = stringField(fields, 'password') ?? '';

    const problems: Array<{ message: ReturnType<typeof validationRequired>; node?: string }> = [];
    const result = schema.validateTraits(traits);
    if (!result.ok) for (const e of result.errors) problems.push({ message: e.message, node: e.nodeName });
    if (password === '') problems.push({ message: validationRequired('password'), node: 'password' });
    if (problems.length > 0) throw new FlowValidationError(problems, { traits });

    // Building the identity hashes the password: it runs while the policy asks the range API.
    const checked = await this.deps.policy.validateWhile(result.ok ? result.credentials.password.identifiers : [], password, () =>
      this.deps.identities.build({ schema_id: schemaId, traits, state: 'active', credentials: { password: { config: { password } } } }),
    );
    if ('violation' in checked) throw new FlowValidationError([{ message: checked.violation, node: 'password' }], { traits });
    return checked.value;
  }
}
