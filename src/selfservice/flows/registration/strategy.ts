import type { CredentialsType, Identity } from '../../../identity/identity.js';
import type { Flow } from '../../flow/flow.js';
import type { UiNodeJson } from '../../flow/ui-json.js';

/** A way to sign up. The registration flow asks each enabled strategy for its nodes and to register. */
export interface RegistrationStrategy {
  readonly id: CredentialsType;
  /** Nodes this strategy adds to a new registration form for the identity schema in use. */
  registrationNodes(schemaId: string): Promise<UiNodeJson[]>;
  /**
   * Validates the submission and creates the identity (with its credentials, in one transaction).
   * Throws FlowValidationError with messages for the user, or a KratosError.
   */
  register(flow: Flow, fields: Record<string, unknown>, form: boolean): Promise<Identity>;
}
