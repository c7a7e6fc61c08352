import { KratosError } from '../../../errors/kratos-error.js';
import type { Identity } from '../../../identity/identity.js';
import type { IdentityManager } from '../../../identity/manager.js';
import type { SchemaRegistry } from '../../../schema/registry.js';
import { errorDuplicateCredentials, validationRequired } from '../../../text/index.js';
import { passwordRegistrationNodes } from '../../../ui/password-nodes.js';
import { coerceFormTraits, stringField } from '../../flow/body.js';
import type { Flow } from '../../flow/flow.js';
import { FlowValidationError } from '../../flow/validation.js';
import type { UiNodeJson } from '../../flow/ui-json.js';
import type { RegistrationStrategy } from '../../flows/registration/strategy.js';
import type { PasswordPolicy } from './policy.js';
import { toJson } from '../../flow/ui-json.js';

export interface PasswordRegistrationDeps {
  schemas: SchemaRegistry;
  identities: IdentityManager;
  policy: PasswordPolicy;
}

export class PasswordRegistrationStrategy implements RegistrationStrategy {
  readonly id = 'password' as const;

  constructor(private readonly deps: PasswordRegistrationDeps) {}

  async registrationNodes(schemaId: string): Promise<UiNodeJson[]> {
    const schema = await this.deps.schemas.get(schemaId);
    return passwordRegistrationNodes(schema.raw()).map(toJson);
  }

  async register(flow: Flow, fields: Record<string, unknown>, form: boolean): Promise<Identity> {
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

    const violation = await this.deps.policy.validate(result.ok ? result.credentials.password.identifiers : [], password);
    if (violation) throw new FlowValidationError([{ message: violation, node: 'password' }], { traits });

    try {
      return await this.deps.identities.create({ schema_id: schemaId, traits, state: 'active', credentials: { password: { config: { password } } } });
    } catch (err) {
      // Also what the loser of two simultaneous sign-ups with one identifier sees: the unique index decides.
      if (err instanceof KratosError && err.code === 409) throw new FlowValidationError([{ message: errorDuplicateCredentials() }], { traits });
      throw err;
    }
  }
}
