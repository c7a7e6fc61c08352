/** Kratos's wire value for SMS messages is `phone`; Tessera stores `sms` and renders `phone`. */
export type MessageType = 'email' | 'sms';
export type MessageStatus = 'queued' | 'processing' | 'sent' | 'abandoned';

/** Template types Kratos knows (`courier.templates.<type>` and the built-in set). */
export const TEMPLATE_TYPES = [
  'recovery_invalid',
  'recovery_valid',
  'recovery_code_invalid',
  'recovery_code_valid',
  'verification_invalid',
  'verification_valid',
  'verification_code_invalid',
  'verification_code_valid',
  'login_code_valid',
  'registration_code_valid',
  'verifiable_address_changed',
  'otp',
  'stub',
] as const;
export type TemplateType = (typeof TEMPLATE_TYPES)[number];

/**
 * What templates see (Go field names, as Kratos templates use them): `To`, `RecoveryURL`,
 * `RecoveryCode`, `VerificationURL`, `VerificationCode`, `LoginCode`, `RegistrationCode`,
 * `Identity` (a map: id, state, traits, verifiable_addresses, recovery_addresses, metadata_public),
 * `RequestURL`, `TransientPayload`, `ExpiresInMinutes`, `ChangedAt`.
 */
export type TemplateData = Record<string, unknown> & { To: string };

/** A message after rendering, as a channel delivers it. */
export interface OutgoingMessage {
  /** The message id; channels derive a stable Message-ID / idempotency key from it. */
  id: string;
  type: MessageType;
  recipient: string;
  templateType: TemplateType;
  templateData: TemplateData;
  /** Email only. */
  subject: string;
  /** Email: the plain-text part. SMS: the text. */
  bodyText: string;
  /** Email only: the HTML part. */
  bodyHtml?: string;
}

/**
 * A delivery failure. `permanent` failures (the recipient can never be reached this way, e.g. an
 * international address to a server without SMTPUTF8) are abandoned at once instead of retried.
 */
export class DeliveryError extends Error {
  readonly permanent: boolean;
  /**
   * The channel itself could not be reached (connection refused, DNS, TLS, time-out): an outage of
   * the way there, not a verdict on this message. The worker pauses the channel instead of spending
   * every queued message's attempts against it.
   */
  readonly unreachable: boolean;

  constructor(message: string, opts: { permanent?: boolean; unreachable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'DeliveryError';
    this.permanent = opts.permanent ?? false;
    this.unreachable = !this.permanent && (opts.unreachable ?? false);
  }
}
