// Issuing and checking the one-time codes of passwordless sign-in and sign-up (login_code,
// registration_code): one code per address, sent on the channel the address names.
import type { Courier } from '../../../courier/courier.js';
import type { CourierQueue } from '../../../courier/queue.js';
import type { TemplateType } from '../../../courier/message.js';
import type { AddressVia } from '../../../schema/extension.js';
import { toE164 } from '../../../schema/formats.js';
import { newId } from '../../../lib/ids.js';
import { safeEqual } from '../../../lib/safe-compare.js';
import type { Flow } from '../../flow/flow.js';
import { newCode, secretDigest, storeCappedSecret, type CodeCheckLimiter, type OneTimeSecret, type OneTimeSecretPool } from '../../flow/one-time-secret.js';

export type PasswordlessCodeKind = 'login_code' | 'registration_code';

/** Where a code goes: the address and the channel its identity schema names (`via`). */
export interface CodeAddress {
  value: string;
  via: AddressVia;
}

/** Repositories bound to one transaction. */
export interface CodeTransaction {
  readonly secrets: OneTimeSecretPool;
  readonly courier: CourierQueue;
}

export interface PasswordlessCodeDeps {
  transaction<T>(fn: (tx: CodeTransaction) => Promise<T>): Promise<T>;
  secrets: OneTimeSecretPool;
  courier: Courier;
  /** secrets.default: the first digests new codes; all are tried when checking (key rotation). */
  secretKeys(): string[];
  /** selfservice.methods.code.config.lifespan */
  lifespanMs(): number;
  /** selfservice.methods.code.config.max_submissions: submissions one code takes, right or wrong, before it is void (5). */
  maxSubmissions(): number;
  /**
   * The brute-force limiter: code requests per client address, checks per address across flows,
   * and the cap on unused codes per address.
   */
  limiter: CodeCheckLimiter & { readonly maxActiveSecrets: number; admitCodeSend(clientAddress: string): Promise<void> };
  now?: () => Date;
}

/**
 * An identifier as code credentials store it: emails trimmed and lower-cased, phone numbers in
 * E.164 (so "+49 170 1234567" finds "+491701234567"), anything else trimmed.
 */
export function normalizeCodeIdentifier(raw: string): string {
  const s = raw.trim();
  if (s.includes('@')) return s.toLowerCase();
  return toE164(s) ?? s;
}

/** A target of one send: the address, and whether a message really goes there. */
export interface CodeTarget {
  address: CodeAddress;
  /**
   * False for a stand-in: an identifier nobody has gets a code stored (bound to no identity, so it
   * signs nobody in) but no message, so the answer and the writes are those of a known one.
   */
  deliver: boolean;
}

/**
 * Sends a fresh code to each target in one transaction: the flow's earlier codes of this kind are
 * voided, each message is queued through the courier's per-recipient limit, and a code is stored
 * (as a keyed digest) only when its message was queued — a suppressed message issues nothing to
 * guess at. An address holds at most the limiter's number of unused codes.
 */
export async function issuePasswordlessCodes(
  deps: PasswordlessCodeDeps,
  flow: Flow,
  o: {
    /** The requesting client's address: requests are limited per client (429 beyond). */
    clientAddress: string;
    kind: PasswordlessCodeKind;
    template: Extract<TemplateType, 'login_code_valid' | 'registration_code_valid'>;
    identityId: string | null;
    targets: CodeTarget[];
    /** Template fields beside `To`, for a code. */
    data(code: string): Record<string, unknown>;
  },
): Promise<void> {
  // Counted for known and unknown identifiers alike, before anything is written or sent.
  await deps.limiter.admitCodeSend(o.clientAddress);
  const now = (deps.now ?? (() => new Date()))();
  const lifespanMs = deps.lifespanMs();
  const expiresAt = new Date(Math.min(now.getTime() + lifespanMs, flow.expires_at.getTime()));
  const key = deps.secretKeys()[0]!;
  await deps.transaction(async (tx) => {
    const courier = deps.courier.withQueue(tx.courier);
    await tx.secrets.invalidateForFlow(flow.id, o.kind, now);
    for (const { address, deliver } of o.targets) {
      const code = newCode();
      if (deliver) {
        const data = { ...o.data(code), ExpiresInMinutes: Math.max(1, Math.round(lifespanMs / 60_000)) };
        // The channel is the one the address names, never a default (Kratos #4461 sent SMS codes as email).
        const queued = address.via === 'sms' ? await courier.queueSms(address.value, o.template, data) : await courier.queueEmail(address.value, o.template, data);
        if (queued.status === 'abandoned') continue;
      }
      await storeCappedSecret(
        tx.secrets,
        {
          id: newId(),
          kind: o.kind,
          flow_id: flow.id,
          identity_id: deliver ? o.identityId : null,
          address: address.value,
          digest: secretDigest(code, key),
          attempts: 0,
          expires_at: expiresAt,
          used_at: null,
          created_at: now,
          updated_at: now,
        },
        deps.limiter.maxActiveSecrets,
      );
    }
  });
}

export type CodeCheck = { kind: 'accepted'; secret: OneTimeSecret } | { kind: 'invalid' } | { kind: 'too_many' };

/**
 * Checks a submitted code against the flow's unused codes of a kind. Every submission counts
 * against each code (right or wrong, before comparing, atomically) and against the limiter's
 * per-address budget across flows; after `max_submissions` a code is void. A
 * code that matches is used at once (one winner under concurrency); an expired one is invalid.
 */
export async function checkPasswordlessCode(deps: PasswordlessCodeDeps, flow: Flow, kind: PasswordlessCodeKind, submitted: string): Promise<CodeCheck> {
  const now = (deps.now ?? (() => new Date()))();
  const secrets = await deps.secrets.activeSecretsForFlow(flow.id, kind);
  if (secrets.length === 0) return { kind: 'invalid' };
  const addresses = [...new Set(secrets.map((s) => s.address).filter((a): a is string => a !== null))];
  for (const address of addresses) {
    // Opening more flows buys no guesses: checks of codes sent to one address are limited across flows.
    if (!(await deps.limiter.admitCodeCheck(address))) return { kind: 'too_many' };
  }
  let spent = false;
  for (const s of secrets) {
    if ((await deps.secrets.recordAttempt(s.id)) > deps.maxSubmissions()) spent = true;
  }
  if (spent) {
    await deps.secrets.invalidateForFlow(flow.id, kind, now);
    return { kind: 'too_many' };
  }
  const code = submitted.trim();
  const digests = deps.secretKeys().map((k) => secretDigest(code, k));
  // Every stored code is compared with every key, so the time does not depend on which one matches.
  let match: OneTimeSecret | null = null;
  for (const s of secrets) for (const d of digests) if (safeEqual(d, s.digest) && match === null) match = s;
  if (!match || match.expires_at.getTime() <= now.getTime()) return { kind: 'invalid' };
  if (!(await deps.secrets.useSecret(match.id, now))) return { kind: 'invalid' };
  return { kind: 'accepted', secret: match };
}
