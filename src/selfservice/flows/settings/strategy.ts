import type { Identity } from '../../../identity/identity.js';
import type { ImportCredentials } from '../../../identity/manager.js';
import type { UiNodeJson } from '../../flow/ui-json.js';

/** The settings methods this server offers. */
export type SettingsMethod = 'profile' | 'password';

/**
 * A change a strategy proposes for the signed-in identity. The settings flow checks the session's
 * privilege, stores it (IdentityManager.update) and runs the after hooks.
 */
export interface SettingsChange {
  /** The new traits, when they change. */
  traits?: Record<string, unknown>;
  /** Replaced credentials (the password method's new hash). */
  credentials?: ImportCredentials;
  /** The change touches protected data (identifiers, addresses, secrets): a privileged session is needed. */
  protected: boolean;
  /**
   * What the flow keeps when the change waits for a re-authentication (JSON, no clear-text secrets);
   * handed back to `resume` once the session is privileged again.
   */
  pending: Record<string, unknown>;
  /** Values to show in the form if the change is refused. */
  values?: Record<string, unknown>;
}

/** A settings method: contributes nodes to the settings form and turns a submission into a change. */
export interface SettingsStrategy {
  readonly id: SettingsMethod;
  /** The method's nodes for a settings form of `identity` (values filled from it). */
  settingsNodes(identity: Identity): Promise<UiNodeJson[]>;
  /**
   * Validates a submission for this method. Throws FlowValidationError (messages for the user) or a
   * KratosError; returns the change to apply.
   */
  prepare(identity: Identity, fields: Record<string, unknown>, form: boolean): Promise<SettingsChange>;
  /** Rebuilds a change from `pending` (as `prepare` returned it) after the user re-authenticated. */
  resume(identity: Identity, pending: Record<string, unknown>): Promise<SettingsChange>;
}
