/** Messages of the recovery flow (ids 1060xxx and 4060xxx). */
import { flowExpired, RETRY_SUCCESS_TEXT } from './common.js';
import { goDurationMinutes, goFixed, goTimeJSON, goUnix } from './go-format.js';
import { TextId } from './ids.js';
import { error, info, success, type UiText } from './message.js';

/** Recovery done: the text gives the minutes left (as of `now`) of the privileged session. */
export function successRecovery(privilegedSessionExpiresAt: Date, now: Date): UiText {
  const minutes = goDurationMinutes(now.getTime(), privilegedSessionExpiresAt.getTime());
  const at = goTimeJSON(privilegedSessionExpiresAt);
  return success(
    TextId.InfoRecoverySuccessful,
    'You successfully recovered your account. Please change your password or set up an alternative login method ' +
      `(e.g. social sign in) within the next ${goFixed(minutes, 2)} minutes.`,
    {
      privilegedSessionExpiresAt: at,
      privileged_session_expires_at: at,
      privileged_session_expires_at_unix: goUnix(privilegedSessionExpiresAt),
    },
  );
}

const REGISTERED_WITH = 'check the spelling of the address and make sure to use the address you registered with.';

export const infoRecoveryEmailSent = (): UiText =>
  info(
    TextId.InfoRecoveryEmailSent,
    'An email containing a recovery link has been sent to the email address you provided. ' +
      `If you have not received an email, ${REGISTERED_WITH}`,
  );

export const infoRecoveryEmailWithCodeSent = (): UiText =>
  info(
    TextId.InfoRecoveryEmailWithCodeSent,
    'An email containing a recovery code has been sent to the email address you provided. ' +
      `If you have not received an email, ${REGISTERED_WITH}`,
  );

/** A code went to the address the user picked, shown masked (`j***@example.com`). */
export const infoRecoveryCodeSentToMasked = (maskedAddress: string): UiText =>
  info(
    TextId.InfoRecoveryMessageMaskedWithCodeSent,
    `A recovery code has been sent to ${maskedAddress}. If you have not received it, ${REGISTERED_WITH}`,
    { masked_address: maskedAddress },
  );

export const infoRecoveryAskForFullAddress = (): UiText =>
  info(TextId.InfoRecoveryAskForFullAddress, 'Recover access to your account by providing your recovery address in full.');

export const infoRecoveryAskToChooseAddress = (): UiText =>
  info(TextId.InfoRecoveryAskToChooseAddress, 'How do you want to recover your account?');

export const infoRecoveryBack = (): UiText => info(TextId.InfoRecoveryBack, 'Back');

export const errorRecoveryRetrySuccess = (): UiText => error(TextId.ErrorValidationRecoveryRetrySuccess, RETRY_SUCCESS_TEXT);

export const errorRecoveryStateFailure = (): UiText =>
  error(TextId.ErrorValidationRecoveryStateFailure, 'The recovery flow reached a failure state and must be retried.');

export const errorRecoveryTokenInvalidOrAlreadyUsed = (): UiText =>
  error(
    TextId.ErrorValidationRecoveryTokenInvalidOrAlreadyUsed,
    'The recovery token is invalid or has already been used. Please retry the flow.',
  );

export const errorRecoveryFlowExpired = (expiredAt: Date, now: Date): UiText =>
  flowExpired(TextId.ErrorValidationRecoveryFlowExpired, 'recovery', expiredAt, now);

export const errorRecoveryCodeInvalidOrAlreadyUsed = (): UiText =>
  error(
    TextId.ErrorValidationRecoveryCodeInvalidOrAlreadyUsed,
    'The recovery code is invalid or has already been used. Please try again.',
  );
