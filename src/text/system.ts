/** System messages (ids 5000xxx). */
import { TextId } from './ids.js';
import { error, type UiText } from './message.js';

/** A free-form system failure; the reason is the text. */
export const errorSystemGeneric = (reason: string): UiText => error(TextId.ErrorSystemGeneric, reason, { reason });

export const errorSystemNoAuthenticationMethodsAvailable = (): UiText =>
  error(
    TextId.ErrorSystemNoAuthenticationMethodsAvailable,
    'No authentication methods are available. Please contact the system administrator.',
  );

export const errorSystemOrganizationNoSsoProvidersAvailable = (): UiText =>
  error(
    TextId.ErrorSystemOrganizationNoSSOProvidersAvailable,
    'Your organization requires SSO authentication, but no SSO provider is configured. Please contact the system administrator.',
  );
