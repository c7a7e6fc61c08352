import { KratosError } from '../../../errors/kratos-error.js';
import type { Identity } from '../../../identity/identity.js';
import type { IdentityPool } from '../../../identity/pool.js';
import { errorLoginCodeInvalidOrAlreadyUsed, infoLoginCodeSent, validationRequired } from '../../../text/index.js';
import { stringField, transientPayload, transientTemplateData } from '../../flow/body.js';
import { names, notResponsible, type LoginFormContext, type LoginMethod, type MethodOutcome, type Submission } from '../../flow/method.js';
import { tooManyCodeChecks } from '../../flow/one-time-secret.js';
import type { UiNodeJson } from '../../flow/ui-json.js';
import { checkPasswordlessCode, issuePasswordlessCodes, normalizeCodeIdentifier, type CodeAddress, type PasswordlessCodeDeps } from './passwordless-codes.js';
import { codeAddresses } from './code-addresses.js';
import { codeLoginIdentifiedNodes, codeLoginNodes, codeLoginRefreshNodes, codeLoginSentNodes } from './passwordless-nodes.js';

export interface CodeLoginDeps extends PasswordlessCodeDeps {
  identities: IdentityPool;
  /** The default identity schema, whose identifier trait labels the identifier field. */
  defaultSchema: () => Promise<unknown>;
  renderIdentity(identity: Identity, admin: boolean): Record<string, unknown>;
  /** `selfservice.methods.code.config.missing_credential_fallback_enabled` */
  missingCredentialFallback?(): boolean;
}

/**
 * Passwordless sign-in by a one-time code (`selfservice.methods.code.passwordless_enabled`), a
 * first factor (aal1) as in Kratos v1.3: the identifier, then the code sent to that address.
 * Unlike Kratos v1.3 (which answers 4000035 "account does not exist"), an identifier nobody has
 * gets exactly the answer a known one gets, and no message.
 */
export class CodeLoginStrategy implements LoginMethod {
  private readonly now: () => Date;

  constructor(private readonly deps: CodeLoginDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async nodes(ctx: LoginFormContext): Promise<UiNodeJson[]> {
    if (ctx.requestedAal !== 'aal1') return [];
    if (ctx.refresh && ctx.session) {
      // The session's identity comes without credentials (the session check's fast path).
      const own = await this.deps.identities.getIdentity(ctx.session.identity_id, { withCredentials: true });
      const identifier = own ? codeAddresses(own)[0]?.value : undefined;
      return identifier === undefined ? [] : codeLoginRefreshNodes(identifier);
    }
    return codeLoginNodes(await this.deps.defaultSchema());
  }

  /** Identifier-first, once an identifier is named: "Send sign in code", whoever it names. */
  async identifiedNodes(ctx: LoginFormContext): Promise<UiNodeJson[]> {
    if (ctx.requestedAal !== 'aal1' || ctx.refresh) return [];
    return codeLoginIdentifiedNodes();
  }

  async submit(s: Submission, ctx: LoginFormContext): Promise<MethodOutcome> {
    if (!names(s, 'code') || ctx.requestedAal !== 'aal1') return notResponsible();
    const resend = stringField(s.fields, 'resend') === 'code';
    if (s.flow.state === 'sent_email' && !resend) return this.verify(s, ctx);
    return this.send(s);
  }

  /** Step one (and `resend=code`): a fresh code to the address the identifier names. */
  private async send(s: Submission): Promise<MethodOutcome> {
    const flow = s.flow;
    const typed = stringField(s.fields, 'identifier') ?? '';
    if (typed.trim() === '') return { kind: 'show_again', status: 400, messages: [{ node: 'identifier', message: validationRequired('identifier') }], values: { identifier: typed } };
    const identifier = normalizeCodeIdentifier(typed);
    const { identity, address } = await this.recipient(identifier);
    const payload = transientPayload(s.fields);
    await issuePasswordlessCodes(this.deps, flow, {
      kind: 'login_code',
      template: 'login_code_valid',
      clientAddress: s.req.ip ?? '',
      identityId: identity?.id ?? null,
      // The same lookups and writes for an unknown identifier: a stand-in code nobody receives.
      targets: [identity && address ? { address, deliver: true } : { address: { value: identifier, via: identifier.includes('@') ? 'email' : 'sms' }, deliver: false }],
      data: (code) => ({
        LoginCode: code,
        Identity: identity ? this.deps.renderIdentity(identity, false) : {},
        RequestURL: flow.request_url,
        ...transientTemplateData(payload),
      }),
    });
    const csrf = flow.ui.nodes.filter((n) => n.attributes.name === 'csrf_token');
    flow.ui.nodes = [...csrf, ...codeLoginSentNodes(typed.trim())];
    flow.ui.messages = [infoLoginCodeSent()];
    flow.state = 'sent_email';
    // Kratos answers the sent step like a form to fill in again: 400 with the flow (browsers: 303).
    return { kind: 'show_again', status: 400, messages: [], step: true };
  }

  /**
   * Who a code for `identifier` goes to: the identity whose code credential names it. With
   * `missing_credential_fallback_enabled`, an identity that has no such credential (created before
   * its schema marked the trait as a code identifier, or imported) is found by any of its credential
   * identifiers, and the code goes to its verifiable address with that value, over that address's
   * channel. Kratos emails the identifier itself, even a username; an identifier that is none of the
   * identity's addresses gets nothing here.
   */
  private async recipient(identifier: string): Promise<{ identity: Identity | null; address: CodeAddress | undefined }> {
    const identity = await this.deps.identities.findByCredentialsIdentifier('code', identifier);
    if (identity || !this.deps.missingCredentialFallback?.()) {
      return { identity, address: identity ? codeAddresses(identity).find((a) => a.value === identifier) : undefined };
    }
    const other = await this.deps.identities.findByAnyCredentialsIdentifier(identifier);
    if (!other || codeAddresses(other).length > 0) return { identity: null, address: undefined };
    const known = other.verifiable_addresses.find((a) => a.value === identifier && (a.via === 'email' || a.via === 'sms'));
    return known ? { identity: other, address: { value: known.value, via: known.via as CodeAddress['via'] } } : { identity: null, address: undefined };
  }

  /** Step two: the code; it signs in the identity it was sent to and proves that address. */
  private async verify(s: Submission, ctx: LoginFormContext): Promise<MethodOutcome> {
    const code = stringField(s.fields, 'code') ?? '';
    if (code.trim() === '') return { kind: 'show_again', status: 400, messages: [{ node: 'code', message: validationRequired('code') }] };
    const checked = await checkPasswordlessCode(this.deps, s.flow, 'login_code', code);
    if (checked.kind === 'too_many') return { kind: 'show_again', status: 400, messages: [{ message: tooManyCodeChecks() }] };
    const identity = checked.kind === 'accepted' && checked.secret.identity_id ? await this.deps.identities.getIdentity(checked.secret.identity_id, { withCredentials: true }) : null;
    if (checked.kind !== 'accepted' || !identity) return { kind: 'show_again', status: 400, messages: [{ message: errorLoginCodeInvalidOrAlreadyUsed() }] };
    if (ctx.refresh && ctx.session && ctx.session.identity_id !== identity.id) {
      throw new KratosError(403, { id: 'security_identity_mismatch', reason: 'The signed-in identity does not match the identity that was used to re-authenticate.' });
    }
    if (identity.state !== 'active') {
      throw new KratosError(401, { message: 'identity is disabled', reason: 'This account was disabled.', details: { identity_id: identity.id } });
    }
    const now = this.now();
    // The code arrived, so the address it went to is proven, as Kratos marks it.
    const reached = identity.verifiable_addresses.find((a) => a.value === checked.secret.address && !a.verified);
    if (reached) {
      Object.assign(reached, { verified: true, verified_at: now, status: 'completed', updated_at: now });
      await this.deps.identities.updateIdentity(identity);
    }
    return { kind: 'authenticated', identity, method: { method: 'code', aal: 'aal1', completed_at: now } };
  }
}

