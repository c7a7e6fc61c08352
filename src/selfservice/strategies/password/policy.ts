// The password policy checked when a password is chosen (registration, settings, recovery's
// settings step), configured by `selfservice.methods.password.config`. It refuses what Kratos
// refuses, in the same order and with the same UI texts:
//
// 1. shorter than `min_password_length` UTF-8 *bytes* (Kratos counts bytes, so "ääää" is 8 long)
//    → 4000032 {min_length, actual_length};
// 2. for each identifier in turn: too similar to it (policy/similarity.ts) → 4000031, then
// 3. found in more than `max_breaches` breaches by the Pwned Passwords range API → 4000034
//    {breaches}; when the API cannot be asked: with `ignore_network_errors` (the default) the
//    password is looked up in a bundled list of the most common passwords (policy/common-passwords.ts,
//    → 4000005 {reason}) and passes if it is not there (Kratos lets every password pass), else → 4000005 {reason};
// 4. with a bcrypt hasher, longer than 72 bytes → 4000033 {max_length, actual_length}. Kratos
//    reports this only once the policy has passed (its hasher refuses the password), so it
//    comes last here too.
//
// Only the first five hex digits of the password's SHA-1 leave the process. Ranges are cached per
// prefix (bounded LRU, one hour, as Kratos caches its lookups), failures are not, and concurrent
// checks of one prefix share one request. Nothing here runs long on the event loop: hashing is a
// single SHA-1, the similarity check is bounded to 256-byte operands, and a range response is
// capped at 1 MiB.
//
// Differences from Kratos v1.3, all deliberate:
// - a failed lookup with `ignore_network_errors: false` gives 4000005 as v1.3 does (later Kratos
//   answers 502 instead), but its reason names the failure without the Go error text v1.3 embeds,
//   which would show internal host names to users;
// - one attempt bounded by `timeoutMs`, where Kratos's HTTP client retries failures with back-off;
// - a range line with an unreadable count is taken as one breach instead of failing the lookup,
//   and a body cut off mid-way is a network failure (as in later Kratos);
// - `haveibeenpwned_host` also accepts an http(s) URL (see policy/pwned-range.ts).
import { createHash } from 'node:crypto';
import type { Config } from '../../../config/index.js';
import { BCRYPT_MAX_PASSWORD_BYTES } from '../../../hash/index.js';
import { VERSION } from '../../../lib/version.js';
import {
  errorPasswordIdentifierTooSimilar,
  errorPasswordPolicyTooLong,
  errorPasswordPolicyTooShort,
  errorPasswordPolicyViolation,
  errorPasswordTooManyBreaches,
  type UiText,
} from '../../../text/index.js';
import {
  DEFAULT_MAX_RANGE_RESPONSE_BYTES,
  PwnedRangeUnavailableError,
  fetchPwnedRange,
  pwnedRangeBaseUrl,
  type PwnedRange,
} from './policy/pwned-range.js';
import { tooSimilarToIdentifier } from './policy/similarity.js';
import { isCommonPassword } from './policy/common-passwords.js';
import { TtlLruCache } from './policy/ttl-lru-cache.js';

export { PwnedRangeUnavailableError } from './policy/pwned-range.js';

/** `selfservice.methods.password.config`, the keys the policy reads. */
export interface PasswordPolicyConfig {
  min_password_length: number;
  identifier_similarity_check_enabled: boolean;
  haveibeenpwned_enabled: boolean;
  haveibeenpwned_host: string;
  max_breaches: number;
  ignore_network_errors: boolean;
}

/** Kratos's defaults for the policy keys. */
export const DEFAULT_PASSWORD_POLICY_CONFIG: Readonly<PasswordPolicyConfig> = Object.freeze({
  min_password_length: 8,
  identifier_similarity_check_enabled: true,
  haveibeenpwned_enabled: true,
  haveibeenpwned_host: 'api.pwnedpasswords.com',
  max_breaches: 0,
  ignore_network_errors: true,
});

/**
 * A UI text for the `password` node, as Kratos attaches it (built by src/text). `context` is
 * absent when the message has none (4000031), as Kratos omits it on the wire.
 */
export interface PolicyViolation extends UiText {
  type: 'error';
}

export interface PasswordPolicyOptions {
  /** The HTTP client for the range API; the global fetch by default. */
  fetch?: typeof fetch;
  /** Deadline for one range lookup, connection to last byte. Default 5000. */
  timeoutMs?: number;
  /** How many prefixes' ranges to keep. Default 256 (a range takes about 20 KB). 0 disables. */
  cacheSize?: number;
  /** How long a cached range stays valid. Default one hour. */
  cacheTtlMs?: number;
  /** The configured hasher is bcrypt: refuse passwords over 72 bytes. */
  bcrypt?: boolean;
  /** Largest range response accepted. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Clock for the cache, in milliseconds. */
  now?: () => number;
  /** Told about each failed range lookup (for logs); the password is never passed. */
  onLookupError?: (error: PwnedRangeUnavailableError) => void;
}

export const PASSWORD_POLICY_DEFAULT_TIMEOUT_MS = 5000;
/**
 * After a lookup got no answer (no connection, a failed name lookup, a timeout), lookups are skipped
 * for this long and the password is judged as when a lookup fails: a deployment that cannot reach
 * the service would otherwise make every registration wait for the same failure (up to the timeout).
 */
export const PWNED_RANGE_RETRY_AFTER_MS = 30_000;
const DEFAULT_CACHE_SIZE = 256;
const HOUR_MS = 60 * 60 * 1000;

/** Narrows a catalogue text to the error texts the policy returns. */
function violation(text: UiText): PolicyViolation {
  if (text.type !== 'error') throw new TypeError(`text ${text.id} is not an error`);
  return text as PolicyViolation;
}

const NETWORK_FAILURE_REASON = 'unable to check if password has been leaked because an unexpected network error occurred';

const COMMON_PASSWORD_REASON = 'it is one of the most commonly used passwords';

function lookupFailureReason(err: PwnedRangeUnavailableError): string {
  if (err.status !== undefined) {
    return `unable to check if password has been leaked because the leaked password service answered with status ${err.status}`;
  }
  return NETWORK_FAILURE_REASON;
}

export class PasswordPolicy {
  readonly #config: Readonly<PasswordPolicyConfig>;
  readonly #baseUrl: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #bcrypt: boolean;
  readonly #maxResponseBytes: number;
  readonly #onLookupError: ((error: PwnedRangeUnavailableError) => void) | undefined;
  readonly #userAgent = `Tessera/${VERSION} (password policy)`;
  readonly #cache: TtlLruCache<string, PwnedRange>;
  readonly #inFlight = new Map<string, Promise<PwnedRange>>();
  readonly #now: () => number;
  /** Until when lookups are skipped after one got no answer (see PWNED_RANGE_RETRY_AFTER_MS). */
  #unreachableUntil = 0;

  constructor(config: PasswordPolicyConfig, opts: PasswordPolicyOptions = {}) {
    if (!Number.isInteger(config.min_password_length) || config.min_password_length < 0) {
      throw new RangeError(`min_password_length must be a non-negative integer, got ${config.min_password_length}`);
    }
    if (!Number.isInteger(config.max_breaches) || config.max_breaches < 0) {
      throw new RangeError(`max_breaches must be a non-negative integer, got ${config.max_breaches}`);
    }
    const timeoutMs = opts.timeoutMs ?? PASSWORD_POLICY_DEFAULT_TIMEOUT_MS;
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new RangeError(`timeoutMs must be a positive number, got ${timeoutMs}`);
    this.#config = Object.freeze({
      min_password_length: config.min_password_length,
      identifier_similarity_check_enabled: config.identifier_similarity_check_enabled,
      haveibeenpwned_enabled: config.haveibeenpwned_enabled,
      haveibeenpwned_host: config.haveibeenpwned_host,
      max_breaches: config.max_breaches,
      ignore_network_errors: config.ignore_network_errors,
    });
    // Resolved up front so that a bad host fails at startup, not at the first registration.
    this.#baseUrl = config.haveibeenpwned_enabled ? pwnedRangeBaseUrl(config.haveibeenpwned_host) : undefined;
    // Not `globalThis.fetch` itself: reading it loads Node's HTTP client (undici), which a server
    // without breached-password lookups never needs.
    this.#fetch = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#timeoutMs = timeoutMs;
    this.#bcrypt = opts.bcrypt ?? false;
    this.#maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RANGE_RESPONSE_BYTES;
    this.#onLookupError = opts.onLookupError;
    this.#now = opts.now ?? Date.now;
    this.#cache = new TtlLruCache(opts.cacheSize ?? DEFAULT_CACHE_SIZE, opts.cacheTtlMs ?? HOUR_MS, this.#now);
  }

  get config(): Readonly<PasswordPolicyConfig> {
    return this.#config;
  }

  /**
   * Checks a new password against the policy. `identifiers` are the identity's password
   * identifiers (email addresses, user names); with none, the similarity check is skipped.
   * Resolves to the UI text to attach to the `password` node, or null when the password may be used.
   */
  async validate(identifiers: readonly string[], password: string): Promise<PolicyViolation | null> {
    const config = this.#config;
    const bytes = Buffer.byteLength(password, 'utf8');
    if (bytes < config.min_password_length) return violation(errorPasswordPolicyTooShort(config.min_password_length, bytes));

    // Kratos validates once per identifier: length, similarity, breaches. Length and breaches do
    // not depend on the identifier, so they run once; the order of the outcomes stays the same.
    let breaches: Promise<PolicyViolation | null> | undefined;
    for (const identifier of identifiers.length > 0 ? identifiers : ['']) {
      if (config.identifier_similarity_check_enabled && tooSimilarToIdentifier(identifier, password)) {
        return violation(errorPasswordIdentifierTooSimilar());
      }
      if (config.haveibeenpwned_enabled) {
        breaches ??= this.#checkBreaches(password);
        const violation = await breaches;
        if (violation) return violation;
      }
    }

    if (this.#bcrypt && bytes > BCRYPT_MAX_PASSWORD_BYTES) return violation(errorPasswordPolicyTooLong(BCRYPT_MAX_PASSWORD_BYTES, bytes));
    return null;
  }

  /**
   * validate(), with `work` (the hash of the new password) running meanwhile, so that the range
   * lookup's round trip overlaps the hash instead of coming before it. `work` starts only once the
   * checks that need no lookup (length, similarity) have passed; its result is used only when the
   * policy accepts the password, and its failure is reported only then, as if it had run after.
   */
  async validateWhile<T>(identifiers: readonly string[], password: string, work: () => Promise<T>): Promise<{ violation: PolicyViolation } | { value: T }> {
    const working = this.#violationWithoutLookup(identifiers, password) ? null : work();
    // Observed now: when the policy refuses the password, nobody awaits it.
    working?.catch(() => undefined);
    const violation = await this.validate(identifiers, password);
    if (violation) return { violation };
    return { value: await (working ?? work()) };
  }

  /** Whether the checks that need no range lookup already refuse the password. */
  #violationWithoutLookup(identifiers: readonly string[], password: string): boolean {
    const config = this.#config;
    if (Buffer.byteLength(password, 'utf8') < config.min_password_length) return true;
    if (!config.identifier_similarity_check_enabled) return false;
    return (identifiers.length > 0 ? identifiers : ['']).some((identifier) => tooSimilarToIdentifier(identifier, password));
  }

  async #checkBreaches(password: string): Promise<PolicyViolation | null> {
    const digest = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
    const prefix = digest.slice(0, 5);
    const suffix = digest.slice(5);
    let range: PwnedRange;
    try {
      range = await this.#range(prefix);
    } catch (err) {
      if (!(err instanceof PwnedRangeUnavailableError)) throw err;
      if (!err.skipped) this.#onLookupError?.(err);
      if (!this.#config.ignore_network_errors) return violation(errorPasswordPolicyViolation(lookupFailureReason(err)));
      // Without the range service, the bundled list of common passwords still refuses the worst ones.
      return (await isCommonPassword(password)) ? violation(errorPasswordPolicyViolation(COMMON_PASSWORD_REASON)) : null;
    }
    const count = range.count(suffix);
    return count > this.#config.max_breaches ? violation(errorPasswordTooManyBreaches(count)) : null;
  }

  #range(prefix: string): Promise<PwnedRange> {
    const cached = this.#cache.get(prefix);
    if (cached) return Promise.resolve(cached);
    const pending = this.#inFlight.get(prefix);
    if (pending) return pending;
    if (this.#now() < this.#unreachableUntil) {
      return Promise.reject(new PwnedRangeUnavailableError('leaked password check: skipped, a recent lookup got no answer', { skipped: true }));
    }
    const request = fetchPwnedRange({
      baseUrl: this.#baseUrl as string,
      prefix,
      fetch: this.#fetch,
      timeoutMs: this.#timeoutMs,
      userAgent: this.#userAgent,
      maxResponseBytes: this.#maxResponseBytes,
    })
      .then(
        (range) => {
          this.#cache.set(prefix, range);
          return range;
        },
        (err: unknown) => {
          // No answer at all (a status is an answer: the next lookup may well get through).
          if (err instanceof PwnedRangeUnavailableError && err.status === undefined) this.#unreachableUntil = this.#now() + PWNED_RANGE_RETRY_AFTER_MS;
          throw err;
        },
      )
      .finally(() => {
        this.#inFlight.delete(prefix);
      });
    this.#inFlight.set(prefix, request);
    return request;
  }
}

/**
 * The policy for a loaded configuration: `selfservice.methods.password.config`, with the bcrypt
 * length limit when `hashers.algorithm` is bcrypt.
 */
export function passwordPolicyFromConfig(config: Config, opts: Omit<PasswordPolicyOptions, 'bcrypt'> = {}): PasswordPolicy {
  return new PasswordPolicy(config.values.selfservice.methods.password.config, {
    ...opts,
    bcrypt: config.hashers().algorithm === 'bcrypt',
  });
}
