import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { KratosError } from '../../../errors/kratos-error.js';
import type { Identity } from '../../../identity/identity.js';
import type { IdentityPool } from '../../../identity/pool.js';
import type { SecondFactorUses } from '../../../identity/second-factor-uses.js';
import { errorNoSuchWebAuthnUser, errorWebAuthnVerifierWrong } from '../../../text/index.js';
import { infoLoginPasskey } from '../../../text/login.js';
import { identifierLabelFromSchema } from '../../../ui/schema-nodes.js';
import { inputNode, UiNodeAutocomplete, UiNodeGroup, UiNodeInputType } from '../../../ui/node.js';
import { stringField } from '../../flow/body.js';
import { browserLocationChangeRequired } from '../../flow/errors.js';
import { browserResponseMode } from '../../flow/request.js';
import { notResponsible, type LoginFormContext, type LoginMethod, type MethodOutcome, type Submission } from '../../flow/method.js';
import { toJson, type UiNodeJson } from '../../flow/ui-json.js';
import { FlowValidationError } from '../../flow/validation.js';
import { acceptAssertion, authenticationOptions, challengeInFlow, discoverableAuthenticationOptions, parseResponse, type RelyingParty } from '../../flow/webauthn/ceremony.js';
import { storedCredentialsIn, withSignCount } from '../../flow/webauthn/credentials.js';
import { webAuthnScriptNode } from '../../flow/webauthn/script.js';
import { passkeyIdentifierOf } from './user-handle.js';

export interface PasskeyLoginDeps {
  identities: Pick<IdentityPool, 'getIdentity' | 'findByCredentialsIdentifier' | 'updateIdentity'>;
  uses: Pick<SecondFactorUses, 'spendWebAuthnChallenge'>;
  relyingParty(): RelyingParty;
  publicBaseUrl(): URL;
  /** The default identity schema's JSON (the identifier field's label). */
  defaultSchema(): Promise<unknown>;
  /** The login UI URL of a flow (where a browser is sent to run the ceremony). */
  loginUiUrl(flowId: string): string;
  now?: () => Date;
}

export const PASSKEY_CHALLENGE = 'passkey_challenge';
export const PASSKEY_LOGIN = 'passkey_login';
export const PASSKEY_LOGIN_TRIGGER = 'passkey_login_trigger';

/**
 * The `passkey` login method (a first factor, aal1, browser flows only as in Kratos): the browser
 * asks the authenticator for any passkey of this relying party (a discoverable credential, so no
 * identifier is typed), also offered through autofill (conditional UI) on the identifier field.
 * The assertion's user handle names the account; the request options, with their challenge, live
 * in the stored flow's `passkey_challenge` node.
 */
export class PasskeyLoginStrategy implements LoginMethod {
  private readonly now: () => Date;

  constructor(private readonly deps: PasskeyLoginDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async nodes(ctx: LoginFormContext): Promise<UiNodeJson[]> {
    if (ctx.flowType !== 'browser' || ctx.requestedAal === 'aal2') return [];
    if (ctx.refresh) return this.refreshNodes(ctx);
    const json = JSON.stringify(await discoverableAuthenticationOptions(this.deps.relyingParty()));
    const label = identifierLabelFromSchema(await this.deps.defaultSchema());
    const autocompleteInit = { onload: 'window.oryPasskeyLoginAutocompleteInit()', onloadTrigger: 'oryPasskeyLoginAutocompleteInit' };
    // Kratos's order: identifier (with the passkey autofill hint), challenge, script, result input, trigger.
    return [
      inputNode(UiNodeGroup.Default, 'identifier', '', UiNodeInputType.Text, { required: true, autocomplete: UiNodeAutocomplete.UsernameWebAuthn, label }),
      inputNode(UiNodeGroup.Passkey, PASSKEY_CHALLENGE, json, UiNodeInputType.Hidden),
      webAuthnScriptNode(this.deps.publicBaseUrl()),
      inputNode(UiNodeGroup.Passkey, PASSKEY_LOGIN, '', UiNodeInputType.Hidden, autocompleteInit),
      inputNode(UiNodeGroup.Passkey, PASSKEY_LOGIN_TRIGGER, '', UiNodeInputType.Button, {
        onclick: 'window.oryPasskeyLogin()',
        onclickTrigger: 'oryPasskeyLogin',
        ...autocompleteInit,
        label: infoLoginPasskey(),
      }),
    ].map(toJson);
  }

  /**
   * Identifier-first, first screen: the one-step form's passkey sign-in (autofill on the identifier
   * field, the challenge, the script, the trigger), so nobody has to type an identifier first. The
   * submission is the one-step form's: the assertion signs in from whichever screen is on show.
   */
  async identificationNodes(ctx: LoginFormContext): Promise<UiNodeJson[]> {
    return this.offersAutofill(ctx) ? this.nodes(ctx) : [];
  }

  /**
   * Whether a form for `ctx` runs the discoverable ceremony, so its identifier field should offer
   * passkeys through autofill (`autocomplete="username webauthn"`): a first sign-in in a browser.
   */
  offersAutofill(ctx: LoginFormContext): boolean {
    return ctx.flowType === 'browser' && ctx.requestedAal === 'aal1' && !ctx.refresh;
  }

  /** A refresh of a signed-in user with passkeys: their keys are named, the identifier is fixed. */
  private async refreshNodes(ctx: LoginFormContext): Promise<UiNodeJson[]> {
    if (!ctx.session) return [];
    const identity = await this.deps.identities.getIdentity(ctx.session.identity_id, { withCredentials: true });
    const keys = storedCredentialsIn(identity?.credentials.passkey?.config);
    if (!identity || keys.length === 0) return [];
    const json = JSON.stringify(await authenticationOptions(this.deps.relyingParty(), keys, true));
    return [
      inputNode(UiNodeGroup.Passkey, PASSKEY_CHALLENGE, json, UiNodeInputType.Hidden),
      webAuthnScriptNode(this.deps.publicBaseUrl()),
      inputNode(UiNodeGroup.Passkey, PASSKEY_LOGIN, '', UiNodeInputType.Hidden),
      inputNode(UiNodeGroup.Passkey, PASSKEY_LOGIN_TRIGGER, '', UiNodeInputType.Button, { onclick: 'window.oryPasskeyLogin()', onclickTrigger: 'oryPasskeyLogin', label: infoLoginPasskey() }),
    ].map(toJson);
  }

  async submit(s: Submission, ctx: LoginFormContext): Promise<MethodOutcome> {
    if (s.flow.type !== 'browser') return notResponsible();
    const raw = stringField(s.fields, PASSKEY_LOGIN) ?? '';
    if (raw === '' && s.fields.method !== 'passkey') return notResponsible();
    if (ctx.requestedAal === 'aal2') return notResponsible();
    // Kratos sends a browser that chose the method without an assertion to the form, which runs the ceremony.
    if (raw === '') {
      const to = this.deps.loginUiUrl(s.flow.id);
      if (browserResponseMode(s.req) !== 'browser') throw browserLocationChangeRequired(to);
      return { kind: 'completed', redirectTo: to };
    }

    const challenge = challengeInFlow(s.flow, PASSKEY_CHALLENGE);
    if (!challenge) throw new KratosError(400, { reason: 'This login flow holds no passkey challenge. Start a new login flow.' });
    const response = parseResponse<AuthenticationResponseJSON>(raw, 'authentication');
    if (!response) throw new KratosError(400, { reason: 'Unable to parse WebAuthn response.' });

    const noSuchUser = () => new FlowValidationError([{ message: errorNoSuchWebAuthnUser() }]);
    const wrong = () => new FlowValidationError([{ message: errorWebAuthnVerifierWrong() }]);
    const handle = response.response.userHandle;
    if (!handle) throw noSuchUser();
    const identifier = passkeyIdentifierOf(Buffer.from(handle, 'base64url'));
    const identity = await this.deps.identities.findByCredentialsIdentifier('passkey', identifier);
    const keys = storedCredentialsIn(identity?.credentials.passkey?.config);
    // Compared again here: a database whose collation ignores case must not match another handle.
    if (!identity || keys.length === 0 || !identity.credentials.passkey?.identifiers.includes(identifier)) throw noSuchUser();
    // A refresh re-confirms the signed-in user: another account's passkey does not do.
    if (ctx.session && ctx.session.identity_id !== identity.id) throw wrong();
    const now = this.now();
    const accepted = await acceptAssertion({
      rp: this.deps.relyingParty(), response, challenge, keys, requireUserVerification: true,
      // The flow's challenge signs in once, even when the same assertion arrives twice at once.
      spend: () => this.deps.uses.spendWebAuthnChallenge(identity.id, challenge, now),
    });
    if (!accepted) throw wrong();
    const counted = withSignCount(identity, 'passkey', accepted.key.id, accepted.newCounter, now);
    if (counted) await this.deps.identities.updateIdentity(counted);
    return { kind: 'authenticated', identity, method: { method: 'passkey', aal: 'aal1', completed_at: now } };
  }
}
