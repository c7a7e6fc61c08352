import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { KratosError } from '../../../errors/kratos-error.js';
import { newId } from '../../../lib/ids.js';
import type { IdentityManager } from '../../../identity/manager.js';
import type { SchemaRegistry } from '../../../schema/registry.js';
import { validationRequired } from '../../../text/index.js';
import { infoRegistrationPasskey } from '../../../text/registration.js';
import { inputNode, UiNodeGroup, UiNodeInputType } from '../../../ui/node.js';
import { nodesFromIdentitySchema } from '../../../ui/schema-nodes.js';
import { coerceFormTraits, stringField } from '../../flow/body.js';
import { notResponsible, type MethodOutcome, type RegistrationFormContext, type RegistrationMethod, type Submission } from '../../flow/method.js';
import { toJson, type UiNodeJson } from '../../flow/ui-json.js';
import { FlowValidationError } from '../../flow/validation.js';
import { optionsInFlow, parseResponse, passkeyRegistrationOptions, storedCredentialFrom, verifyRegistration, type RelyingParty } from '../../flow/webauthn/ceremony.js';
import type { WebAuthnCredentialsConfig } from '../../flow/webauthn/credentials.js';
import { webAuthnScriptNode } from '../../flow/webauthn/script.js';
import { displayNameFieldOf } from './display-name.js';
import { newPasskeyUserHandle, passkeyIdentifierOf } from './user-handle.js';

export interface PasskeyRegistrationDeps {
  schemas: SchemaRegistry;
  identities: Pick<IdentityManager, 'build'>;
  relyingParty(): RelyingParty;
  publicBaseUrl(): URL;
  now?: () => Date;
}

export const PASSKEY_CREATE_DATA = 'passkey_create_data';
export const PASSKEY_REGISTER = 'passkey_register';

/** What `passkey_create_data` holds on a registration form (Kratos's shape). */
interface PasskeyCreateData {
  credentialOptions: { publicKey: { challenge: string; user: { id: string } } & Record<string, unknown> };
  /** The trait input whose value names the passkey on the authenticator (`traits.email`). */
  displayNameFieldName: string;
}

/**
 * The `passkey` registration method (browser flows only, as in Kratos): traits and a new passkey,
 * no password. The creation options (a fresh random user handle, the challenge) live in the stored
 * flow's `passkey_create_data` node; the browser script fills the user's name from the field
 * `displayNameFieldName` names, creates the credential and posts it as `passkey_register`.
 */
export class PasskeyRegistrationStrategy implements RegistrationMethod {
  private readonly now: () => Date;

  constructor(private readonly deps: PasskeyRegistrationDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async nodes(ctx: RegistrationFormContext): Promise<UiNodeJson[]> {
    if (ctx.flowType !== 'browser') return [];
    const schema = (await this.deps.schemas.get(ctx.schemaId)).raw();
    const options = await passkeyRegistrationOptions(this.deps.relyingParty(), newPasskeyUserHandle(), '', []);
    const createData = { credentialOptions: options, displayNameFieldName: displayNameFieldOf(schema) };
    return [
      ...nodesFromIdentitySchema(schema, { group: UiNodeGroup.Default }),
      webAuthnScriptNode(this.deps.publicBaseUrl()),
      inputNode(UiNodeGroup.Passkey, PASSKEY_CREATE_DATA, JSON.stringify(createData), UiNodeInputType.Hidden),
      inputNode(UiNodeGroup.Passkey, PASSKEY_REGISTER, '', UiNodeInputType.Hidden),
      inputNode(UiNodeGroup.Passkey, 'passkey_register_trigger', '', UiNodeInputType.Button, {
        onclick: 'window.oryPasskeyRegistration()',
        onclickTrigger: 'oryPasskeyRegistration',
        label: infoRegistrationPasskey(),
      }),
    ].map(toJson);
  }

  async submit(s: Submission): Promise<MethodOutcome> {
    if (s.flow.type !== 'browser') return notResponsible();
    const register = stringField(s.fields, PASSKEY_REGISTER) ?? '';
    // The React SDK sends "true" for an empty value.
    if (register === '' || register === 'true') return notResponsible();

    const schemaId = String(s.flow.data.identity_schema);
    const schema = await this.deps.schemas.get(schemaId);
    const rawTraits = s.fields.traits ?? {};
    if (typeof rawTraits !== 'object' || rawTraits === null || Array.isArray(rawTraits)) throw new FlowValidationError([{ message: validationRequired('traits'), node: 'traits' }]);
    const traitsSchema = (schema.raw() as { properties?: { traits?: object } }).properties?.traits;
    const traits = (s.form ? coerceFormTraits(rawTraits, traitsSchema as never) : rawTraits) as Record<string, unknown>;
    const result = schema.validateTraits(traits);
    if (!result.ok) throw new FlowValidationError(result.errors.map((e) => ({ message: e.message, node: e.nodeName })), { traits });

    const createData = optionsInFlow(s.flow, PASSKEY_CREATE_DATA) as Partial<PasskeyCreateData> | null;
    const publicKey = createData?.credentialOptions?.publicKey;
    if (!publicKey || typeof publicKey.challenge !== 'string' || typeof publicKey.user?.id !== 'string' || publicKey.user.id === '') {
      throw new KratosError(400, { reason: 'This registration flow holds no passkey to create. Start a new registration flow.' });
    }
    const response = parseResponse<RegistrationResponseJSON>(register, 'registration');
    if (!response) throw new KratosError(400, { reason: 'Unable to parse WebAuthn response.' });
    const info = await verifyRegistration(this.deps.relyingParty(), response, publicKey.challenge, true);
    if (!info) throw new KratosError(400, { reason: 'Unable to create the passkey: the authenticator\'s answer does not match this flow, this site or the required user verification.' });

    const handle = Buffer.from(publicKey.user.id, 'base64url');
    const key = storedCredentialFrom(info, { displayName: result.credentials.passkey.displayName ?? '', passwordless: true, now: this.now() });
    const config: WebAuthnCredentialsConfig = { credentials: [key], user_handle: handle.toString('base64') };
    const identity = await this.deps.identities.build({ schema_id: schemaId, traits, state: 'active' });
    const now = this.now();
    identity.credentials.passkey = {
      id: newId(),
      type: 'passkey',
      identifiers: [passkeyIdentifierOf(handle)],
      config: config as unknown as Record<string, unknown>,
      version: 1,
      created_at: now,
      updated_at: now,
    };
    return { kind: 'authenticated', identity, method: { method: 'passkey', aal: 'aal1', completed_at: now } };
  }
}
