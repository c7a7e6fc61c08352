import { DeliveryError } from '../../message.js';

// Turns what nodemailer (or our SMTPUTF8 check) reports into a DeliveryError, retryable or
// permanent, whose text holds no secret.
//
// Permanent: the server refused this recipient or this message for good (5xx to RCPT TO, DATA or
// the message itself), an address that cannot go into an SMTP envelope, an international address
// for a server without SMTPUTF8. Retrying those sends the same thing to the same answer.
// Retryable: everything about the way there — refused or dropped connections, timeouts, TLS and
// authentication failures (an operator can fix the configuration or the certificate while the
// message waits), 4xx replies, and 5xx replies to commands that concern the sender or the
// session rather than the recipient (MAIL FROM, AUTH, EHLO, STARTTLS).

/** The fields of a nodemailer error this module reads. */
interface NodemailerFailure {
  message?: unknown;
  code?: unknown;
  responseCode?: unknown;
  command?: unknown;
  /** The system or TLS error code nodemailer replaced with its own (ESOCKET, ...). */
  originalCode?: unknown;
}

/** Node's codes for a certificate or handshake that failed. */
const TLS_FAILURE_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME|ALTNAME/;

/** Raised by our SMTPUTF8 check before any address is sent. */
export class SmtpUtf8UnsupportedError extends Error {
  constructor() {
    super('the SMTP server does not support SMTPUTF8, which an address with non-ASCII characters before the @ needs');
    this.name = 'SmtpUtf8UnsupportedError';
  }
}

/** Raised when the server accepted the message but not for the message's recipient (e.g. only a Cc). */
export class RecipientRejectedError extends Error {
  constructor(readonly response: string) {
    super(`the SMTP server rejected the recipient: ${response}`);
    this.name = 'RecipientRejectedError';
  }
}

const PERMANENT_5XX_COMMANDS = new Set(['RCPT TO', 'DATA']);

/** Every form in which a password might come back in a server reply or a library message. */
export function secretVariants(user: string, password: string): string[] {
  if (!password) return [];
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const variants = new Set([
    password,
    encodeURIComponent(password),
    b64(password),
    b64(`\u0000${user}\u0000${password}`),
  ]);
  return [...variants].filter((v) => v.length > 0);
}

export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a URI holding the password goes as a whole.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) if (s) out = out.split(s).join('***');
  return out;
}

function describe(err: NodemailerFailure): string {
  const raw = typeof err.message === 'string' && err.message ? err.message : 'unknown error';
  // OpenSSL's "80EC...:error:0A0000C7:SSL routines:<function>:<reason>:<file>:<line>:" keeps its reason.
  const openssl = /^[0-9A-F]+:error:[0-9A-F]+:[^:]+:[^:]+:([^:]+):/.exec(raw);
  return (openssl ? openssl[1] : raw).replace(/\s+/g, ' ').trim();
}

export function toDeliveryError(err: unknown, secrets: readonly string[]): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e: NodemailerFailure = typeof err === 'object' && err !== null ? (err as NodemailerFailure) : { message: String(err) };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const command = typeof e.command === 'string' ? e.command : undefined;
  const originalCode = typeof e.originalCode === 'string' ? e.originalCode : undefined;
  // The cause keeps what an operator needs to diagnose, and nothing a server or library echoed.
  const cause = { code, originalCode, responseCode, command };
  const fail = (summary: string, permanent: boolean, unreachable = false) =>
    new DeliveryError(scrub(`smtp: ${summary}: ${describe(e)}`, secrets), { permanent, unreachable, cause });

  if (err instanceof SmtpUtf8UnsupportedError) return new DeliveryError(`smtp: ${err.message}`, { permanent: true, cause });
  if (err instanceof RecipientRejectedError) return fail('recipient rejected', true);
  if (code === 'ETLS' || (originalCode && TLS_FAILURE_CODE.test(originalCode))) {
    return fail(command === 'STARTTLS' ? 'STARTTLS failed (it is required unless disable_starttls=true)' : 'TLS failed', false, true);
  }
  if (responseCode !== undefined && responseCode >= 500 && responseCode < 600) {
    if (code === 'EAUTH') return fail('authentication failed', false);
    if (command && PERMANENT_5XX_COMMANDS.has(command)) {
      return fail(command === 'RCPT TO' ? 'recipient rejected' : 'message rejected', true);
    }
    return fail('the server refused the session', false);
  }
  if (responseCode !== undefined && responseCode >= 400 && responseCode < 500) {
    return fail('temporary failure', false);
  }
  switch (code) {
    case 'EAUTH':
    case 'ENOAUTH':
      return fail('authentication failed', false);
    case 'ETIMEDOUT':
      return fail('timed out', false, true);
    case 'ECONNECTION':
    case 'ESOCKET':
    case 'EDNS':
    case 'ECONNREFUSED':
      return fail('could not reach the server', false, true);
    case 'EENVELOPE':
      // No server reply: nodemailer refused the address itself (control characters, brackets).
      if (responseCode === undefined) return fail('the address cannot be used in an SMTP envelope', true);
      break;
  }
  return fail('delivery failed', false);
}
