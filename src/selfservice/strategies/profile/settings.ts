import { badRequest } from '../../../errors/kratos-error.js';
import type { Identity } from '../../../identity/identity.js';
import type { SchemaRegistry } from '../../../schema/registry.js';
import type { TraitsExtraction } from '../../../schema/extension.js';
import { infoNodeLabelSave } from '../../../text/node-label.js';
import { UiNodeGroup } from '../../../ui/node.js';
import { methodNode } from '../../../ui/password-nodes.js';
import { nodesFromIdentitySchema } from '../../../ui/schema-nodes.js';
import { coerceFormTraits } from '../../flow/body.js';
import type { UiNodeJson } from '../../flow/ui-json.js';
import { FlowValidationError } from '../../flow/validation.js';
import { names, notResponsible, type MethodOutcome, type SettingsChange, type SettingsMethod, type Submission } from '../../flow/method.js';
import { toJson } from '../../flow/ui-json.js';

export interface ProfileSettingsDeps {
  schemas: SchemaRegistry;
}

const key = (via: string, value: string) => `${via}:${value.toLowerCase()}`;
const sameSet = (a: Iterable<string>, b: Iterable<string>) => {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
};

/**
 * Whether new traits change what Kratos protects: a credential identifier (login name), a
 * verifiable or a recovery address. Such changes need a privileged (recently authenticated) session.
 */
export function touchesProtectedTraits(identity: Identity, derived: TraitsExtraction): boolean {
  const ids = (t: 'password' | 'webauthn' | 'code') => identity.credentials[t]?.identifiers ?? [];
  if (!sameSet(ids('password'), derived.credentials.password.identifiers)) return true;
  if (!sameSet(ids('webauthn'), derived.credentials.webauthn.identifiers)) return true;
  if (!sameSet(ids('code'), derived.credentials.code.identifiers.map((a) => a.value))) return true;
  if (!sameSet(identity.verifiable_addresses.map((a) => key(a.via, a.value)), derived.verifiableAddresses.map((a) => key(a.via, a.value)))) return true;
  return !sameSet(identity.recovery_addresses.map((a) => key(a.via, a.value)), derived.recoveryAddresses.map((a) => key(a.via, a.value)));
}

/** The `profile` settings method: edit the identity's traits. */
export class ProfileSettingsStrategy implements SettingsMethod {
  constructor(private readonly deps: ProfileSettingsDeps) {}

  async nodes(identity: Identity): Promise<UiNodeJson[]> {
    const schema = await this.deps.schemas.get(identity.schema_id);
    return [
      ...nodesFromIdentitySchema(schema.raw(), { group: UiNodeGroup.Profile, values: identity.traits }),
      methodNode(UiNodeGroup.Profile, 'profile', infoNodeLabelSave()),
    ].map(toJson);
  }

  async submit(s: Submission, identity: Identity): Promise<MethodOutcome> {
    if (!names(s, 'profile')) return notResponsible();
    return { kind: 'updated', change: await this.prepare(identity, s.fields, s.form) };
  }

  private async prepare(identity: Identity, fields: Record<string, unknown>, form: boolean): Promise<SettingsChange> {
    const raw = fields.traits;
    if (raw === undefined || raw === null || (typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 0)) {
      throw badRequest('Did not receive any value changes.');
    }
    const schema = await this.deps.schemas.get(identity.schema_id);
    const traitsSchema = (schema.raw() as { properties?: { traits?: object } }).properties?.traits;
    const traits = (form ? coerceFormTraits(raw, traitsSchema as never) : raw) as Record<string, unknown>;
    return this.change(identity, traits);
  }

  async resume(identity: Identity, pending: Record<string, unknown>): Promise<MethodOutcome> {
    return { kind: 'updated', change: await this.change(identity, pending.traits as Record<string, unknown>) };
  }

  private async change(identity: Identity, traits: Record<string, unknown>): Promise<SettingsChange> {
    const schema = await this.deps.schemas.get(identity.schema_id);
    const result = schema.validateTraits(traits);
    if (!result.ok) throw new FlowValidationError(result.errors.map((e) => ({ message: e.message, node: e.nodeName || undefined })), { traits });
    return { traits, protected: touchesProtectedTraits(identity, result), pending: { traits }, values: { traits } };
  }
}
