import type { CourierQueue } from '../../../courier/queue.js';
import type { IdentityPool } from '../../../identity/pool.js';
import type { AddressVia, Identity, VerifiableAddress } from '../../../identity/identity.js';
import type { Flow, FlowPool } from '../../flow/flow.js';
import type { UiNodeJson } from '../../flow/ui-json.js';
import type { OneTimeSecret } from '../../flow/one-time-secret.js';

export type VerificationMethod = 'code' | 'link';

/** Repositories a verification step writes through; either the plain ones or ones bound to one transaction. */
export interface VerificationRepositories {
  readonly identities: IdentityPool;
  readonly flows: FlowPool;
  readonly courier: CourierQueue;
  readonly secrets: {
    useSecret(id: string, now: Date): Promise<boolean>;
    invalidateForFlow(flowId: string, kind: string, now: Date): Promise<void>;
    createSecret(s: StoredSecret): Promise<void>;
    voidOlderForAddress(address: string, keep: number, now: Date): Promise<void>;
  };
}

/** A one-time secret as stored (its digest only). */
export type StoredSecret = OneTimeSecret;

/** A one-time secret a strategy accepted for a flow, as the flow needs to know it. */
export interface AcceptedSecret {
  id: string;
  identity_id: string | null;
  /** The address the secret was sent to; only this address is marked verified. */
  address: string | null;
}


/**
 * A way to verify an address (`code` or `link`). The verification flow asks the configured strategy
 * for its nodes, to send a message, and to recognise what the user brings back.
 */
export interface VerificationStrategy {
  readonly id: VerificationMethod;
  /** The channels this method delivers over (links go by email only); addresses on others are not sent anything. */
  readonly channels: readonly AddressVia[];
  /** Nodes (besides the CSRF token) of a new flow. */
  chooseMethodNodes(): UiNodeJson[];
  /** Voids what was sent for the flow before (a new request replaces it). */
  invalidate(repos: VerificationRepositories, flow: Flow): Promise<void>;
  /**
   * Issues a secret bound to `flow` for this address of `identity` and queues the message carrying
   * it. `transientPayload` is the submission's, for the template only.
   */
  sendTo(repos: VerificationRepositories, flow: Flow, identity: Identity, address: VerifiableAddress, transientPayload?: unknown): Promise<void>;
  /** Queues the message telling an unknown address that someone asked to verify it. */
  sendUnknown(repos: VerificationRepositories, flow: Flow, address: string, transientPayload?: unknown): Promise<void>;
  /** Puts the flow in `sent_email` with this method's nodes and message. */
  markSent(flow: Flow, address: string): void;
  /**
   * Code: the secret of the flow matching `code`. A wrong code counts an attempt; after the last one
   * the flow's code is void. Null when nothing valid matches.
   */
  checkCode?(flow: Flow, code: string): Promise<AcceptedSecret | null>;
  /** Link: the unexpired, unused secret of this flow matching `token`, or null. */
  checkToken?(flow: Flow, token: string): Promise<AcceptedSecret | null>;
}
