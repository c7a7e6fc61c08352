import pino, { type DestinationStream, type Logger } from 'pino';

export interface LoggerOptions {
  /** Kratos's level names: trace, debug, info, warning, error, fatal, panic. */
  level: string;
  /** `json` (one JSON object a line) or `text` (logfmt-style `time=… level=… msg=… key=value`). */
  format: 'json' | 'text';
  /** Log fields that hold personal data or one-time secrets unredacted (never passwords or credentials). */
  leakSensitiveValues: boolean;
  /** What replaces a sensitive value; empty for the default text. */
  redactionText: string;
  /** Where lines go (default: standard output, written at the end of each event-loop turn and at exit). */
  destination?: { write(line: string): unknown };
}

export const DEFAULT_REDACTION_TEXT = '[sensitive value redacted; set log.leak_sensitive_values to true to log it]';

/** Field names whose values are always removed, at the top of a log entry or one level down. */
const ALWAYS_REDACTED = ['password', 'hashed_password'];
/** Request headers that carry credentials, removed wherever a request is logged as `req`. */
const REDACTED_HEADERS = ['authorization', 'cookie', 'x-session-token'];

/**
 * Field names whose values are personal data or one-time secrets: logged only with
 * `log.leak_sensitive_values` (Kratos logs the same kinds of values as "sensitive fields").
 */
export const SENSITIVE_FIELDS = [
  'query',
  'recipient',
  'address',
  'email_address',
  'identifier',
  'traits',
  'claims',
  'recovery_code',
  'verification_code',
  'login_code',
  'registration_code',
  'recovery_link_token',
  'verification_link_token',
];

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warning', 50: 'error', 60: 'fatal' };

function quoteIfNeeded(v: string): string {
  return v === '' || /[\s"=\\]|[^\x21-\x7e]/.test(v) ? JSON.stringify(v) : v;
}

function textValue(v: unknown): string {
  if (typeof v === 'string') return quoteIfNeeded(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return quoteIfNeeded(JSON.stringify(v));
}

/**
 * Turns one pino JSON line into a human-readable line in the logfmt style Kratos's `text` format
 * prints: `time="…" level=info msg="…" key=value …`. Lines that are not JSON pass through.
 */
export function jsonLineToText(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { time, level, msg, pid: _pid, hostname: _hostname, ...fields } = entry;
  const parts = [
    `time=${textValue(typeof time === 'number' ? new Date(time).toISOString() : time)}`,
    `level=${typeof level === 'number' ? (LEVELS[level] ?? String(level)) : textValue(level)}`,
    `msg=${textValue(msg ?? '')}`,
  ];
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined) parts.push(`${k}=${textValue(v)}`);
  }
  return `${parts.join(' ')}\n`;
}

/** A stream that writes pino's JSON lines as text lines to `out`. */
export function textDestination(out: { write(line: string): unknown }): DestinationStream {
  return { write: (line: string) => void out.write(jsonLineToText(line)) };
}

/**
 * Replaces the values of the named fields in a log entry, at its top level and one level down
 * (where an entry nests an object, e.g. `{ flow: { identifier } }`), and the credential headers of
 * a logged request. The caller's objects are never changed: what holds a replaced value is copied.
 * One pass over the entry's keys, so the request line every request writes stays cheap.
 */
export function logRedactor(fields: readonly string[], censor: string): (entry: Record<string, unknown>) => Record<string, unknown> {
  const names = new Set(fields);
  const redactObject = (obj: Record<string, unknown>, nested: boolean): Record<string, unknown> => {
    let out: Record<string, unknown> | null = null;
    for (const key in obj) {
      const value = obj[key];
      let replaced: unknown = value;
      if (names.has(key)) replaced = value === undefined ? value : censor;
      else if (key === 'req' && isPlainObject(value) && isPlainObject(value.headers)) replaced = { ...value, headers: redactHeaders(value.headers) };
      else if (!nested && isPlainObject(value)) replaced = redactObject(value, true);
      if (replaced !== value) (out ??= { ...obj })[key] = replaced;
    }
    return out ?? obj;
  };
  const redactHeaders = (headers: Record<string, unknown>) => {
    const out = { ...headers };
    for (const h of REDACTED_HEADERS) if (out[h] !== undefined) out[h] = censor;
    return out;
  };
  return (entry) => redactObject(entry, false);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The process logger with Kratos's `log.*` settings applied. */
export function createLogger(opts: LoggerOptions): Logger {
  // Kratos's level names; pino calls two of them differently.
  const level = opts.level === 'warning' ? 'warn' : opts.level === 'panic' ? 'fatal' : opts.level;
  const censor = opts.redactionText || DEFAULT_REDACTION_TEXT;
  const redact = logRedactor([...ALWAYS_REDACTED, ...(opts.leakSensitiveValues ? [] : SENSITIVE_FIELDS)], censor);
  // A formatter instead of pino's path-based redaction: that one costs a walk per path (two dozen
  // wildcard paths) on every line, which was a tenth of a session check's time.
  const options: pino.LoggerOptions = { level, formatters: { log: redact } };
  const given = opts.destination;
  if (opts.format === 'text') return pino(options, textDestination(given ?? batchedStdout()));
  return pino(options, given ? { write: (l: string) => void given.write(l) } : batchedStdout());
}

/**
 * Collects lines and writes those of one event-loop turn together, synchronously, at the end of the
 * turn (and at once when the process exits). A busy server answers many requests per turn, so their
 * request lines cost one write between them. pino's default destination costs more under load: it
 * hands each write to the thread pool and, meanwhile, appends every new line to its pending text and
 * measures all of it again (a flatten and a scan of up to 16 KB per line).
 */
export class TurnBatchedLines implements DestinationStream {
  private lines: string[] = [];
  private scheduled = false;

  constructor(private readonly sink: { write(text: string): unknown }) {}

  write(line: string): void {
    this.lines.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushSync);
    }
  }

  /** Writes what is pending now. */
  readonly flushSync = (): void => {
    this.scheduled = false;
    if (this.lines.length === 0) return;
    const text = this.lines.length === 1 ? this.lines[0]! : this.lines.join('');
    this.lines = [];
    this.sink.write(text);
  };

  /** pino's `logger.flush(cb)`. */
  flush(cb?: (err?: Error) => void): void {
    this.flushSync();
    cb?.();
  }
}

let stdoutLines: TurnBatchedLines | undefined;

/** Standard output for every logger of the process: one batch, written synchronously, flushed at exit. */
function batchedStdout(): TurnBatchedLines {
  if (!stdoutLines) {
    const lines = new TurnBatchedLines(pino.destination({ dest: process.stdout.fd ?? 1, sync: true }));
    process.once('exit', lines.flushSync);
    stdoutLines = lines;
  }
  return stdoutLines;
}
