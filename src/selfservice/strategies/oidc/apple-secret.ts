import { createPrivateKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { KratosError } from '../../../errors/kratos-error.js';

const APPLE_AUDIENCE = 'https://appleid.apple.com';
const LIFETIME_SECONDS = 300;

/**
 * Sign in with Apple's client secret: a short-lived ES256 JWT signed with the team's private key
 * (`apple_private_key`, PKCS#8 PEM), issued by `apple_team_id` for the client id, with the key id
 * `apple_private_key_id` in its header, as Apple documents and Kratos makes it.
 */
export class AppleClientSecret {
  private readonly key: KeyObject;

  constructor(
    private readonly teamId: string,
    private readonly keyId: string,
    privateKeyPem: string,
    private readonly clientId: string,
    private readonly audience = APPLE_AUDIENCE,
  ) {
    try {
      this.key = createPrivateKey({ key: privateKeyPem, format: 'pem' });
    } catch (err) {
      throw new KratosError(500, { reason: `apple_private_key is not a PEM private key: ${(err as Error).message}`, cause: err });
    }
    if (this.key.asymmetricKeyType !== 'ec' || this.key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new KratosError(500, { reason: 'apple_private_key must be a P-256 (ES256) private key.' });
    }
  }

  /** A fresh secret for one token request. */
  async next(now = new Date()): Promise<string> {
    const iat = Math.floor(now.getTime() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: this.keyId })
      .setIssuer(this.teamId)
      .setSubject(this.clientId)
      .setAudience(this.audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + LIFETIME_SECONDS)
      .sign(this.key);
  }
}
