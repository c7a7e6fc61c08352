import type { Identity } from '../../identity/identity.js';
import { KratosError } from '../../errors/kratos-error.js';
import { errorAddressNotVerified, type UiText } from '../../text/index.js';
import { CONTINUE, type Hook, type HookContext, type HookOutcome } from './hook.js';

/**
 * The `require_verified_address` check as Kratos v1.3 runs it: only password logins are checked;
 * an identity without any verified address is refused with message 4000010 on the flow (null means
 * the login may proceed). An identity with no verifiable address at all is a misconfiguration
 * (500), as in Kratos.
 */
export function requireVerifiedAddress(identity: Identity, method: string): UiText | null {
  if (method !== 'password') return null;
  if (identity.verifiable_addresses.length === 0) {
    throw new KratosError(500, { reason: 'A misconfiguration prevents login. Expected to find a verification address but this identity does not have one assigned.' });
  }
  return identity.verifiable_addresses.some((a) => a.verified) ? null : errorAddressNotVerified();
}

/** `require_verified_address` (login): refuses the sign-in before a session exists. */
export class RequireVerifiedAddressHook implements Hook {
  readonly name = 'require_verified_address';
  readonly phase = 'pre_persist' as const;

  async run(ctx: HookContext): Promise<HookOutcome> {
    if (!ctx.identity || !ctx.method) return CONTINUE;
    const refusal = requireVerifiedAddress(ctx.identity, ctx.method);
    return refusal ? { kind: 'interrupt', messages: [{ message: refusal }] } : CONTINUE;
  }
}
