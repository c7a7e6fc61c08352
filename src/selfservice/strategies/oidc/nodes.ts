import { infoLoginWith } from '../../../text/login.js';
import { infoRegistrationContinue, infoRegistrationWith } from '../../../text/registration.js';
import type { UiText } from '../../../text/message.js';
import { inputNode, UiNodeGroup, UiNodeInputType, type UiInputNode } from '../../../ui/node.js';

/** A `provider` submit button in the `oidc` group, as Kratos v1.3 draws one per configured provider. */
export function providerNode(providerId: string, label: UiText): UiInputNode {
  return inputNode(UiNodeGroup.Oidc, 'provider', providerId, UiNodeInputType.Submit, { label });
}

export const loginProviderNode = (id: string, label: string): UiInputNode => providerNode(id, infoLoginWith(label, id));
export const registrationProviderNode = (id: string, label: string): UiInputNode => providerNode(id, infoRegistrationWith(label, id));
/** The single button of a sign-up form sent back for missing traits: it goes to the same provider again. */
export const continueNode = (id: string): UiInputNode => providerNode(id, infoRegistrationContinue());
