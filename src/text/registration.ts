/** Messages of the registration flow (ids 1040xxx and 4040xxx). */
import { flowExpired, RETRY_SUCCESS_TEXT } from './common.js';
import { TextId } from './ids.js';
import { error, info, type UiText } from './message.js';

/** The password strategy's registration submit button. */
export const infoRegistration = (): UiText => info(TextId.InfoRegistration, 'Sign up');

export const infoRegistrationWith = (provider: string, providerId: string): UiText =>
  info(TextId.InfoRegistrationWith, `Sign up with ${provider}`, { provider, provider_id: providerId });

export const infoRegistrationContinue = (): UiText => info(TextId.InfoRegistrationContinue, 'Continue');

export const infoRegistrationWebAuthn = (): UiText =>
  info(TextId.InfoRegistrationRegisterWebAuthn, 'Sign up with security key');

export const infoRegistrationCodeSent = (): UiText =>
  info(
    TextId.InfoRegistrationEmailWithCodeSent,
    'A code has been sent to the address(es) you provided. If you have not received a message, check the spelling of the address and retry the registration.',
  );

export const infoRegistrationCode = (): UiText => info(TextId.InfoRegistrationRegisterCode, 'Send sign up code');

export const infoRegistrationPasskey = (): UiText => info(TextId.InfoRegistrationRegisterPasskey, 'Sign up with passkey');

export const infoRegistrationBack = (): UiText => info(TextId.InfoRegistrationBack, 'Back');

export const infoRegistrationChooseCredentials = (): UiText =>
  info(TextId.InfoRegistrationChooseCredentials, 'Please choose a credential to authenticate yourself with.');

export const errorRegistrationFlowExpired = (expiredAt: Date, now: Date): UiText =>
  flowExpired(TextId.ErrorValidationRegistrationFlowExpired, 'registration', expiredAt, now);

export const errorRegistrationRetrySuccess = (): UiText =>
  error(TextId.ErrorValidationRegistrationRetrySuccess, RETRY_SUCCESS_TEXT);

export const errorRegistrationCodeInvalidOrAlreadyUsed = (): UiText =>
  error(
    TextId.ErrorValidationRegistrationCodeInvalidOrAlreadyUsed,
    'The registration code is invalid or has already been used. Please try again.',
  );
