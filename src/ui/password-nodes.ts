/**
 * The nodes the password strategy (and the profile step of two-step registration) contributes,
 * with the names, groups, types, autocomplete hints and label ids Kratos v1.3 uses.
 */
import { infoLogin, infoLoginPassword } from '../text/login.js';
import type { UiText } from '../text/message.js';
import { infoNodeLabelPassword } from '../text/node-label.js';
import { infoRegistration, infoRegistrationBack } from '../text/registration.js';
import {
  inputNode,
  UiNodeAutocomplete,
  UiNodeGroup,
  UiNodeInputType,
  type UiInputNode,
  type UiNode,
} from './node.js';
import { identifierLabelFromSchema, nodesFromIdentitySchema, type SchemaRefResolver } from './schema-nodes.js';

/** The `password` input: password group, required, label 1070001. */
export function passwordNode(autocomplete: 'current-password' | 'new-password'): UiInputNode {
  return inputNode(UiNodeGroup.Password, 'password', undefined, UiNodeInputType.Password, {
    required: true,
    autocomplete,
    label: infoNodeLabelPassword(),
  });
}

/** A `method` submit button: the form field that picks the strategy handling the submission. */
export function methodNode(group: UiNodeGroup, method: string, label: UiText): UiInputNode {
  return inputNode(group, 'method', method, UiNodeInputType.Submit, { label });
}

/**
 * The login `identifier` input: default group, text, required, value `""`, labelled with
 * `identifierLabelFromSchema(schema)` (the identifier trait's title, or "ID").
 */
export function loginIdentifierNode(label: UiText, value = ''): UiInputNode {
  return inputNode(UiNodeGroup.Default, 'identifier', value, UiNodeInputType.Text, { required: true, label });
}

/**
 * The password strategy's first-factor login nodes: `identifier` (default), `password`
 * (current-password) and the `method=password` button labelled "Sign in with password" (1010022).
 * Add the CSRF node and sort with `loginSortOptions()`.
 */
export function passwordLoginNodes(schema: unknown, resolveRef?: SchemaRefResolver): UiInputNode[] {
  return [
    loginIdentifierNode(identifierLabelFromSchema(schema, resolveRef)),
    passwordNode(UiNodeAutocomplete.CurrentPassword),
    methodNode(UiNodeGroup.Password, 'password', infoLoginPassword()),
  ];
}

/**
 * The nodes of a refresh login (`refresh=true`, the identity is known): the identifier as a hidden
 * input holding it, `password`, and the button labelled "Sign in" (1010001).
 */
export function passwordLoginRefreshNodes(identifier: string): UiInputNode[] {
  return [
    inputNode(UiNodeGroup.Default, 'identifier', identifier, UiNodeInputType.Hidden),
    passwordNode(UiNodeAutocomplete.CurrentPassword),
    methodNode(UiNodeGroup.Password, 'password', infoLogin()),
  ];
}

export interface RegistrationNodesOptions {
  /** The traits submitted so far, shown back as values. */
  values?: unknown;
  resolveRef?: SchemaRefResolver;
}

/**
 * The password strategy's registration nodes (one-step registration): the trait inputs in the
 * password group, `password` (new-password) and the `method=password` button "Sign up" (1040001).
 */
export function passwordRegistrationNodes(schema: unknown, opts: RegistrationNodesOptions = {}): UiInputNode[] {
  return [
    ...nodesFromIdentitySchema(schema, { group: UiNodeGroup.Password, values: opts.values, resolveRef: opts.resolveRef }),
    passwordNode(UiNodeAutocomplete.NewPassword),
    methodNode(UiNodeGroup.Password, 'password', infoRegistration()),
  ];
}

/**
 * The first screen of two-step registration (Kratos v1.3's default): the trait inputs in the
 * default group and the `method=profile` button "Sign up" (1040001) in the profile group.
 */
export function profileRegistrationNodes(schema: unknown, opts: RegistrationNodesOptions = {}): UiInputNode[] {
  return [
    ...nodesFromIdentitySchema(schema, { group: UiNodeGroup.Default, values: opts.values, resolveRef: opts.resolveRef }),
    methodNode(UiNodeGroup.Profile, 'profile', infoRegistration()),
  ];
}

/**
 * Splits a two-step registration form: the first screen keeps the profile, oidc and default groups;
 * the rest (password, code, passkey, webauthn, ...) is the credential screen.
 */
export function splitRegistrationSteps<N extends UiNode>(nodes: readonly N[]): { stepOne: N[]; stepTwo: N[] } {
  const first = new Set<string>([UiNodeGroup.Profile, UiNodeGroup.Oidc, UiNodeGroup.Default]);
  return {
    stepOne: nodes.filter((n) => first.has(n.group)),
    stepTwo: nodes.filter((n) => !first.has(n.group)),
  };
}

/** The credential screen's "Back" button (`screen=previous`, profile group, 1040008). */
export function registrationBackNode(): UiInputNode {
  return inputNode(UiNodeGroup.Profile, 'screen', 'previous', UiNodeInputType.Submit, { label: infoRegistrationBack() });
}
