import type { Identity } from '../../../identity/identity.js';
import type { SchemaRegistry } from '../../../schema/registry.js';
import type { Hasher } from '../../../hash/hasher.js';
import { verifyPassword } from '../../../hash/compare.js';
import { errorPasswordNewSameAsOld, validationRequired } from '../../../text/index.js';
import { infoNodeLabelSave } from '../../../text/node-label.js';
import { UiNodeAutocomplete, UiNodeGroup } from '../../../ui/node.js';
import { methodNode, passwordNode } from '../../../ui/password-nodes.js';
import { stringField } from '../../flow/body.js';
import type { UiNodeJson } from '../../flow/ui-json.js';
import { FlowValidationError } from '../../flow/validation.js';
import { names, notResponsible, type MethodOutcome, type SettingsChange, type SettingsMethod, type Submission } from '../../flow/method.js';
import type { PasswordPolicy } from './policy.js';
import { toJson } from '../../flow/ui-json.js';

export interface PasswordSettingsDeps {
  schemas: SchemaRegistry;
  hasher: Hasher;
  policy: PasswordPolicy;
}

/**
 * The `password` settings method: set a new password. The password is checked (required, not the
 * current one, the password policy with the identity's identifiers) and hashed here, so a change
 * waiting for re-authentication keeps only the hash.
 */
export class PasswordSettingsStrategy implements SettingsMethod {
  constructor(private readonly deps: PasswordSettingsDeps) {}

  async nodes(): Promise<UiNodeJson[]> {
    return [passwordNode(UiNodeAutocomplete.NewPassword), methodNode(UiNodeGroup.Password, 'password', infoNodeLabelSave())].map(toJson);
  }

  async submit(s: Submission, identity: Identity): Promise<MethodOutcome> {
    if (!names(s, 'password')) return notResponsible();
    return { kind: 'updated', change: await this.prepare(identity, s.fields) };
  }

  private async prepare(identity: Identity, fields: Record<string, unknown>): Promise<SettingsChange> {
    const password = stringField(fields, 'password') ?? '';
    if (password === '') throw new FlowValidationError([{ message: validationRequired('password'), node: 'password' }]);
    const current = identity.credentials.password?.config.hashed_password;
    if (typeof current === 'string' && current !== '' && (await verifyPassword(password, current).catch(() => false))) {
      throw new FlowValidationError([{ message: errorPasswordNewSameAsOld(), node: 'password' }]);
    }
    const checked = await this.deps.policy.validateWhile(identity.credentials.password?.identifiers ?? [], password, () => this.deps.hasher.hash(password));
    if ('violation' in checked) throw new FlowValidationError([{ message: checked.violation, node: 'password' }]);
    return this.change(checked.value);
  }

  async resume(_identity: Identity, pending: Record<string, unknown>): Promise<MethodOutcome> {
    return { kind: 'updated', change: this.change(String(pending.hashed_password)) };
  }

  private change(hashed: string): SettingsChange {
    return { credentials: { password: { config: { hashed_password: hashed } } }, protected: true, pending: { hashed_password: hashed } };
  }
}
