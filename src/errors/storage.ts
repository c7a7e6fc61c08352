/**
 * Storage-level failures that the domain reacts to. Persisters translate driver errors into these,
 * so no domain module needs to know which database is underneath.
 */
export class UniqueViolationError extends Error {
  constructor(readonly constraint?: string, options?: { cause?: unknown }) {
    super(`unique constraint violated${constraint ? `: ${constraint}` : ''}`, options);
    this.name = 'UniqueViolationError';
  }
}

export class NotFoundInStorageError extends Error {
  constructor(what: string) {
    super(`${what} not found`);
    this.name = 'NotFoundInStorageError';
  }
}

// What the drivers report when the database cannot be reached or went away mid-request: node's
// socket errors, PostgreSQL's SQLSTATE class 08 (connection exception) and 57P01-57P03 (shutdown,
// crash, not yet accepting connections), MySQL/MariaDB's lost connections and shutdown errors,
// SQLite's lock time-outs. These are the database's state, not the request's fault: 503.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_GONE_ERROR',
  'ER_SERVER_LOST',
  'ER_NET_READ_ERROR',
  'ER_NET_WRITE_INTERRUPTED',
  'ER_LOCK_WAIT_TIMEOUT',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);

// node-postgres and mysql2 report some connection losses only in their message, without a code.
const UNAVAILABLE_MESSAGE =
  /Connection terminated|not queryable|timeout exceeded when trying to connect|connection timeout|Can't add new command when connection is in closed state|Connection lost|Pool is closed|Cannot use a pool after calling end/i;

/**
 * Whether `err` (or an error it wraps) says the database is unreachable or restarting rather than
 * that a statement was wrong.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const { code, message, errors } = e as { code?: unknown; message?: unknown; errors?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
    // Node's happy-eyeballs connect reports every refused address inside an AggregateError.
    if (Array.isArray(errors) && errors.some((x) => isDatabaseUnavailable(x))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
