/**
 * Validation messages (ids 4000xxx): identity-schema keyword failures (named `validation*`, with
 * the texts Kratos's JSON Schema validator words) and credential checks (named `error*`).
 */
import { goFloat, goQuote, goTitleCase } from './go-format.js';
import { TextId } from './ids.js';
import { error, type UiText } from './message.js';

// ---------------------------------------------------------------------------------------------
// Identity-schema keywords

/** 4000001: a free-form reason, used for every schema keyword without a dedicated id. */
export const validationGeneric = (reason: string): UiText => error(TextId.ErrorValidationGeneric, reason, { reason });

/** 4000002: a required property is absent. */
export const validationRequired = (property: string): UiText =>
  error(TextId.ErrorValidationRequired, `Property ${property} is missing.`, { property });

export const validationMinLength = (minLength: number, actualLength: number): UiText =>
  error(TextId.ErrorValidationMinLength, `length must be >= ${minLength}, but got ${actualLength}`, {
    min_length: minLength,
    actual_length: actualLength,
  });

export const validationMaxLength = (maxLength: number, actualLength: number): UiText =>
  error(TextId.ErrorValidationMaxLength, `length must be <= ${maxLength}, but got ${actualLength}`, {
    max_length: maxLength,
    actual_length: actualLength,
  });

/** 4000004: the value does not match the schema's `pattern` (Go-quoted in the text). */
export const validationInvalidFormat = (pattern: string): UiText =>
  error(TextId.ErrorValidationInvalidFormat, `does not match pattern ${goQuote(pattern)}`, { pattern });

export const validationMinimum = (minimum: number, actual: number): UiText =>
  error(TextId.ErrorValidationMinimum, `must be >= ${goFloat(minimum)} but found ${goFloat(actual)}`, { minimum, actual });

export const validationExclusiveMinimum = (minimum: number, actual: number): UiText =>
  error(TextId.ErrorValidationExclusiveMinimum, `must be > ${goFloat(minimum)} but found ${goFloat(actual)}`, { minimum, actual });

export const validationMaximum = (maximum: number, actual: number): UiText =>
  error(TextId.ErrorValidationMaximum, `must be <= ${goFloat(maximum)} but found ${goFloat(actual)}`, { maximum, actual });

export const validationExclusiveMaximum = (maximum: number, actual: number): UiText =>
  error(TextId.ErrorValidationExclusiveMaximum, `must be < ${goFloat(maximum)} but found ${goFloat(actual)}`, { maximum, actual });

export const validationMultipleOf = (base: number, actual: number): UiText =>
  error(TextId.ErrorValidationMultipleOf, `${goFloat(actual)} not multipleOf ${goFloat(base)}`, { base, actual });

export const validationMaxItems = (maxItems: number, actualItems: number): UiText =>
  error(TextId.ErrorValidationMaxItems, `maximum ${maxItems} items allowed, but found ${actualItems} items`, {
    max_items: maxItems,
    actual_items: actualItems,
  });

export const validationMinItems = (minItems: number, actualItems: number): UiText =>
  error(TextId.ErrorValidationMinItems, `minimum ${minItems} items allowed, but found ${actualItems} items`, {
    min_items: minItems,
    actual_items: actualItems,
  });

export const validationUniqueItems = (indexA: number, indexB: number): UiText =>
  error(TextId.ErrorValidationUniqueItems, `items at index ${indexA} and ${indexB} are equal`, {
    index_a: indexA,
    index_b: indexB,
  });

export const validationWrongType = (allowedTypes: readonly string[], actualType: string): UiText =>
  error(TextId.ErrorValidationWrongType, `expected ${allowedTypes.join(' or ')}, but got ${actualType}`, {
    allowed_types: [...allowedTypes],
    actual_type: actualType,
  });

/** 4000029: `expected` is the constant as Go's `%#v` prints it (strings keep their quotes). */
export const validationConst = (expected: string): UiText =>
  error(TextId.ErrorValidationConst, `must be equal to constant ${expected}`, { expected });

export const validationConstGeneric = (): UiText => error(TextId.ErrorValidationConstGeneric, 'const failed');

/** 4000040: a value with format `email` that is not one. */
export const validationEmail = (value: string): UiText => error(TextId.ErrorValidationEmail, 'Enter a valid email address', { value });

/** 4000041: a value with format `tel` that is not a phone number. */
export const validationPhone = (value: string): UiText => error(TextId.ErrorValidationPhone, 'Enter a valid phone number', { value });

// ---------------------------------------------------------------------------------------------
// Credentials

/** 4000005: the password policy refused the password for `reason` (no final period). */
export const errorPasswordPolicyViolation = (reason: string): UiText =>
  error(TextId.ErrorValidationPasswordPolicyViolationGeneric, `The password can not be used because ${reason}.`, { reason });

/** 4000006: wrong identifier or password (never says which). */
export const errorInvalidCredentials = (): UiText =>
  error(
    TextId.ErrorValidationInvalidCredentials,
    'The provided credentials are invalid, check for spelling mistakes in your password or username, email address, or phone number.',
  );

const DUPLICATE = 'An account with the same identifier (email, phone, username, ...) exists already.';

/** 4000007: registration with an identifier another identity has. */
export const errorDuplicateCredentials = (): UiText => error(TextId.ErrorValidationDuplicateCredentials, DUPLICATE);

export const errorTotpVerifierWrong = (): UiText =>
  error(TextId.ErrorValidationTOTPVerifierWrong, 'The provided authentication code is invalid, please try again.');

/** 4000009: the identity schema marks no trait as an identifier. */
export const errorIdentifierMissing = (): UiText =>
  error(
    TextId.ErrorValidationIdentifierMissing,
    'Could not find any login identifiers. Did you forget to set them? This could also be caused by a server misconfiguration.',
  );

export const errorAddressNotVerified = (): UiText =>
  error(TextId.ErrorValidationAddressNotVerified, 'Account not active yet. Did you forget to verify your email address?');

export const errorNoTotpDevice = (): UiText => error(TextId.ErrorValidationNoTOTPDevice, 'You have no TOTP device set up.');

export const errorLookupAlreadyUsed = (): UiText =>
  error(TextId.ErrorValidationLookupAlreadyUsed, 'This backup recovery code has already been used.');

export const errorNoWebAuthnDevice = (): UiText => error(TextId.ErrorValidationNoWebAuthnDevice, 'You have no WebAuthn device set up.');

export const errorNoLookup = (): UiText => error(TextId.ErrorValidationNoLookup, 'You have no backup recovery codes set up.');

export const errorNoSuchWebAuthnUser = (): UiText =>
  error(TextId.ErrorValidationSuchNoWebAuthnUser, 'This account does not exist or has no security key set up.');

export const errorLookupInvalid = (): UiText => error(TextId.ErrorValidationLookupInvalid, 'The backup recovery code is not valid.');

export const errorDuplicateCredentialsOnOidcLink = (): UiText =>
  error(
    TextId.ErrorValidationDuplicateCredentialsOnOIDCLink,
    `${DUPLICATE} Please sign in to your existing account to link your social profile.`,
  );

const CREDENTIAL_TYPE_HINTS: Readonly<Record<string, string>> = {
  password: 'your password',
  oidc: 'social sign in',
  saml: 'social sign in',
  webauthn: 'your passkey or a security key',
  passkey: 'your passkey',
};

/**
 * 4000028: a registration hit an identifier in use, with hints on how that account signs in.
 * `credentialIdentifierHint` is the identifier as shown (empty for a generic wording).
 */
export function errorDuplicateCredentialsWithHints(
  availableCredentialTypes: readonly string[],
  availableOidcProviders: readonly string[],
  credentialIdentifierHint: string,
): UiText {
  const identifier = credentialIdentifierHint === '' ? 'an email, phone, or username' : credentialIdentifierHint;
  let text = `You tried signing in with ${identifier} which is already in use by another account.`;
  if (availableCredentialTypes.length > 0) {
    let ways = availableCredentialTypes.flatMap((type) => (type in CREDENTIAL_TYPE_HINTS ? [CREDENTIAL_TYPE_HINTS[type]] : []));
    if (ways.length === 0) ways = [...availableCredentialTypes];
    ways = [...new Set(ways)];
    if (ways.length > 1) ways[ways.length - 1] = `or ${ways[ways.length - 1]}`;
    text += ` You can sign in using ${ways.join(', ')}.`;
  }
  if (availableOidcProviders.length > 0) {
    const providers = availableOidcProviders.map((p) => (/[{}]/.test(p) ? p : goTitleCase(p)));
    text += ` You can sign in using one of the following social sign in providers: ${providers.join(', ')}.`;
  }
  return error(TextId.ErrorValidationDuplicateCredentialsWithHints, text, {
    available_credential_types: [...availableCredentialTypes],
    available_oidc_providers: [...availableOidcProviders],
    credential_identifier_hint: credentialIdentifierHint,
  });
}

export const errorPasswordIdentifierTooSimilar = (): UiText =>
  error(
    TextId.ErrorValidationPasswordIdentifierTooSimilar,
    'The password can not be used because it is too similar to the identifier.',
  );

/** 4000032: the password is shorter than the configured minimum. */
export const errorPasswordPolicyTooShort = (minLength: number, actualLength: number): UiText =>
  error(TextId.ErrorValidationPasswordMinLength, `The password must be at least ${minLength} characters long, but got ${actualLength}.`, {
    min_length: minLength,
    actual_length: actualLength,
  });

/** 4000033: the password is longer than the maximum. */
export const errorPasswordPolicyTooLong = (maxLength: number, actualLength: number): UiText =>
  error(TextId.ErrorValidationPasswordMaxLength, `The password must be at most ${maxLength} characters long, but got ${actualLength}.`, {
    max_length: maxLength,
    actual_length: actualLength,
  });

/** 4000034: the password appears in `breaches` known data breaches. */
export const errorPasswordTooManyBreaches = (breaches: number): UiText =>
  error(TextId.ErrorValidationPasswordTooManyBreaches, 'The password has been found in data breaches and must no longer be used.', {
    breaches,
  });

export const errorNoCodeUser = (): UiText =>
  error(TextId.ErrorValidationNoCodeUser, 'This account does not exist or has not setup sign in with code.');

export const errorTraitsMismatch = (): UiText =>
  error(TextId.ErrorValidationTraitsMismatch, 'The provided traits do not match the traits previously associated with this flow.');

export const errorAccountNotFound = (): UiText =>
  error(TextId.ErrorValidationAccountNotFound, 'This account does not exist or has no login method configured.');

export const errorCaptcha = (): UiText => error(TextId.ErrorValidationCaptchaError, 'Captcha verification failed, please try again.');

export const errorPasswordNewSameAsOld = (): UiText =>
  error(TextId.ErrorValidationPasswordNewSameAsOld, 'The new password must be different from the old password.');

export const errorNoDeviceAuthnDevice = (): UiText =>
  error(TextId.ErrorValidationNoDeviceAuthnDevice, 'You have no DeviceAuthn device set up.');

export const errorWebAuthnVerifierWrong = (): UiText =>
  error(TextId.ErrorValidationWebAuthnVerifierWrong, 'The provided web authn login is invalid, please try again.');

export const errorDeviceAuthnVerifierWrong = (): UiText =>
  error(TextId.ErrorValidationDeviceAuthnVerifierWrong, 'The provided DeviceAuthn signature is invalid.');

export const errorDeviceAuthnRelaxedAttestationNoLongerValid = (): UiText =>
  error(
    TextId.ErrorValidationDeviceAuthnRelaxedAttestationNoLongerValid,
    'This DeviceAuthn key can no longer be used because relaxed attestation is expired or disabled. Please enroll your device again.',
  );

export const errorDeviceAuthnKeyReenrollmentRequired = (): UiText =>
  error(
    TextId.ErrorValidationDeviceAuthnKeyReenrollmentRequired,
    'This DeviceAuthn key was enrolled before user verification was introduced and can no longer be used. Please enroll your device again.',
  );
