import addressparser from 'nodemailer/lib/addressparser';

// ForgeRock IDM's outbound email configuration (`conf/external.email.json`, served at
// `config/external.email`) read as Tessera's email settings. SMTP:
//   { host, port, auth: { enable, username, password }, from, starttls: { enable }, ssl: { enable },
//     smtpProperties: ["mail.smtp.ssl.protocols=TLSv1.2 TLSv1.3", ...], timeout, connectiontimeout,
//     writetimeout, threadPoolSize, debug }
// Microsoft Graph:
//   { type: "msgraph", mailEndpoint, from, auth: { enable, type: "oauth2", clientId, clientSecret,
//     tokenEndpoint, scope, scopeDelimiter, grantType: "client_credentials" } }
// The translation says what it did with every key in `notes`; a key it cannot honour is an error
// naming the key, never silently dropped.

export const IDM_EMAIL_KEYS = [
  'host', 'port', 'auth', 'from', 'starttls', 'ssl', 'smtpProperties', 'threadPoolSize', 'timeout',
  'connectiontimeout', 'writetimeout', 'type', 'mailEndpoint', 'debug', '_id',
] as const;

export class IdmEmailError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'IdmEmailError';
  }
}

export interface IdmTranslation {
  /** Tessera's shape: `{ smtp }` or `{ channels: [{ id: "email", type: "msgraph", ... }] }`. */
  settings: Record<string, unknown>;
  notes: string[];
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const TLS_ORDER = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

function bool(body: Obj, key: string, field = key): boolean | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (isObj(v)) return bool(v, 'enable', `${field}.enable`);
  if (typeof v !== 'boolean') throw new IdmEmailError(field, `${field} must be a boolean`);
  return v;
}

function text(body: Obj, key: string, field: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new IdmEmailError(field, `${field} must be a string`);
  return v;
}

/** A secret: a string, or IDM's `{$purpose}` reference; IDM-encrypted values cannot be read here. */
function secret(body: Obj, key: string, field: string): unknown {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (isObj(v) && '$crypto' in v) {
    throw new IdmEmailError(field, `${field} is encrypted by IDM ($crypto), which Tessera cannot decrypt: give the value itself (Tessera encrypts it under secrets.cipher) or a {"$purpose": ...} reference`);
  }
  if (isObj(v) && typeof v.$purpose === 'string') return { $purpose: v.$purpose };
  if (isObj(v) && typeof v.file === 'string') return v;
  throw new IdmEmailError(field, `${field} must be a string or a {"$purpose": ...} reference`);
}

/** JavaMail timeouts are milliseconds; 0 means none, which Tessera does not allow (its defaults apply). */
function timeout(body: Obj, key: string, notes: string[]): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new IdmEmailError(key, `${key} must be a whole number of milliseconds`);
  if (v === 0) {
    notes.push(`${key}: 0 (no limit) is not allowed; Tessera's default applies`);
    return undefined;
  }
  return `${v}ms`;
}

/** `smtpProperties` as IDM writes it (["key=value", ...]) or as an object. */
function properties(v: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (v === undefined || v === null) return out;
  if (Array.isArray(v)) {
    for (const [i, entry] of v.entries()) {
      if (typeof entry !== 'string' || !entry.includes('=')) throw new IdmEmailError(`smtpProperties[${i}]`, `smtpProperties[${i}] must be "key=value"`);
      const at = entry.indexOf('=');
      out.set(entry.slice(0, at).trim(), entry.slice(at + 1).trim());
    }
    return out;
  }
  if (isObj(v)) {
    for (const [k, val] of Object.entries(v)) out.set(k, String(val));
    return out;
  }
  throw new IdmEmailError('smtpProperties', 'smtpProperties must be a list of "key=value" strings');
}

function parseFrom(from: string): { address: string; name?: string } {
  const [first, ...rest] = addressparser(from, { flatten: true });
  if (!first?.address || rest.length > 0) throw new IdmEmailError('from', 'from must be one address, optionally with a name ("Name" <address>)');
  return first.name ? { address: first.address, name: first.name } : { address: first.address };
}

function translateSmtp(body: Obj, notes: string[]): Obj {
  const host = text(body, 'host', 'host');
  if (!host) throw new IdmEmailError('host', 'host is required');
  const port = body.port;
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)) throw new IdmEmailError('port', 'port must be a number from 1 to 65535');
  const ssl = bool(body, 'ssl') ?? false;
  const starttls = bool(body, 'starttls') ?? false;
  const auth = isObj(body.auth) ? body.auth : undefined;
  if (body.auth !== undefined && !auth) throw new IdmEmailError('auth', 'auth must be an object');
  const smtp: Obj = {};
  let user = '';
  if (auth && (bool(auth, 'enable', 'auth.enable') ?? true)) {
    if (auth.type !== undefined && auth.type !== 'basic') {
      throw new IdmEmailError('auth.type', `auth.type ${JSON.stringify(auth.type)} over SMTP is not supported; use "type": "msgraph" for OAuth2 (Microsoft Graph)`);
    }
    user = text(auth, 'username', 'auth.username') ?? '';
    const password = secret(auth, 'password', 'auth.password');
    if (password !== undefined) smtp.password = password;
  }
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const query = ssl ? '' : starttls ? '' : '?disable_starttls=true';
  smtp.connection_uri = `${ssl ? 'smtps' : 'smtp'}://${user ? `${encodeURIComponent(user)}@` : ''}${hostPart}${port !== undefined ? `:${port}` : ''}/${query}`;
  notes.push(
    ssl
      ? 'ssl.enable: implicit TLS (smtps://)'
      : starttls
        ? 'starttls.enable: STARTTLS is required (smtp://)'
        : 'starttls and ssl disabled: cleartext SMTP (smtp://...?disable_starttls=true)',
  );
  if (ssl && starttls) notes.push('starttls.enable is moot with ssl.enable (the connection is TLS from the start)');

  const from = text(body, 'from', 'from');
  if (from) {
    const f = parseFrom(from);
    smtp.from_address = f.address;
    if (f.name) smtp.from_name = f.name;
  }

  const timeouts: Obj = {};
  const connect = timeout(body, 'connectiontimeout', notes);
  const read = timeout(body, 'timeout', notes);
  const write = timeout(body, 'writetimeout', notes);
  if (connect) timeouts.connect = connect;
  if (read) timeouts.read = read;
  if (write) timeouts.write = write;

  const tls: Obj = {};
  for (const [key, value] of properties(body.smtpProperties)) {
    const field = `smtpProperties.${key}`;
    if (key === 'mail.smtp.ssl.protocols' || key === 'mail.smtps.ssl.protocols') {
      const versions = value.split(/[\s,]+/).filter(Boolean);
      const bad = versions.find((v) => !TLS_ORDER.includes(v));
      if (bad !== undefined || versions.length === 0) throw new IdmEmailError(field, `${field}: ${JSON.stringify(bad ?? value)} is not one of ${TLS_ORDER.join(', ')}`);
      const idx = versions.map((v) => TLS_ORDER.indexOf(v)).sort((a, b) => a - b);
      tls.min_version = TLS_ORDER[idx[0]!];
      tls.max_version = TLS_ORDER[idx.at(-1)!];
      notes.push(`${key}: TLS ${tls.min_version} to ${tls.max_version} (smtp.tls)`);
    } else if (key === 'mail.mime.allowutf8') {
      notes.push(`${key}: Tessera sends international addresses with SMTPUTF8 whenever the server offers it, and refuses them when it does not`);
    } else if (key === 'mail.smtp.localhost') {
      smtp.local_name = value;
    } else if (key === 'mail.smtp.connectiontimeout' || key === 'mail.smtp.timeout' || key === 'mail.smtp.writetimeout') {
      const ms = Number(value);
      if (!Number.isInteger(ms) || ms < 0) throw new IdmEmailError(field, `${field} must be a whole number of milliseconds`);
      const which = key.endsWith('connectiontimeout') ? 'connect' : key.endsWith('writetimeout') ? 'write' : 'read';
      if (ms > 0) timeouts[which] = `${ms}ms`;
    } else {
      throw new IdmEmailError(field, `${field} is not supported (supported: mail.smtp(s).ssl.protocols, mail.mime.allowutf8, mail.smtp.localhost, mail.smtp.connectiontimeout, mail.smtp.timeout, mail.smtp.writetimeout)`);
    }
  }
  if (Object.keys(tls).length > 0) smtp.tls = tls;
  if (Object.keys(timeouts).length > 0) smtp.timeouts = timeouts;
  return { smtp };
}

function translateGraph(body: Obj, notes: string[]): Obj {
  const auth = isObj(body.auth) ? body.auth : undefined;
  if (!auth) throw new IdmEmailError('auth', 'auth (type oauth2, clientId, clientSecret, tokenEndpoint) is required for msgraph');
  if (auth.type !== undefined && auth.type !== 'oauth2') throw new IdmEmailError('auth.type', 'auth.type must be "oauth2" for msgraph');
  const grant = text(auth, 'grantType', 'auth.grantType');
  if (grant !== undefined && grant !== 'client_credentials') throw new IdmEmailError('auth.grantType', 'auth.grantType must be "client_credentials"');
  const cfg: Obj = {
    mail_endpoint: text(body, 'mailEndpoint', 'mailEndpoint'),
    client_id: secret(auth, 'clientId', 'auth.clientId'),
    client_secret: secret(auth, 'clientSecret', 'auth.clientSecret'),
    token_endpoint: text(auth, 'tokenEndpoint', 'auth.tokenEndpoint'),
  };
  const scope = auth.scope;
  if (typeof scope === 'string') cfg.scope = [scope];
  else if (Array.isArray(scope)) cfg.scope = scope;
  else if (scope !== undefined) throw new IdmEmailError('auth.scope', 'auth.scope must be a string or a list of strings');
  const delimiter = text(auth, 'scopeDelimiter', 'auth.scopeDelimiter');
  if (delimiter !== undefined) cfg.scope_delimiter = delimiter;
  const from = text(body, 'from', 'from');
  if (from) cfg.from = parseFrom(from).address;
  for (const key of ['timeout', 'connectiontimeout', 'writetimeout'] as const) {
    if (body[key] !== undefined && body[key] !== 0) notes.push(`${key}: Graph requests use Tessera's 10 s deadline`);
  }
  for (const [k, v] of Object.entries(cfg)) if (v === undefined) delete cfg[k];
  notes.push('type msgraph: the email channel sends through Microsoft Graph sendMail (courier.channels[id=email].msgraph_config)');
  return { channels: [{ id: 'email', type: 'msgraph', msgraph_config: cfg }] };
}

/** Reads an IDM `external.email` body as Tessera's email settings. */
export function translateIdmEmail(body: Obj): IdmTranslation {
  const notes: string[] = [];
  for (const key of Object.keys(body)) {
    if (!(IDM_EMAIL_KEYS as readonly string[]).includes(key)) throw new IdmEmailError(key, `${key} is not a key of IDM's external.email configuration that Tessera reads`);
  }
  const type = body.type;
  if (type !== undefined && type !== 'smtp' && type !== 'msgraph') throw new IdmEmailError('type', 'type must be "smtp" or "msgraph"');
  const settings = type === 'msgraph' ? translateGraph(body, notes) : translateSmtp(body, notes);
  if (body.threadPoolSize !== undefined) notes.push('threadPoolSize: not applied; how many messages a worker sends at once is courier.worker.concurrency in the configuration file');
  if (body.debug !== undefined) notes.push('debug: not applied; use log.level');
  return { settings, notes };
}

/** Whether a body is in IDM's shape (it has IDM keys and none of Tessera's). */
export function looksLikeIdmEmail(body: Obj, tesseraKeys: readonly string[]): boolean {
  const keys = Object.keys(body);
  return keys.length > 0 && !keys.some((k) => tesseraKeys.includes(k)) && keys.some((k) => (IDM_EMAIL_KEYS as readonly string[]).includes(k));
}
