/** Messages of the verification flow (ids 1080xxx and 4070xxx). */
import { flowExpired, RETRY_SUCCESS_TEXT } from './common.js';
import { TextId } from './ids.js';
import { error, info, success, type UiText } from './message.js';

export const infoVerificationEmailSent = (): UiText =>
  info(
    TextId.InfoVerificationEmailSent,
    'An email containing a verification link has been sent to the email address you provided. If you have not ' +
      'received an email, check the spelling of the address and make sure to use the address you registered with.',
  );

export const successVerification = (): UiText =>
  success(TextId.InfoVerificationSuccessful, 'You successfully verified your email address.');

export const infoVerificationEmailWithCodeSent = (): UiText =>
  info(
    TextId.InfoVerificationEmailWithCodeSent,
    'An email containing a verification code has been sent to the email address you provided. If you have not ' +
      'received an email, check the spelling of the address and make sure to use the address you registered with.',
  );

export const infoVerificationPhoneWithCodeSent = (): UiText =>
  info(
    TextId.InfoVerificationPhoneWithCodeSent,
    'A text message containing a verification code has been sent to the phone number you provided. If you have ' +
      'not received a text message, check the spelling of the number and make sure to use the number you registered with.',
  );

export const successVerificationPhone = (): UiText =>
  success(TextId.InfoVerificationPhoneSuccessful, 'You successfully verified your phone number.');

/** The "code sent" message for the channel a verification code went over (`sms`, else email). */
export const infoVerificationCodeSent = (via: string): UiText =>
  via === 'sms' ? infoVerificationPhoneWithCodeSent() : infoVerificationEmailWithCodeSent();

export const errorVerificationTokenInvalidOrAlreadyUsed = (): UiText =>
  error(
    TextId.ErrorValidationVerificationTokenInvalidOrAlreadyUsed,
    'The verification token is invalid or has already been used. Please retry the flow.',
  );

export const errorVerificationRetrySuccess = (): UiText =>
  error(TextId.ErrorValidationVerificationRetrySuccess, RETRY_SUCCESS_TEXT);

export const errorVerificationStateFailure = (): UiText =>
  error(TextId.ErrorValidationVerificationStateFailure, 'The verification flow reached a failure state and must be retried.');

export const errorVerificationFlowExpired = (expiredAt: Date, now: Date): UiText =>
  flowExpired(TextId.ErrorValidationVerificationFlowExpired, 'verification', expiredAt, now);

export const errorVerificationCodeInvalidOrAlreadyUsed = (): UiText =>
  error(
    TextId.ErrorValidationVerificationCodeInvalidOrAlreadyUsed,
    'The verification code is invalid or has already been used. Please try again.',
  );
