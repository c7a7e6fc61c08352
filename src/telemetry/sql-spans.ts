import type { LogEvent } from 'kysely';
import type { Tracing } from './tracing.js';

const SYSTEMS: Record<string, string> = { sqlite: 'sqlite', postgres: 'postgresql', mysql: 'mysql' };

/**
 * A Kysely `log` function that turns each finished query into a client span under the current one
 * (Kysely reports a query once it is done, with its duration, in the caller's async context). The
 * span carries the statement with its placeholders, never the parameter values.
 */
export function sqlSpanLogger(tracing: Tracing, dialect: () => string): (e: LogEvent) => void {
  return (e) => {
    if (!tracing.active()) return;
    const system = SYSTEMS[dialect()] ?? dialect();
    const now = Date.now();
    const sql = e.query.sql;
    const op = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? 'SQL';
    const span = tracing.startSpan(op, 'client', { 'db.system.name': system, 'db.operation.name': op, 'db.query.text': sql.slice(0, 2000) }, { startTime: now - e.queryDurationMillis });
    if (!span) return;
    if (e.level === 'error') tracing.fail(span, e.error);
    span.end(now);
  };
}
