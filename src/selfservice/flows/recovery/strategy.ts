import type { FastifyRequest } from 'fastify';
import type { Identity } from '../../../identity/identity.js';
import type { SessionMethod } from '../../../session/session.js';
import type { UiText } from '../../../text/index.js';
import type { Flow, FlowType } from '../../flow/flow.js';
import type { UiNodeJson } from '../../flow/ui-json.js';

/** The recovery methods Kratos knows; `selfservice.flows.recovery.use` picks one. */
export type RecoveryMethod = 'code' | 'link';

/** Flow data a recovery flow keeps. */
export interface RecoveryFlowData extends Record<string, unknown> {
  /** Set on flows an administrator created: they are submitted without the anti-CSRF token, as Kratos does. */
  skip_csrf?: boolean;
  /** The identity the flow recovered, once it did. */
  recovered_identity_id?: string;
}

/** What a strategy made of a submission. */
export type RecoverySubmitResult =
  /** The flow changed (and was saved by the strategy): answer with it, with this status (browsers go to the UI). */
  | { kind: 'flow'; status: 200 | 400 }
  /** The user proved control of the account: the flow signs them in. `address` is set for self-service secrets. */
  | { kind: 'recovered'; identityId: string; address: string | null; transientPayload?: unknown }
  /** The flow cannot go on: a new flow carrying the message replaces it. */
  | { kind: 'retry'; message: UiText };

/** A recovery method, as the recovery flow asks it to take part. */
export interface RecoveryStrategy {
  readonly id: RecoveryMethod;
  /** What the session a recovery issues records (`code_recovery`, `link_recovery`). */
  readonly sessionMethod: SessionMethod;
  /**
   * The message for a secret typed into a flow that already recovered the account; methods whose
   * secrets are typed (codes) have one, others start over.
   */
  readonly usedSecretMessage?: () => UiText;
  /** The method's inputs on a new flow (the flow adds the CSRF token). */
  initialNodes(): UiNodeJson[];
  /** A POST to the flow naming this method. The strategy saves the flow when it changes it. */
  submit(req: FastifyRequest, flow: Flow, fields: Record<string, unknown>): Promise<RecoverySubmitResult>;
  /** A recovery link opened in a browser (`GET /self-service/recovery?flow=&token=`); only the link method has them. */
  useLinkToken?(flow: Flow, token: string): Promise<RecoverySubmitResult>;
}

/** What a recovery flow creates for a recovered identity: the settings flow the user continues in. */
export interface NewSettingsFlowOptions {
  identity: Identity;
  /** The privileged session recovery just issued. */
  session: { id: string; identity_id: string };
  type: FlowType;
  returnTo: string | null;
  /** Shown on the settings flow (the "you recovered your account" message). */
  messages: UiText[];
}

/** Creates a settings flow for a recovered identity; provided by the settings flow. */
export type CreateSettingsFlow = (req: FastifyRequest, reply: import('fastify').FastifyReply, o: NewSettingsFlowOptions) => Promise<{ id: string; url: string }>;

const LOCAL_PART = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~.-]+$/u;
const DOMAIN_LABEL = /^(?!-)[\p{L}\p{N}-]{1,63}(?<!-)$/u;

/**
 * A lenient, header-safe email check (what Kratos's `email_loose` format accepts): a local part of
 * letters, digits and RFC 5322 atext, one `@`, a host name; at most 320 characters.
 */
export function isRecoveryEmail(s: string): boolean {
  if (s.length === 0 || s.length > 320) return false;
  const at = s.indexOf('@');
  if (at <= 0 || at !== s.lastIndexOf('@') || at === s.length - 1) return false;
  const labels = s.slice(at + 1).split('.');
  return LOCAL_PART.test(s.slice(0, at)) && labels.every((l) => DOMAIN_LABEL.test(l));
}
