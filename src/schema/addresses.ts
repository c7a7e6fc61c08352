/**
 * Reconciles an identity's stored addresses with the ones its traits now derive. An address that
 * stays keeps its id, verification state and timestamps; a new one starts unverified and
 * `pending`; one the traits no longer yield is dropped. Stored values are compared in normalised
 * form (emails lower-cased and trimmed, phone numbers in E.164), so addresses stored before
 * normalisation still match.
 */
import type { AddressVia, DerivedAddress } from './extension.js';
import { toE164 } from './formats.js';

export type VerifiableAddressStatus = 'pending' | 'sent' | 'completed';

export interface VerifiableAddressRecord {
  id: string;
  value: string;
  via: AddressVia;
  verified: boolean;
  verified_at: Date | null;
  status: VerifiableAddressStatus;
  created_at: Date;
  updated_at: Date;
}

export interface RecoveryAddressRecord {
  id: string;
  value: string;
  via: AddressVia;
  created_at: Date;
  updated_at: Date;
}

/** The form an address value is compared in. */
export function normalizeAddressValue(value: string): string {
  const trimmed = value.trim();
  const phone = /^\+?[\d\s().-]+$/.test(trimmed) ? toE164(trimmed) : undefined;
  if (phone !== undefined) return phone;
  return trimmed.includes('@') ? trimmed.toLowerCase() : trimmed;
}

function reconcile<T extends { value: string; via: AddressVia; updated_at: Date }>(
  existing: readonly T[],
  derived: readonly DerivedAddress[],
  now: Date,
  create: (address: DerivedAddress) => T,
): T[] {
  const used = new Set<number>();
  const out: T[] = [];
  const taken = new Set<string>();
  for (const address of derived) {
    const key = `${address.via}\u0000${normalizeAddressValue(address.value)}`;
    if (taken.has(key)) continue;
    taken.add(key);
    // An exact match first, then one that only differs in normalisation.
    let index = existing.findIndex((e, i) => !used.has(i) && e.via === address.via && e.value === address.value);
    if (index < 0) {
      index = existing.findIndex((e, i) => !used.has(i) && e.via === address.via && normalizeAddressValue(e.value) === normalizeAddressValue(address.value));
    }
    if (index >= 0) {
      used.add(index);
      const kept = existing[index];
      out.push(kept.value === address.value ? { ...kept } : { ...kept, value: address.value, updated_at: now });
    } else {
      out.push(create(address));
    }
  }
  return out;
}

/** The verifiable addresses an identity has after its traits derived `derived`. */
export function mergeAddresses(
  existing: readonly VerifiableAddressRecord[],
  derived: readonly DerivedAddress[],
  now: Date,
  newId: () => string,
): VerifiableAddressRecord[] {
  return reconcile(existing, derived, now, (a) => ({
    id: newId(),
    value: a.value,
    via: a.via,
    verified: false,
    verified_at: null,
    status: 'pending',
    created_at: now,
    updated_at: now,
  }));
}

/** The recovery addresses an identity has after its traits derived `derived`. */
export function mergeRecoveryAddresses(
  existing: readonly RecoveryAddressRecord[],
  derived: readonly DerivedAddress[],
  now: Date,
  newId: () => string,
): RecoveryAddressRecord[] {
  return reconcile(existing, derived, now, (a) => ({ id: newId(), value: a.value, via: a.via, created_at: now, updated_at: now }));
}
