import type { Identity } from '../../identity/identity.js';
import type { IdentityPool } from '../../identity/pool.js';
import type { SignInAttempt } from '../../security/brute-force-limiter.js';
import type { LoginFormContext } from '../flow/method.js';

/** What second-factor login methods share: the signed-in identity and the brute-force limiter. */
export interface SecondFactorLoginDeps {
  identities: Pick<IdentityPool, 'getIdentity'>;
  limiter: { beginSignIn(account: string, clientAddress: string): Promise<SignInAttempt> };
  now?: () => Date;
}

/**
 * The identity a second factor is asked of: the one signed in, on a form that asks for aal2.
 * Null when the form is a first sign-in (a second factor never stands alone).
 */
export async function secondFactorIdentity(deps: SecondFactorLoginDeps, ctx: LoginFormContext): Promise<Identity | null> {
  if (ctx.requestedAal !== 'aal2' || !ctx.session) return null;
  return deps.identities.getIdentity(ctx.session.identity_id, { withCredentials: true });
}

/**
 * Admits one guess at a second factor of `identity`. Guesses at all second factors of an account
 * share one counter (TOTP and backup codes together), counted before the guess is checked. It is
 * keyed by the identity id, the identifier of second-factor credentials, so the lockout admin API
 * (which lists the counters of every credential identifier) shows and clears it.
 */
export function beginSecondFactorAttempt(deps: SecondFactorLoginDeps, identity: Identity, clientAddress: string): Promise<SignInAttempt> {
  return deps.limiter.beginSignIn(identity.id, clientAddress);
}
