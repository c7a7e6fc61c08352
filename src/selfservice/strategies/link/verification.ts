import type { Courier } from '../../../courier/courier.js';
import type { Identity, VerifiableAddress } from '../../../identity/identity.js';
import { newId } from '../../../lib/ids.js';
import { infoNodeLabelEmail, infoNodeLabelSubmit, infoVerificationEmailSent } from '../../../text/index.js';
import { inputNode } from '../../../ui/node.js';
import type { Flow } from '../../flow/flow.js';
import { keptNodes } from '../../flows/verification/handler.js';
import { markAddressSent, minutes } from '../../flows/verification/address.js';
import type { AcceptedSecret, VerificationRepositories, VerificationStrategy } from '../../flows/verification/strategy.js';
import { toJson } from '../../flow/ui-json.js';
import { transientTemplateData } from '../../flow/body.js';
import { newLinkToken, secretDigest, storeCappedSecret, type OneTimeSecretPool } from '../../flow/one-time-secret.js';

export interface LinkVerificationDeps {
  /** The brute-force limiter's cap on unused secrets per address. */
  limiter: { readonly maxActiveSecrets: number };
  secrets: OneTimeSecretPool;
  courier: Courier;
  config: { linkLifespanMs(): number; secretsDefault(): string[]; linkBaseUrl(): URL };
  renderIdentity(identity: Identity, admin: boolean): Record<string, unknown>;
  now?: () => Date;
}

/** Verification by a single-use link sent to the address (`selfservice.flows.verification.use: link`). */
export class LinkVerificationStrategy implements VerificationStrategy {
  readonly id = 'link' as const;
  readonly channels = ['email'] as const;
  private readonly now: () => Date;

  constructor(private readonly deps: LinkVerificationDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  private digest(token: string): string {
    return secretDigest(token, this.deps.config.secretsDefault()[0]!);
  }

  private nodes(email: string | undefined) {
    return [
      toJson(inputNode('link', 'email', email, 'email', { required: true, label: infoNodeLabelEmail() })),
      toJson(inputNode('link', 'method', 'link', 'submit', { label: infoNodeLabelSubmit() })),
    ];
  }

  chooseMethodNodes() {
    return this.nodes(undefined);
  }

  async invalidate(repos: VerificationRepositories, flow: Flow): Promise<void> {
    await repos.secrets.invalidateForFlow(flow.id, 'verification_link', this.now());
  }

  async sendTo(repos: VerificationRepositories, flow: Flow, identity: Identity, address: VerifiableAddress, transientPayload?: unknown): Promise<void> {
    // A link is an email; a phone number is never sent one (the flow asks callers to skip them).
    if (address.via !== 'email') return;
    const now = this.now();
    const token = newLinkToken();
    const lifespan = this.deps.config.linkLifespanMs();
    const url = new URL('self-service/verification', this.deps.config.linkBaseUrl());
    url.searchParams.set('flow', flow.id);
    url.searchParams.set('token', token);
    const queued = await this.deps.courier
      .withQueue(repos.courier)
      .queueEmail(address.value, 'verification_valid', { VerificationURL: url.toString(), Identity: this.deps.renderIdentity(identity, false), RequestURL: flow.request_url, ExpiresInMinutes: minutes(lifespan), ...transientTemplateData(transientPayload) });
    await markAddressSent(repos, identity, address, now);
    // A suppressed message (per-recipient limit) carries no usable token.
    if (queued.status === 'abandoned') return;
    await storeCappedSecret(repos.secrets, {
      id: newId(),
      kind: 'verification_link',
      flow_id: flow.id,
      identity_id: identity.id,
      address: address.value,
      digest: this.digest(token),
      attempts: 0,
      expires_at: new Date(now.getTime() + lifespan),
      used_at: null,
      created_at: now,
      updated_at: now,
    }, this.deps.limiter.maxActiveSecrets);
  }

  async sendUnknown(repos: VerificationRepositories, flow: Flow, address: string, transientPayload?: unknown): Promise<void> {
    if (!address.includes('@')) return;
    await this.deps.courier.withQueue(repos.courier).queueEmail(address, 'verification_invalid', { RequestURL: flow.request_url, ...transientTemplateData(transientPayload) });
  }

  markSent(flow: Flow, address: string): void {
    flow.state = 'sent_email';
    flow.ui.nodes = [...keptNodes(flow), ...this.nodes(address)];
    flow.ui.messages = [infoVerificationEmailSent()];
  }

  async checkToken(flow: Flow, token: string): Promise<AcceptedSecret | null> {
    const secret = await this.deps.secrets.findByDigest('verification_link', this.digest(token));
    if (!secret || secret.flow_id !== flow.id || secret.used_at || secret.expires_at.getTime() <= this.now().getTime()) return null;
    return secret;
  }
}
