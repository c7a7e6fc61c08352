import type { ColumnDataType, Dialect, Expression } from 'kysely';

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
  toTime(d: Date): unknown;
  toBool(b: boolean): unknown;
  isUniqueViolation(err: unknown): boolean;
}

/** Reads a timestamp column the way any of the drivers returns it. */
export function fromTime(v: unknown): Date {
  if (v instanceof Date) return v;
  if (typeof v === 'string' || typeof v === 'number') return new Date(v);
  throw new TypeError(`not a timestamp: ${String(v)}`);
}

export function fromNullableTime(v: unknown): Date | null {
  return v === null || v === undefined ? null : fromTime(v);
}

export function fromBool(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 't';
}
