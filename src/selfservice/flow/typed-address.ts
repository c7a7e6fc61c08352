/**
 * An address a user typed into a recovery or verification form, read as the channel it names: text
 * with an `@` is an email address (trimmed, lower-cased), anything else a phone number in E.164.
 * The channel a message then goes over is the stored address's `via`, never this guess: the guess
 * only decides which stored addresses are looked up.
 */
import { toE164 } from '../../schema/formats.js';
import type { AddressVia } from '../../schema/extension.js';

export interface TypedAddress {
  via: AddressVia;
  /** The normal form addresses are stored in. */
  value: string;
}

/** The address `typed` names, or null for text without `@` that is no valid phone number. */
export function parseTypedAddress(typed: string): TypedAddress | null {
  const t = typed.trim();
  if (t.includes('@')) return { via: 'email', value: t.toLowerCase() };
  const e164 = toE164(t);
  return e164 === undefined ? null : { via: 'sms', value: e164 };
}

/**
 * An address shown partially, for messages that must not reveal more than the user typed while
 * still telling where the code went: `jo****@example.com`, `+49****67`.
 */
export function maskAddress(value: string): string {
  const at = value.indexOf('@');
  if (at >= 0) return at < 2 ? value : `${value.slice(0, 2)}****${value.slice(at)}`;
  return value.length < 6 ? value : `${value.slice(0, 3)}****${value.slice(-2)}`;
}
