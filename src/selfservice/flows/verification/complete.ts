import type { Identity } from '../../../identity/identity.js';
import { successVerification, successVerificationPhone } from '../../../text/index.js';
import { anchorNode, type UiNodeGroup } from '../../../ui/node.js';
import { infoNodeLabelContinue } from '../../../text/index.js';
import type { Flow } from '../../flow/flow.js';
import { toJson } from '../../flow/ui-json.js';
import type { AcceptedSecret, VerificationRepositories } from './strategy.js';

/**
 * Uses an accepted secret and marks the one address it was sent to verified, with the flow moved to
 * `passed_challenge`, all through `repos` (one transaction). Null, with nothing changed but the
 * secret spent, when the secret was used meanwhile or the address is no longer on the identity.
 */
export async function completeVerification(
  repos: VerificationRepositories,
  flow: Flow,
  secret: AcceptedSecret,
  o: { now: Date; continueUrl: string; group: UiNodeGroup },
): Promise<Identity | null> {
  if (!(await repos.secrets.useSecret(secret.id, o.now))) return null;
  if (!secret.identity_id || !secret.address) return null;
  // Credentials are loaded too: an identity update rewrites them.
  const identity = await repos.identities.getIdentity(secret.identity_id, { withCredentials: true });
  const address = identity?.verifiable_addresses.find((a) => a.value === secret.address);
  if (!identity || !address) return null;
  if (!address.verified) {
    address.verified = true;
    address.verified_at = o.now;
    address.status = 'completed';
    address.updated_at = o.now;
    await repos.identities.updateIdentity(identity);
  }
  flow.state = 'passed_challenge';
  flow.ui = {
    action: o.continueUrl,
    method: 'GET',
    nodes: [toJson({ ...anchorNode(o.group, 'continue', o.continueUrl, infoNodeLabelContinue()), meta: { label: infoNodeLabelContinue() } })],
    messages: [address.via === 'sms' ? successVerificationPhone() : successVerification()],
  };
  flow.updated_at = o.now;
  await repos.flows.updateFlow(flow);
  return identity;
}
