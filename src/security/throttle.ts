// Counters of failed or counted attempts, the rules that read them, and the storage they live in.
// Storage is one row per key, changed only under an exclusive lock (see ThrottleStore.update), so
// every instance of Tessera against one database sees and enforces the same counts.

/** One counter as stored. A key with no row is a counter at zero. */
export interface ThrottleCounter {
  /** Counted attempts: consecutive failures (accounts) or attempts in the current window. */
  failures: number;
  /** Start of the current window (window rules); when the row was created otherwise. */
  windowStart: Date;
  lastFailureAt: Date | null;
  /** No attempt is admitted before this time. */
  blockedUntil: Date | null;
}

/** What a rule decided about one attempt. */
export type ThrottleDecision =
  /** Admitted and already counted: `counted` is the counter's new value. */
  | { admitted: true; counted: number }
  /**
   * Refused without counting. `retryAfterMs` is how long until an attempt can be admitted again;
   * null when no time will do (the hard cap: only a success elsewhere or an administrator clears it).
   */
  | { admitted: false; retryAfterMs: number | null };

/** Decides from a counter (null: at zero) its next value (null: back to zero) and a result. */
export type ThrottleChange<T> = (current: ThrottleCounter | null) => { next: ThrottleCounter | null; result: T };

/** The counters one ThrottleStore.transaction changes. */
export interface ThrottleTransaction {
  /** Like ThrottleStore.update, the lock held until the transaction ends. */
  update<T>(key: string, scope: string, now: Date, change: ThrottleChange<T>): Promise<T>;
  /** Sets the counter back to zero (removes its row). */
  remove(key: string): Promise<void>;
}

/**
 * Storage of counters. `update` reads the row of `key` under an exclusive lock that holds until the
 * new value is written, so concurrent attempts on one key are decided one after the other.
 */
export interface ThrottleStore {
  update<T>(key: string, scope: string, now: Date, change: ThrottleChange<T>): Promise<T>;
  /**
   * Runs `work` in one transaction: each counter it changes stays locked until the transaction ends,
   * and its changes commit together (one commit, not one per key). `keys` names every key `work` may
   * touch, in the order it takes them; callers that take several keys take them in one order (the
   * client address before the account), so no two such transactions can wait on each other.
   */
  transaction<T>(keys: readonly string[], work: (tx: ThrottleTransaction) => Promise<T>): Promise<T>;
  get(key: string): Promise<ThrottleCounter | null>;
  /** Removes counters; returns how many existed. */
  delete(keys: readonly string[]): Promise<number>;
  /**
   * Removes counters untouched for `idleFor` ms and not blocked at `now`, except those of `keep.scope`
   * with at least `keep.minFailures` (accounts at the hard cap stay locked until cleared).
   */
  prune(now: Date, idleFor: number, keep: { scope: string; minFailures: number }): Promise<number>;
}

/** The account rule: progressive delay, then temporary lockouts, then a hard cap. */
export interface AccountRule {
  /** Consecutive failures admitted without any delay. */
  delayAfter: number;
  /** The delay after failure number `delayAfter`; it doubles with each further failure. */
  delayMs: number;
  maxDelayMs: number;
  /** Every this many consecutive failures the account is locked for `lockoutMs`. */
  lockoutAfter: number;
  lockoutMs: number;
  /** Consecutive failures after which no attempt is admitted until a success or an administrator clears it. */
  maxFailures: number;
  /** Failures older than this (since the last one) are forgotten, unless the hard cap was reached. */
  resetAfterMs: number;
}

/** A fixed-window rule: at most `max` counted attempts per `windowMs`. */
export interface WindowRule {
  max: number;
  windowMs: number;
}

/** The wait an account rule imposes after failure number `n`: 0, a delay, a lockout, or Infinity at the cap. */
export function accountWaitMs(rule: AccountRule, n: number): number {
  if (n >= rule.maxFailures) return Number.POSITIVE_INFINITY;
  if (n >= rule.lockoutAfter && n % rule.lockoutAfter === 0) return rule.lockoutMs;
  if (n < rule.delayAfter) return 0;
  const exponent = Math.min(n - rule.delayAfter, 40);
  return Math.min(rule.delayMs * 2 ** exponent, rule.maxDelayMs);
}

const fresh = (now: Date): ThrottleCounter => ({ failures: 0, windowStart: now, lastFailureAt: null, blockedUntil: null });

/** Decides an attempt on an account counter; the failure is counted before the credential is checked. */
export function admitAccountAttempt(rule: AccountRule, current: ThrottleCounter | null, now: Date): { next: ThrottleCounter | null; result: ThrottleDecision } {
  let c = current ?? fresh(now);
  if (c.failures >= rule.maxFailures) return { next: c, result: { admitted: false, retryAfterMs: null } };
  if (c.lastFailureAt && now.getTime() - c.lastFailureAt.getTime() >= rule.resetAfterMs) c = fresh(now);
  if (c.blockedUntil && c.blockedUntil.getTime() > now.getTime()) {
    return { next: c, result: { admitted: false, retryAfterMs: c.blockedUntil.getTime() - now.getTime() } };
  }
  const failures = c.failures + 1;
  const wait = accountWaitMs(rule, failures);
  const blockedUntil = wait === 0 || !Number.isFinite(wait) ? null : new Date(now.getTime() + wait);
  return { next: { ...c, failures, lastFailureAt: now, blockedUntil }, result: { admitted: true, counted: failures } };
}

/** Decides an attempt on a window counter. */
export function admitWindowAttempt(rule: WindowRule, current: ThrottleCounter | null, now: Date): { next: ThrottleCounter | null; result: ThrottleDecision } {
  let c = current ?? fresh(now);
  const windowEnd = c.windowStart.getTime() + rule.windowMs;
  if (windowEnd <= now.getTime()) c = fresh(now);
  if (c.failures >= rule.max) return { next: c, result: { admitted: false, retryAfterMs: c.windowStart.getTime() + rule.windowMs - now.getTime() } };
  const failures = c.failures + 1;
  return { next: { ...c, failures, lastFailureAt: now }, result: { admitted: true, counted: failures } };
}

/** Gives back one counted attempt (a success that should not count against a window). */
export function refundWindowAttempt(current: ThrottleCounter | null): { next: ThrottleCounter | null; result: void } {
  if (!current) return { next: null, result: undefined };
  return { next: { ...current, failures: Math.max(0, current.failures - 1) }, result: undefined };
}
