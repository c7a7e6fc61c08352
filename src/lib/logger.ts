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
  /** Where lines go (default: standard output, written in batches within 10 ms and at exit). */
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

/** How long a line may wait to be written together with later ones. */
export const LINE_BATCH_DELAY_MS = 10;
/** Pending text that is written at once, without waiting for the delay. */
const LINE_BATCH_MAX_CHARS = 64 * 1024;

/**
 * Collects lines and writes them together, synchronously: at most LINE_BATCH_DELAY_MS after the
 * first of them, at once when 64 KB are pending, and at once when the process exits (an uncaught
 * exception included). A write costs about as much as building several request lines, and below
 * saturation a server answers about one request per event-loop turn, so a write per turn cost
 * nearly as much as a write per line. pino's default destination costs more under load: it hands
 * each write to the thread pool and, meanwhile, appends every new line to its pending text and
 * measures all of it again (a flatten and a scan of up to 16 KB per line).
 */
export class BatchedLines implements DestinationStream {
  private lines: string[] = [];
  private chars = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly sink: { write(text: string): unknown },
    private readonly delayMs = LINE_BATCH_DELAY_MS,
  ) {}

  write(line: string): void {
    this.lines.push(line);
    this.chars += line.length;
    if (this.chars >= LINE_BATCH_MAX_CHARS) this.flushSync();
    else if (this.timer === null) this.timer = setTimeout(this.flushSync, this.delayMs).unref();
  }

  /** Writes what is pending now. */
  readonly flushSync = (): void => {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.lines.length === 0) return;
    const text = this.lines.length === 1 ? this.lines[0]! : this.lines.join('');
    this.lines = [];
    this.chars = 0;
    this.sink.write(text);
  };

  /** pino's `logger.flush(cb)`. */
  flush(cb?: (err?: Error) => void): void {
    this.flushSync();
    cb?.();
  }
}

let stdoutLines: BatchedLines | undefined;

/** Standard output for every logger of the process: one batch, written synchronously, flushed at exit. */
function batchedStdout(): BatchedLines {
  if (!stdoutLines) {
    const lines = new BatchedLines(pino.destination({ dest: process.stdout.fd ?? 1, sync: true }));
    process.once('exit', lines.flushSync);
    stdoutLines = lines;
  }
  return stdoutLines;
}
