import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import { KratosError } from '../errors/kratos-error.js';
import type { BruteForceSettings } from './settings.js';
import { admitAccountAttempt, admitWindowAttempt, refundWindowAttempt, type ThrottleCounter, type ThrottleDecision, type ThrottleStore } from './throttle.js';

/** Counter scopes, part of each key (and stored beside it for operators). */
const SCOPE = { account: 'login_account', clientAddress: 'login_address', codeChecks: 'code_checks', codeSends: 'code_sends' } as const;

/**
 * One sign-in attempt, admitted or not. The failure was counted when the attempt was admitted
 * (before any credential was looked at), so a method only reports a success.
 */
export interface SignInAttempt {
  /** False: refuse the attempt exactly as a wrong credential, without checking anything. */
  readonly admitted: boolean;
  /** Seconds until the account admits attempts again; null when not known (the hard cap) or admitted. */
  readonly retryAfterSeconds: number | null;
  /** The credential was right: the account's consecutive failures are cleared and the address's attempt given back. */
  succeeded(): Promise<void>;
}

/** The lockout state of one account key, for the admin API. */
export interface AccountLockState {
  failures: number;
  locked: boolean;
  /** When attempts are admitted again; null while not locked or when locked until cleared. */
  lockedUntil: Date | null;
  /** Locked until a success elsewhere (recovery) or an administrator clears it. */
  permanent: boolean;
  lastFailureAt: Date | null;
}

export interface BruteForceLimiterDeps {
  store: ThrottleStore;
  settings: BruteForceSettings;
  logger: Logger;
  now?: () => Date;
  /** Counters other parts keep in the same store (the courier's per-recipient window) live at least this long. */
  otherWindowsMs?: number;
  /** How often stale counters are removed; 15 minutes unless set. */
  pruneEveryMs?: number;
}

const digestKey = (scope: string, value: string): string => `${scope}:${createHash('sha256').update(value).digest('hex')}`;

/** IPv6 clients are counted per /64, the block one subscriber usually holds. */
export function addressBucket(address: string): string {
  const a = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  if (!isIPv6(a)) return a;
  const [head = '', tail = ''] = a.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = a.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

const seconds = (ms: number | null): number | null => (ms === null ? null : Math.max(1, Math.ceil(ms / 1000)));

/**
 * The brute-force limiter: every sign-in method and every one-time code check goes through it.
 * Counters live in the database (ThrottleStore), are changed under a row lock, and count an
 * attempt before the credential is checked, so parallel guesses on any number of instances cannot
 * exceed a limit. A refused sign-in looks exactly like a wrong credential; only the per-address
 * limit answers 429.
 */
export class BruteForceLimiter {
  private readonly now: () => Date;
  private lastPruneAt = 0;

  constructor(private readonly deps: BruteForceLimiterDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** After every rule's horizon has passed, a counter decides nothing any more. */
  private get counterLifetimeMs(): number {
    const s = this.deps.settings;
    return Math.max(s.account.resetAfterMs, s.account.lockoutMs, s.account.maxDelayMs, s.clientAddress.windowMs, s.codeChecks.windowMs, this.deps.otherWindowsMs ?? 0);
  }

  /**
   * Removes counters that no longer decide anything, at most once per interval per instance. It
   * runs beside attempts (not on a timer), so an idle server does no work and a busy one keeps the
   * table as small as its live counters.
   */
  private pruneNowAndThen(now: Date): void {
    const every = this.deps.pruneEveryMs ?? 15 * 60_000;
    if (now.getTime() - this.lastPruneAt < every) return;
    this.lastPruneAt = now.getTime();
    this.deps.store
      .prune(now, this.counterLifetimeMs, { scope: SCOPE.account, minFailures: this.deps.settings.account.maxFailures })
      .then((n) => {
        if (n > 0) this.deps.logger.debug({ removed: n }, 'brute force: stale counters removed');
      })
      .catch((err: unknown) => this.deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'brute force: removing stale counters failed'));
  }

  get enabled(): boolean {
    return this.deps.settings.enabled;
  }

  /** The counter key of an account: the normalised identifier (or a method's own account id). */
  accountKey(account: string): string {
    return digestKey(SCOPE.account, account);
  }

  /**
   * Admits (and counts) one sign-in attempt for `account` from `clientAddress`. Throws a 429
   * KratosError when the client address is over its limit; returns a refused attempt when the
   * account is delayed or locked.
   */
  async beginSignIn(account: string, clientAddress: string): Promise<SignInAttempt> {
    const s = this.deps.settings;
    if (!s.enabled) return ALWAYS_ADMITTED;
    const now = this.now();
    this.pruneNowAndThen(now);
    const addressKey = s.clientAddress.max > 0 && clientAddress !== '' ? digestKey(SCOPE.clientAddress, addressBucket(clientAddress)) : null;
    const accountKey = this.accountKey(account);
    // Both counters change in one transaction, the address's first (see ThrottleStore.transaction).
    const keys = addressKey ? [addressKey, accountKey] : [accountKey];
    const outcome = await this.deps.store.transaction(keys, async (tx): Promise<{ addressRefused: ThrottleDecision & { admitted: false } } | { decision: ThrottleDecision }> => {
      if (addressKey) {
        const byAddress = await tx.update(addressKey, SCOPE.clientAddress, now, (c) => admitWindowAttempt(s.clientAddress, c, now));
        if (!byAddress.admitted) return { addressRefused: byAddress };
      }
      const decision = await tx.update(accountKey, SCOPE.account, now, (c) => admitAccountAttempt(s.account, c, now));
      // A refused attempt does not count against the address.
      if (!decision.admitted && addressKey) await tx.update(addressKey, SCOPE.clientAddress, now, refundWindowAttempt);
      return { decision };
    });
    if ('addressRefused' in outcome) {
      const retry = seconds(outcome.addressRefused.retryAfterMs) ?? 60;
      this.deps.logger.warn({ scope: SCOPE.clientAddress }, 'brute force: a client address is over its sign-in limit');
      throw new KratosError(429, {
        reason: 'Too many failed sign-in attempts came from this client address. Try again later.',
        headers: { 'retry-after': String(retry) },
        details: { retry_after_seconds: retry },
      });
    }
    const { decision } = outcome;
    if (!decision.admitted) {
      // Only a digest of the key is logged: identifiers are personal data.
      this.deps.logger.info({ scope: SCOPE.account, account_key: accountKey.slice(-12), permanent: decision.retryAfterMs === null }, 'brute force: a sign-in attempt was refused');
      return { admitted: false, retryAfterSeconds: seconds(decision.retryAfterMs), succeeded: async () => {} };
    }
    if (decision.counted === s.account.lockoutAfter || decision.counted === s.account.maxFailures) {
      this.deps.logger.warn({ scope: SCOPE.account, account_key: accountKey.slice(-12), failures: decision.counted }, 'brute force: an account was locked');
    }
    return {
      admitted: true,
      retryAfterSeconds: null,
      // The account's failures are cleared and the address's attempt given back, together.
      succeeded: () =>
        this.deps.store.transaction(keys, async (tx) => {
          if (addressKey) await tx.update(addressKey, SCOPE.clientAddress, this.now(), refundWindowAttempt);
          await tx.remove(accountKey);
        }),
    };
  }

  /**
   * Counts one check of a one-time code sent to `address`, across every flow that sent one there.
   * False: over the limit; the code must not be compared.
   */
  async admitCodeCheck(address: string): Promise<boolean> {
    const s = this.deps.settings;
    if (!s.enabled) return true;
    const now = this.now();
    this.pruneNowAndThen(now);
    const decision = await this.deps.store.update(digestKey(SCOPE.codeChecks, address.trim().toLowerCase()), SCOPE.codeChecks, now, (c) => admitWindowAttempt(s.codeChecks, c, now));
    if (!decision.admitted) this.deps.logger.warn({ scope: SCOPE.codeChecks }, 'brute force: one-time code checks for an address are over the limit');
    return decision.admitted;
  }

  /**
   * Counts one request for a sign-in or sign-up code from `clientAddress` (IPv6: its /64), whatever
   * the identifier: every request may cost a message (an SMS is paid for). Over the limit it throws
   * a 429 KratosError with Retry-After; it tells nothing about any account.
   */
  async admitCodeSend(clientAddress: string): Promise<void> {
    const s = this.deps.settings;
    if (!s.enabled || s.codeSendsPerClient.max === 0 || clientAddress === '') return;
    const now = this.now();
    const key = digestKey(SCOPE.codeSends, addressBucket(clientAddress));
    const decision = await this.deps.store.update(key, SCOPE.codeSends, now, (c) => admitWindowAttempt(s.codeSendsPerClient, c, now));
    if (decision.admitted) return;
    const retry = seconds(decision.retryAfterMs) ?? 60;
    this.deps.logger.warn({ scope: SCOPE.codeSends }, 'brute force: a client address is over its limit of one-time code requests');
    throw new KratosError(429, {
      reason: 'Too many one-time codes were requested from this client address. Try again later.',
      headers: { 'retry-after': String(retry) },
      details: { retry_after_seconds: retry },
    });
  }

  /** Unused one-time secrets an address may hold at once (0 when the limiter is off: no cap). */
  get maxActiveSecrets(): number {
    return this.deps.settings.enabled ? this.deps.settings.maxActiveSecrets : 0;
  }

  /** The lockout state of an account (by the same key sign-in uses). */
  async accountState(account: string): Promise<AccountLockState> {
    return lockState(await this.deps.store.get(this.accountKey(account)), this.deps.settings.account.maxFailures, this.now());
  }

  /** Clears the failures of accounts; returns how many had any. */
  async clearAccounts(accounts: readonly string[]): Promise<number> {
    return this.deps.store.delete(accounts.map((a) => this.accountKey(a)));
  }
}

function lockState(c: ThrottleCounter | null, maxFailures: number, now: Date): AccountLockState {
  if (!c) return { failures: 0, locked: false, lockedUntil: null, permanent: false, lastFailureAt: null };
  const permanent = c.failures >= maxFailures;
  const timed = c.blockedUntil !== null && c.blockedUntil.getTime() > now.getTime();
  return { failures: c.failures, locked: permanent || timed, lockedUntil: !permanent && timed ? c.blockedUntil : null, permanent, lastFailureAt: c.lastFailureAt };
}

const ALWAYS_ADMITTED: SignInAttempt = Object.freeze({ admitted: true, retryAfterSeconds: null, succeeded: async () => {} });
