import type { Courier } from '../../../courier/courier.js';
import type { Identity, VerifiableAddress } from '../../../identity/identity.js';
import { newId } from '../../../lib/ids.js';
import { safeEqual } from '../../../lib/safe-compare.js';
import { infoNodeLabelContinue, infoNodeLabelEmail, infoNodeLabelEmailOrPhone, infoNodeLabelResendCode, infoNodeLabelVerificationCode, infoVerificationCodeSent } from '../../../text/index.js';
import { inputNode } from '../../../ui/node.js';
import type { Flow } from '../../flow/flow.js';
import { keptNodes } from '../../flows/verification/handler.js';
import { markAddressSent, minutes } from '../../flows/verification/address.js';
import type { AcceptedSecret, VerificationRepositories, VerificationStrategy } from '../../flows/verification/strategy.js';
import { toJson } from '../../flow/ui-json.js';
import { transientTemplateData } from '../../flow/body.js';
import { requestUrlDomain } from '../../flow/request.js';
import { newCode, secretDigest, storeCappedSecret, type CodeCheckLimiter, type OneTimeSecretPool } from '../../flow/one-time-secret.js';

/** Submissions a code admits; after that many wrong ones it is void and a new code must be requested. */
export const VERIFICATION_CODE_MAX_ATTEMPTS = 5;

export interface CodeVerificationDeps {
  /** The brute-force limiter: checks per address across flows, and the cap on unused codes per address. */
  limiter: CodeCheckLimiter & { readonly maxActiveSecrets: number };
  secrets: OneTimeSecretPool;
  courier: Courier;
  config: { codeLifespanMs(): number; secretsDefault(): string[]; publicBaseUrl(): URL; smsChannelConfigured(): boolean };
  renderIdentity(identity: Identity, admin: boolean): Record<string, unknown>;
  now?: () => Date;
}

/**
 * Verification by a six-digit code sent to the address (`selfservice.flows.verification.use: code`):
 * by email, or by text message to an address with `via: sms` (the address's channel, never a
 * default). With an SMS channel configured the form's `email` field takes phone numbers too.
 */
export class CodeVerificationStrategy implements VerificationStrategy {
  readonly id = 'code' as const;
  readonly channels = ['email', 'sms'] as const;
  private readonly now: () => Date;

  constructor(private readonly deps: CodeVerificationDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  private digest(code: string): string {
    return secretDigest(code, this.deps.config.secretsDefault()[0]!);
  }

  chooseMethodNodes() {
    const phones = this.deps.config.smsChannelConfigured();
    return [
      toJson(inputNode('code', 'email', undefined, phones ? 'text' : 'email', { required: true, label: phones ? infoNodeLabelEmailOrPhone() : infoNodeLabelEmail() })),
      toJson(inputNode('code', 'method', 'code', 'submit', { label: infoNodeLabelContinue() })),
    ];
  }

  async invalidate(repos: VerificationRepositories, flow: Flow): Promise<void> {
    await repos.secrets.invalidateForFlow(flow.id, 'verification_code', this.now());
  }

  async sendTo(repos: VerificationRepositories, flow: Flow, identity: Identity, address: VerifiableAddress, transientPayload?: unknown): Promise<void> {
    const now = this.now();
    const code = newCode();
    const lifespan = this.deps.config.codeLifespanMs();
    const url = new URL('self-service/verification', this.deps.config.publicBaseUrl());
    url.searchParams.set('flow', flow.id);
    url.searchParams.set('code', code);
    const courier = this.deps.courier.withQueue(repos.courier);
    const data = { VerificationCode: code, VerificationURL: url.toString(), Identity: this.deps.renderIdentity(identity, false), RequestURL: flow.request_url, ExpiresInMinutes: minutes(lifespan), ...transientTemplateData(transientPayload) };
    const queued =
      address.via === 'sms'
        ? await courier.queueSms(address.value, 'verification_code_valid', { ...data, RequestURLDomain: requestUrlDomain(flow.request_url) })
        : await courier.queueEmail(address.value, 'verification_code_valid', data);
    await markAddressSent(repos, identity, address, now);
    // A message the per-recipient limit suppressed issues no code: requesting codes over and over
    // cannot buy more guesses than the limit allows.
    if (queued.status === 'abandoned') return;
    await storeCappedSecret(repos.secrets, {
      id: newId(),
      kind: 'verification_code',
      flow_id: flow.id,
      identity_id: identity.id,
      address: address.value,
      digest: this.digest(code),
      attempts: 0,
      expires_at: new Date(Math.min(now.getTime() + lifespan, flow.expires_at.getTime())),
      used_at: null,
      created_at: now,
      updated_at: now,
    }, this.deps.limiter.maxActiveSecrets);
  }

  /** Only email addresses are told: there is no such text message, and each one costs money (as in Kratos). */
  async sendUnknown(repos: VerificationRepositories, flow: Flow, address: string, transientPayload?: unknown): Promise<void> {
    if (!address.includes('@')) return;
    const courier = this.deps.courier.withQueue(repos.courier);
    await courier.queueEmail(address, 'verification_code_invalid', { RequestURL: flow.request_url, ...transientTemplateData(transientPayload) });
  }

  markSent(flow: Flow, address: string): void {
    flow.state = 'sent_email';
    flow.ui.nodes = [
      ...keptNodes(flow),
      toJson(inputNode('code', 'method', 'code', 'hidden')),
      toJson(inputNode('code', 'code', undefined, 'text', { required: true, autocomplete: 'one-time-code', label: infoNodeLabelVerificationCode() })),
      toJson(inputNode('code', 'method', 'code', 'submit', { label: infoNodeLabelContinue() })),
      toJson(inputNode('code', 'email', address, 'submit', { label: infoNodeLabelResendCode() })),
    ];
    flow.ui.messages = [infoVerificationCodeSent(address.includes('@') ? 'email' : 'sms')];
  }

  async checkCode(flow: Flow, code: string): Promise<AcceptedSecret | null> {
    const secret = await this.deps.secrets.activeSecretForFlow(flow.id, 'verification_code');
    const now = this.now();
    if (!secret || secret.expires_at.getTime() <= now.getTime()) return null;
    // Checks of codes sent to one address are limited across flows: opening more flows buys no guesses.
    if (secret.address !== null && !(await this.deps.limiter.admitCodeCheck(secret.address))) return null;
    // Counted before comparing, atomically, so concurrent guesses cannot exceed the limit.
    const attempt = await this.deps.secrets.recordAttempt(secret.id);
    if (attempt > VERIFICATION_CODE_MAX_ATTEMPTS) {
      await this.deps.secrets.invalidateForFlow(flow.id, 'verification_code', now);
      return null;
    }
    return safeEqual(this.digest(code.trim()), secret.digest) ? secret : null;
  }
}
