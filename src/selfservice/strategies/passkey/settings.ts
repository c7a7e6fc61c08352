import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { KratosError } from '../../../errors/kratos-error.js';
import { countFirstFactors } from '../../../identity/first-factors.js';
import type { Identity } from '../../../identity/identity.js';
import type { SecondFactorUses } from '../../../identity/second-factor-uses.js';
import type { SchemaRegistry } from '../../../schema/registry.js';
import { errorWebAuthnVerifierWrong, validationGeneric } from '../../../text/index.js';
import { infoSettingsRegisterPasskey, infoSettingsRemovePasskey } from '../../../text/settings.js';
import { inputNode, UiNodeGroup, UiNodeInputType } from '../../../ui/node.js';
import { stringField } from '../../flow/body.js';
import type { FlowType } from '../../flow/flow.js';
import { notResponsible, type MethodOutcome, type SettingsChange, type SettingsMethod, type Submission } from '../../flow/method.js';
import { toJson, type UiNodeJson } from '../../flow/ui-json.js';
import { FlowValidationError } from '../../flow/validation.js';
import { challengeInFlow, optionsInFlow, parseResponse, passkeyRegistrationOptions, storedCredentialFrom, verifyRegistration, type RelyingParty } from '../../flow/webauthn/ceremony.js';
import { removalId, storedCredentialsIn, type WebAuthnCredentialsConfig } from '../../flow/webauthn/credentials.js';
import { webAuthnScriptNode } from '../../flow/webauthn/script.js';
import { PASSKEY_CREATE_DATA } from './registration.js';
import { newPasskeyUserHandle, passkeyIdentifierOf } from './user-handle.js';

export interface PasskeySettingsDeps {
  schemas: SchemaRegistry;
  uses: Pick<SecondFactorUses, 'spendWebAuthnChallenge'>;
  relyingParty(): RelyingParty;
  publicBaseUrl(): URL;
  now?: () => Date;
}

/**
 * The `passkey` settings method (browser flows only, as in Kratos): lists the identity's passkeys
 * with a `passkey_remove` button each (disabled when it is the last way to sign in) and offers to
 * add one. The creation options live in the stored flow's `passkey_create_data` node; the script
 * posts the new credential as `passkey_settings_register`.
 */
export class PasskeySettingsStrategy implements SettingsMethod {
  private readonly now: () => Date;

  constructor(private readonly deps: PasskeySettingsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async nodes(identity: Identity, flowType: FlowType): Promise<UiNodeJson[]> {
    if (flowType !== 'browser') return [];
    const config = this.configOf(identity);
    const lastFactor = countFirstFactors(identity) < 2;
    const name = await this.displayName(identity);
    const handle = config.user_handle !== '' ? new Uint8Array(Buffer.from(config.user_handle, 'base64')) : newPasskeyUserHandle();
    const options = await passkeyRegistrationOptions(this.deps.relyingParty(), handle, name, config.credentials);
    return [
      ...config.credentials.map((c) =>
        inputNode(UiNodeGroup.Passkey, 'passkey_remove', removalId(c), UiNodeInputType.Submit, {
          disabled: lastFactor,
          label: infoSettingsRemovePasskey(c.display_name || 'unnamed', new Date(c.added_at)),
        }),
      ),
      webAuthnScriptNode(this.deps.publicBaseUrl()),
      inputNode(UiNodeGroup.Passkey, 'passkey_register_trigger', '', UiNodeInputType.Button, {
        onclick: 'window.oryPasskeySettingsRegistration()',
        onclickTrigger: 'oryPasskeySettingsRegistration',
        label: infoSettingsRegisterPasskey(),
      }),
      inputNode(UiNodeGroup.Passkey, 'passkey_settings_register', '', UiNodeInputType.Hidden),
      inputNode(UiNodeGroup.Passkey, PASSKEY_CREATE_DATA, JSON.stringify(options), UiNodeInputType.Hidden),
    ].map(toJson);
  }

  async submit(s: Submission, identity: Identity): Promise<MethodOutcome> {
    if (s.flow.type !== 'browser') return notResponsible();
    const register = stringField(s.fields, 'passkey_settings_register') ?? '';
    const remove = stringField(s.fields, 'passkey_remove') ?? '';
    if (register === '' && remove === '') return notResponsible();
    const config = this.configOf(identity);

    if (remove !== '') {
      const kept = config.credentials.filter((c) => removalId(c) !== remove);
      if (kept.length === config.credentials.length) throw new KratosError(400, { reason: 'You tried to remove a passkey which does not exist.' });
      if (countFirstFactors(identity) < 2) {
        throw new FlowValidationError([{ node: 'passkey_remove', message: validationGeneric('unable to remove this passkey because it would lock you out of your account') }]);
      }
      return { kind: 'updated', change: this.change(kept.length === 0 ? null : { ...config, credentials: kept }, identity.credentials.passkey?.identifiers ?? [], false) };
    }

    const offered = optionsInFlow(s.flow, PASSKEY_CREATE_DATA) as { publicKey?: { user?: { id?: unknown } } } | null;
    const userId = offered?.publicKey?.user?.id;
    const challenge = challengeInFlow(s.flow, PASSKEY_CREATE_DATA);
    if (!challenge || typeof userId !== 'string' || userId === '') {
      throw new KratosError(400, { reason: 'This settings flow holds no passkey to add. Start a new settings flow to add a passkey.' });
    }
    const response = parseResponse<RegistrationResponseJSON>(register, 'registration');
    if (!response) throw new KratosError(400, { reason: 'Unable to parse WebAuthn response.' });
    const wrong = () => new FlowValidationError([{ node: 'passkey_settings_register', message: errorWebAuthnVerifierWrong() }]);
    const info = await verifyRegistration(this.deps.relyingParty(), response, challenge, true);
    if (!info) throw wrong();
    const key = storedCredentialFrom(info, { displayName: await this.displayName(identity), passwordless: true, now: this.now() });
    if (config.credentials.some((c) => c.id === key.id)) throw new KratosError(400, { reason: 'This passkey is already registered.' });
    // A flow's challenge adds one passkey, even when the same answer arrives twice at once.
    if (!(await this.deps.uses.spendWebAuthnChallenge(identity.id, challenge, this.now()))) throw wrong();
    const handle = Buffer.from(userId, 'base64url');
    const identifiers = [...new Set([...(identity.credentials.passkey?.identifiers ?? []), passkeyIdentifierOf(handle)])];
    return { kind: 'updated', change: this.change({ credentials: [...config.credentials, key], user_handle: handle.toString('base64') }, identifiers, true) };
  }

  async resume(identity: Identity, pending: Record<string, unknown>): Promise<MethodOutcome> {
    const config = pending.passkey as WebAuthnCredentialsConfig | null | undefined;
    const identifiers = Array.isArray(pending.identifiers) ? (pending.identifiers as string[]) : (identity.credentials.passkey?.identifiers ?? []);
    return { kind: 'updated', change: this.change(config ?? null, identifiers, pending.added === true) };
  }

  private change(config: WebAuthnCredentialsConfig | null, identifiers: string[], added: boolean): SettingsChange {
    return {
      setCredentials: { passkey: config === null ? null : { identifiers, config: config as unknown as Record<string, unknown> } },
      // Adding a passkey proves it, as in Kratos: the session gains the (first-factor) method.
      ...(added ? { sessionMethod: { method: 'passkey' as const, aal: 'aal1' as const, completed_at: this.now() } } : {}),
      protected: true,
      pending: { passkey: config, identifiers, added },
    };
  }

  private configOf(identity: Identity): WebAuthnCredentialsConfig {
    const raw = identity.credentials.passkey?.config;
    return { credentials: storedCredentialsIn(raw), user_handle: typeof raw?.user_handle === 'string' ? raw.user_handle : '' };
  }

  /** The passkey display name of the identity's traits (`passkey.display_name`, else `webauthn.identifier`), else its id. */
  private async displayName(identity: Identity): Promise<string> {
    try {
      const result = (await this.deps.schemas.get(identity.schema_id)).validateTraits(identity.traits);
      if (result.ok && result.credentials.passkey.displayName) return result.credentials.passkey.displayName;
    } catch {
      // Traits that no longer validate still get a name.
    }
    return identity.id;
  }
}
