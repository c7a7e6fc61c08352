import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { KratosError } from '../../../errors/kratos-error.js';
import type { Identity } from '../../../identity/identity.js';
import type { IdentityPool } from '../../../identity/pool.js';
import type { SecondFactorUses } from '../../../identity/second-factor-uses.js';
import type { SignInAttempt } from '../../../security/brute-force-limiter.js';
import { errorNoSuchWebAuthnUser, errorWebAuthnVerifierWrong } from '../../../text/index.js';
import { infoLoginContinue, infoLoginWebAuthn, infoLoginWebAuthnPasswordless } from '../../../text/login.js';
import { inputNode, UiNodeAutocomplete, UiNodeGroup, UiNodeInputType } from '../../../ui/node.js';
import { identifierLabelFromSchema } from '../../../ui/schema-nodes.js';
import { stringField } from '../../flow/body.js';
import { browserLocationChangeRequired } from '../../flow/errors.js';
import type { Flow } from '../../flow/flow.js';
import { browserResponseMode } from '../../flow/request.js';
import { notResponsible, type LoginFormContext, type LoginMethod, type MethodOutcome, type Submission } from '../../flow/method.js';
import { toJson, ui, type UiNodeJson } from '../../flow/ui-json.js';
import { FlowValidationError } from '../../flow/validation.js';
import { acceptAssertion, authenticationOptions, challengeInFlow, parseResponse, type RelyingParty } from '../../flow/webauthn/ceremony.js';
import { base64urlToStd, keysOf, withSignCount } from '../../flow/webauthn/credentials.js';
import { webAuthnScriptNode } from '../../flow/webauthn/script.js';
import { LOGIN_TRIGGER } from './login.js';

export interface WebAuthnPasswordlessLoginDeps {
  identities: Pick<IdentityPool, 'getIdentity' | 'findByCredentialsIdentifier' | 'updateIdentity'>;
  uses: Pick<SecondFactorUses, 'spendWebAuthnChallenge'>;
  limiter: { beginSignIn(account: string, clientAddress: string): Promise<SignInAttempt> };
  relyingParty(): RelyingParty;
  publicBaseUrl(): URL;
  defaultSchema(): Promise<unknown>;
  /** The login UI URL of a flow (where a browser goes on to run the ceremony). */
  loginUiUrl(flowId: string): string;
  saveFlow(flow: Flow): Promise<void>;
  now?: () => Date;
}

/**
 * The `webauthn` login method with `passwordless: true` (a first factor, aal1, browser flows only
 * as in Kratos): the user names their account (the `webauthn.identifier` trait), the form then
 * offers that account's passwordless keys, and a key's assertion (user verification required)
 * signs in. The request options, with their challenge, live in the stored flow's trigger node.
 */
export class WebAuthnPasswordlessLoginStrategy implements LoginMethod {
  private readonly now: () => Date;

  constructor(private readonly deps: WebAuthnPasswordlessLoginDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async nodes(ctx: LoginFormContext): Promise<UiNodeJson[]> {
    if (ctx.flowType !== 'browser' || ctx.requestedAal === 'aal2') return [];
    if (ctx.refresh) {
      const identity = ctx.session ? await this.deps.identities.getIdentity(ctx.session.identity_id, { withCredentials: true }) : null;
      return identity ? this.assertionNodes(identity, infoLoginWebAuthn()) : [];
    }
    const label = identifierLabelFromSchema(await this.deps.defaultSchema());
    return [
      inputNode(UiNodeGroup.Default, 'identifier', '', UiNodeInputType.Text, { required: true, autocomplete: UiNodeAutocomplete.UsernameWebAuthn, label }),
      inputNode(UiNodeGroup.WebAuthn, 'method', 'webauthn', UiNodeInputType.Submit, { label: infoLoginWebAuthn() }),
    ].map(toJson);
  }

  /** The second step: the identity's passwordless keys to assert with, the identifier kept hidden. */
  private async assertionNodes(identity: Identity, label: ReturnType<typeof infoLoginContinue>): Promise<UiNodeJson[]> {
    const keys = keysOf(identity, true);
    const identifier = identity.credentials.webauthn?.identifiers[0];
    if (keys.length === 0 || !identifier) return [];
    const json = JSON.stringify(await authenticationOptions(this.deps.relyingParty(), keys, true));
    return [
      inputNode(UiNodeGroup.Default, 'identifier', identifier, UiNodeInputType.Hidden, { required: true }),
      webAuthnScriptNode(this.deps.publicBaseUrl()),
      inputNode(UiNodeGroup.WebAuthn, LOGIN_TRIGGER, json, UiNodeInputType.Button, { onclick: `window.oryWebAuthnLogin(${json})`, onclickTrigger: 'oryWebAuthnLogin', label }),
      inputNode(UiNodeGroup.WebAuthn, 'webauthn_login', '', UiNodeInputType.Hidden),
    ].map(toJson);
  }

  async submit(s: Submission, ctx: LoginFormContext): Promise<MethodOutcome> {
    if (s.flow.type !== 'browser') return notResponsible();
    const raw = stringField(s.fields, 'webauthn_login') ?? '';
    if (raw === '' && s.fields.method !== 'webauthn') return notResponsible();
    if (ctx.requestedAal === 'aal2') return notResponsible();
    const identifier = (stringField(s.fields, 'identifier') ?? '').trim().toLowerCase();
    if (identifier === '') throw new KratosError(400, { reason: 'identifier is required' });

    const found = await this.deps.identities.findByCredentialsIdentifier('webauthn', identifier);
    const identity = found && (!ctx.session || ctx.session.identity_id === found.id) ? found : null;
    const keys = identity ? keysOf(identity, true) : [];
    if (!identity || keys.length === 0) throw new FlowValidationError([{ message: errorNoSuchWebAuthnUser() }]);

    if (raw === '') {
      // The first step: the form now asks for this account's key, and the browser goes back to it
      // (a client asking for JSON is told to send it there, as Kratos does).
      s.flow.ui.nodes = [...s.flow.ui.nodes.filter((n) => n.group === UiNodeGroup.Default && ui.nodeName(n) === 'csrf_token'), ...(await this.assertionNodes(identity, infoLoginContinue()))];
      ui.addMessage(s.flow.ui, infoLoginWebAuthnPasswordless());
      await this.deps.saveFlow(s.flow);
      const to = this.deps.loginUiUrl(s.flow.id);
      if (browserResponseMode(s.req) !== 'browser') throw browserLocationChangeRequired(to);
      return { kind: 'completed', redirectTo: to };
    }

    const challenge = challengeInFlow(s.flow, LOGIN_TRIGGER);
    if (!challenge) throw new KratosError(400, { reason: 'This login flow holds no security key challenge. Start a new login flow.' });
    const response = parseResponse<AuthenticationResponseJSON>(raw, 'authentication');
    if (!response) throw new KratosError(400, { reason: 'Unable to parse WebAuthn response.' });
    const wrong = () => new FlowValidationError([{ message: errorWebAuthnVerifierWrong() }]);
    // Guesses at one account are counted (and limited) as password guesses are.
    const attempt = await this.deps.limiter.beginSignIn(identifier, s.req.ip ?? '');
    if (!attempt.admitted) throw wrong();
    const handle = response.response.userHandle;
    const stored = identity.credentials.webauthn?.config.user_handle;
    if (handle && typeof stored === 'string' && base64urlToStd(handle) !== stored) throw wrong();
    const now = this.now();
    const accepted = await acceptAssertion({
      rp: this.deps.relyingParty(), response, challenge, keys, requireUserVerification: true,
      spend: () => this.deps.uses.spendWebAuthnChallenge(identity.id, challenge, now),
    });
    if (!accepted) throw wrong();
    const counted = withSignCount(identity, 'webauthn', accepted.key.id, accepted.newCounter, now);
    if (counted) await this.deps.identities.updateIdentity(counted);
    await attempt.succeeded();
    return { kind: 'authenticated', identity, method: { method: 'webauthn', aal: 'aal1', completed_at: now } };
  }
}
