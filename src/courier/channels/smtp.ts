import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { checkServerIdentity, createSecureContext, rootCertificates } from 'node:tls';
import type { ConnectionOptions, PeerCertificate } from 'node:tls';
import { domainToASCII } from 'node:url';
import { createRequire } from 'node:module';
import addressparser from 'nodemailer/lib/addressparser';
import type { SendMailOptions, SentMessageInfo } from 'nodemailer/lib/mailer';

// nodemailer is loaded when an SMTP channel is built, not by every process that imports the courier.
const require = createRequire(import.meta.url);
const nodemailer = () => require('nodemailer') as typeof import('nodemailer');
import type { SMTPConnectionOptions } from 'nodemailer/lib/smtp-connection';
import type { SmtpConfig } from '../../config/types.js';
import type { Channel } from '../channel.js';
import { parseDuration } from '../../lib/duration.js';
import { adminEmailAddressing } from '../admin-email.js';
import { USABLE_ADDRESS } from '../address.js';
import { DeliveryError } from '../message.js';
import type { OutgoingMessage } from '../message.js';
import { parseSmtpConnectionUri, SmtpConfigError } from './smtp/connection-uri.js';
import type { SmtpConnectionSettings } from './smtp/connection-uri.js';
import { RecipientRejectedError, scrub, secretVariants, toDeliveryError } from './smtp/delivery-failure.js';
import { createSmtpUtf8Transport } from './smtp/smtputf8-transport.js';

// The email channel over SMTP (`courier.smtp`, or a `courier.channels[]` entry of type smtp),
// built on nodemailer. One pool of connections per channel; a message is one multipart/alternative
// email (plain text + HTML) with a Message-ID derived from the message id, so a receiver can
// recognise a copy re-sent after a worker died between the server's 250 and our bookkeeping.

export { parseSmtpConnectionUri, SmtpConfigError } from './smtp/connection-uri.js';
export type { SmtpConnectionSettings } from './smtp/connection-uri.js';

/**
 * `courier.smtp` (or a channel's `smtp_config`) plus the channel id (default `email`). Only
 * `connection_uri` is required; the other keys default as in Kratos.
 */
export type SmtpChannelConfig = Partial<Omit<SmtpConfig, 'password'>> & { id?: string };

export interface SmtpTimeouts {
  /** TCP (and implicit TLS) connection set-up. */
  connectMs: number;
  /** From connected to the server's 220 greeting. */
  greetingMs: number;
  /** Inactivity on an established connection. */
  socketMs: number;
}

/** What the channel logs through; pino's logger fits. Message bodies are never logged. */
export interface SmtpChannelLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  /** pino's: whether lines of `level` are written. */
  isLevelEnabled?(level: string): boolean;
}

export interface SmtpChannelOptions {
  logger?: SmtpChannelLogger;
  timeouts?: Partial<SmtpTimeouts>;
  /** Pooled connections at most (default 5). */
  maxConnections?: number;
  /**
   * Extra certificate authorities (PEM) trusted for the server's certificate, besides Node's
   * bundled roots. Operators can use NODE_EXTRA_CA_CERTS instead; tests use this.
   */
  ca?: string | Buffer | Array<string | Buffer>;
}

/** Kratos dials with a 10 s timeout; the socket may idle a little longer on slow relays. */
export const SMTP_DEFAULT_TIMEOUTS: SmtpTimeouts = { connectMs: 10_000, greetingMs: 10_000, socketMs: 30_000 };
const DEFAULT_FROM_ADDRESS = 'no-reply@ory.kratos.sh';
const DEFAULT_LOCAL_NAME = 'localhost';
const DEFAULT_MAX_CONNECTIONS = 5;

/** Headers that the channel owns: a configured value would break the MIME structure or de-duplication. */
const RESERVED_HEADERS = new Set(['message-id', 'mime-version', 'content-type', 'content-transfer-encoding']);

const NON_ASCII = /[^\x00-\x7f]/;
const TLS_ORDER = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
/** Line breaks and other controls never reach a header: a subject is one line. */
const HEADER_BREAKS = /[\r\n\u0085\u2028\u2029\p{Cc}]+/gu;

function localPart(address: string): string {
  return address.slice(0, address.lastIndexOf('@'));
}

/** An address needs SMTPUTF8 when its local part is not ASCII; a non-ASCII domain goes as punycode. */
function needsSmtpUtf8(address: string): boolean {
  return NON_ASCII.test(localPart(address));
}

/** The forms a server may report the recipient in: as given, and with its domain as punycode. */
function envelopeForms(address: string): Set<string> {
  const at = address.lastIndexOf('@');
  const ascii = domainToASCII(address.slice(at + 1));
  const forms = new Set([address.toLowerCase()]);
  if (ascii) forms.add(`${address.slice(0, at)}@${ascii}`.toLowerCase());
  return forms;
}

/**
 * The recipient as it goes into the envelope. A non-ASCII domain becomes punycode when the local
 * part is ASCII, so the message needs no SMTPUTF8; null when the domain is not a valid name.
 */
function envelopeAddress(address: string): string | null {
  if (needsSmtpUtf8(address)) return address;
  const at = address.lastIndexOf('@');
  const domain = domainToASCII(address.slice(at + 1));
  return domain ? `${address.slice(0, at)}@${domain}` : null;
}

function oneLine(text: string): string {
  return text.replace(HEADER_BREAKS, ' ');
}

function messageIdFor(id: string, fromAddress: string): string {
  const domain = domainToASCII(fromAddress.slice(fromAddress.lastIndexOf('@') + 1)) || 'tessera.invalid';
  const left = id.replace(/[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]/g, '') || 'message';
  return `<${left}@${domain}>`;
}

function readPem(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new SmtpConfigError(key, `cannot read ${path} (${why})`);
  }
}

function loadClientCertificate(certPath: string, keyPath: string): { cert: Buffer; key: Buffer } | undefined {
  if (!certPath && !keyPath) return undefined;
  if (!certPath || !keyPath) {
    throw new SmtpConfigError(certPath ? 'client_key_path' : 'client_cert_path', 'client_cert_path and client_key_path must be set together');
  }
  const cert = readPem(certPath, 'client_cert_path');
  const key = readPem(keyPath, 'client_key_path');
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw new SmtpConfigError('client_cert_path', `${certPath} and ${keyPath} are not a matching PEM certificate and private key (${(err as Error).message})`);
  }
  return { cert, key };
}

function tlsOptionsFor(settings: SmtpConnectionSettings, clientCert: { cert: Buffer; key: Buffer } | undefined, ca: SmtpChannelOptions['ca'], versions: SmtpConfig['tls']): ConnectionOptions {
  const minVersion = versions?.min_version ?? 'TLSv1.2';
  const maxVersion = versions?.max_version;
  if (maxVersion && TLS_ORDER.indexOf(maxVersion) < TLS_ORDER.indexOf(minVersion)) {
    throw new SmtpConfigError('tls.max_version', `${maxVersion} is below tls.min_version ${minVersion}`);
  }
  const tls: ConnectionOptions = {
    rejectUnauthorized: !settings.skipTlsVerify,
    minVersion,
    ...(maxVersion ? { maxVersion } : {}),
    // Verify against server_name even when the SNI cannot carry it (an IP address).
    checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(settings.serverName, cert),
  };
  if (clientCert) Object.assign(tls, clientCert);
  if (ca !== undefined) tls.ca = [...rootCertificates, ...(Array.isArray(ca) ? ca : [ca])];
  return tls;
}

/**
 * `timeouts`: connect bounds the TCP (and implicit TLS) set-up; read bounds the wait for the
 * greeting and, like write, inactivity on the connection. nodemailer has one inactivity timer for
 * both directions, so it runs for the longer of read and write.
 */
function configuredTimeouts(t: SmtpConfig['timeouts']): Partial<SmtpTimeouts> {
  const ms = (key: 'connect' | 'read' | 'write'): number | undefined => {
    const v = t?.[key];
    if (v === undefined) return undefined;
    const n = parseDuration(v);
    if (n <= 0) throw new SmtpConfigError(`timeouts.${key}`, 'must be longer than 0s');
    return n;
  };
  const [connect, read, write] = [ms('connect'), ms('read'), ms('write')];
  const out: Partial<SmtpTimeouts> = {};
  if (connect !== undefined) out.connectMs = connect;
  if (read !== undefined) out.greetingMs = read;
  if (read !== undefined || write !== undefined) out.socketMs = Math.max(read ?? 0, write ?? 0);
  return out;
}

function configuredHeaders(headers: Record<string, string> | undefined, logger: SmtpChannelLogger | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      logger?.warn({ header: name }, 'courier: smtp header ignored, the channel sets it itself');
      continue;
    }
    out[name] = value;
  }
  return out;
}

/** Cc/Bcc configured as headers reach the envelope too (as in Kratos); do any of them need SMTPUTF8? */
function headerRecipientsNeedSmtpUtf8(headers: Record<string, string>): boolean {
  for (const [name, value] of Object.entries(headers)) {
    if (!/^(cc|bcc)$/i.test(name)) continue;
    for (const entry of addressparser(value, { flatten: true })) {
      if (entry.address && needsSmtpUtf8(entry.address)) return true;
    }
  }
  return false;
}

export function createSmtpChannel(config: SmtpChannelConfig, opts: SmtpChannelOptions = {}): Channel {
  if (!config.connection_uri) throw new SmtpConfigError('connection_uri', 'is not set');
  const settings = parseSmtpConnectionUri(config.connection_uri);
  const secrets = [...secretVariants(settings.user, settings.password), config.connection_uri].filter((s) => s.length > 0);
  const logger = opts.logger;
  const fromAddress = config.from_address || DEFAULT_FROM_ADDRESS;
  const fromName = config.from_name || undefined;
  const headers = configuredHeaders(config.headers, logger);
  const clientCert = loadClientCertificate(config.client_cert_path ?? '', config.client_key_path ?? '');
  const timeouts = { ...SMTP_DEFAULT_TIMEOUTS, ...configuredTimeouts(config.timeouts), ...opts.timeouts };

  const connection: SMTPConnectionOptions = {
    host: settings.host,
    port: settings.port,
    secure: settings.implicitTls,
    requireTLS: settings.requireStartTls,
    ignoreTLS: settings.cleartext,
    name: config.local_name || DEFAULT_LOCAL_NAME,
    tls: tlsOptionsFor(settings, clientCert, opts.ca, config.tls),
    connectionTimeout: timeouts.connectMs,
    greetingTimeout: timeouts.greetingMs,
    socketTimeout: timeouts.socketMs,
    logger: false,
    debug: false,
  };
  // SNI carries names only; an address as server name is still what the certificate is checked against.
  if (!isIP(settings.serverName)) connection.servername = settings.serverName;
  const auth: { user: string; pass: string } | undefined = settings.user ? { user: settings.user, pass: settings.password } : undefined;

  const pooled = nodemailer().createTransport({
    ...connection,
    pool: true,
    maxConnections: opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    maxMessages: 100,
    // One fresh connection when a pooled one turns out to be closed; further retries are the worker's, with backoff.
    maxRequeues: 1,
    auth,
  });
  const utf8Transport = createSmtpUtf8Transport({ connection, auth });
  const utf8 = nodemailer().createTransport(utf8Transport);
  for (const mailer of [pooled, utf8]) {
    mailer.on('error', (err: Error) => logger?.warn({ error: scrub(err.message, secrets) }, 'courier: smtp transport error'));
  }

  const senderNeedsSmtpUtf8 = needsSmtpUtf8(fromAddress) || headerRecipientsNeedSmtpUtf8(headers);
  const id = config.id ?? 'email';
  let closed = false;

  return {
    id,
    type: 'email',

    async send(message: OutgoingMessage): Promise<void> {
      if (closed) throw new DeliveryError('smtp: the channel is closed');
      if (message.type !== 'email') throw new DeliveryError(`smtp: channel "${id}" sends email, not ${message.type}`, { permanent: true });
      const given = message.recipient.trim();
      const recipient = USABLE_ADDRESS.test(given) ? envelopeAddress(given) : null;
      if (!recipient) {
        throw new DeliveryError('smtp: the recipient is not a usable email address', { permanent: true });
      }
      const admin = adminEmailAddressing(message.templateData);
      const sender = admin?.from ?? (fromName ? { name: fromName, address: fromAddress } : { name: '', address: fromAddress });
      const mail: SendMailOptions = {
        // The object forms keep nodemailer from parsing an address as a list.
        from: sender.name ? { name: oneLine(sender.name), address: sender.address } : sender.address,
        to: { name: '', address: recipient },
        subject: oneLine(message.subject),
        text: message.bodyText,
        headers,
        messageId: messageIdFor(message.id, fromAddress),
      };
      if (message.bodyHtml) mail.html = message.bodyHtml;
      let headerAddresses: string[] = [];
      if (admin) {
        // The headers show every To and Cc recipient; the envelope names only this copy's.
        const shown = (list: string[]) => list.map((a) => envelopeAddress(a)).filter((a): a is string => a !== null);
        mail.to = shown(admin.to).map((address) => ({ name: '', address }));
        if (admin.cc.length > 0) mail.cc = shown(admin.cc).map((address) => ({ name: '', address }));
        mail.envelope = { from: sender.address, to: [recipient] };
        headerAddresses = [...admin.to, ...admin.cc, sender.address];
      }

      const viaSmtpUtf8 = senderNeedsSmtpUtf8 || needsSmtpUtf8(recipient) || headerAddresses.some(needsSmtpUtf8);
      let info: SentMessageInfo;
      try {
        info = await (viaSmtpUtf8 ? utf8 : pooled).sendMail(mail);
        const forms = envelopeForms(recipient);
        const rejected = (info.rejected ?? []).map((a: string) => a.toLowerCase());
        if (rejected.some((a: string) => forms.has(a))) {
          const reply = (info.rejectedErrors ?? []).map((e: { response?: string }) => e.response).find(Boolean) ?? 'rejected';
          throw new RecipientRejectedError(String(reply));
        }
      } catch (err) {
        const failure = toDeliveryError(err, secrets);
        logger?.debug({ message_id: message.id, permanent: failure.permanent, error: failure.message }, 'courier: smtp delivery failed');
        throw failure;
      }
      if (info.rejected?.length) {
        logger?.warn({ message_id: message.id, rejected: info.rejected.length }, 'courier: smtp server rejected some Cc/Bcc recipients');
      }
      // Scrubbing the reply is work done for every message: only for a line that is written.
      if (logger && (logger.isLevelEnabled?.('debug') ?? true)) logger.debug({ message_id: message.id, smtp_response: scrub(String(info.response ?? ''), secrets) }, 'courier: smtp server accepted the message');
    },

    async verify(): Promise<void> {
      // A connection of its own (never one from the pool): connect, EHLO, STARTTLS, AUTH, QUIT.
      const probe = nodemailer().createTransport({ ...connection, auth });
      try {
        await probe.verify();
      } catch (err) {
        throw toDeliveryError(err, secrets);
      } finally {
        probe.close();
      }
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      pooled.close();
      utf8Transport.close();
    },
  };
}
