/** Messages of the login flow (ids 1010xxx and 4010xxx). */
import { flowExpired, RETRY_SUCCESS_TEXT } from './common.js';
import { goQuote } from './go-format.js';
import { TextId } from './ids.js';
import { error, info, type UiText } from './message.js';

export const infoLogin = (): UiText => info(TextId.InfoLogin, 'Sign in');

/** "Sign in with {provider}": `provider` is the display name, `providerId` the configured id. */
export const infoLoginWith = (provider: string, providerId: string): UiText =>
  info(TextId.InfoLoginWith, `Sign in with ${provider}`, { provider, provider_id: providerId });

export const infoLoginReAuth = (): UiText =>
  info(TextId.InfoLoginReAuth, 'Please confirm this action by verifying that it is you.');

export const infoLoginMfa = (): UiText => info(TextId.InfoLoginMFA, 'Please complete the second authentication challenge.');

export const infoLoginVerify = (): UiText => info(TextId.InfoLoginVerify, 'Verify');

export const infoLoginTotpLabel = (): UiText => info(TextId.InfoLoginTOTPLabel, 'Authentication code');

export const infoLoginLookupLabel = (): UiText => info(TextId.InfoLoginLookupLabel, 'Backup recovery code');

export const infoLoginWebAuthn = (): UiText => info(TextId.InfoLoginWebAuthn, 'Sign in with a hardware key');

export const infoLoginTotp = (): UiText => info(TextId.InfoLoginTOTP, 'Use Authenticator');

export const infoLoginLookup = (): UiText => info(TextId.InfoLoginLookup, 'Use backup recovery code');

export const infoLoginContinueWebAuthn = (): UiText => info(TextId.InfoLoginContinueWebAuthn, 'Sign in with a hardware key');

export const infoLoginWebAuthnPasswordless = (): UiText =>
  info(
    TextId.InfoLoginWebAuthnPasswordless,
    'Prepare your WebAuthn device (e.g. security key, biometrics scanner, ...) and press continue.',
  );

export const infoLoginContinue = (): UiText => info(TextId.InfoLoginContinue, 'Continue');

/** A one-time code went to the address the user typed. */
export const infoLoginCodeSent = (): UiText =>
  info(
    TextId.InfoLoginCodeSent,
    "A code was sent to the address you provided. If you didn't receive it, please check the spelling of the address and try again.",
  );

export const infoLoginCode = (): UiText => info(TextId.InfoLoginCode, 'Send sign in code');

/**
 * A social sign-in found an account that already uses the address: sign in another way to link
 * `provider` to it.
 */
export const infoLoginLink = (
  duplicateIdentifier: string,
  provider: string,
  newLoginUrl: string,
  availableCredentialTypes: readonly string[],
  availableProviders: readonly string[],
): UiText =>
  info(
    TextId.InfoLoginLink,
    `You tried to sign in with ${goQuote(duplicateIdentifier)}, but that email is already used by another account. ` +
      `Sign in to your account with one of the options below to add your account ${goQuote(duplicateIdentifier)} ` +
      `at ${goQuote(provider)} as another way to sign in.`,
    {
      duplicateIdentifier,
      provider,
      newLoginUrl,
      duplicate_identifier: duplicateIdentifier,
      new_login_url: newLoginUrl,
      available_credential_types: [...availableCredentialTypes],
      available_providers: [...availableProviders],
    },
  );

export const infoLoginAndLink = (): UiText => info(TextId.InfoLoginAndLink, 'Sign in and link');

export const infoLoginWithAndLink = (provider: string): UiText =>
  info(TextId.InfoLoginWithAndLink, `Confirm with ${provider}`, { provider });

export const infoLoginCodeMfa = (): UiText => info(TextId.InfoLoginCodeMFA, 'Request code to continue');

export const infoLoginPasskey = (): UiText => info(TextId.InfoLoginPasskey, 'Sign in with passkey');

/** The password strategy's first-factor submit button. */
export const infoLoginPassword = (): UiText => info(TextId.InfoLoginPassword, 'Sign in with password');

/** A second-factor code button: `channel` is `email` or `sms`, `address` where the code goes. */
export const infoLoginAal2CodeAddress = (channel: string, address: string): UiText =>
  info(TextId.InfoLoginAAL2CodeAddress, `Send code to ${address}`, { address, channel });

export const infoLoginDeviceAuthn = (): UiText => info(TextId.InfoLoginDeviceAuthn, 'Sign in with a hardware key');

/** A code went to the signed-in identity's own address (refresh and second-factor logins). */
export const infoLoginCodeSentForAuthenticatedUser = (): UiText =>
  info(
    TextId.InfoLoginCodeSentForAuthenticatedUser,
    "A code was sent to your address. If you didn't receive it, please try again.",
  );

export const errorLoginFlowExpired = (expiredAt: Date, now: Date): UiText =>
  flowExpired(TextId.ErrorValidationLoginFlowExpired, 'login', expiredAt, now);

export const errorLoginNoStrategyFound = (): UiText =>
  error(TextId.ErrorValidationLoginNoStrategyFound, 'Could not find a strategy to log you in with. Did you fill out the form correctly?');

export const errorRegistrationNoStrategyFound = (): UiText =>
  error(
    TextId.ErrorValidationRegistrationNoStrategyFound,
    'Could not find a strategy to sign you up with. Did you fill out the form correctly?',
  );

export const errorSettingsNoStrategyFound = (): UiText =>
  error(
    TextId.ErrorValidationSettingsNoStrategyFound,
    'Could not find a strategy to update your settings. Did you fill out the form correctly?',
  );

export const errorRecoveryNoStrategyFound = (): UiText =>
  error(
    TextId.ErrorValidationRecoveryNoStrategyFound,
    'Could not find a strategy to recover your account with. Did you fill out the form correctly?',
  );

export const errorVerificationNoStrategyFound = (): UiText =>
  error(
    TextId.ErrorValidationVerificationNoStrategyFound,
    'Could not find a strategy to verify your account with. Did you fill out the form correctly?',
  );

export const errorLoginRetrySuccess = (): UiText => error(TextId.ErrorValidationLoginRetrySuccess, RETRY_SUCCESS_TEXT);

export const errorLoginCodeInvalidOrAlreadyUsed = (): UiText =>
  error(TextId.ErrorValidationLoginCodeInvalidOrAlreadyUsed, 'The login code is invalid or has already been used. Please try again.');

export const errorLoginLinkedCredentialsDoNotMatch = (): UiText =>
  error(TextId.ErrorValidationLoginLinkedCredentialsDoNotMatch, 'Linked credentials do not match.');

export const errorLoginAddressUnknown = (): UiText =>
  error(
    TextId.ErrorValidationLoginAddressUnknown,
    'The address you entered does not match any known addresses in the current account.',
  );

export const errorIdentityDisabled = (): UiText =>
  error(TextId.ErrorValidationIdentityDisabled, 'This account has been disabled. Please contact support for assistance.');
