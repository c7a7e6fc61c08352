import type { FastifyRequest } from 'fastify';
import { safeEqual } from '../../../lib/safe-compare.js';
import {
  errorRecoveryCodeInvalidOrAlreadyUsed,
  errorRecoveryFlowExpired,
  infoNodeLabelContinue,
  infoNodeLabelEmail,
  infoNodeLabelEmailOrPhone,
  infoNodeLabelRecoveryCode,
  infoNodeLabelResendCode,
  infoRecoveryCodeSentToMasked,
  infoRecoveryEmailWithCodeSent,
  validationGeneric,
  validationEmail,
  validationPhone,
  validationRequired,
  type UiText,
} from '../../../text/index.js';
import { inputNode, UiNodeAutocomplete, UiNodeGroup, UiNodeInputType } from '../../../ui/node.js';
import { stringField, transientPayload } from '../../flow/body.js';
import type { Flow, FlowPool } from '../../flow/flow.js';
import { ui, type UiNodeJson } from '../../flow/ui-json.js';
import { sendRecoverySecret, type RecoverySenderDeps } from '../../flows/recovery/sender.js';
import { isRecoveryEmail, type RecoveryStrategy, type RecoverySubmitResult } from '../../flows/recovery/strategy.js';
import { toJson } from '../../flow/ui-json.js';
import { maskAddress, parseTypedAddress, type TypedAddress } from '../../flow/typed-address.js';
import { newCode, secretDigest, tooManyCodeChecks, type CodeCheckLimiter, type OneTimeSecretPool } from '../../flow/one-time-secret.js';

/** Submissions a recovery code takes (right or wrong) before the flow is spent, as Kratos's default `max_submissions`. */
export const RECOVERY_CODE_MAX_SUBMISSIONS = 5;

export interface CodeRecoveryDeps extends RecoverySenderDeps {
  limiter: RecoverySenderDeps['limiter'] & CodeCheckLimiter;
  secrets: OneTimeSecretPool;
  flowPool: FlowPool;
  /** selfservice.methods.code.config.lifespan */
  lifespanMs(): number;
  /** Whether an SMS channel is configured: the form then takes phone numbers too. */
  acceptsPhoneNumbers(): boolean;
}

/** The code input, the submit button and the hidden method, as a flow waiting for a recovery code shows them. */
export function recoveryCodeNodes(): UiNodeJson[] {
  return [
    toJson(
      inputNode(UiNodeGroup.Code, 'code', undefined, UiNodeInputType.Text, {
        required: true,
        pattern: '[0-9]+',
        maxlength: 6,
        autocomplete: UiNodeAutocomplete.OneTimeCode,
        label: infoNodeLabelRecoveryCode(),
      }),
    ),
    toJson(inputNode(UiNodeGroup.Code, 'method', 'code', UiNodeInputType.Hidden)),
    toJson(inputNode(UiNodeGroup.Code, 'method', 'code', UiNodeInputType.Submit, { label: infoNodeLabelContinue() })),
  ];
}

/**
 * Recovery with a one-time code (Kratos's `code` method): the user asks for a code, then types it
 * into the same flow. Codes are stored as keyed digests, work once, in their own flow only, for
 * `lifespan`, and a flow takes a bounded number of tries. The address goes in the `email` field (the
 * field `@ory/client` and Kratos's UIs send); with an SMS channel configured it also takes a phone
 * number, and the code goes by text message to a recovery address with `via: sms`.
 */
export class CodeRecoveryStrategy implements RecoveryStrategy {
  readonly id = 'code' as const;
  readonly sessionMethod = 'code_recovery' as const;
  readonly usedSecretMessage = errorRecoveryCodeInvalidOrAlreadyUsed;
  private readonly now: () => Date;

  constructor(private readonly deps: CodeRecoveryDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  initialNodes(): UiNodeJson[] {
    return [this.addressNode(), toJson(inputNode(UiNodeGroup.Code, 'method', 'code', UiNodeInputType.Submit, { label: infoNodeLabelContinue() }))];
  }

  /** The address input: an email input, or a text input taking either kind when SMS can go out. */
  private addressNode(value?: string): UiNodeJson {
    const phones = this.deps.acceptsPhoneNumbers();
    return toJson(
      inputNode(UiNodeGroup.Code, 'email', value, phones ? UiNodeInputType.Text : UiNodeInputType.Email, {
        required: true,
        label: phones ? infoNodeLabelEmailOrPhone() : infoNodeLabelEmail(),
      }),
    );
  }

  /** The address a submission names, or the message saying why it names none. */
  private readAddress(typed: string): TypedAddress | UiText {
    if (typed.trim() === '') return validationRequired('email');
    if (typed.includes('@') || !this.deps.acceptsPhoneNumbers()) {
      return isRecoveryEmail(typed) ? { via: 'email', value: typed.trim().toLowerCase() } : validationEmail(typed);
    }
    return parseTypedAddress(typed) ?? validationPhone(typed);
  }

  private digest(code: string): string {
    return secretDigest(code, this.deps.secretKey());
  }

  async submit(_req: FastifyRequest, flow: Flow, fields: Record<string, unknown>): Promise<RecoverySubmitResult> {
    const email = stringField(fields, 'email') ?? '';
    if (flow.state !== 'choose_method' && email === '') return this.useCode(flow, stringField(fields, 'code') ?? '');
    const address = this.readAddress(email);
    if (!('via' in address)) {
      ui.resetMessages(flow.ui);
      const csrf = flow.ui.nodes.filter((n) => n.attributes.name === 'csrf_token');
      flow.ui.nodes = [...csrf, this.addressNode(email || undefined), ...this.initialNodes().slice(1)];
      ui.addMessage(flow.ui, address, 'email');
      await this.deps.flowPool.updateFlow(flow);
      return { kind: 'flow', status: 400 };
    }

    const csrf = flow.ui.nodes.filter((n) => n.attributes.name === 'csrf_token');
    flow.ui.nodes = [...csrf, ...recoveryCodeNodes(), toJson(inputNode(UiNodeGroup.Code, 'email', email, UiNodeInputType.Submit, { label: infoNodeLabelResendCode() }))];
    // Built from what was typed only: the answer is the same whether an account has the address.
    flow.ui.messages = [address.via === 'email' ? infoRecoveryEmailWithCodeSent() : infoRecoveryCodeSentToMasked(maskAddress(address.value))];
    flow.state = 'sent_email';
    flow.active = 'code';
    const lifespanMs = this.deps.lifespanMs();
    await sendRecoverySecret(this.deps, flow, address, {
      kind: 'recovery_code',
      validTemplate: 'recovery_code_valid',
      invalidTemplate: 'recovery_code_invalid',
      lifespanMs,
      newSecret: newCode,
      digest: (c) => this.digest(c),
      fields: (code) => ({ RecoveryCode: code }),
      transientPayload: transientPayload(fields),
    });
    return { kind: 'flow', status: 200 };
  }

  private async useCode(flow: Flow, code: string): Promise<RecoverySubmitResult> {
    const invalid = async (): Promise<RecoverySubmitResult> => {
      ui.resetMessages(flow.ui);
      ui.addMessage(flow.ui, errorRecoveryCodeInvalidOrAlreadyUsed());
      ui.setValue(flow.ui, 'code', undefined);
      await this.deps.flowPool.updateFlow(flow);
      return { kind: 'flow', status: 200 };
    };
    const secret = await this.deps.secrets.activeSecretForFlow(flow.id, 'recovery_code');
    if (!secret) return invalid();
    // Checks of codes sent to one address are limited across flows: opening more flows buys no guesses.
    // Codes an administrator created were sent nowhere; their checks count against the identity.
    const limitedBy = secret.address ?? (secret.identity_id ? `identity:${secret.identity_id}` : null);
    if (limitedBy !== null && !(await this.deps.limiter.admitCodeCheck(limitedBy))) return { kind: 'retry', message: tooManyCodeChecks() };
    // Every submission counts, the right one included, so guessing stops after a handful of tries.
    const attempts = await this.deps.secrets.recordAttempt(secret.id);
    if (attempts > RECOVERY_CODE_MAX_SUBMISSIONS) {
      return { kind: 'retry', message: validationGeneric('The request was submitted too often. Please request another code.') };
    }
    if (!safeEqual(this.digest(code), secret.digest)) return invalid();
    const now = this.now();
    if (secret.expires_at.getTime() <= now.getTime()) return { kind: 'retry', message: errorRecoveryFlowExpired(secret.expires_at, now) };
    if (!(await this.deps.secrets.useSecret(secret.id, now))) return invalid();
    if (!secret.identity_id) return invalid();
    return { kind: 'recovered', identityId: secret.identity_id, address: secret.address };
  }
}
