import { resolve } from 'node:path';

export type DialectName = 'sqlite' | 'postgres' | 'mysql';

export interface ParsedDsn {
  dialect: DialectName;
  /** The DSN as handed to the driver, with Tessera's own query parameters removed. */
  url: string;
  /** SQLite only: file path, or ':memory:'. */
  file?: string;
  pool: {
    maxConnections: number;
    maxIdleConnections: number;
    /** ms; 0 = driver default */
    connectTimeout: number;
    /** ms an idle connection lives; 0 = forever */
    maxIdleTime: number;
  };
}

// Pool tuning parameters Kratos accepts in the DSN query; removed before the DSN reaches the driver.
const POOL_PARAMS = ['max_conns', 'max_idle_conns', 'max_conn_lifetime', 'max_idle_conn_time', 'connect_timeout'];

export class DsnError extends Error {}

function durationParam(v: string | null, name: string): number {
  if (v === null || v === '') return 0;
  const m = /^(\d+)(ms|s|m|h)?$/.exec(v);
  if (!m) throw new DsnError(`DSN parameter ${name} must be a number of seconds or a duration such as 10s, got "${v}"`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!;
}

function intParam(v: string | null, name: string, fallback: number): number {
  if (v === null || v === '') return fallback;
  if (!/^\d+$/.test(v)) throw new DsnError(`DSN parameter ${name} must be a non-negative integer, got "${v}"`);
  return Number(v);
}

/**
 * Parses the DSN forms Kratos accepts: `memory`, `sqlite://path?...`, `sqlite3://...`, `file:...`,
 * `postgres://`, `postgresql://`, `cockroach://` (PostgreSQL wire protocol), `mysql://`.
 */
export function parseDsn(dsn: string): ParsedDsn {
  const trimmed = dsn.trim();
  const defaults = { maxConnections: 10, maxIdleConnections: 10, connectTimeout: 0, maxIdleTime: 0 };
  if (trimmed === 'memory' || trimmed === 'sqlite://:memory:' || trimmed.startsWith('sqlite://file::memory:')) {
    return { dialect: 'sqlite', url: trimmed, file: ':memory:', pool: { ...defaults, maxConnections: 1 } };
  }
  const scheme = /^([a-z0-9]+):/i.exec(trimmed)?.[1]?.toLowerCase();
  if (!scheme) throw new DsnError('DSN must start with a scheme such as sqlite://, postgres://, cockroach:// or mysql://, or be "memory"');

  if (scheme === 'sqlite' || scheme === 'sqlite3' || scheme === 'file') {
    const rest = trimmed.replace(/^(sqlite3?:\/\/|file:)/i, '');
    const [pathPart, query] = rest.split('?');
    const path = decodeURIComponent(pathPart ?? '');
    if (!path) throw new DsnError('SQLite DSN needs a file path, e.g. sqlite://./data.sqlite');
    // `mode=memory` names an in-memory database, as SQLite's URI filenames do.
    const inMemory = path === ':memory:' || new URLSearchParams(query ?? '').get('mode') === 'memory';
    return { dialect: 'sqlite', url: trimmed, file: inMemory ? ':memory:' : resolve(path), pool: { ...defaults, maxConnections: 1 } };
  }

  let dialect: DialectName;
  if (scheme === 'postgres' || scheme === 'postgresql' || scheme === 'cockroach' || scheme === 'cockroachdb') dialect = 'postgres';
  else if (scheme === 'mysql') dialect = 'mysql';
  else throw new DsnError(`unsupported DSN scheme "${scheme}": use sqlite://, postgres://, cockroach:// or mysql://`);

  let u: URL;
  try {
    u = new URL(trimmed);
  } catch {
    throw new DsnError('DSN is not a valid URL');
  }
  const q = u.searchParams;
  const pool = {
    maxConnections: intParam(q.get('max_conns'), 'max_conns', defaults.maxConnections),
    maxIdleConnections: intParam(q.get('max_idle_conns'), 'max_idle_conns', defaults.maxIdleConnections),
    connectTimeout: durationParam(q.get('connect_timeout'), 'connect_timeout'),
    maxIdleTime: durationParam(q.get('max_idle_conn_time'), 'max_idle_conn_time'),
  };
  if (pool.maxConnections < 1) throw new DsnError('DSN parameter max_conns must be at least 1');
  for (const p of POOL_PARAMS) q.delete(p);
  if (dialect === 'postgres') u.protocol = 'postgres:';
  return { dialect, url: u.toString(), pool };
}

/** True for an in-memory SQLite database: it starts empty and lives as long as the process. */
export function isInMemory(dsn: ParsedDsn): boolean {
  return dsn.dialect === 'sqlite' && dsn.file === ':memory:';
}

/** The DSN with its password replaced, for logs and error messages. */
export function redactDsn(dsn: string): string {
  try {
    const u = new URL(dsn);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return dsn;
  }
}
