import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Identity } from '../../identity/identity.js';
import type { AuthenticationMethod, IssuedSession, Session } from '../../session/session.js';
import type { ContinueWith } from '../flow/continue-with.js';
import type { Flow, FlowKind } from '../flow/flow.js';
import type { FlowMessage } from '../flow/method.js';

/**
 * When a hook runs, as Kratos places them:
 * - `before`: when a flow is created;
 * - `pre_persist`: after a method succeeded, before what the flow produces is stored (the new
 *   identity in registration, the change in settings, the session in login); a hook here may
 *   still refuse the submission or change the identity;
 * - `post_persist`: after it is stored; a hook here can no longer undo the submission.
 */
export type HookPhase = 'before' | 'pre_persist' | 'post_persist';

/** What a hook sees, and where it leaves what the flow's answer must carry. */
export interface HookContext {
  kind: FlowKind;
  req: FastifyRequest;
  reply: FastifyReply;
  flow: Flow;
  /** The method that completed the flow; null in `before` hooks and flows without methods. */
  method: string | null;
  /** The entry the session records for that method, where a session is involved. */
  authenticationMethod: AuthenticationMethod | null;
  /**
   * The identity the flow is about, with its real id even before it is stored (registration);
   * pre-persist hooks may change it.
   */
  identity: Identity | null;
  /** Settings: the identity as it was before the change. */
  previousIdentity: Identity | null;
  /** The session issued or being issued (its id is final before it is stored), or the session in use. */
  session: Session | null;
  /** The bearer secrets of a session issued by this submission (registration's `session` hook, login). */
  issued: IssuedSession | null;
  /** `transient_payload` of the submission: passed to web hooks and templates, never stored. */
  transientPayload: unknown;
  /** Entries for the answer's `continue_with`. */
  continueWith: ContinueWith[];
  /** Where a browser should go instead of the default, when a hook asks (`show_verification_ui`). */
  browserRedirect: string | null;
  /** The browser's anti-CSRF token after a hook replaced the cookie (new session). */
  csrfToken: string | null;
}

export type HookOutcome =
  | { kind: 'continue' }
  /** The submission is refused: the flow is shown again with these messages (pre-persist only). */
  | { kind: 'interrupt'; messages: FlowMessage[] };

export const CONTINUE: HookOutcome = { kind: 'continue' };

/** One configured hook, built once at start. */
export interface Hook {
  /** The configured name (`session`, `web_hook`, ...). */
  readonly name: string;
  /** The phase it runs in; a hook configured for a position it cannot run in is refused at start. */
  readonly phase: HookPhase;
  run(ctx: HookContext): Promise<HookOutcome>;
}

export function newHookContext(base: Pick<HookContext, 'kind' | 'req' | 'reply' | 'flow'> & Partial<HookContext>): HookContext {
  return {
    method: null,
    authenticationMethod: null,
    identity: null,
    previousIdentity: null,
    session: null,
    issued: null,
    transientPayload: undefined,
    continueWith: [],
    browserRedirect: null,
    csrfToken: null,
    ...base,
  };
}
