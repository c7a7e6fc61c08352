import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as text from '../../src/text/index.js';
import type { UiText } from '../../src/text/index.js';
import { skipWithoutKratosReference } from '../testkit/reference.js';
import { readCatalogue, renderTemplate, type CatalogueRow, uiTextCataloguePath } from './catalogue-file.js';
import { existsSync } from 'node:fs';

// The conformance group compares with Kratos's catalogue, which is reference data beside the checkout.
const skip = existsSync(uiTextCataloguePath()) ? false : skipWithoutKratosReference('ui-text-messages.tsv', 'the catalogue conformance tests');
const catalogue = skip ? [] : readCatalogue();
const rowById = new Map<number, CatalogueRow>(catalogue.map((r) => [r.id, r]));

const now = new Date('2026-03-04T05:06:07Z');
const ago90s = new Date(now.getTime() - 90_000);
const in14m = new Date(now.getTime() + 14 * 60_000 + 30_000);
const usedAt = new Date('2025-12-31T23:59:58.5Z');

/** One sample call per builder, with the values for placeholders its context does not spell out. */
interface Sample {
  builder: keyof typeof text;
  make: () => UiText;
  placeholders?: Record<string, string>;
}

const samples: Sample[] = [
  { builder: 'infoLogin', make: () => text.infoLogin() },
  { builder: 'infoLoginWith', make: () => text.infoLoginWith('GitHub', 'github') },
  { builder: 'infoLoginReAuth', make: () => text.infoLoginReAuth() },
  { builder: 'infoLoginMfa', make: () => text.infoLoginMfa() },
  { builder: 'infoLoginVerify', make: () => text.infoLoginVerify() },
  { builder: 'infoLoginTotpLabel', make: () => text.infoLoginTotpLabel() },
  { builder: 'infoLoginLookupLabel', make: () => text.infoLoginLookupLabel() },
  { builder: 'infoLoginWebAuthn', make: () => text.infoLoginWebAuthn() },
  { builder: 'infoLoginTotp', make: () => text.infoLoginTotp() },
  { builder: 'infoLoginLookup', make: () => text.infoLoginLookup() },
  { builder: 'infoLoginContinueWebAuthn', make: () => text.infoLoginContinueWebAuthn() },
  { builder: 'infoLoginWebAuthnPasswordless', make: () => text.infoLoginWebAuthnPasswordless() },
  { builder: 'infoLoginContinue', make: () => text.infoLoginContinue() },
  { builder: 'infoLoginCodeSent', make: () => text.infoLoginCodeSent() },
  { builder: 'infoLoginCode', make: () => text.infoLoginCode() },
  {
    builder: 'infoLoginLink',
    make: () => text.infoLoginLink('jane@example.com', 'google', 'https://id.example/login?flow=1', ['password'], ['google']),
  },
  { builder: 'infoLoginAndLink', make: () => text.infoLoginAndLink() },
  { builder: 'infoLoginWithAndLink', make: () => text.infoLoginWithAndLink('Google') },
  { builder: 'infoLoginCodeMfa', make: () => text.infoLoginCodeMfa() },
  { builder: 'infoLoginPasskey', make: () => text.infoLoginPasskey() },
  { builder: 'infoLoginPassword', make: () => text.infoLoginPassword() },
  { builder: 'infoLoginAal2CodeAddress', make: () => text.infoLoginAal2CodeAddress('email', 'jane@example.com') },
  { builder: 'infoLoginDeviceAuthn', make: () => text.infoLoginDeviceAuthn() },
  { builder: 'infoLoginCodeSentForAuthenticatedUser', make: () => text.infoLoginCodeSentForAuthenticatedUser() },
  { builder: 'infoRegistration', make: () => text.infoRegistration() },
  { builder: 'infoRegistrationWith', make: () => text.infoRegistrationWith('GitHub', 'github') },
  { builder: 'infoRegistrationContinue', make: () => text.infoRegistrationContinue() },
  { builder: 'infoRegistrationWebAuthn', make: () => text.infoRegistrationWebAuthn() },
  { builder: 'infoRegistrationCodeSent', make: () => text.infoRegistrationCodeSent() },
  { builder: 'infoRegistrationCode', make: () => text.infoRegistrationCode() },
  { builder: 'infoRegistrationPasskey', make: () => text.infoRegistrationPasskey() },
  { builder: 'infoRegistrationBack', make: () => text.infoRegistrationBack() },
  { builder: 'infoRegistrationChooseCredentials', make: () => text.infoRegistrationChooseCredentials() },
  { builder: 'successSettingsUpdated', make: () => text.successSettingsUpdated() },
  { builder: 'infoSettingsLinkOidc', make: () => text.infoSettingsLinkOidc('Google') },
  { builder: 'infoSettingsUnlinkOidc', make: () => text.infoSettingsUnlinkOidc('Google') },
  { builder: 'infoSettingsUnlinkTotp', make: () => text.infoSettingsUnlinkTotp() },
  { builder: 'infoSettingsTotpQrCode', make: () => text.infoSettingsTotpQrCode() },
  { builder: 'infoSettingsTotpSecret', make: () => text.infoSettingsTotpSecret('JBSWY3DPEHPK3PXP') },
  { builder: 'infoSettingsRevealLookup', make: () => text.infoSettingsRevealLookup() },
  { builder: 'infoSettingsRegenerateLookup', make: () => text.infoSettingsRegenerateLookup() },
  { builder: 'infoSettingsLookupSecret', make: () => text.infoSettingsLookupSecret('abcd1234') },
  { builder: 'infoSettingsLookupSecretsLabel', make: () => text.infoSettingsLookupSecretsLabel() },
  { builder: 'infoSettingsLookupConfirm', make: () => text.infoSettingsLookupConfirm() },
  { builder: 'infoSettingsRegisterWebAuthn', make: () => text.infoSettingsRegisterWebAuthn() },
  { builder: 'infoSettingsWebAuthnDisplayName', make: () => text.infoSettingsWebAuthnDisplayName() },
  {
    builder: 'infoSettingsLookupSecretUsed',
    make: () => text.infoSettingsLookupSecretUsed(usedAt),
    placeholders: { used_at: '2025-12-31 23:59:58.5 +0000 UTC' },
  },
  {
    builder: 'infoSettingsLookupSecretList',
    make: () =>
      text.infoSettingsLookupSecretList(['abcd1234', 'used'], [text.infoSettingsLookupSecret('abcd1234'), text.infoSettingsLookupSecretUsed(usedAt)]),
    placeholders: { secrets_list: 'abcd1234, used' },
  },
  {
    builder: 'lookupSecretList',
    make: () => text.lookupSecretList([{ code: 'k1' }, { code: 'k2', usedAt }, { code: 'k3', usedAt: null }]),
    placeholders: { secrets_list: 'k1, used, k3' },
  },
  { builder: 'infoSettingsDisableLookup', make: () => text.infoSettingsDisableLookup() },
  { builder: 'infoSettingsTotpSecretLabel', make: () => text.infoSettingsTotpSecretLabel() },
  { builder: 'infoSettingsRemoveWebAuthn', make: () => text.infoSettingsRemoveWebAuthn('YubiKey', usedAt) },
  { builder: 'infoSettingsRegisterPasskey', make: () => text.infoSettingsRegisterPasskey() },
  { builder: 'infoSettingsRemovePasskey', make: () => text.infoSettingsRemovePasskey('Phone', usedAt) },
  { builder: 'infoSettingsManagedByOrganization', make: () => text.infoSettingsManagedByOrganization() },
  { builder: 'successRecovery', make: () => text.successRecovery(in14m, now), placeholders: { minutes_left: '14.50' } },
  { builder: 'infoRecoveryEmailSent', make: () => text.infoRecoveryEmailSent() },
  { builder: 'infoRecoveryEmailWithCodeSent', make: () => text.infoRecoveryEmailWithCodeSent() },
  { builder: 'infoRecoveryCodeSentToMasked', make: () => text.infoRecoveryCodeSentToMasked('ja****@example.com') },
  { builder: 'infoRecoveryAskForFullAddress', make: () => text.infoRecoveryAskForFullAddress() },
  { builder: 'infoRecoveryAskToChooseAddress', make: () => text.infoRecoveryAskToChooseAddress() },
  { builder: 'infoRecoveryBack', make: () => text.infoRecoveryBack() },
  { builder: 'infoNodeLabelPassword', make: () => text.infoNodeLabelPassword() },
  { builder: 'infoNodeLabelGenerated', make: () => text.infoNodeLabelGenerated('E-Mail', 'traits.email') },
  { builder: 'infoNodeLabelSave', make: () => text.infoNodeLabelSave() },
  { builder: 'infoNodeLabelId', make: () => text.infoNodeLabelId() },
  { builder: 'infoNodeLabelSubmit', make: () => text.infoNodeLabelSubmit() },
  { builder: 'infoNodeLabelVerifyCode', make: () => text.infoNodeLabelVerifyCode() },
  { builder: 'infoNodeLabelEmail', make: () => text.infoNodeLabelEmail() },
  { builder: 'infoNodeLabelResendCode', make: () => text.infoNodeLabelResendCode() },
  { builder: 'infoNodeLabelContinue', make: () => text.infoNodeLabelContinue() },
  { builder: 'infoNodeLabelRecoveryCode', make: () => text.infoNodeLabelRecoveryCode() },
  { builder: 'infoNodeLabelVerificationCode', make: () => text.infoNodeLabelVerificationCode() },
  { builder: 'infoNodeLabelRegistrationCode', make: () => text.infoNodeLabelRegistrationCode() },
  { builder: 'infoNodeLabelLoginCode', make: () => text.infoNodeLabelLoginCode() },
  { builder: 'infoNodeLabelLoginAndLinkCredential', make: () => text.infoNodeLabelLoginAndLinkCredential() },
  { builder: 'infoNodeLabelCaptcha', make: () => text.infoNodeLabelCaptcha() },
  { builder: 'infoNodeLabelRecoveryAddress', make: () => text.infoNodeLabelRecoveryAddress() },
  { builder: 'infoNodeLabelPhoneNumber', make: () => text.infoNodeLabelPhoneNumber() },
  { builder: 'infoNodeLabelEmailOrPhone', make: () => text.infoNodeLabelEmailOrPhone() },
  { builder: 'infoVerificationEmailSent', make: () => text.infoVerificationEmailSent() },
  { builder: 'successVerification', make: () => text.successVerification() },
  { builder: 'infoVerificationEmailWithCodeSent', make: () => text.infoVerificationEmailWithCodeSent() },
  { builder: 'infoVerificationPhoneWithCodeSent', make: () => text.infoVerificationPhoneWithCodeSent() },
  { builder: 'successVerificationPhone', make: () => text.successVerificationPhone() },
  { builder: 'infoVerificationCodeSent', make: () => text.infoVerificationCodeSent('sms') },
  { builder: 'validationGeneric', make: () => text.validationGeneric('something is off') },
  { builder: 'validationRequired', make: () => text.validationRequired('email') },
  { builder: 'validationMinLength', make: () => text.validationMinLength(3, 1) },
  { builder: 'validationInvalidFormat', make: () => text.validationInvalidFormat('^[a-z]+$') },
  { builder: 'errorPasswordPolicyViolation', make: () => text.errorPasswordPolicyViolation('it is too weak') },
  { builder: 'errorInvalidCredentials', make: () => text.errorInvalidCredentials() },
  { builder: 'errorDuplicateCredentials', make: () => text.errorDuplicateCredentials() },
  { builder: 'errorTotpVerifierWrong', make: () => text.errorTotpVerifierWrong() },
  { builder: 'errorIdentifierMissing', make: () => text.errorIdentifierMissing() },
  { builder: 'errorAddressNotVerified', make: () => text.errorAddressNotVerified() },
  { builder: 'errorNoTotpDevice', make: () => text.errorNoTotpDevice() },
  { builder: 'errorLookupAlreadyUsed', make: () => text.errorLookupAlreadyUsed() },
  { builder: 'errorNoWebAuthnDevice', make: () => text.errorNoWebAuthnDevice() },
  { builder: 'errorNoLookup', make: () => text.errorNoLookup() },
  { builder: 'errorNoSuchWebAuthnUser', make: () => text.errorNoSuchWebAuthnUser() },
  { builder: 'errorLookupInvalid', make: () => text.errorLookupInvalid() },
  { builder: 'validationMaxLength', make: () => text.validationMaxLength(10, 12) },
  { builder: 'validationMinimum', make: () => text.validationMinimum(5, 1.5) },
  { builder: 'validationExclusiveMinimum', make: () => text.validationExclusiveMinimum(0, -2) },
  { builder: 'validationMaximum', make: () => text.validationMaximum(100, 120) },
  { builder: 'validationExclusiveMaximum', make: () => text.validationExclusiveMaximum(1, 1) },
  { builder: 'validationMultipleOf', make: () => text.validationMultipleOf(3, 7) },
  { builder: 'validationMaxItems', make: () => text.validationMaxItems(2, 3) },
  { builder: 'validationMinItems', make: () => text.validationMinItems(1, 0) },
  { builder: 'validationUniqueItems', make: () => text.validationUniqueItems(0, 2) },
  {
    builder: 'validationWrongType',
    make: () => text.validationWrongType(['string', 'null'], 'number'),
    placeholders: { allowed_types_joined_with_or: 'string or null' },
  },
  { builder: 'errorDuplicateCredentialsOnOidcLink', make: () => text.errorDuplicateCredentialsOnOidcLink() },
  {
    builder: 'errorDuplicateCredentialsWithHints',
    make: () => text.errorDuplicateCredentialsWithHints(['password', 'oidc', 'saml', 'webauthn'], ['github', 'my-idp'], 'jane@example.com'),
    placeholders: {
      available_credential_types_human: 'your password, social sign in, or your passkey or a security key',
      available_oidc_providers_titlecased: 'Github, My-Idp',
    },
  },
  { builder: 'validationConst', make: () => text.validationConst('"admin"') },
  { builder: 'validationConstGeneric', make: () => text.validationConstGeneric() },
  { builder: 'errorPasswordIdentifierTooSimilar', make: () => text.errorPasswordIdentifierTooSimilar() },
  { builder: 'errorPasswordPolicyTooShort', make: () => text.errorPasswordPolicyTooShort(8, 5) },
  { builder: 'errorPasswordPolicyTooLong', make: () => text.errorPasswordPolicyTooLong(72, 100) },
  { builder: 'errorPasswordTooManyBreaches', make: () => text.errorPasswordTooManyBreaches(1234) },
  { builder: 'errorNoCodeUser', make: () => text.errorNoCodeUser() },
  { builder: 'errorTraitsMismatch', make: () => text.errorTraitsMismatch() },
  { builder: 'errorAccountNotFound', make: () => text.errorAccountNotFound() },
  { builder: 'errorCaptcha', make: () => text.errorCaptcha() },
  { builder: 'errorPasswordNewSameAsOld', make: () => text.errorPasswordNewSameAsOld() },
  { builder: 'validationEmail', make: () => text.validationEmail('not-an-email') },
  { builder: 'validationPhone', make: () => text.validationPhone('12') },
  { builder: 'errorNoDeviceAuthnDevice', make: () => text.errorNoDeviceAuthnDevice() },
  { builder: 'errorWebAuthnVerifierWrong', make: () => text.errorWebAuthnVerifierWrong() },
  { builder: 'errorDeviceAuthnVerifierWrong', make: () => text.errorDeviceAuthnVerifierWrong() },
  { builder: 'errorDeviceAuthnRelaxedAttestationNoLongerValid', make: () => text.errorDeviceAuthnRelaxedAttestationNoLongerValid() },
  { builder: 'errorDeviceAuthnKeyReenrollmentRequired', make: () => text.errorDeviceAuthnKeyReenrollmentRequired() },
  { builder: 'errorLoginFlowExpired', make: () => text.errorLoginFlowExpired(ago90s, now), placeholders: { minutes_since_expiry: '1.50' } },
  { builder: 'errorLoginNoStrategyFound', make: () => text.errorLoginNoStrategyFound() },
  { builder: 'errorRegistrationNoStrategyFound', make: () => text.errorRegistrationNoStrategyFound() },
  { builder: 'errorSettingsNoStrategyFound', make: () => text.errorSettingsNoStrategyFound() },
  { builder: 'errorRecoveryNoStrategyFound', make: () => text.errorRecoveryNoStrategyFound() },
  { builder: 'errorVerificationNoStrategyFound', make: () => text.errorVerificationNoStrategyFound() },
  { builder: 'errorLoginRetrySuccess', make: () => text.errorLoginRetrySuccess() },
  { builder: 'errorLoginCodeInvalidOrAlreadyUsed', make: () => text.errorLoginCodeInvalidOrAlreadyUsed() },
  { builder: 'errorLoginLinkedCredentialsDoNotMatch', make: () => text.errorLoginLinkedCredentialsDoNotMatch() },
  { builder: 'errorLoginAddressUnknown', make: () => text.errorLoginAddressUnknown() },
  { builder: 'errorIdentityDisabled', make: () => text.errorIdentityDisabled() },
  {
    builder: 'errorRegistrationFlowExpired',
    make: () => text.errorRegistrationFlowExpired(ago90s, now),
    placeholders: { minutes_since_expiry: '1.50' },
  },
  { builder: 'errorRegistrationRetrySuccess', make: () => text.errorRegistrationRetrySuccess() },
  { builder: 'errorRegistrationCodeInvalidOrAlreadyUsed', make: () => text.errorRegistrationCodeInvalidOrAlreadyUsed() },
  { builder: 'errorSettingsFlowExpired', make: () => text.errorSettingsFlowExpired(ago90s, now), placeholders: { minutes_since_expiry: '1.50' } },
  { builder: 'errorSettingsTooManyAddressChanges', make: () => text.errorSettingsTooManyAddressChanges() },
  { builder: 'errorRecoveryRetrySuccess', make: () => text.errorRecoveryRetrySuccess() },
  { builder: 'errorRecoveryStateFailure', make: () => text.errorRecoveryStateFailure() },
  { builder: 'errorRecoveryTokenInvalidOrAlreadyUsed', make: () => text.errorRecoveryTokenInvalidOrAlreadyUsed() },
  { builder: 'errorRecoveryFlowExpired', make: () => text.errorRecoveryFlowExpired(ago90s, now), placeholders: { minutes_since_expiry: '1.50' } },
  { builder: 'errorRecoveryCodeInvalidOrAlreadyUsed', make: () => text.errorRecoveryCodeInvalidOrAlreadyUsed() },
  { builder: 'errorVerificationTokenInvalidOrAlreadyUsed', make: () => text.errorVerificationTokenInvalidOrAlreadyUsed() },
  { builder: 'errorVerificationRetrySuccess', make: () => text.errorVerificationRetrySuccess() },
  { builder: 'errorVerificationStateFailure', make: () => text.errorVerificationStateFailure() },
  {
    builder: 'errorVerificationFlowExpired',
    make: () => text.errorVerificationFlowExpired(ago90s, now),
    placeholders: { minutes_since_expiry: '1.50' },
  },
  { builder: 'errorVerificationCodeInvalidOrAlreadyUsed', make: () => text.errorVerificationCodeInvalidOrAlreadyUsed() },
  { builder: 'errorSystemGeneric', make: () => text.errorSystemGeneric('the database is gone') },
  { builder: 'errorSystemNoAuthenticationMethodsAvailable', make: () => text.errorSystemNoAuthenticationMethodsAvailable() },
  { builder: 'errorSystemOrganizationNoSsoProvidersAvailable', make: () => text.errorSystemOrganizationNoSsoProvidersAvailable() },
];

/** Context keys whose values Kratos sends as JSON numbers. */
const NUMERIC_KEYS = new Set([
  'min_length', 'actual_length', 'max_length', 'minimum', 'maximum', 'actual', 'base', 'max_items', 'min_items',
  'actual_items', 'index_a', 'index_b', 'breaches', 'expired_at_unix', 'used_at_unix', 'added_at_unix',
  'privileged_session_expires_at_unix',
]);

function placeholderValues(message: UiText, extra: Record<string, string> = {}): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.context ?? {})) {
    if (typeof v === 'string' || typeof v === 'number') values[k] = String(v);
  }
  return { ...values, ...extra };
}

describe('UI text catalogue conformance', { skip }, () => {
  for (const sample of samples) {
    test(`${sample.builder}() has the catalogue's id, type, text and context keys`, () => {
      const message = sample.make();
      const row = rowById.get(message.id);
      assert.ok(row, `id ${message.id} is not in the catalogue`);
      assert.notEqual(row.constructor, '', `id ${message.id} is marked reserved in the catalogue`);
      assert.equal(message.type, row.type);
      assert.equal(message.text, renderTemplate(row.textTemplate, placeholderValues(message, sample.placeholders)));
      const keys = Object.keys(message.context ?? {});
      assert.deepEqual([...keys].sort(), [...row.contextKeys].sort(), 'context keys');
      assert.deepEqual(keys, [...keys].sort(), 'context keys are in sorted order, as Go encodes a map');
      for (const key of keys) {
        if (NUMERIC_KEYS.has(key)) assert.equal(typeof message.context![key], 'number', `context.${key} is a number`);
      }
      assert.deepEqual(JSON.parse(JSON.stringify(message)), message, 'the message is plain JSON');
      const meta = text.textById(message.id);
      assert.ok(meta);
      assert.equal(meta.type, row.type);
      assert.deepEqual(meta.contextKeys, row.contextKeys);
      assert.equal(meta.reserved, false);
    });
  }

  test('every id with a constructor has a builder sample, and every builder is sampled', () => {
    const sampledIds = new Set(samples.map((s) => s.make().id));
    const missing = catalogue.filter((r) => r.constructor !== '' && !sampledIds.has(r.id)).map((r) => `${r.id} ${r.constant}`);
    assert.deepEqual(missing, []);
    const builders = Object.keys(text).filter((name) => /^(info|error|success|validation)[A-Z]/.test(name) || name === 'lookupSecretList');
    const sampled = new Set(samples.map((s) => s.builder));
    assert.deepEqual(builders.filter((b) => !sampled.has(b as keyof typeof text) && b !== 'infoNodeLabel'), []);
  });

  test('textById covers the whole catalogue, reserved ids included', () => {
    for (const row of catalogue) {
      const meta = text.textById(row.id);
      assert.ok(meta, `textById(${row.id})`);
      assert.equal(meta.type, row.type, `type of ${row.id}`);
      assert.deepEqual(meta.contextKeys, row.contextKeys, `context keys of ${row.id}`);
      assert.equal(meta.reserved, row.constructor === '', `reserved flag of ${row.id}`);
    }
    assert.equal(text.allTexts().length, catalogue.length);
    assert.equal(text.textById(4999999), undefined);
  });

  test('infoNodeLabel (1070000) carries the text it is given', () => {
    assert.deepEqual(text.infoNodeLabel('ja****@example.com'), { id: 1070000, text: 'ja****@example.com', type: 'info' });
    assert.equal(rowById.get(1070000)?.type, 'info');
  });
});

describe('texts formatted the way Go formats them', () => {
  test('flow expiry minutes use %.2f with ties to even and Go time JSON in the context', () => {
    const expired = new Date('2026-01-01T00:00:00Z');
    const m = text.errorLoginFlowExpired(expired, new Date(expired.getTime() + 7_500)); // 0.125 minutes
    assert.equal(m.text, 'The login flow expired 0.12 minutes ago, please try again.');
    assert.deepEqual(m.context, { expired_at: '2026-01-01T00:00:00Z', expired_at_unix: 1767225600 });
    const n = text.errorSettingsFlowExpired(new Date('2026-01-01T00:00:00.250Z'), new Date('2026-01-01T01:00:00Z'));
    assert.equal(n.text, 'The settings flow expired 60.00 minutes ago, please try again.');
    assert.equal(n.context!.expired_at, '2026-01-01T00:00:00.25Z');
  });

  test('floats print in Go %v form and strings are Go-quoted', () => {
    assert.equal(text.validationMinimum(1_000_000, 0.00001).text, 'must be >= 1e+06 but found 1e-05');
    assert.equal(text.validationMultipleOf(0.5, 2.25).text, '2.25 not multipleOf 0.5');
    assert.equal(text.validationInvalidFormat('^a"b\\d$').text, 'does not match pattern "^a\\"b\\\\d$"');
    assert.equal(
      text.infoLoginLink('x"y', 'g', '', [], []).text,
      'You tried to sign in with "x\\"y", but that email is already used by another account. Sign in to your account ' +
        'with one of the options below to add your account "x\\"y" at "g" as another way to sign in.',
    );
  });

  test('duplicate-credential hints: defaults, unknown types, deduplication, providers with braces', () => {
    assert.equal(
      text.errorDuplicateCredentialsWithHints([], [], '').text,
      'You tried signing in with an email, phone, or username which is already in use by another account.',
    );
    assert.equal(
      text.errorDuplicateCredentialsWithHints(['oidc', 'saml'], [], 'x').text,
      'You tried signing in with x which is already in use by another account. You can sign in using social sign in.',
    );
    assert.equal(
      text.errorDuplicateCredentialsWithHints(['totp', 'code'], ['{github}'], 'x').text,
      'You tried signing in with x which is already in use by another account. You can sign in using totp, or code. ' +
        'You can sign in using one of the following social sign in providers: {github}.',
    );
  });

  test('a used lookup code prints the time as Go prints a UTC time', () => {
    assert.equal(text.infoSettingsLookupSecretUsed(new Date('2026-02-03T04:05:06Z')).text, 'Secret was used at 2026-02-03 04:05:06 +0000 UTC');
  });
});
