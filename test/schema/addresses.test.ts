import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mergeAddresses, mergeRecoveryAddresses, normalizeAddressValue, type RecoveryAddressRecord, type VerifiableAddressRecord } from '../../src/schema/index.js';

const then = new Date('2026-01-01T00:00:00Z');
const now = new Date('2026-06-01T12:00:00Z');

function ids() {
  let n = 0;
  return () => `new-${++n}`;
}

const verified: VerifiableAddressRecord = {
  id: 'a1', value: 'jane@example.com', via: 'email', verified: true, verified_at: then, status: 'completed', created_at: then, updated_at: then,
};
const pending: VerifiableAddressRecord = {
  id: 'a2', value: '+4917667111638', via: 'sms', verified: false, verified_at: null, status: 'sent', created_at: then, updated_at: then,
};

describe('mergeAddresses', () => {
  test('keeps addresses that stay, with their id and verification state', () => {
    const merged = mergeAddresses([verified, pending], [{ value: 'jane@example.com', via: 'email' }, { value: '+4917667111638', via: 'sms' }], now, ids());
    assert.deepEqual(merged, [verified, pending]);
    assert.notEqual(merged[0], verified, 'returns copies, not the stored objects');
  });

  test('adds new addresses unverified and pending, drops removed ones', () => {
    const merged = mergeAddresses([verified, pending], [{ value: 'jane@example.com', via: 'email' }, { value: 'new@example.com', via: 'email' }], now, ids());
    assert.deepEqual(merged, [
      verified,
      { id: 'new-1', value: 'new@example.com', via: 'email', verified: false, verified_at: null, status: 'pending', created_at: now, updated_at: now },
    ]);
  });

  test('the same value on another channel is another address', () => {
    const merged = mergeAddresses([verified], [{ value: 'jane@example.com', via: 'sms' }], now, ids());
    assert.deepEqual(merged.map((a) => [a.id, a.via, a.verified]), [['new-1', 'sms', false]]);
  });

  test('follows the order of the derived addresses and ignores duplicates', () => {
    const merged = mergeAddresses([verified, pending], [{ value: '+4917667111638', via: 'sms' }, { value: 'jane@example.com', via: 'email' }, { value: 'jane@example.com', via: 'email' }], now, ids());
    assert.deepEqual(merged.map((a) => a.id), ['a2', 'a1']);
  });

  test('matches a stored value written before normalisation and stores the normalised one', () => {
    const legacy = { ...verified, value: 'Jane@Example.com' };
    const legacyPhone = { ...pending, value: '+49 176 67111638' };
    const merged = mergeAddresses([legacy, legacyPhone], [{ value: 'jane@example.com', via: 'email' }, { value: '+4917667111638', via: 'sms' }], now, ids());
    assert.deepEqual(merged, [
      { ...verified, value: 'jane@example.com', updated_at: now },
      { ...pending, value: '+4917667111638', updated_at: now },
    ]);
  });

  test('no derived addresses clears the list', () => {
    assert.deepEqual(mergeAddresses([verified, pending], [], now, ids()), []);
  });
});

describe('mergeRecoveryAddresses', () => {
  const stored: RecoveryAddressRecord = { id: 'r1', value: 'jane@example.com', via: 'email', created_at: then, updated_at: then };

  test('keeps, adds and drops like verifiable addresses', () => {
    const merged = mergeRecoveryAddresses([stored, { ...stored, id: 'r2', value: 'old@example.com' }], [{ value: 'jane@example.com', via: 'email' }, { value: '+4917667111638', via: 'sms' }], now, ids());
    assert.deepEqual(merged, [
      stored,
      { id: 'new-1', value: '+4917667111638', via: 'sms', created_at: now, updated_at: now },
    ]);
  });
});

describe('normalizeAddressValue', () => {
  test('emails lower-cased and trimmed, phone numbers in E.164, anything else trimmed', () => {
    assert.equal(normalizeAddressValue(' Jane@Example.COM '), 'jane@example.com');
    assert.equal(normalizeAddressValue('+1 (415) 555-0132'), '+14155550132');
    assert.equal(normalizeAddressValue(' Some Handle '), 'Some Handle');
  });
});
