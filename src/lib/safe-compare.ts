import { createHmac, timingSafeEqual, randomBytes } from 'node:crypto';

const key = randomBytes(32);

/** Compares two secrets in time independent of where they differ and of their lengths. */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  // HMAC both sides with a process-local key so lengths leak nothing and timingSafeEqual gets equal sizes.
  const ha = createHmac('sha256', key).update(a).digest();
  const hb = createHmac('sha256', key).update(b).digest();
  return timingSafeEqual(ha, hb);
}
