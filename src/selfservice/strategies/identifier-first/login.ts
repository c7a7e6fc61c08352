import { infoNodeLabelContinue, validationMinLength } from '../../../text/index.js';
import { inputNode, UiNodeAutocomplete, UiNodeGroup, UiNodeInputType } from '../../../ui/node.js';
import { methodNode } from '../../../ui/password-nodes.js';
import { identifierLabelFromSchema } from '../../../ui/schema-nodes.js';
import { stringField } from '../../flow/body.js';
import { FlowValidationError } from '../../flow/validation.js';
import { toJson, type UiNodeJson } from '../../flow/ui-json.js';
import { names, notResponsible, type LoginFormContext, type LoginMethod, type MethodOutcome, type Submission } from '../../flow/method.js';

export interface IdentifierFirstLoginDeps {
  /** The default identity schema, whose identifier trait names the identifier field. */
  defaultSchema: () => Promise<unknown>;
  /**
   * Whether another method runs a passkey ceremony on this first screen (the passkey method's
   * sign-in without an identifier): the identifier field then offers passkeys through autofill.
   */
  webAuthnAutofill?: (ctx: LoginFormContext) => boolean;
}

/**
 * `selfservice.flows.login.style: identifier_first`: the first screen of a sign-in asks for the
 * identifier alone (`method=identifier_first`); the answer is the screen with what the other
 * methods offer to go on, the identifier kept as a hidden field. No identity is looked up: every
 * identifier, known or not, gets the same screen (Kratos v1.3 does the same only with
 * `security.account_enumeration.mitigate`). Nothing is proven here; the methods of the next
 * screen sign the user in.
 */
export class IdentifierFirstLoginStrategy implements LoginMethod {
  constructor(private readonly deps: IdentifierFirstLoginDeps) {}

  /** Not part of a one-screen form (refresh, second factors, the sign-in that links an account). */
  async nodes(): Promise<UiNodeJson[]> {
    return [];
  }

  async identificationNodes(ctx: LoginFormContext): Promise<UiNodeJson[]> {
    if (ctx.requestedAal !== 'aal1' || ctx.refresh) return [];
    return [
      inputNode(UiNodeGroup.IdentifierFirst, 'identifier', '', UiNodeInputType.Text, {
        required: true,
        ...(this.deps.webAuthnAutofill?.(ctx) ? { autocomplete: UiNodeAutocomplete.UsernameWebAuthn } : {}),
        label: identifierLabelFromSchema(await this.deps.defaultSchema()),
      }),
      methodNode(UiNodeGroup.IdentifierFirst, 'identifier_first', infoNodeLabelContinue()),
    ].map(toJson);
  }

  async submit(s: Submission, ctx: LoginFormContext): Promise<MethodOutcome> {
    // Only a first sign-in has the identifier screen (a refresh already knows who signs in).
    if (!names(s, 'identifier_first') || ctx.requestedAal !== 'aal1' || ctx.refresh) return notResponsible();
    const identifier = stringField(s.fields, 'identifier') ?? '';
    const label = identifierLabelFromSchema(await this.deps.defaultSchema());
    if (identifier.trim() === '') {
      throw new FlowValidationError([{ node: 'identifier', message: validationMinLength(1, identifier.length) }], { identifier });
    }
    return {
      kind: 'screen',
      screen: 'credential_selection',
      values: { identifier },
      // The identifier field stays on the form, hidden, for the next screen's methods to post.
      nodes: [toJson(inputNode(UiNodeGroup.IdentifierFirst, 'identifier', identifier, UiNodeInputType.Hidden, { required: true, label }))],
    };
  }
}
