import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { safeEqual } from '../../../lib/safe-compare.js';
import { callbackError } from './provider-errors.js';

/**
 * Checks an ID token against the issuer's keys: signature, `iss`, `exp`/`nbf`, and an `aud` that is
 * the client id or one of `additional_id_token_audiences` (an iOS app's bundle id, say), as Kratos's
 * token verifier does. The payload comes back only when every check passed.
 */
export class IdTokenVerifier {
  private readonly keys = new Map<string, JWTVerifyGetKey>();

  async verify(idToken: string, expected: { issuer: string; jwksUri: string; audiences: string[] }): Promise<Record<string, unknown>> {
    let keys = this.keys.get(expected.jwksUri);
    if (!keys) {
      keys = createRemoteJWKSet(new URL(expected.jwksUri), { timeoutDuration: 10_000 });
      this.keys.set(expected.jwksUri, keys);
    }
    try {
      const { payload } = await jwtVerify(idToken, keys, { issuer: expected.issuer, audience: expected.audiences, algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'] });
      if (typeof payload.sub !== 'string' || payload.sub === '') throw callbackError('The ID token has no subject.');
      return payload as Record<string, unknown>;
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw callbackError('The ID token has expired.', err);
      if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'aud') {
        throw callbackError(`The ID token's audience matches none of the allowed audiences (the client id and additional_id_token_audiences).`, err);
      }
      if (err instanceof joseErrors.JOSEError) throw callbackError(`The ID token could not be verified: ${err.message}`, err);
      throw err;
    }
  }
}

/**
 * Kratos's nonce rule for a submitted ID token: a token that carries a nonce needs the same
 * `id_token_nonce` in the submission; one without a nonce passes only where the provider may omit
 * it (Google; Apple on devices that do not support nonces).
 */
export function checkIdTokenNonce(claims: Record<string, unknown>, submitted: string, nonceOptional: boolean): void {
  const inToken = typeof claims.nonce === 'string' ? claims.nonce : '';
  if (inToken === '') {
    if (!nonceOptional) throw callbackError('No nonce was included in the id_token but is required by the provider');
    return;
  }
  if (submitted === '') throw callbackError('No nonce was provided but is required by the provider');
  if (!safeEqual(inToken, submitted)) throw callbackError('The supplied nonce does not match the nonce from the id_token');
}
