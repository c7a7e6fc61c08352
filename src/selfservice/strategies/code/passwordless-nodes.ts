/**
 * The nodes of sign-in and sign-up by code, with Kratos v1.3's names, groups, types and label ids:
 * first the identifier (or the traits, or at aal2 the addresses to choose from), then, once a code
 * was sent, the code input, the hidden `method=code`, "Continue" and `resend=code`.
 */
import {
  infoLoginAal2CodeAddress,
  infoLoginCode,
  infoNodeLabelContinue,
  infoNodeLabelLoginCode,
  infoNodeLabelRegistrationCode,
  infoNodeLabelResendCode,
  infoRegistrationCode,
  type UiText,
} from '../../../text/index.js';
import { inputNode, UiNodeAutocomplete, UiNodeGroup, UiNodeInputType, type UiInputNode } from '../../../ui/node.js';
import { loginIdentifierNode, methodNode } from '../../../ui/password-nodes.js';
import { identifierLabelFromSchema, nodesFromIdentitySchema, type SchemaRefResolver } from '../../../ui/schema-nodes.js';
import { toJson, type UiNodeJson } from '../../flow/ui-json.js';
import type { CodeAddress } from './passwordless-codes.js';

/** First screen of a code sign-in: `identifier` (default group) and "Send sign in code" (1010015). */
export function codeLoginNodes(schema: unknown, resolveRef?: SchemaRefResolver): UiNodeJson[] {
  return [loginIdentifierNode(identifierLabelFromSchema(schema, resolveRef)), methodNode(UiNodeGroup.Code, 'code', infoLoginCode())].map(toJson);
}

/** Identifier-first sign-in, after the identifier: only the "Send sign in code" button (the identifier is on the form). */
export function codeLoginIdentifiedNodes(): UiNodeJson[] {
  return [methodNode(UiNodeGroup.Code, 'code', infoLoginCode())].map(toJson);
}

/** A refresh of the signed-in user: the identifier is fixed (hidden); only the code is asked. */
export function codeLoginRefreshNodes(identifier: string): UiNodeJson[] {
  return [inputNode(UiNodeGroup.Default, 'identifier', identifier, UiNodeInputType.Hidden), methodNode(UiNodeGroup.Code, 'code', infoLoginCode())].map(toJson);
}

/** First screen of a code sign-up: the trait inputs (default group) and "Send sign up code" (1040006). */
export function codeRegistrationNodes(schema: unknown, resolveRef?: SchemaRefResolver): UiNodeJson[] {
  return [...nodesFromIdentitySchema(schema, { group: UiNodeGroup.Default, resolveRef }), methodNode(UiNodeGroup.Code, 'code', infoRegistrationCode())].map(toJson);
}

function codeStepNodes(label: UiText): UiInputNode[] {
  return [
    inputNode(UiNodeGroup.Code, 'method', 'code', UiNodeInputType.Hidden),
    inputNode(UiNodeGroup.Code, 'code', undefined, UiNodeInputType.Text, { required: true, autocomplete: UiNodeAutocomplete.OneTimeCode, label }),
    inputNode(UiNodeGroup.Code, 'method', 'code', UiNodeInputType.Submit, { label: infoNodeLabelContinue() }),
    inputNode(UiNodeGroup.Code, 'resend', 'code', UiNodeInputType.Submit, { label: infoNodeLabelResendCode() }),
  ];
}

/** The sign-in form once a code was sent: the identifier kept as a hidden input, then the code step. */
export function codeLoginSentNodes(identifier: string): UiNodeJson[] {
  return [inputNode(UiNodeGroup.Default, 'identifier', identifier, UiNodeInputType.Hidden), ...codeStepNodes(infoNodeLabelLoginCode())].map(toJson);
}

/**
 * The sign-up form once a code was sent: the trait inputs kept with their values, hidden unless they
 * carry a message (as Kratos), then the code step.
 */
export function codeRegistrationSentNodes(traitNodes: UiNodeJson[]): UiNodeJson[] {
  const kept = traitNodes.map((n) => (n.type === 'input' && n.messages.length === 0 ? { ...n, attributes: { ...n.attributes, type: 'hidden' } } : n));
  return [...kept, ...codeStepNodes(infoNodeLabelRegistrationCode()).map(toJson)];
}

/**
 * A second factor by code (aal2), first screen: one `address` submit button per address of the
 * signed-in identity (code group, label 1010023 with the address and its channel), as Kratos v1.3.
 * A button posts only `address`; the method is implied.
 */
export function codeMfaAddressNodes(addresses: readonly CodeAddress[]): UiNodeJson[] {
  return addresses.map((a) => inputNode(UiNodeGroup.Code, 'address', a.value, UiNodeInputType.Submit, { label: infoLoginAal2CodeAddress(a.via, a.value) })).map(toJson);
}

/**
 * A second factor by code once it was sent: the chosen address kept as a hidden `identifier` in the
 * code group (where Kratos v1.3 turns the address button into it), then the code step.
 */
export function codeMfaSentNodes(address: string): UiNodeJson[] {
  return [inputNode(UiNodeGroup.Code, 'identifier', address, UiNodeInputType.Hidden), ...codeStepNodes(infoNodeLabelLoginCode())].map(toJson);
}
