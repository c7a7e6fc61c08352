import type { Config } from '../config/config.js';
import { parseDuration } from '../lib/duration.js';
import type { AccountRule, WindowRule } from './throttle.js';

/** `tessera.brute_force`, parsed. */
export interface BruteForceSettings {
  enabled: boolean;
  /** Per account (the identifier a user signs in with), across all sign-in methods. */
  account: AccountRule;
  /** Failed sign-ins per client address, any account; max 0 disables it. */
  clientAddress: WindowRule;
  /** Checks of one-time codes sent to one address, across flows. */
  codeChecks: WindowRule;
  /** Unused, unexpired one-time codes and links one address may hold; issuing another voids the oldest. */
  maxActiveSecrets: number;
  /** Sign-in and sign-up codes one client address may request per window; max 0 disables it. */
  codeSendsPerClient: WindowRule;
}

export function bruteForceSettings(config: Config): BruteForceSettings {
  const b = config.values.tessera.brute_force;
  return {
    enabled: b.enabled,
    account: {
      delayAfter: b.login.delay_after,
      delayMs: parseDuration(b.login.delay),
      maxDelayMs: parseDuration(b.login.max_delay),
      lockoutAfter: b.login.lockout_after,
      lockoutMs: parseDuration(b.login.lockout_duration),
      maxFailures: b.login.max_failures,
      resetAfterMs: parseDuration(b.login.reset_after),
    },
    clientAddress: { max: b.client_address.max_failures, windowMs: parseDuration(b.client_address.window) },
    codeChecks: { max: b.one_time_codes.max_checks, windowMs: parseDuration(b.one_time_codes.window) },
    maxActiveSecrets: b.one_time_codes.max_active,
    codeSendsPerClient: { max: b.one_time_codes.client_address.max_sends, windowMs: parseDuration(b.one_time_codes.client_address.window) },
  };
}
