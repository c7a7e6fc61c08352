import { Secret, TOTP, URI } from 'otpauth';

/** RFC 6238 as Kratos uses it: 160-bit secret, SHA-1, 6 digits, 30 s steps. */
const PERIOD = 30;
const DIGITS = 6;
const SECRET_BYTES = 20;
/** A code from the step before or after the current one is accepted (clock drift). */
const WINDOW = 1;

export interface TotpKey {
  /** The otpauth:// URL: what the credential stores (`config.totp_url`) and the QR code encodes. */
  url: string;
  /** The secret in base32, for typing it in when the QR code cannot be scanned. */
  secret: string;
}

export function newTotpKey(issuer: string, accountName: string): TotpKey {
  return keyFromSecret(new Secret({ size: SECRET_BYTES }).base32, issuer, accountName);
}

export function keyFromSecret(base32: string, issuer: string, accountName: string): TotpKey {
  const totp = new TOTP({ issuer, label: accountName, algorithm: 'SHA1', digits: DIGITS, period: PERIOD, secret: Secret.fromBase32(base32) });
  return { url: totp.toString(), secret: totp.secret.base32 };
}

/** A 256×256 PNG of the key's URL as a data URI, as Kratos's `totp_qr` node carries. */
export async function qrDataUri(key: TotpKey): Promise<string> {
  // qrcode (and its PNG encoder) is loaded when the first QR code is drawn, not at start.
  const { default: QRCode } = await import('qrcode');
  return QRCode.toDataURL(key.url, { type: 'image/png', width: 256, margin: 1, errorCorrectionLevel: 'M' });
}

/**
 * The time step `code` belongs to, within one step of `now`; null when it matches none. Parameters
 * come from the stored URL, so keys imported with other digits or periods keep working.
 */
export function matchingStep(url: string, code: string, now: Date): number | null {
  let totp: TOTP;
  try {
    const parsed = URI.parse(url);
    if (!(parsed instanceof TOTP)) return null;
    totp = parsed;
  } catch {
    return null;
  }
  const token = code.trim();
  if (!/^\d+$/.test(token) || token.length !== totp.digits) return null;
  const timestamp = now.getTime();
  const delta = totp.validate({ token, timestamp, window: WINDOW });
  return delta === null ? null : totp.counter({ timestamp }) + delta;
}
