import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { KratosError } from '../../../errors/kratos-error.js';
import type { Identity } from '../../../identity/identity.js';
import type { IdentityPool } from '../../../identity/pool.js';
import type { SecondFactorUses } from '../../../identity/second-factor-uses.js';
import { errorNoWebAuthnDevice, errorWebAuthnVerifierWrong } from '../../../text/index.js';
import { infoLoginWebAuthn } from '../../../text/login.js';
import { inputNode, UiNodeGroup, UiNodeInputType } from '../../../ui/node.js';
import { stringField } from '../../flow/body.js';
import { notResponsible, type LoginFormContext, type LoginMethod, type MethodOutcome, type Submission } from '../../flow/method.js';
import { toJson, type UiNodeJson } from '../../flow/ui-json.js';
import { FlowValidationError } from '../../flow/validation.js';
import { beginSecondFactorAttempt, secondFactorIdentity, type SecondFactorLoginDeps } from '../second-factor.js';
import { authenticationOptions, challengeInFlow, parseResponse, verifyAuthentication, type RelyingParty } from '../../flow/webauthn/ceremony.js';
import { base64urlToStd, keysOf, storedCredentialsIn, type WebAuthnCredentialsConfig } from '../../flow/webauthn/credentials.js';
import { webAuthnScriptNode } from '../../flow/webauthn/script.js';

export interface WebAuthnLoginDeps extends SecondFactorLoginDeps {
  uses: SecondFactorUses;
  /** Stores the moved signature counter of the key that signed in. */
  identityWriter: Pick<IdentityPool, 'updateIdentity'>;
  relyingParty(): RelyingParty;
  publicBaseUrl(): URL;
}

export const LOGIN_TRIGGER = 'webauthn_login_trigger';

/** The `webauthn` login method as a second factor (aal2) for a signed-in identity with a security key. */
export class WebAuthnLoginStrategy implements LoginMethod {
  private readonly now: () => Date;

  constructor(private readonly deps: WebAuthnLoginDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async nodes(ctx: LoginFormContext): Promise<UiNodeJson[]> {
    const identity = await secondFactorIdentity(this.deps, ctx);
    if (!identity) return [];
    const keys = keysOf(identity, false);
    if (keys.length === 0) return [];
    const json = JSON.stringify(await authenticationOptions(this.deps.relyingParty(), keys, false));
    // Kratos's order: result input, script, trigger.
    return [
      inputNode(UiNodeGroup.WebAuthn, 'webauthn_login', '', UiNodeInputType.Hidden),
      webAuthnScriptNode(this.deps.publicBaseUrl()),
      inputNode(UiNodeGroup.WebAuthn, LOGIN_TRIGGER, json, UiNodeInputType.Button, {
        onclick: `window.oryWebAuthnLogin(${json})`,
        onclickTrigger: 'oryWebAuthnLogin',
        label: infoLoginWebAuthn(),
      }),
    ].map(toJson);
  }

  async submit(s: Submission, ctx: LoginFormContext): Promise<MethodOutcome> {
    const raw = stringField(s.fields, 'webauthn_login') ?? '';
    if (raw === '' && s.fields.method !== 'webauthn') return notResponsible();
    const identity = await secondFactorIdentity(this.deps, ctx);
    if (!identity) return notResponsible();
    const keys = keysOf(identity, false);
    if (keys.length === 0) throw new FlowValidationError([{ message: errorNoWebAuthnDevice() }]);
    if (raw === '') throw new FlowValidationError([{ message: errorWebAuthnVerifierWrong() }]);
    const challenge = challengeInFlow(s.flow, LOGIN_TRIGGER);
    if (!challenge) throw new KratosError(400, { reason: 'This login flow holds no security key challenge. Start a new login flow.' });
    const response = parseResponse<AuthenticationResponseJSON>(raw, 'authentication');
    if (!response) throw new KratosError(400, { reason: 'Unable to parse WebAuthn response.' });

    // Counted before the signature is looked at, with the account's other second factors.
    const attempt = await beginSecondFactorAttempt(this.deps, identity, s.req.ip ?? '');
    const wrong = () => new FlowValidationError([{ message: errorWebAuthnVerifierWrong() }]);
    if (!attempt.admitted) throw wrong();
    const key = keys.find((k) => k.id === base64urlToStd(response.rawId));
    if (!key) throw wrong();
    // An authenticator that names a user must name this one (a key made for another account is refused).
    const handle = response.response.userHandle;
    const stored = identity.credentials.webauthn?.config.user_handle;
    if (handle && typeof stored === 'string' && base64urlToStd(handle) !== stored) throw wrong();
    const info = await verifyAuthentication(this.deps.relyingParty(), response, challenge, key, false);
    if (!info) throw wrong();
    const now = this.now();
    if (!(await this.deps.uses.spendWebAuthnChallenge(identity.id, challenge, now))) throw wrong();
    await this.storeCounter(identity, key.id, info.newCounter);
    await attempt.succeeded();
    return { kind: 'authenticated', identity, method: { method: 'webauthn', aal: 'aal2', completed_at: now } };
  }

  /** Keeps the key's signature counter, so a cloned key's older counter is refused next time. */
  private async storeCounter(identity: Identity, keyId: string, counter: number): Promise<void> {
    const cred = identity.credentials.webauthn;
    if (!cred) return;
    const config = cred.config as unknown as WebAuthnCredentialsConfig;
    const credentials = storedCredentialsIn(cred.config).map((c) =>
      c.id === keyId ? { ...c, authenticator: { aaguid: c.authenticator?.aaguid ?? '', clone_warning: false, sign_count: counter } } : c,
    );
    const updated: Identity = structuredClone(identity);
    updated.credentials.webauthn = { ...cred, config: { ...config, credentials } as unknown as Record<string, unknown>, updated_at: this.now() };
    await this.deps.identityWriter.updateIdentity(updated);
  }
}
