import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { randomUUID } from 'node:crypto';
import { KratosError } from '../../../errors/kratos-error.js';
import type { IdentityManager } from '../../../identity/manager.js';
import { newId } from '../../../lib/ids.js';
import type { SchemaRegistry } from '../../../schema/registry.js';
import { errorIdentifierMissing, validationRequired } from '../../../text/index.js';
import { infoRegistrationWebAuthn } from '../../../text/registration.js';
import { infoSettingsWebAuthnDisplayName } from '../../../text/settings.js';
import { inputNode, UiNodeGroup, UiNodeInputType } from '../../../ui/node.js';
import { nodesFromIdentitySchema } from '../../../ui/schema-nodes.js';
import { coerceFormTraits, stringField } from '../../flow/body.js';
import { notResponsible, type MethodOutcome, type RegistrationFormContext, type RegistrationMethod, type Submission } from '../../flow/method.js';
import { toJson, type UiNodeJson } from '../../flow/ui-json.js';
import { FlowValidationError } from '../../flow/validation.js';
import { optionsInFlow, parseResponse, registrationOptions, storedCredentialFrom, verifyRegistration, type RelyingParty } from '../../flow/webauthn/ceremony.js';
import type { WebAuthnCredentialsConfig } from '../../flow/webauthn/credentials.js';
import { webAuthnScriptNode } from '../../flow/webauthn/script.js';
import { REGISTER_TRIGGER } from './settings.js';

export interface WebAuthnRegistrationDeps {
  schemas: SchemaRegistry;
  identities: Pick<IdentityManager, 'build'>;
  relyingParty(): RelyingParty;
  publicBaseUrl(): URL;
  now?: () => Date;
}

/**
 * The `webauthn` registration method with `passwordless: true` (browser flows only, as in Kratos):
 * traits and a passwordless security key (resident key and user verification required) for a new
 * random user handle. The identity needs a `webauthn.identifier` trait to sign in with later.
 */
export class WebAuthnRegistrationStrategy implements RegistrationMethod {
  private readonly now: () => Date;

  constructor(private readonly deps: WebAuthnRegistrationDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async nodes(ctx: RegistrationFormContext): Promise<UiNodeJson[]> {
    if (ctx.flowType !== 'browser') return [];
    const schema = (await this.deps.schemas.get(ctx.schemaId)).raw();
    // As Kratos: a random UUID's bytes as user handle (the identity does not exist yet).
    const json = JSON.stringify(await registrationOptions(this.deps.relyingParty(), randomUUID(), '', [], true));
    return [
      ...nodesFromIdentitySchema(schema, { group: UiNodeGroup.Default }),
      webAuthnScriptNode(this.deps.publicBaseUrl()),
      inputNode(UiNodeGroup.WebAuthn, 'webauthn_register_displayname', '', UiNodeInputType.Text, { label: infoSettingsWebAuthnDisplayName() }),
      inputNode(UiNodeGroup.WebAuthn, 'webauthn_register', '', UiNodeInputType.Hidden),
      inputNode(UiNodeGroup.WebAuthn, REGISTER_TRIGGER, json, UiNodeInputType.Button, {
        onclick: `window.oryWebAuthnRegistration(${json})`,
        onclickTrigger: 'oryWebAuthnRegistration',
        label: infoRegistrationWebAuthn(),
      }),
    ].map(toJson);
  }

  async submit(s: Submission): Promise<MethodOutcome> {
    if (s.flow.type !== 'browser') return notResponsible();
    const register = stringField(s.fields, 'webauthn_register') ?? '';
    if (register === '') return notResponsible();

    const schemaId = String(s.flow.data.identity_schema);
    const schema = await this.deps.schemas.get(schemaId);
    const rawTraits = s.fields.traits ?? {};
    if (typeof rawTraits !== 'object' || rawTraits === null || Array.isArray(rawTraits)) throw new FlowValidationError([{ message: validationRequired('traits'), node: 'traits' }]);
    const traitsSchema = (schema.raw() as { properties?: { traits?: object } }).properties?.traits;
    const traits = (s.form ? coerceFormTraits(rawTraits, traitsSchema as never) : rawTraits) as Record<string, unknown>;
    const result = schema.validateTraits(traits);
    if (!result.ok) throw new FlowValidationError(result.errors.map((e) => ({ message: e.message, node: e.nodeName })), { traits });
    if (result.credentials.webauthn.identifiers.length === 0) throw new FlowValidationError([{ message: errorIdentifierMissing() }], { traits });

    const offered = optionsInFlow(s.flow, REGISTER_TRIGGER) as { publicKey?: { challenge?: unknown; user?: { id?: unknown } } } | null;
    const challenge = offered?.publicKey?.challenge;
    const userId = offered?.publicKey?.user?.id;
    if (typeof challenge !== 'string' || typeof userId !== 'string' || userId === '') {
      throw new KratosError(400, { reason: 'This registration flow holds no security key to register. Start a new registration flow.' });
    }
    const response = parseResponse<RegistrationResponseJSON>(register, 'registration');
    if (!response) throw new KratosError(400, { reason: 'Unable to parse WebAuthn response.' });
    const info = await verifyRegistration(this.deps.relyingParty(), response, challenge, true);
    if (!info) throw new KratosError(400, { reason: 'Unable to register the security key: its answer does not match this flow, this site or the required user verification.' });

    const now = this.now();
    const key = storedCredentialFrom(info, { displayName: stringField(s.fields, 'webauthn_register_displayname')?.trim() ?? '', passwordless: true, now });
    const config: WebAuthnCredentialsConfig = { credentials: [key], user_handle: Buffer.from(userId, 'base64url').toString('base64') };
    const identity = await this.deps.identities.build({ schema_id: schemaId, traits, state: 'active' });
    const existing = identity.credentials.webauthn;
    identity.credentials.webauthn = {
      id: existing?.id ?? newId(),
      type: 'webauthn',
      identifiers: existing?.identifiers ?? result.credentials.webauthn.identifiers,
      config: config as unknown as Record<string, unknown>,
      version: 1,
      created_at: now,
      updated_at: now,
    };
    return { kind: 'authenticated', identity, method: { method: 'webauthn', aal: 'aal1', completed_at: now } };
  }
}
