import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { KratosError } from '../../../errors/kratos-error.js';
import type { Identity } from '../../../identity/identity.js';
import type { SecondFactorUses } from '../../../identity/second-factor-uses.js';
import type { SchemaRegistry } from '../../../schema/registry.js';
import { countFirstFactors } from '../../../identity/first-factors.js';
import { errorWebAuthnVerifierWrong, validationGeneric, validationRequired } from '../../../text/index.js';
import { infoSettingsRegisterWebAuthn, infoSettingsRemoveWebAuthn, infoSettingsWebAuthnDisplayName } from '../../../text/settings.js';
import { inputNode, UiNodeGroup, UiNodeInputType } from '../../../ui/node.js';
import { stringField } from '../../flow/body.js';
import { notResponsible, type MethodOutcome, type SettingsChange, type SettingsMethod, type Submission } from '../../flow/method.js';
import { toJson, type UiNodeJson } from '../../flow/ui-json.js';
import { FlowValidationError } from '../../flow/validation.js';
import { challengeInFlow, parseResponse, registrationOptions, verifyRegistration, type RelyingParty } from '../../flow/webauthn/ceremony.js';
import { bytesToStd, keysOf, removalId, storedCredentialsIn, userHandleOf, type StoredWebAuthnCredential, type WebAuthnCredentialsConfig } from '../../flow/webauthn/credentials.js';
import { webAuthnScriptNode } from '../../flow/webauthn/script.js';

export interface WebAuthnSettingsDeps {
  schemas: SchemaRegistry;
  uses: SecondFactorUses;
  relyingParty(): RelyingParty;
  publicBaseUrl(): URL;
  /** `passwordless: true`: keys are added as a first factor (resident key, user verification required). */
  passwordless?: boolean;
  now?: () => Date;
}

export const REGISTER_TRIGGER = 'webauthn_register_trigger';

/**
 * The `webauthn` settings method (security keys as a second factor): lists the identity's keys
 * with a `webauthn_remove` button each, and offers to register another one. The creation options
 * (with their challenge) live in the stored flow's trigger node; the browser script fills
 * `webauthn_register` with the authenticator's answer.
 */
export class WebAuthnSettingsStrategy implements SettingsMethod {
  private readonly now: () => Date;

  constructor(private readonly deps: WebAuthnSettingsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async nodes(identity: Identity): Promise<UiNodeJson[]> {
    const passwordless = this.deps.passwordless === true;
    const all = storedCredentialsIn(identity.credentials.webauthn?.config);
    const options = await registrationOptions(this.deps.relyingParty(), identity.id, await this.userName(identity), all, passwordless);
    const json = JSON.stringify(options);
    // A passwordless key that is the last way to sign in cannot be removed.
    const locked = passwordless && countFirstFactors(identity) < 2;
    return [
      ...keysOf(identity, passwordless).map((c) =>
        inputNode(UiNodeGroup.WebAuthn, 'webauthn_remove', removalId(c), UiNodeInputType.Submit, {
          ...(locked ? { disabled: true } : {}),
          label: infoSettingsRemoveWebAuthn(c.display_name || 'unnamed', new Date(c.added_at)),
        }),
      ),
      webAuthnScriptNode(this.deps.publicBaseUrl()),
      inputNode(UiNodeGroup.WebAuthn, 'webauthn_register_displayname', '', UiNodeInputType.Text, { label: infoSettingsWebAuthnDisplayName() }),
      inputNode(UiNodeGroup.WebAuthn, REGISTER_TRIGGER, json, UiNodeInputType.Button, {
        onclick: `window.oryWebAuthnRegistration(${json})`,
        onclickTrigger: 'oryWebAuthnRegistration',
        label: infoSettingsRegisterWebAuthn(),
      }),
      inputNode(UiNodeGroup.WebAuthn, 'webauthn_register', '', UiNodeInputType.Hidden),
    ].map(toJson);
  }

  async submit(s: Submission, identity: Identity): Promise<MethodOutcome> {
    const register = stringField(s.fields, 'webauthn_register') ?? '';
    const remove = stringField(s.fields, 'webauthn_remove') ?? '';
    if (register === '' && remove === '') {
      if (s.fields.method !== 'webauthn') return notResponsible();
      throw new FlowValidationError([{ node: 'webauthn_register', message: validationRequired('webauthn_register') }]);
    }
    const config = this.configOf(identity);
    const passwordless = this.deps.passwordless === true;
    if (remove !== '') {
      // Only keys of this mode are offered for removal (security keys, or passwordless keys).
      const kept = config.credentials.filter((c) => removalId(c) !== remove || Boolean(c.is_passwordless) !== passwordless);
      if (kept.length === config.credentials.length) throw new KratosError(400, { reason: 'You tried to remove a WebAuthn credential which does not exist.' });
      if (passwordless && countFirstFactors(identity) < 2) {
        throw new FlowValidationError([{ node: 'webauthn_remove', message: validationGeneric('unable to remove this security key because it would lock you out of your account') }]);
      }
      return { kind: 'updated', change: this.change(kept.length === 0 ? null : { ...config, credentials: kept }, false) };
    }

    const challenge = challengeInFlow(s.flow, REGISTER_TRIGGER);
    if (!challenge) throw new KratosError(400, { reason: 'This settings flow holds no security key registration to complete. Start a new settings flow to add a security key.' });
    const response = parseResponse<RegistrationResponseJSON>(register, 'registration');
    if (!response) throw new KratosError(400, { reason: 'Unable to parse WebAuthn response.' });
    const wrong = () => new FlowValidationError([{ node: 'webauthn_register', message: errorWebAuthnVerifierWrong() }]);
    const info = await verifyRegistration(this.deps.relyingParty(), response, challenge, passwordless);
    if (!info) throw wrong();
    const id = bytesToStd(Buffer.from(info.credential.id, 'base64url'));
    if (config.credentials.some((c) => c.id === id)) throw new KratosError(400, { reason: 'This security key is already registered.' });
    // A flow's challenge registers one key, even when the same answer arrives twice at once.
    if (!(await this.deps.uses.spendWebAuthnChallenge(identity.id, challenge, this.now()))) throw wrong();

    const key: StoredWebAuthnCredential = {
      id,
      public_key: bytesToStd(info.credential.publicKey),
      attestation_type: info.fmt === 'none' ? 'none' : info.fmt,
      authenticator: { aaguid: bytesToStd(Buffer.from(info.aaguid.replace(/-/g, ''), 'hex')), sign_count: info.credential.counter, clone_warning: false },
      display_name: stringField(s.fields, 'webauthn_register_displayname')?.trim() ?? '',
      added_at: new Date(Math.round(this.now().getTime() / 1000) * 1000).toISOString(),
      is_passwordless: passwordless,
      flags: { user_present: true, user_verified: info.userVerified, backup_eligible: info.credentialDeviceType === 'multiDevice', backup_state: info.credentialBackedUp },
      transport: info.credential.transports ?? [],
    };
    return { kind: 'updated', change: this.change({ ...config, credentials: [...config.credentials, key] }, true) };
  }

  async resume(identity: Identity, pending: Record<string, unknown>): Promise<MethodOutcome> {
    const config = pending.webauthn as WebAuthnCredentialsConfig | null | undefined;
    return { kind: 'updated', change: this.change(config ?? null, pending.added === true) };
  }

  private change(config: WebAuthnCredentialsConfig | null, added: boolean): SettingsChange {
    return {
      // The identifiers follow the schema's `webauthn.identifier` traits (the identity manager sets them, as Kratos does).
      setCredentials: { webauthn: config === null ? null : { identifiers: [], config: config as unknown as Record<string, unknown> } },
      // Registering a key proves it, as in Kratos: the session gains the factor.
      ...(added ? { sessionMethod: { method: 'webauthn' as const, aal: this.deps.passwordless ? ('aal1' as const) : ('aal2' as const), completed_at: this.now() } } : {}),
      protected: true,
      pending: { webauthn: config, added },
    };
  }

  private configOf(identity: Identity): WebAuthnCredentialsConfig {
    const raw = identity.credentials.webauthn?.config;
    const handle = typeof raw?.user_handle === 'string' && raw.user_handle !== '' ? raw.user_handle : bytesToStd(userHandleOf(identity.id));
    return { credentials: storedCredentialsIn(raw), user_handle: handle };
  }

  /** The trait marked `webauthn.identifier` if there is one (the name an authenticator shows), else the identity id. */
  private async userName(identity: Identity): Promise<string> {
    try {
      const result = (await this.deps.schemas.get(identity.schema_id)).validateTraits(identity.traits);
      const first = result.ok ? result.credentials.webauthn.identifiers[0] : undefined;
      if (first) return first;
    } catch {
      // Traits that no longer validate still get a name.
    }
    return identity.id;
  }
}
