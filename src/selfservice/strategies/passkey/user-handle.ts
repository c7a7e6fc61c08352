import { randomInt } from 'node:crypto';

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A new passkey user handle: 64 random alphanumeric characters, as Kratos makes them (not the identity id, which it would reveal). */
export function newPasskeyUserHandle(): Uint8Array<ArrayBuffer> {
  let out = '';
  for (let i = 0; i < 64; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return new Uint8Array(Buffer.from(out, 'ascii'));
}

export { passkeyIdentifierOf } from '../../../identity/passkey-identifier.js';
