import { newId } from '../../../lib/ids.js';
import type { Courier } from '../../../courier/courier.js';
import type { CourierQueue } from '../../../courier/queue.js';
import type { TemplateType } from '../../../courier/message.js';
import type { Identity } from '../../../identity/identity.js';
import type { IdentityPool } from '../../../identity/pool.js';
import type { Flow, FlowPool } from '../../flow/flow.js';
import { storeCappedSecret, type OneTimeSecretKind, type OneTimeSecretPool } from '../../flow/one-time-secret.js';
import { transientTemplateData } from '../../flow/body.js';
import type { TypedAddress } from '../../flow/typed-address.js';
import { requestUrlDomain } from '../../flow/request.js';

/** Repositories bound to one transaction, as the persister hands them out. */
export interface RecoveryTransaction {
  readonly flows: FlowPool;
  readonly secrets: OneTimeSecretPool;
  readonly courier: CourierQueue;
}

export interface RecoverySenderDeps {
  transaction<T>(fn: (tx: RecoveryTransaction) => Promise<T>): Promise<T>;
  identities: IdentityPool;
  findRecoveryAddress(via: 'email' | 'sms', value: string): Promise<{ identityId: string; value: string; via: string } | null>;
  courier: Courier;
  renderIdentity(identity: Identity, admin: boolean): Record<string, unknown>;
  /** secrets.default[0]: the key secrets are digested with. */
  secretKey(): string;
  notifyUnknownRecipients(): boolean;
  /** The brute-force limiter: how many unused secrets one address may hold at once (0: no cap). */
  limiter: { readonly maxActiveSecrets: number };
  now?: () => Date;
}

export interface RecoveryMail {
  kind: OneTimeSecretKind;
  validTemplate: TemplateType;
  invalidTemplate: TemplateType;
  lifespanMs: number;
  /** The template fields carrying the secret (`RecoveryCode`, `RecoveryURL`). */
  fields(secret: string): Record<string, unknown>;
  newSecret(): string;
  digest(secret: string): string;
  /** The submission's `transient_payload`, for the templates; never stored with the secret. */
  transientPayload?: unknown;
}

/** An id no identity has: an unknown address is looked up the way a known one is. */
const NO_IDENTITY = '00000000-0000-0000-0000-000000000000';

/**
 * Sends a recovery secret to an address, in one transaction with the flow change: the previous
 * secret of the flow is voided, a new one is stored (as a digest) and the message is queued. A
 * secret is stored only when its message was queued (one the per-recipient limit suppressed
 * issues nothing to guess at), and an address holds at most the limiter's number of unused
 * secrets. The message goes over the channel the stored recovery address names (`via`): email or
 * SMS, never a default. An unknown email address gets the "invalid" message only when
 * `notify_unknown_recipients` is on; an unknown phone number never gets one (there is no such text
 * message, and each costs money), as in Kratos. Either way the same lookups and writes happen (an
 * unknown address gets a stand-in secret bound to no identity, which recovers nothing), so neither
 * the answer nor its time tells known and unknown addresses apart.
 */
export async function sendRecoverySecret(deps: RecoverySenderDeps, flow: Flow, address: TypedAddress, mail: RecoveryMail): Promise<void> {
  const now = (deps.now ?? (() => new Date()))();
  const found = await deps.findRecoveryAddress(address.via, address.value);
  const identity = await deps.identities.getIdentity(found?.identityId ?? NO_IDENTITY);
  const to = identity && found ? found.value : address.value;
  await deps.transaction(async (tx) => {
    // The message is queued first: the per-recipient limit's lock then orders concurrent requests for
    // one address before they touch the secrets (MySQL would otherwise deadlock on their index gaps).
    const courier = deps.courier.withQueue(tx.courier);
    const secret = mail.newSecret();
    let queued = true;
    if (identity && found) {
      const data = {
        ...mail.fields(secret),
        Identity: deps.renderIdentity(identity, false),
        RequestURL: flow.request_url,
        ExpiresInMinutes: Math.round(mail.lifespanMs / 60_000),
        ...transientTemplateData(mail.transientPayload),
      };
      const message = found.via === 'sms'
        ? await courier.queueSms(to, mail.validTemplate, { ...data, RequestURLDomain: requestUrlDomain(flow.request_url) })
        : await courier.queueEmail(to, mail.validTemplate, data);
      queued = message.status !== 'abandoned';
    } else if (address.via === 'email' && deps.notifyUnknownRecipients()) {
      await courier.queueEmail(to, mail.invalidTemplate, { RequestURL: flow.request_url, ...transientTemplateData(mail.transientPayload) });
    }
    // Tries made against the code being replaced carry over, so re-sending does not buy more guesses.
    const previous = await tx.secrets.activeSecretForFlow(flow.id, mail.kind);
    await tx.secrets.invalidateForFlow(flow.id, mail.kind, now);
    if (queued) {
      await storeCappedSecret(tx.secrets, {
        id: newId(),
        kind: mail.kind,
        flow_id: flow.id,
        identity_id: identity?.id ?? null,
        address: to,
        digest: mail.digest(secret),
        attempts: previous?.attempts ?? 0,
        expires_at: new Date(now.getTime() + mail.lifespanMs),
        used_at: null,
        created_at: now,
        updated_at: now,
      }, deps.limiter.maxActiveSecrets);
    }
    flow.updated_at = now;
    await tx.flows.updateFlow(flow);
  });
}

