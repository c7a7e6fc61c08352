import { KratosError } from '../../../errors/kratos-error.js';
import type { Identity } from '../../../identity/identity.js';
import type { IdentityPool } from '../../../identity/pool.js';
import { errorLoginCodeInvalidOrAlreadyUsed, errorNoCodeUser, infoLoginCodeSent, validationRequired } from '../../../text/index.js';
import { stringField, transientPayload, transientTemplateData } from '../../flow/body.js';
import { notResponsible, type LoginFormContext, type LoginMethod, type MethodOutcome, type Submission } from '../../flow/method.js';
import { tooManyCodeChecks } from '../../flow/one-time-secret.js';
import { beginSecondFactorAttempt, secondFactorIdentity, type SecondFactorLoginDeps } from '../second-factor.js';
import type { UiNodeJson } from '../../flow/ui-json.js';
import { secondFactorCodeAddresses } from './code-addresses.js';
import { checkPasswordlessCode, issuePasswordlessCodes, normalizeCodeIdentifier, type PasswordlessCodeDeps } from './passwordless-codes.js';
import { codeMfaAddressNodes, codeMfaSentNodes } from './passwordless-nodes.js';

export interface CodeMfaLoginDeps extends PasswordlessCodeDeps, SecondFactorLoginDeps {
  identities: Pick<IdentityPool, 'getIdentity' | 'updateIdentity'>;
  limiter: PasswordlessCodeDeps['limiter'] & SecondFactorLoginDeps['limiter'];
  renderIdentity(identity: Identity, admin: boolean): Record<string, unknown>;
  /** `selfservice.methods.code.config.missing_credential_fallback_enabled` */
  missingCredentialFallback(): boolean;
}

/**
 * A one-time code as a second factor (`selfservice.methods.code.mfa_enabled`), as in Kratos v1.3:
 * on a login form asking for aal2, the signed-in identity picks one of its code addresses (an
 * `address` button), a code goes out on the channel that address names, and the code makes the
 * session aal2. With only `mfa_enabled`, a code is never a first factor: at aal1 this method offers
 * nothing and takes no submission.
 *
 * Codes are those of passwordless sign-in (`login_code`): six digits stored as keyed digests, bound
 * to the flow and to the identity, single use, at most `max_submissions` submissions, expiring after
 * `lifespan`, and sends limited per client address and per recipient. Unlike Kratos v1.3 (which looks
 * the submitted address up among all identities), a code goes only to an address of the signed-in
 * identity; any other address is refused with 4000035 and nothing is sent.
 */
export class CodeMfaLoginStrategy implements LoginMethod {
  private readonly now: () => Date;

  constructor(private readonly deps: CodeMfaLoginDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async nodes(ctx: LoginFormContext): Promise<UiNodeJson[]> {
    const identity = await secondFactorIdentity(this.deps, ctx);
    if (!identity) return [];
    const addresses = secondFactorCodeAddresses(identity, this.deps.missingCredentialFallback());
    if (ctx.via === undefined || ctx.via === '') return codeMfaAddressNodes(addresses);
    // `via` narrows the choice to the address in that trait, which must be one of the code addresses.
    const value = traitAt(identity.traits, ctx.via);
    if (value === undefined || value === '') throw new KratosError(400, { reason: `No value found for trait ${ctx.via} in the current identity.` });
    if (addresses.length === 0) return [];
    const wanted = normalizeCodeIdentifier(value);
    const address = addresses.find((a) => a.value === wanted);
    if (!address) throw new KratosError(400, { reason: 'You can only reference a trait that matches a verification email address in the via parameter, or a registered credential.' });
    return codeMfaAddressNodes([address]);
  }

  /**
   * Ours when it names `method=code`, or, as Kratos v1.3 takes it, when it names no method but an
   * `address` (what an address button posts).
   */
  async submit(s: Submission, ctx: LoginFormContext): Promise<MethodOutcome> {
    const method = s.fields.method;
    const address = stringField(s.fields, 'address') ?? '';
    if (!(method === 'code' || ((method === undefined || method === '') && address !== ''))) return notResponsible();
    const identity = await secondFactorIdentity(this.deps, ctx);
    if (!identity) return notResponsible();
    const resend = stringField(s.fields, 'resend') === 'code';
    if (s.flow.state === 'sent_email' && !resend) return this.verify(s, identity);
    return this.send(s, identity);
  }

  /** Choosing an address (and `resend=code`): a fresh code to that address of the signed-in identity. */
  private async send(s: Submission, identity: Identity): Promise<MethodOutcome> {
    const flow = s.flow;
    // Kratos reads `identifier` first (the hidden field of the code step), then `address` (a button).
    const typed = (stringField(s.fields, 'identifier') ?? '').trim() || (stringField(s.fields, 'address') ?? '').trim();
    if (typed === '') return { kind: 'show_again', status: 400, messages: [{ node: 'address', message: validationRequired('address') }] };
    const wanted = normalizeCodeIdentifier(typed);
    const address = secondFactorCodeAddresses(identity, this.deps.missingCredentialFallback()).find((a) => a.value === wanted);
    if (!address) return { kind: 'show_again', status: 400, messages: [{ message: errorNoCodeUser() }] };
    const payload = transientPayload(s.fields);
    await issuePasswordlessCodes(this.deps, flow, {
      kind: 'login_code',
      template: 'login_code_valid',
      clientAddress: s.req.ip ?? '',
      identityId: identity.id,
      targets: [{ address, deliver: true }],
      data: (code) => ({
        LoginCode: code,
        Identity: this.deps.renderIdentity(identity, false),
        RequestURL: flow.request_url,
        ...transientTemplateData(payload),
      }),
    });
    const csrf = flow.ui.nodes.filter((n) => n.attributes.name === 'csrf_token');
    flow.ui.nodes = [...csrf, ...codeMfaSentNodes(address.value)];
    flow.ui.messages = [infoLoginCodeSent()];
    flow.state = 'sent_email';
    return { kind: 'show_again', status: 400, messages: [], step: true };
  }

  /** The code: it must have been sent in this flow to this identity; it proves the address too. */
  private async verify(s: Submission, identity: Identity): Promise<MethodOutcome> {
    const code = (stringField(s.fields, 'code') ?? '').trim();
    if (code === '') return { kind: 'show_again', status: 400, messages: [{ node: 'code', message: validationRequired('code') }] };
    const invalid: MethodOutcome = { kind: 'show_again', status: 400, messages: [{ message: errorLoginCodeInvalidOrAlreadyUsed() }] };
    // Guesses at every second factor of the account share one counter (a locked account hears "invalid").
    const attempt = await beginSecondFactorAttempt(this.deps, identity, s.req.ip ?? '');
    if (!attempt.admitted) return invalid;
    const checked = await checkPasswordlessCode(this.deps, s.flow, 'login_code', code);
    if (checked.kind === 'too_many') return { kind: 'show_again', status: 400, messages: [{ message: tooManyCodeChecks() }] };
    if (checked.kind !== 'accepted' || checked.secret.identity_id !== identity.id) return invalid;
    await attempt.succeeded();
    if (identity.state !== 'active') {
      throw new KratosError(401, { message: 'identity is disabled', reason: 'This account was disabled.', details: { identity_id: identity.id } });
    }
    const now = this.now();
    const reached = identity.verifiable_addresses.find((a) => a.value === checked.secret.address && !a.verified);
    if (reached) {
      Object.assign(reached, { verified: true, verified_at: now, status: 'completed', updated_at: now });
      await this.deps.identities.updateIdentity(identity);
    }
    return { kind: 'authenticated', identity, method: { method: 'code', aal: 'aal2', completed_at: now } };
  }
}

/** The string at a dotted path in the traits (`email`, `emails.0`), if there is one. */
function traitAt(traits: unknown, path: string): string | undefined {
  let at: unknown = traits;
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object' || !Object.prototype.hasOwnProperty.call(at, part)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return typeof at === 'string' ? at : typeof at === 'number' ? String(at) : undefined;
}
