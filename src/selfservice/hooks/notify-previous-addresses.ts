import type { Logger } from 'pino';
import { transientTemplateData } from '../flow/body.js';
import type { Courier } from '../../courier/courier.js';
import type { Identity, VerifiableAddress } from '../../identity/identity.js';
import { CONTINUE, type Hook, type HookContext, type HookOutcome } from './hook.js';

/** Who hears about a change of addresses: only those removed (the default), every verified one, or all. */
export type NotifyRecipients = 'removed' | 'all_verified' | 'all';

interface Target {
  value: string;
  via: 'email' | 'sms';
}

const key = (a: Pick<VerifiableAddress, 'via' | 'value'>) => `${a.via}|${a.value}`;

/**
 * The addresses to tell that the identity's addresses changed, from the addresses it had before.
 * A change of verification state alone is not a change of addresses.
 */
export function addressChangeTargets(mode: NotifyRecipients, before: readonly VerifiableAddress[], after: readonly VerifiableAddress[]): Target[] {
  const now = new Set(after.map(key));
  const was = new Set(before.map(key));
  if (now.size === was.size && [...now].every((k) => was.has(k))) return [];
  const chosen =
    mode === 'all' ? before : mode === 'all_verified' ? before.filter((a) => a.verified) : before.filter((a) => !now.has(key(a)));
  const seen = new Set<string>();
  const out: Target[] = [];
  for (const a of chosen) {
    if ((a.via !== 'email' && a.via !== 'sms') || seen.has(key(a))) continue;
    seen.add(key(a));
    out.push({ value: a.value, via: a.via });
  }
  return out;
}

export interface NotifyPreviousAddressesDeps {
  courier: Pick<Courier, 'queueEmail' | 'queueSms'>;
  renderIdentity(identity: Identity, admin: boolean): Record<string, unknown>;
  logger: Logger;
  now?: () => Date;
}

/**
 * `notify_previous_addresses` (settings, after the profile method): once a change of the identity's
 * email addresses or phone numbers is stored, the addresses it had before hear of it, so a taken-over
 * account whose address was replaced is noticed by its owner.
 */
export class NotifyPreviousAddressesHook implements Hook {
  readonly name = 'notify_previous_addresses';
  readonly phase = 'post_persist' as const;

  constructor(
    private readonly deps: NotifyPreviousAddressesDeps,
    private readonly recipients: NotifyRecipients,
  ) {}

  async run(ctx: HookContext): Promise<HookOutcome> {
    if (!ctx.identity || !ctx.previousIdentity) return CONTINUE;
    const targets = addressChangeTargets(this.recipients, ctx.previousIdentity.verifiable_addresses, ctx.identity.verifiable_addresses);
    if (targets.length === 0) return CONTINUE;
    const changedAt = (this.deps.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const data = {
      Identity: this.deps.renderIdentity(ctx.identity, false),
      ChangedAt: changedAt,
      ...transientTemplateData(ctx.transientPayload),
    };
    for (const t of targets) {
      try {
        if (t.via === 'email') await this.deps.courier.queueEmail(t.value, 'verifiable_address_changed', data);
        else await this.deps.courier.queueSms(t.value, 'verifiable_address_changed', data);
      } catch (err) {
        // The change is stored: a notice that cannot be queued must not fail the flow.
        this.deps.logger.warn({ via: t.via, err: err instanceof Error ? err.message : String(err) }, 'an address-change notice could not be queued');
      }
    }
    return CONTINUE;
  }
}
