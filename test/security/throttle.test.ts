// The limiter's rules as pure functions: progressive delay, lockouts, the hard cap, windows.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { accountWaitMs, admitAccountAttempt, admitWindowAttempt, refundWindowAttempt, type AccountRule, type ThrottleCounter } from '../../src/security/throttle.js';
import { addressBucket } from '../../src/security/brute-force-limiter.js';

const RULE: AccountRule = { delayAfter: 5, delayMs: 1000, maxDelayMs: 60_000, lockoutAfter: 30, lockoutMs: 900_000, maxFailures: 100, resetAfterMs: 12 * 3600_000 };

describe('account rule', () => {
  it('waits: none, then doubling up to the cap, lockouts every 30, the hard cap at 100', () => {
    assert.deepEqual([1, 4].map((n) => accountWaitMs(RULE, n)), [0, 0]);
    assert.deepEqual([5, 6, 7, 8, 11, 12, 29].map((n) => accountWaitMs(RULE, n)), [1000, 2000, 4000, 8000, 60_000, 60_000, 60_000]);
    assert.deepEqual([30, 60, 90].map((n) => accountWaitMs(RULE, n)), [900_000, 900_000, 900_000]);
    assert.equal(accountWaitMs(RULE, 100), Number.POSITIVE_INFINITY);
  });

  it('counts before checking, refuses during a wait, and forgets old failures except at the cap', () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    let c: ThrottleCounter | null = null;
    for (let i = 1; i <= 5; i++) {
      const r = admitAccountAttempt(RULE, c, t0);
      assert.deepEqual(r.result, { admitted: true, counted: i });
      c = r.next;
    }
    const refused = admitAccountAttempt(RULE, c, new Date(t0.getTime() + 500));
    assert.deepEqual(refused.result, { admitted: false, retryAfterMs: 500 });
    assert.equal(refused.next?.failures, 5, 'a refused attempt is not counted');
    assert.deepEqual(admitAccountAttempt(RULE, c, new Date(t0.getTime() + 1000)).result, { admitted: true, counted: 6 });
    const later = admitAccountAttempt(RULE, c, new Date(t0.getTime() + RULE.resetAfterMs));
    assert.deepEqual(later.result, { admitted: true, counted: 1 }, 'failures older than reset_after are forgotten');
    const capped: ThrottleCounter = { failures: 100, windowStart: t0, lastFailureAt: t0, blockedUntil: null };
    assert.deepEqual(admitAccountAttempt(RULE, capped, new Date(t0.getTime() + 10 * RULE.resetAfterMs)).result, { admitted: false, retryAfterMs: null });
  });
});

describe('window rule', () => {
  it('admits max per window, then refuses until the window ends; refunds give one back', () => {
    const rule = { max: 2, windowMs: 1000 };
    const t0 = new Date('2026-01-01T00:00:00Z');
    const a = admitWindowAttempt(rule, null, t0);
    const b = admitWindowAttempt(rule, a.next, t0);
    assert.deepEqual([a.result, b.result], [{ admitted: true, counted: 1 }, { admitted: true, counted: 2 }]);
    assert.deepEqual(admitWindowAttempt(rule, b.next, new Date(t0.getTime() + 400)).result, { admitted: false, retryAfterMs: 600 });
    assert.deepEqual(admitWindowAttempt(rule, refundWindowAttempt(b.next).next, t0).result, { admitted: true, counted: 2 });
    assert.deepEqual(admitWindowAttempt(rule, b.next, new Date(t0.getTime() + 1000)).result, { admitted: true, counted: 1 });
  });
});

describe('client address buckets', () => {
  it('IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 by /64', () => {
    assert.equal(addressBucket('198.51.100.7'), '198.51.100.7');
    assert.equal(addressBucket('::ffff:198.51.100.7'), '198.51.100.7');
    assert.equal(addressBucket('2001:db8:0:1:aaaa::1'), '2001:db8:0:1::/64');
    assert.equal(addressBucket('2001:0db8:0000:0001:bbbb:cccc:dddd:eeee'), '2001:db8:0:1::/64');
    assert.equal(addressBucket('::1'), '0:0:0:0::/64');
  });
});
