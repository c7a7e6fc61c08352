/** Node labels (ids 1070xxx): the `meta.label` of input nodes. */
import { TextId } from './ids.js';
import { info, type UiText } from './message.js';

/**
 * 1070000: a label whose text is given, not generated (the code recovery strategy labels each
 * masked recovery address choice with it).
 */
export const infoNodeLabel = (text: string): UiText => info(TextId.InfoNodeLabel, text);

export const infoNodeLabelPassword = (): UiText => info(TextId.InfoNodeLabelInputPassword, 'Password');

/**
 * A label from an identity schema: the text is the property's `title`; `name` is the node's name
 * (`traits.email`).
 */
export const infoNodeLabelGenerated = (title: string, name: string): UiText =>
  info(TextId.InfoNodeLabelGenerated, title, { title, name });

export const infoNodeLabelSave = (): UiText => info(TextId.InfoNodeLabelSave, 'Save');

/** The login identifier's label when the schema does not name a single identifier. */
export const infoNodeLabelId = (): UiText => info(TextId.InfoNodeLabelID, 'ID');

export const infoNodeLabelSubmit = (): UiText => info(TextId.InfoNodeLabelSubmit, 'Submit');

export const infoNodeLabelVerifyCode = (): UiText => info(TextId.InfoNodeLabelVerifyOTP, 'Verify code');

export const infoNodeLabelEmail = (): UiText => info(TextId.InfoNodeLabelEmail, 'Email');

export const infoNodeLabelResendCode = (): UiText => info(TextId.InfoNodeLabelResendOTP, 'Resend code');

export const infoNodeLabelContinue = (): UiText => info(TextId.InfoNodeLabelContinue, 'Continue');

export const infoNodeLabelRecoveryCode = (): UiText => info(TextId.InfoNodeLabelRecoveryCode, 'Recovery code');

export const infoNodeLabelVerificationCode = (): UiText => info(TextId.InfoNodeLabelVerificationCode, 'Verification code');

export const infoNodeLabelRegistrationCode = (): UiText => info(TextId.InfoNodeLabelRegistrationCode, 'Registration code');

export const infoNodeLabelLoginCode = (): UiText => info(TextId.InfoNodeLabelLoginCode, 'Login code');

export const infoNodeLabelLoginAndLinkCredential = (): UiText =>
  info(TextId.InfoNodeLabelLoginAndLinkCredential, 'Login and link credential');

export const infoNodeLabelCaptcha = (): UiText =>
  info(TextId.InfoNodeLabelCaptcha, 'Please complete the captcha challenge to continue.');

export const infoNodeLabelRecoveryAddress = (): UiText => info(TextId.InfoNodeLabelRecoveryAddress, 'Recovery address');

export const infoNodeLabelPhoneNumber = (): UiText => info(TextId.InfoNodeLabelPhoneNumber, 'Phone number');

export const infoNodeLabelEmailOrPhone = (): UiText => info(TextId.InfoNodeLabelEmailOrPhone, 'Email or phone number');
