import type { RequiredAal } from '../config/types.js';
import { KratosError } from '../errors/kratos-error.js';
import type { CredentialsType } from '../identity/identity.js';
import type { IdentityPool } from '../identity/pool.js';
import type { Aal, AuthenticationMethod, Session } from './session.js';

/**
 * The assurance level a set of completed methods gives, as Kratos computes it: a first factor and a
 * second factor make aal2; first factors alone (however many) make aal1; nothing is aal0.
 */
export function assuranceLevel(methods: readonly AuthenticationMethod[]): Aal {
  if (methods.length === 0) return 'aal0';
  const first = methods.some((m) => m.aal === 'aal1');
  const second = methods.some((m) => m.aal === 'aal2' || m.aal === 'aal3');
  return first && second ? 'aal2' : 'aal1';
}

/**
 * 403 `session_aal2_required`: the session lacks the second factor its identity has set up. The
 * login URL that steps it up is in the details and at the top of the envelope, as Kratos puts it.
 */
export function aal2Required(redirectBrowserTo: string): KratosError {
  return new KratosError(403, {
    id: 'session_aal2_required',
    message: 'Session does not fulfill the requested Authenticator Assurance Level',
    reason: 'An active session was found but it does not fulfill the requested Authenticator Assurance Level. Please verify yourself with a second factor to resolve this issue.',
    details: { redirect_browser_to: redirectBrowserTo },
    extra: { redirect_browser_to: redirectBrowserTo },
  });
}

/** How to tell that an identity has a second factor set up. */
export interface SecondFactorCheck {
  type: CredentialsType;
  configured(config: Record<string, unknown>): boolean;
  /** For a factor that can stand in without its credential (codes to verified addresses): asked when the credential is missing or unusable. */
  configuredWithout?(identityId: string): Promise<boolean>;
}

export interface AssuranceCheckDeps {
  identities: Pick<IdentityPool, 'getCredentialConfigs'>;
  /** The enabled second factors: the credential type each is stored as, and when it is usable. */
  secondFactors: ReadonlyArray<SecondFactorCheck>;
  publicBaseUrl(): URL;
}

/**
 * Whether a session satisfies a required level (`session.whoami.required_aal`,
 * `selfservice.flows.settings.required_aal`), as Kratos decides it: `aal1` is met by any session;
 * `highest_available` by an aal2 session, or by an aal1 session whose identity has no second
 * factor. The identity's credentials are read only for aal1 sessions.
 */
export class AssuranceCheck {
  constructor(private readonly deps: AssuranceCheckDeps) {}

  /** The aal2 login URL, with `return_to` when given. */
  stepUpUrl(returnTo?: string | null): string {
    const u = new URL('self-service/login/browser', withSlash(this.deps.publicBaseUrl()));
    u.searchParams.set('aal', 'aal2');
    if (returnTo) u.searchParams.set('return_to', returnTo);
    return u.toString();
  }

  /**
   * Whether the session's own level decides `satisfied` (true or false) without reading the
   * identity's credentials, or null when they must be read. A session check asks this first, so
   * that the usual case (no second factor enabled, or an aal2 session) costs no asynchronous step.
   */
  decidedBySession(session: Pick<Session, 'aal'>, required: RequiredAal): boolean | null {
    if (session.aal === 'aal2' || session.aal === 'aal3') return true;
    if (session.aal === 'aal0') return false;
    if (required === 'aal1' || this.deps.secondFactors.length === 0) return true;
    return null;
  }

  async satisfied(session: Pick<Session, 'aal' | 'identity_id'>, required: RequiredAal): Promise<boolean> {
    const decided = this.decidedBySession(session, required);
    if (decided !== null) return decided;
    const factors = this.deps.secondFactors;
    // Read at every check, never cached on the identity: a stale level cannot skip the factor.
    const configs = await this.deps.identities.getCredentialConfigs(session.identity_id, factors.map((f) => f.type));
    if (factors.some((f) => configs[f.type] !== undefined && f.configured(configs[f.type]!))) return false;
    for (const f of factors) if (f.configuredWithout && (await f.configuredWithout(session.identity_id))) return false;
    return true;
  }

  /** Throws `session_aal2_required` unless the session satisfies `required`. */
  async require(session: Pick<Session, 'aal' | 'identity_id'>, required: RequiredAal, returnTo?: string | null): Promise<void> {
    if (!(await this.satisfied(session, required))) throw aal2Required(this.stepUpUrl(returnTo));
  }
}

function withSlash(u: URL): URL {
  const c = new URL(u);
  if (!c.pathname.endsWith('/')) c.pathname += '/';
  return c;
}
