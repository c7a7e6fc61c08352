// The password policy checked when a password is chosen (registration, settings, recovery's
// settings step), configured by `selfservice.methods.password.config`. It refuses what Kratos
// refuses, in the same order and with the same UI texts:
//
// 1. shorter than `min_password_length` UTF-8 *bytes* (Kratos counts bytes, so "ääää" is 8 long)
//    → 4000032 {min_length, actual_length};
// 2. for each identifier in turn: too similar to it (policy/similarity.ts) → 4000031, then
// 3. found in more than `max_breaches` breaches by the Pwned Passwords range API → 4000034
//    {breaches}; when the API cannot be asked, the password passes if `ignore_network_errors`,
//    else → 4000005 {reason};
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
// Differences from Kratos, all deliberate: the 4000005 reason names the failure without the Go
// error text Kratos embeds (which would leak internal host names); a range line with an
// unreadable count is taken as one breach rather than failing the whole check; a response body that is cut off counts as a network failure
// (as in later Kratos); `haveibeenpwned_host` also accepts an http(s) URL (see pwned-range.ts).
// The UI text objects for these ids are built here until a shared text module exists.
import { createHash } from 'node:crypto';
import { BCRYPT_MAX_PASSWORD_BYTES } from '../../../hash/index.js';
import { VERSION } from '../../../lib/version.js';
import {
  DEFAULT_MAX_RANGE_RESPONSE_BYTES,
  PwnedRangeUnavailableError,
  fetchPwnedRange,
  pwnedRangeBaseUrl,
  type PwnedRange,
} from './policy/pwned-range.js';
import { tooSimilarToIdentifier } from './policy/similarity.js';
import { TtlLruCache } from './policy/ttl-lru-cache.js';

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
 * A UI text for the `password` node, as Kratos attaches it. `context` is absent when the
 * message has none (4000031), as Kratos omits it on the wire.
 */
export interface PolicyViolation {
  id: number;
  text: string;
  type: 'error';
  context?: Record<string, unknown>;
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
const DEFAULT_CACHE_SIZE = 256;
const HOUR_MS = 60 * 60 * 1000;

/** 4000005: the password can not be used, with a reason sentence. */
export function passwordPolicyViolationGeneric(reason: string): PolicyViolation {
  return { id: 4000005, text: `The password can not be used because ${reason}.`, type: 'error', context: { reason } };
}

/** 4000031: too similar to an identifier. */
export function passwordIdentifierTooSimilar(): PolicyViolation {
  return { id: 4000031, text: 'The password can not be used because it is too similar to the identifier.', type: 'error' };
}

/** 4000032: shorter than the minimum (both lengths in UTF-8 bytes, as Kratos counts). */
export function passwordMinLength(minLength: number, actualLength: number): PolicyViolation {
  return {
    id: 4000032,
    text: `The password must be at least ${minLength} characters long, but got ${actualLength}.`,
    type: 'error',
    context: { min_length: minLength, actual_length: actualLength },
  };
}

/** 4000033: longer than the hasher can use. */
export function passwordMaxLength(maxLength: number, actualLength: number): PolicyViolation {
  return {
    id: 4000033,
    text: `The password must be at most ${maxLength} characters long, but got ${actualLength}.`,
    type: 'error',
    context: { max_length: maxLength, actual_length: actualLength },
  };
}

/** 4000034: found in more breaches than allowed. */
export function passwordTooManyBreaches(breaches: number): PolicyViolation {
  return {
    id: 4000034,
    text: 'The password has been found in data breaches and must no longer be used.',
    type: 'error',
    context: { breaches },
  };
}

const NETWORK_FAILURE_REASON = 'unable to check if password has been leaked because an unexpected network error occurred';

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

  constructor(config: PasswordPolicyConfig, opts: PasswordPolicyOptions = {}) {
    if (!Number.isInteger(config.min_password_length) || config.min_password_length < 0) {
      throw new RangeError(`min_password_length must be a non-negative integer, got ${config.min_password_length}`);
    }
    if (!Number.isInteger(config.max_breaches) || config.max_breaches < 0) {
      throw new RangeError(`max_breaches must be a non-negative integer, got ${config.max_breaches}`);
    }
    const timeoutMs = opts.timeoutMs ?? PASSWORD_POLICY_DEFAULT_TIMEOUT_MS;
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new RangeError(`timeoutMs must be a positive number, got ${timeoutMs}`);
    this.#config = Object.freeze({ ...config });
    // Resolved up front so that a bad host fails at startup, not at the first registration.
    this.#baseUrl = config.haveibeenpwned_enabled ? pwnedRangeBaseUrl(config.haveibeenpwned_host) : undefined;
    this.#fetch = opts.fetch ?? globalThis.fetch;
    this.#timeoutMs = timeoutMs;
    this.#bcrypt = opts.bcrypt ?? false;
    this.#maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RANGE_RESPONSE_BYTES;
    this.#onLookupError = opts.onLookupError;
    this.#cache = new TtlLruCache(opts.cacheSize ?? DEFAULT_CACHE_SIZE, opts.cacheTtlMs ?? HOUR_MS, opts.now);
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
    if (bytes < config.min_password_length) return passwordMinLength(config.min_password_length, bytes);

    // Kratos validates once per identifier: length, similarity, breaches. Length and breaches do
    // not depend on the identifier, so they run once; the order of the outcomes stays the same.
    let breaches: Promise<PolicyViolation | null> | undefined;
    for (const identifier of identifiers.length > 0 ? identifiers : ['']) {
      if (config.identifier_similarity_check_enabled && tooSimilarToIdentifier(identifier, password)) {
        return passwordIdentifierTooSimilar();
      }
      if (config.haveibeenpwned_enabled) {
        breaches ??= this.#checkBreaches(password);
        const violation = await breaches;
        if (violation) return violation;
      }
    }

    if (this.#bcrypt && bytes > BCRYPT_MAX_PASSWORD_BYTES) return passwordMaxLength(BCRYPT_MAX_PASSWORD_BYTES, bytes);
    return null;
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
      this.#onLookupError?.(err);
      return this.#config.ignore_network_errors ? null : passwordPolicyViolationGeneric(lookupFailureReason(err));
    }
    const count = range.count(suffix);
    return count > this.#config.max_breaches ? passwordTooManyBreaches(count) : null;
  }

  #range(prefix: string): Promise<PwnedRange> {
    const cached = this.#cache.get(prefix);
    if (cached) return Promise.resolve(cached);
    const pending = this.#inFlight.get(prefix);
    if (pending) return pending;
    const request = fetchPwnedRange({
      baseUrl: this.#baseUrl as string,
      prefix,
      fetch: this.#fetch,
      timeoutMs: this.#timeoutMs,
      userAgent: this.#userAgent,
      maxResponseBytes: this.#maxResponseBytes,
    })
      .then((range) => {
        this.#cache.set(prefix, range);
        return range;
      })
      .finally(() => {
        this.#inFlight.delete(prefix);
      });
    this.#inFlight.set(prefix, request);
    return request;
  }
}
