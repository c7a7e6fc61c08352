import type { CredentialsType, Identity } from '../../../identity/identity.js';
import type { Session } from '../../../session/session.js';
import type { Flow } from '../../flow/flow.js';
import type { UiNodeJson } from '../../flow/ui-json.js';

export interface LoginFormContext {
  refresh: boolean;
  /** The session being refreshed, when `refresh=true`. */
  session: Session | null;
  /** The client's address (behind trusted proxies, the forwarded one), for the brute-force limiter. */
  clientAddress?: string;
}

/** A way to sign in. The login flow asks each enabled strategy for its nodes and for a verdict. */
export interface LoginStrategy {
  readonly id: CredentialsType;
  /** Nodes this strategy adds to a new login form. */
  loginNodes(ctx: LoginFormContext): UiNodeJson[];
  /**
   * Authenticates a submission for this method. Returns the identity, or throws
   * FlowValidationError (messages for the user) or a KratosError.
   */
  login(flow: Flow, fields: Record<string, unknown>, ctx: LoginFormContext): Promise<Identity>;
}
