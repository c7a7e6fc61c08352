/** The anti-CSRF token input every browser flow carries. */
import { inputNode, UiNodeGroup, UiNodeInputType, type UiInputNode } from './node.js';

/** The name of the anti-CSRF form field (and of the node carrying it). */
export const CSRF_TOKEN_NAME = 'csrf_token';

/** The hidden, required `csrf_token` input in the default group, without a label. */
export function csrfNode(token: string): UiInputNode {
  return inputNode(UiNodeGroup.Default, CSRF_TOKEN_NAME, token, UiNodeInputType.Hidden, { required: true });
}
