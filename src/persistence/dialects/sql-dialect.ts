import { sql, type ColumnDataType, type Dialect, type Expression, type RawBuilder } from 'kysely';

type DataTypeExpression = ColumnDataType | Expression<unknown>;
import type { DialectName } from '../dsn.js';

/**
 * What differs between the databases, as capabilities and value conversions. Everything else
 * (queries, migrations) is written once against Kysely and asks this object where they differ.
 */
export interface SqlDialect {
  readonly name: DialectName;
  readonly kysely: Dialect;
  readonly types: {
    uuid: DataTypeExpression;
    timestamp: DataTypeExpression;
    boolean: DataTypeExpression;
    /** Unbounded text (JSON documents, templates, bodies). */
    text: DataTypeExpression;
  };
  /** Whether `SELECT ... FOR UPDATE SKIP LOCKED` is available for queue claims. */
  readonly supportsSkipLocked: boolean;
  /**
   * How an insert meets an existing key: `ON CONFLICT`, which can update and return the row, or
   * MySQL's `ON DUPLICATE KEY UPDATE`, which returns no rows (it locks the existing row exclusively
   * at once; `INSERT IGNORE` would take a shared lock, and two such holders deadlock when both
   * upgrade it).
   */
  readonly insertIgnore: 'on-conflict' | 'on-duplicate-key';
  toTime(d: Date): unknown;
  toBool(b: boolean): unknown;
  isUniqueViolation(err: unknown): boolean;
  /**
   * Runs a compiled read-only statement outside Kysely's connection handling, when the dialect has
   * a cheaper way (SQLite: a separate read connection, which WAL lets read committed data while the
   * writer works, with cached statements; PostgreSQL: a named statement, parsed and planned once per
   * pooled connection). Undefined: use Kysely. Not for statements inside a transaction.
   */
  readonly fastRead?: (sql: string, parameters: readonly unknown[]) => unknown[] | Promise<unknown[]>;
  /**
   * The first row of a fastRead, as its values in the statement's column order and as the driver
   * received them: no object is built for the row (and better-sqlite3 interns no column names), and
   * nothing is parsed (PostgreSQL's timestamps stay text, no Date is built). For the session check's
   * stamp, read on every request, which only compares values with their earlier selves.
   */
  readonly fastReadFirstValues?: (sql: string, parameters: readonly unknown[]) => unknown[] | undefined | Promise<unknown[] | undefined>;
  /** Releases what the dialect opened besides Kysely's pool. */
  close?(): void;
  /** Child rows as one JSON array column (each database spells JSON aggregation differently). */
  jsonChildren(q: JsonChildrenQuery): RawBuilder<unknown>;
}

/** `(select <agg>(<object>(columns...)) from <table> as <alias> where <alias>.<fk> = <parentRef>)` */
export interface JsonChildrenQuery {
  table: string;
  alias: string;
  columns: readonly string[];
  foreignKey: string;
  /** The outer column the foreign key points at, e.g. `i.id`. */
  parentRef: string;
}

/** Builds the correlated aggregation with the database's own function names. */
export function jsonChildrenWith(fns: { agg: string; object: string; empty: RawBuilder<unknown> }) {
  return (q: JsonChildrenQuery): RawBuilder<unknown> => {
    const args = q.columns.flatMap((c) => [sql.lit(c), sql.ref(`${q.alias}.${c}`)]);
    return sql`(select coalesce(${sql.raw(fns.agg)}(${sql.raw(fns.object)}(${sql.join(args)})), ${fns.empty}) from ${sql.table(q.table)} as ${sql.raw(q.alias)} where ${sql.ref(`${q.alias}.${q.foreignKey}`)} = ${sql.ref(q.parentRef)})`;
  };
}

/**
 * Reads a JSON-aggregated column: a JSON string (SQLite) or already parsed (PostgreSQL, MySQL).
 */
export function fromJsonArray<T>(v: unknown): T[] {
  if (v === null || v === undefined) return [];
  if (typeof v === 'string') return JSON.parse(v) as T[];
  return v as T[];
}

/** Reads a timestamp column the way any of the drivers returns it. */
export function fromTime(v: unknown): Date {
  if (v instanceof Date) return v;
  // MySQL renders DATETIME inside JSON as "YYYY-MM-DD hh:mm:ss.ffffff" without a zone; it holds UTC.
  if (typeof v === 'string' && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(v)) return new Date(`${v.replace(' ', 'T')}Z`);
  if (typeof v === 'string' || typeof v === 'number') return new Date(v);
  throw new TypeError(`not a timestamp: ${String(v)}`);
}

export function fromNullableTime(v: unknown): Date | null {
  return v === null || v === undefined ? null : fromTime(v);
}

export function fromBool(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 't';
}
