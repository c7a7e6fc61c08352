import { errorNoTotpDevice, errorTotpVerifierWrong, validationRequired } from '../../../text/index.js';
import { infoLoginTotp, infoLoginTotpLabel } from '../../../text/login.js';
import { inputNode, UiNodeGroup, UiNodeInputType } from '../../../ui/node.js';
import { methodNode } from '../../../ui/password-nodes.js';
import type { SecondFactorUses } from '../../../identity/second-factor-uses.js';
import { stringField } from '../../flow/body.js';
import { names, notResponsible, type LoginFormContext, type LoginMethod, type MethodOutcome, type Submission } from '../../flow/method.js';
import { toJson, type UiNodeJson } from '../../flow/ui-json.js';
import { FlowValidationError } from '../../flow/validation.js';
import { beginSecondFactorAttempt, secondFactorIdentity, type SecondFactorLoginDeps } from '../second-factor.js';
import { matchingStep } from './key.js';
import { totpUrlOf } from './settings.js';

export interface TotpLoginDeps extends SecondFactorLoginDeps {
  uses: SecondFactorUses;
}

/** The `totp` login method: a second factor (aal2) for a signed-in identity with an app linked. */
export class TotpLoginStrategy implements LoginMethod {
  private readonly now: () => Date;

  constructor(private readonly deps: TotpLoginDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async nodes(ctx: LoginFormContext): Promise<UiNodeJson[]> {
    const identity = await secondFactorIdentity(this.deps, ctx);
    if (!identity || !totpUrlOf(identity)) return [];
    return [
      inputNode(UiNodeGroup.Totp, 'totp_code', '', UiNodeInputType.Text, { required: true, label: infoLoginTotpLabel() }),
      methodNode(UiNodeGroup.Totp, 'totp', infoLoginTotp()),
    ].map(toJson);
  }

  async submit(s: Submission, ctx: LoginFormContext): Promise<MethodOutcome> {
    if (!names(s, 'totp')) return notResponsible();
    const identity = await secondFactorIdentity(this.deps, ctx);
    if (!identity) return notResponsible();
    const code = stringField(s.fields, 'totp_code') ?? '';
    if (code.trim() === '') throw new FlowValidationError([{ node: 'totp_code', message: validationRequired('totp_code') }]);
    const url = totpUrlOf(identity);
    if (!url) throw new FlowValidationError([{ message: errorNoTotpDevice() }]);

    // Counted before the code is looked at; a locked account hears what a wrong code hears.
    const attempt = await beginSecondFactorAttempt(this.deps, identity, s.req.ip ?? '');
    const wrong = () => new FlowValidationError([{ message: errorTotpVerifierWrong() }]);
    if (!attempt.admitted) throw wrong();
    const now = this.now();
    const step = matchingStep(url, code, now);
    // Each code signs in once: its step (and every earlier one) is spent atomically.
    if (step === null || !(await this.deps.uses.spendTotpStep(identity.id, step, now))) throw wrong();
    await attempt.succeeded();
    return { kind: 'authenticated', identity, method: { method: 'totp', aal: 'aal2', completed_at: now } };
  }
}
