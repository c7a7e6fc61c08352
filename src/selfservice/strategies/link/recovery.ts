import type { FastifyRequest } from 'fastify';
import {
  errorRecoveryFlowExpired,
  errorRecoveryTokenInvalidOrAlreadyUsed,
  infoNodeLabelEmail,
  infoNodeLabelContinue,
  infoRecoveryEmailSent,
  validationEmail,
  validationRequired,
} from '../../../text/index.js';
import { inputNode, UiNodeGroup, UiNodeInputType } from '../../../ui/node.js';
import { stringField, transientPayload } from '../../flow/body.js';
import type { Flow, FlowPool } from '../../flow/flow.js';
import { ui, type UiNodeJson } from '../../flow/ui-json.js';
import { sendRecoverySecret, type RecoverySenderDeps } from '../../flows/recovery/sender.js';
import { isRecoveryEmail, type RecoveryStrategy, type RecoverySubmitResult } from '../../flows/recovery/strategy.js';
import { toJson } from '../../flow/ui-json.js';
import { newLinkToken, secretDigest, type OneTimeSecretPool } from '../../flow/one-time-secret.js';

export interface LinkRecoveryDeps extends RecoverySenderDeps {
  secrets: OneTimeSecretPool;
  flowPool: FlowPool;
  /** selfservice.methods.link.config.lifespan */
  lifespanMs(): number;
  /** selfservice.methods.link.config.base_url, else the public base URL. */
  linkBaseUrl(): URL;
}

/** The URL a recovery link points at: the public recovery endpoint with the flow and the token. */
export function recoveryLinkUrl(base: URL, flowId: string, token: string): string {
  const u = new URL('self-service/recovery', base.toString().endsWith('/') ? base : new URL(`${base.toString()}/`));
  u.searchParams.set('flow', flowId);
  u.searchParams.set('token', token);
  return u.toString();
}

const emailNode = (value?: string) =>
  toJson(inputNode(UiNodeGroup.Link, 'email', value, UiNodeInputType.Email, { required: true, label: infoNodeLabelEmail() }));
const submitNode = () => toJson(inputNode(UiNodeGroup.Link, 'method', 'link', UiNodeInputType.Submit, { label: infoNodeLabelContinue() }));

/**
 * Recovery with a link sent by email (Kratos's `link` method): opening the link in a browser proves
 * control of the address. Tokens are stored as keyed digests, work once, for their own flow, for
 * `lifespan`.
 */
export class LinkRecoveryStrategy implements RecoveryStrategy {
  readonly id = 'link' as const;
  readonly sessionMethod = 'link_recovery' as const;
  private readonly now: () => Date;

  constructor(private readonly deps: LinkRecoveryDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  initialNodes(): UiNodeJson[] {
    return [emailNode(), submitNode()];
  }

  private digest(token: string): string {
    return secretDigest(token, this.deps.secretKey());
  }

  async submit(_req: FastifyRequest, flow: Flow, fields: Record<string, unknown>): Promise<RecoverySubmitResult> {
    const email = stringField(fields, 'email') ?? '';
    const csrf = flow.ui.nodes.filter((n) => n.attributes.name === 'csrf_token');
    ui.resetMessages(flow.ui);
    if (email === '' || !isRecoveryEmail(email)) {
      flow.ui.nodes = [...csrf, emailNode(email || undefined), submitNode()];
      ui.addMessage(flow.ui, email === '' ? validationRequired('email') : validationEmail(email), 'email');
      await this.deps.flowPool.updateFlow(flow);
      return { kind: 'flow', status: 400 };
    }
    flow.ui.nodes = [...csrf, emailNode(email), submitNode()];
    flow.ui.messages = [infoRecoveryEmailSent()];
    flow.state = 'sent_email';
    flow.active = 'link';
    const base = this.deps.linkBaseUrl();
    await sendRecoverySecret(this.deps, flow, { via: 'email', value: email.trim().toLowerCase() }, {
      kind: 'recovery_link',
      validTemplate: 'recovery_valid',
      invalidTemplate: 'recovery_invalid',
      lifespanMs: this.deps.lifespanMs(),
      newSecret: newLinkToken,
      digest: (t) => this.digest(t),
      fields: (token) => ({ RecoveryURL: recoveryLinkUrl(base, flow.id, token) }),
      transientPayload: transientPayload(fields),
    });
    return { kind: 'flow', status: 200 };
  }

  async useLinkToken(flow: Flow, token: string): Promise<RecoverySubmitResult> {
    const invalid: RecoverySubmitResult = { kind: 'retry', message: errorRecoveryTokenInvalidOrAlreadyUsed() };
    if (token === '') return invalid;
    const secret = await this.deps.secrets.findByDigest('recovery_link', this.digest(token));
    if (!secret || secret.flow_id !== flow.id || secret.used_at || !secret.identity_id) return invalid;
    const now = this.now();
    if (!(await this.deps.secrets.useSecret(secret.id, now))) return invalid;
    if (secret.expires_at.getTime() <= now.getTime()) return { kind: 'retry', message: errorRecoveryFlowExpired(secret.expires_at, now) };
    return { kind: 'recovered', identityId: secret.identity_id, address: secret.address };
  }
}
