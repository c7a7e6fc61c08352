// `courier.smtp.connection_uri` as Kratos reads it:
//   smtp://user:pass@host:port/?disable_starttls=true&skip_ssl_verify=true&server_name=name
//   smtps://user:pass@host:port/?skip_ssl_verify=true&server_name=name
// `smtp` is STARTTLS, required unless `disable_starttls` is true (then cleartext); `smtps` is
// implicit TLS. Certificates are verified unless `skip_ssl_verify` is true, against `server_name`
// when given (also sent as SNI), else against the host.

export interface SmtpConnectionSettings {
  scheme: 'smtp' | 'smtps';
  host: string;
  port: number;
  /** URL-decoded; empty when the URI names no user (no AUTH then). */
  user: string;
  /** URL-decoded; never put it in an error message or a log line. */
  password: string;
  /** `smtps`: TLS from the first byte. */
  implicitTls: boolean;
  /** `smtp` without `disable_starttls=true`: refuse to go on unless STARTTLS succeeds. */
  requireStartTls: boolean;
  /** `smtp` with `disable_starttls=true`: cleartext, STARTTLS is not even tried. */
  cleartext: boolean;
  skipTlsVerify: boolean;
  /** The name the certificate is checked against and sent as SNI (`server_name`, else the host). */
  serverName: string;
}

/** Default ports: submission (RFC 6409) for `smtp`, submissions (RFC 8314) for `smtps`. */
export const SMTP_DEFAULT_PORT = 587;
export const SMTPS_DEFAULT_PORT = 465;

/**
 * An SMTP setting that cannot be used, raised when the channel is built. The message names the
 * key and never repeats the connection URI (it may hold a password).
 */
export class SmtpConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`courier.smtp.${key}: ${message}`);
    this.name = 'SmtpConfigError';
  }
}

/** Go's strconv.ParseBool, which Kratos uses for the query flags; anything else counts as false. */
function parseGoBool(value: string | null): boolean {
  return value !== null && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value);
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new SmtpConfigError('connection_uri', `the ${what} is not validly percent-encoded`);
  }
}

export function parseSmtpConnectionUri(uri: string): SmtpConnectionSettings {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    // URL's own error carries the input, password included.
    throw new SmtpConfigError('connection_uri', 'not a valid URI');
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (scheme !== 'smtp' && scheme !== 'smtps') {
    throw new SmtpConfigError('connection_uri', `scheme "${scheme}" is not supported (use smtp or smtps)`);
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (!host) throw new SmtpConfigError('connection_uri', 'no host');
  const implicitTls = scheme === 'smtps';
  const port = url.port ? Number(url.port) : implicitTls ? SMTPS_DEFAULT_PORT : SMTP_DEFAULT_PORT;
  const disableStartTls = !implicitTls && parseGoBool(url.searchParams.get('disable_starttls'));
  const serverName = url.searchParams.get('server_name') || host;
  return {
    scheme,
    host,
    port,
    user: decode(url.username, 'user'),
    password: decode(url.password, 'password'),
    implicitTls,
    requireStartTls: !implicitTls && !disableStartTls,
    cleartext: disableStartTls,
    skipTlsVerify: parseGoBool(url.searchParams.get('skip_ssl_verify')),
    serverName,
  };
}
