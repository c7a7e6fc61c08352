import { inputNode, nodeToJSON, UiNodeAutocomplete, UiNodeGroup, UiNodeInputType, type UiNode } from '../../../ui/node.js';
import { infoLogin, infoNodeLabelPassword, infoRegistration, type UiText } from '../../../text/index.js';
import type { UiNodeJson } from '../../flow/ui-json.js';

export const toJson = (n: UiNode): UiNodeJson => nodeToJSON(n) as unknown as UiNodeJson;

/** Login: identifier (default group), password and the submit button (password group). */
export function passwordLoginNodes(identifierLabel: UiText, identifier?: string, hiddenIdentifier = false): UiNode[] {
  return [
    inputNode(UiNodeGroup.Default, 'identifier', identifier ?? '', hiddenIdentifier ? UiNodeInputType.Hidden : UiNodeInputType.Text, {
      required: true,
      autocomplete: hiddenIdentifier ? undefined : UiNodeAutocomplete.Username,
      label: identifierLabel,
    }),
    inputNode(UiNodeGroup.Password, 'password', undefined, UiNodeInputType.Password, {
      required: true,
      autocomplete: UiNodeAutocomplete.CurrentPassword,
      label: infoNodeLabelPassword(),
    }),
    inputNode(UiNodeGroup.Password, 'method', 'password', UiNodeInputType.Submit, { label: infoLogin() }),
  ];
}

/** Registration: the new password and the submit button (trait inputs come from the identity schema). */
export function passwordRegistrationNodes(): UiNode[] {
  return [
    inputNode(UiNodeGroup.Password, 'password', undefined, UiNodeInputType.Password, {
      required: true,
      autocomplete: UiNodeAutocomplete.NewPassword,
      label: infoNodeLabelPassword(),
    }),
    inputNode(UiNodeGroup.Password, 'method', 'password', UiNodeInputType.Submit, { label: infoRegistration() }),
  ];
}
