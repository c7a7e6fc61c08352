import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Credentials, CredentialsType, Identity } from '../../identity/identity.js';
import type { ImportCredentials } from '../../identity/manager.js';
import type { AuthenticationMethod, Session } from '../../session/session.js';
import type { UiText } from '../../text/index.js';
import type { Flow, FlowType } from './flow.js';
import type { UiNodeJson } from './ui-json.js';
import { FlowValidationError } from './validation.js';

/**
 * The one contract every self-service method (password, profile, code, link, ...) fulfils for
 * every flow it serves. A method is an object with one optional part per flow kind; having a part
 * is how a method declares that it serves that flow. Flows ask each enabled method's part for its
 * nodes when they create a form, and offer it each submission; they never look at a method's name.
 */
export interface SelfServiceMethod {
  /** The `method` value a submission names, and the UI group of the method's nodes. */
  readonly id: string;
  readonly login?: LoginMethod;
  readonly registration?: RegistrationMethod;
  readonly settings?: SettingsMethod;
  /**
   * Second factors only: how to tell that an identity has this factor set up (a TOTP app, unused
   * backup codes). An identity with one reaches aal2, which `highest_available` then requires.
   */
  readonly secondFactor?: {
    /** The credential type the factor is stored as. */
    type: CredentialsType;
    /** Whether a stored credential config of that type is usable (a linked app, an unused code). */
    configured(config: Record<string, unknown>): boolean;
    /** Whether the identity has the factor without a usable credential of that type (codes to verified addresses). */
    configuredWithout?(identityId: string): Promise<boolean>;
  };
  /**
   * Adds a credential the method set aside when a sign-up met an existing account (see
   * `pending-link.ts`) to that account, once its owner signed in; stores the identity.
   */
  readonly linkCredential?: (identity: Identity, credential: Record<string, unknown>) => Promise<void>;
}

/** A submission as a method sees it. */
export interface Submission {
  req: FastifyRequest;
  /** The answer being built (a method that sends the browser away sets a cookie on it). */
  reply?: FastifyReply;
  flow: Flow;
  /** The body: JSON fields, or a form post unflattened (`traits.email` → `{ traits: { email } }`). */
  fields: Record<string, unknown>;
  /** Form posts carry only strings. */
  form: boolean;
  /**
   * Settings only: whether the session is recent enough for a privileged action
   * (`privileged_session_max_age`). A method that would show secrets throws
   * `PrivilegedSessionRequired` when it is not.
   */
  privileged?: boolean;
}

/**
 * Thrown by a settings method whose action shows secrets (backup codes) to a session that is not
 * privileged: the flow sends the user to sign in again, then back to the same form.
 */
export class PrivilegedSessionRequired extends Error {
  constructor() {
    super('This action needs a recently authenticated session.');
    this.name = 'PrivilegedSessionRequired';
  }
}

/** A message for the user, on a node (by name) or on the whole form. */
export interface FlowMessage {
  message: UiText;
  node?: string;
}

/**
 * What a method made of a submission. Every flow switches on this and nothing else:
 * - `not_responsible`: the body is for another method;
 * - `authenticated`: the user proved who they are (or, in registration, described who they will
 *   be: `identity` is then built but not stored, with its real id already assigned); `method` is
 *   the entry the session records;
 * - `updated`: settings only: a change to the signed-in identity, which the flow stores;
 * - `show_again`: the flow (possibly changed by the method) is shown again, with messages; `step`
 *   marks a form that moved on to its next step (a one-time code was sent), which is no failure;
 * - `completed`: the method answered the submission itself (a redirect to a provider, a new step);
 * - `screen`: the user moved between the screens of a form in several screens, and nothing was
 *   proven: `credential_selection` leaves the first screen (the identifier of identifier-first
 *   sign-in, the profile of two-step sign-up) for the screen where every method offers its way to
 *   go on; `previous` goes back. The flow builds the screen from the methods' nodes, adds the
 *   method's own `nodes` and `messages`, and fills `values` in.
 */
export type MethodOutcome =
  | { kind: 'not_responsible' }
  | { kind: 'authenticated'; identity: Identity; method: AuthenticationMethod }
  | { kind: 'updated'; change: SettingsChange }
  | { kind: 'show_again'; status: 200 | 400; messages: FlowMessage[]; values?: Record<string, unknown>; step?: boolean }
  | { kind: 'completed'; redirectTo: string }
  | { kind: 'screen'; screen: 'credential_selection' | 'previous'; values?: Record<string, unknown>; nodes?: UiNodeJson[]; messages?: FlowMessage[] }
  /** The method answered the request itself, through a flow's resumption (a social sign-in continued as a sign-up): `body` is that answer. */
  | { kind: 'answered'; body: unknown };

export const notResponsible = (): MethodOutcome => ({ kind: 'not_responsible' });

/** The method named in a submission; a method that is not named is not responsible. */
export const names = (s: Submission, id: string): boolean => s.fields.method === id;

export type RequestedAal = 'aal1' | 'aal2';

export interface LoginFormContext {
  /** `refresh=true`: the signed-in user confirms who they are. */
  refresh: boolean;
  /** `aal=aal2` asks for a second factor. */
  requestedAal: RequestedAal;
  /** The session being refreshed or stepped up; null for a first sign-in. */
  session: Session | null;
  /**
   * `via` when the form was created: the trait (a dotted path into the traits) whose address a
   * second-factor code should go to, as Kratos v1.3 reads it. Absent on submissions.
   */
  via?: string;
  /** The kind of flow the form is for (some methods, like passkeys, serve browsers only); set when nodes are asked for. */
  flowType?: FlowType;
}

export interface LoginMethod {
  /** Nodes for a new login form; none when the method cannot serve this form (e.g. a first factor at aal2). */
  nodes(ctx: LoginFormContext): Promise<UiNodeJson[]>;
  /**
   * Identifier-first sign-in (`selfservice.flows.login.style: identifier_first`), first screen: the
   * nodes the method shows before anyone is named (the identifier field, social sign-in buttons).
   * A method without it shows nothing there.
   */
  identificationNodes?(ctx: LoginFormContext): Promise<UiNodeJson[]>;
  /**
   * Identifier-first sign-in, once an identifier was given: the nodes the method offers to go on
   * (a password field, "send a code"). They must not depend on whether the identifier belongs to
   * anyone, so that the screen tells nothing about it; the identifier itself is already on the form.
   */
  identifiedNodes?(ctx: LoginFormContext): Promise<UiNodeJson[]>;
  submit(s: Submission, ctx: LoginFormContext): Promise<MethodOutcome>;
}

export interface RegistrationFormContext {
  schemaId: string;
  /** The kind of flow the form is for (some methods, like passkeys, serve browsers only). */
  flowType?: FlowType;
}

export interface RegistrationMethod {
  nodes(ctx: RegistrationFormContext): Promise<UiNodeJson[]>;
  /**
   * Two-step registration: the method's nodes stay on the first (profile) screen with the traits,
   * instead of moving to the credential screen (the profile step itself, social sign-up buttons).
   */
  readonly profileScreen?: boolean;
  /** `authenticated` carries the identity to create (built, validated, not stored). */
  submit(s: Submission, ctx: RegistrationFormContext): Promise<MethodOutcome>;
}

/**
 * A change a settings method proposes for the signed-in identity. The settings flow checks the
 * session's privilege, runs the hooks, stores it and answers.
 */
export interface SettingsChange {
  /** The new traits, when they change. */
  traits?: Record<string, unknown>;
  /** Replaced credentials (the password method's new hash). */
  credentials?: ImportCredentials;
  /**
   * Credentials the method built itself (a TOTP key, hashed backup codes), set as they are; null
   * removes the credential of that type.
   */
  setCredentials?: Partial<Record<CredentialsType, Pick<Credentials, 'identifiers' | 'config'> | null>>;
  /** A factor the change itself proved (a TOTP code checked at enrolment): the session gains it, as in Kratos. */
  sessionMethod?: AuthenticationMethod;
  /** Other credential changes (a provider linked or unlinked), made on the copy of the identity that is stored. */
  edit?: (identity: Identity) => void;
  /** The change touches protected data (identifiers, addresses, secrets): a privileged session is needed. */
  protected: boolean;
  /**
   * What the flow keeps when the change waits for a re-authentication (JSON, no clear-text secrets);
   * handed back to `resume` once the session is privileged again.
   */
  pending: Record<string, unknown>;
  /** Values to show in the form if the change is refused. */
  values?: Record<string, unknown>;
}

export interface SettingsMethod {
  /** The method's nodes for a settings form of `identity` (values filled from it), for a flow of type `flowType`. */
  nodes(identity: Identity, flowType: FlowType): Promise<UiNodeJson[]>;
  /** `updated` with the change to apply, or messages. */
  submit(s: Submission, identity: Identity): Promise<MethodOutcome>;
  /** Rebuilds a change from `pending` (as `submit` returned it) after the user re-authenticated. */
  resume(identity: Identity, pending: Record<string, unknown>): Promise<MethodOutcome>;
}

/**
 * How a method that finishes away from a submission (a social sign-in's provider callback) hands its
 * outcome back to the flow it started in. The flow answers exactly as if a submission had produced
 * the outcome: hooks, session, messages, redirects and errors are the flow's, not the method's.
 */
export interface FlowResumption {
  /** Answers `flow` with `outcome`, as a submission by method `methodId` to it would be answered. */
  resume(req: FastifyRequest, reply: FastifyReply, flow: Flow, methodId: string, outcome: Exclude<MethodOutcome, { kind: 'not_responsible' }>, transientPayload?: unknown): Promise<unknown>;
  /** A new browser flow of this kind taking over from `from` (its type and return_to), e.g. a sign-in continued as a sign-up. */
  takeOver(req: FastifyRequest, reply: FastifyReply, from: Flow): Promise<Flow>;
  /** Answers an error met while resuming `flow` (browsers see the error page). */
  fail(req: FastifyRequest, reply: FastifyReply, flow: Flow | null, err: unknown): Promise<unknown>;
}

/**
 * Offers a submission to each method in turn, as Kratos does: the first that does not answer
 * `not_responsible` decides. Null when no method took it.
 */
export async function firstResponsible<M>(
  methods: readonly M[],
  offer: (m: M) => Promise<MethodOutcome>,
): Promise<{ method: M; outcome: Exclude<MethodOutcome, { kind: 'not_responsible' }> } | null> {
  for (const m of methods) {
    let outcome: MethodOutcome;
    try {
      outcome = await offer(m);
    } catch (err) {
      // Deep validation code throws its messages; they are the same outcome as returning them.
      if (!(err instanceof FlowValidationError)) throw err;
      outcome = { kind: 'show_again', status: 400, messages: err.messages, values: err.values };
    }
    if (outcome.kind !== 'not_responsible') return { method: m, outcome };
  }
  return null;
}
