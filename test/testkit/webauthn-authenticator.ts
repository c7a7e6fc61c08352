import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

export type SoftAlgorithm = 'ES256' | 'EdDSA' | 'RS256';

const b64url = (b: Uint8Array | Buffer): string => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | Buffer | string): Buffer => createHash('sha256').update(b).digest();

/** What a test may change in a ceremony to make it wrong. */
export interface Tamper {
  origin?: string;
  rpId?: string;
  /** Overrides the signature counter the authenticator reports (and keeps). */
  counter?: number;
  userVerified?: boolean;
  /** The user handle the authenticator returns with an assertion (none unless given). */
  userHandle?: Buffer;
}

/**
 * A software authenticator (one credential) that answers WebAuthn options the way a browser and a
 * security key would, with attestation `none`: clientDataJSON, authenticator data, COSE key and
 * signature built by hand, so ceremonies can be driven through the HTTP API without a browser.
 */
export class SoftAuthenticator {
  readonly credentialId = randomBytes(16);
  private readonly privateKey: KeyObject;
  private readonly cosePublicKey: Uint8Array;
  private counter = 0;

  constructor(
    readonly algorithm: SoftAlgorithm,
    private readonly rpId: string,
    private readonly origin: string,
  ) {
    if (algorithm === 'ES256') {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = publicKey.export({ format: 'jwk' });
      this.privateKey = privateKey;
      this.cosePublicKey = isoCBOR.encode(new Map<number, number | Uint8Array>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')]]));
    } else if (algorithm === 'EdDSA') {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const jwk = publicKey.export({ format: 'jwk' });
      this.privateKey = privateKey;
      this.cosePublicKey = isoCBOR.encode(new Map<number, number | Uint8Array>([[1, 1], [3, -8], [-1, 6], [-2, Buffer.from(jwk.x!, 'base64url')]]));
    } else {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const jwk = publicKey.export({ format: 'jwk' });
      this.privateKey = privateKey;
      this.cosePublicKey = isoCBOR.encode(new Map<number, number | Uint8Array>([[1, 3], [3, -257], [-1, Buffer.from(jwk.n!, 'base64url')], [-2, Buffer.from(jwk.e!, 'base64url')]]));
    }
  }

  /** The credential's public key as a COSE key (what a relying party stores, and an admin imports). */
  get cosePublicKeyBytes(): Buffer {
    return Buffer.from(this.cosePublicKey);
  }

  /** Answers creation options (`{publicKey}` as the trigger node carries them) with a new credential. */
  register(options: { publicKey: { challenge: string } }, t: Tamper = {}): Record<string, unknown> {
    const clientDataJSON = this.clientData('webauthn.create', options.publicKey.challenge, t);
    const attested = Buffer.concat([Buffer.alloc(16), Buffer.from([0, this.credentialId.length]), this.credentialId, Buffer.from(this.cosePublicKey)]);
    const authData = this.authData(t, 0x40, attested);
    const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]) as never);
    return {
      id: b64url(this.credentialId),
      rawId: b64url(this.credentialId),
      type: 'public-key',
      response: { attestationObject: b64url(attestationObject), clientDataJSON: b64url(clientDataJSON), transports: ['usb'] },
    };
  }

  /** Answers request options with an assertion signed by this credential; the counter moves on by one. */
  assert(options: { publicKey: { challenge: string } }, t: Tamper = {}): Record<string, unknown> {
    const clientDataJSON = this.clientData('webauthn.get', options.publicKey.challenge, t);
    const authData = this.authData(t, 0, Buffer.alloc(0));
    const signed = Buffer.concat([authData, sha256(clientDataJSON)]);
    const signature = sign(this.algorithm === 'EdDSA' ? null : 'sha256', signed, this.privateKey);
    return {
      id: b64url(this.credentialId),
      rawId: b64url(this.credentialId),
      type: 'public-key',
      response: { authenticatorData: b64url(authData), clientDataJSON: b64url(clientDataJSON), signature: b64url(signature), userHandle: t.userHandle ? b64url(t.userHandle) : '' },
    };
  }

  private clientData(type: string, challenge: string, t: Tamper): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin: t.origin ?? this.origin, crossOrigin: false }));
  }

  private authData(t: Tamper, extraFlags: number, attested: Buffer): Buffer {
    this.counter = t.counter ?? this.counter + 1;
    const count = Buffer.alloc(4);
    count.writeUInt32BE(this.counter);
    // User present, user verified unless a test says otherwise.
    const flags = 0x01 | (t.userVerified === false ? 0 : 0x04) | extraFlags;
    return Buffer.concat([sha256(t.rpId ?? this.rpId), Buffer.from([flags]), count, attested]);
  }
}
