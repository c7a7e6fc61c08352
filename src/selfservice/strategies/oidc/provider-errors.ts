import { KratosError } from '../../../errors/kratos-error.js';

/** The provider cannot be reached or understood: nothing the user can fix. */
export const upstreamError = (reason: string, cause?: unknown): KratosError => new KratosError(502, { reason, cause });

/**
 * A callback or an ID token whose answer does not check out (state, nonce, audience, signature, a
 * refused or reused code): a 400 the browser is shown on the error page, as Kratos forwards it there.
 */
export const callbackError = (reason: string, cause?: unknown): KratosError => new KratosError(400, { reason, cause });
