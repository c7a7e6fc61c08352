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
import { acceptAssertion, authenticationOptions, challengeInFlow, parseResponse, type RelyingParty } from '../../flow/webauthn/ceremony.js';
import { base64urlToStd, keysOf, withSignCount } from '../../flow/webauthn/credentials.js';
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
    // An authenticator that names a user must name this one (a key made for another account is refused).
    const handle = response.response.userHandle;
    const stored = identity.credentials.webauthn?.config.user_handle;
    if (handle && typeof stored === 'string' && base64urlToStd(handle) !== stored) throw wrong();
    const now = this.now();
    const accepted = await acceptAssertion({
      rp: this.deps.relyingParty(), response, challenge, keys, requireUserVerification: false,
      spend: () => this.deps.uses.spendWebAuthnChallenge(identity.id, challenge, now),
    });
    if (!accepted) throw wrong();
    const counted = withSignCount(identity, 'webauthn', accepted.key.id, accepted.newCounter, now);
    if (counted) await this.deps.identityWriter.updateIdentity(counted);
    await attempt.succeeded();
    return { kind: 'authenticated', identity, method: { method: 'webauthn', aal: 'aal2', completed_at: now } };
  }
}
