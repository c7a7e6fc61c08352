/** Messages of the settings flow (ids 1050xxx and 4050xxx). */
import { flowExpired } from './common.js';
import { goTimeJSON, goTimeString, goUnix } from './go-format.js';
import { TextId } from './ids.js';
import { error, info, success, type UiText } from './message.js';

export const successSettingsUpdated = (): UiText => success(TextId.InfoSettingsUpdateSuccess, 'Your changes have been saved!');

export const infoSettingsLinkOidc = (provider: string): UiText =>
  info(TextId.InfoSettingsUpdateLinkOidc, `Link ${provider}`, { provider });

export const infoSettingsUnlinkOidc = (provider: string): UiText =>
  info(TextId.InfoSettingsUpdateUnlinkOidc, `Unlink ${provider}`, { provider });

export const infoSettingsUnlinkTotp = (): UiText => info(TextId.InfoSettingsUpdateUnlinkTOTP, 'Unlink TOTP Authenticator App');

export const infoSettingsTotpQrCode = (): UiText => info(TextId.InfoSettingsTOTPQRCode, 'Authenticator app QR code');

/** The TOTP secret itself, shown for manual entry. */
export const infoSettingsTotpSecret = (secret: string): UiText => info(TextId.InfoSettingsTOTPSecret, secret, { secret });

export const infoSettingsRevealLookup = (): UiText => info(TextId.InfoSettingsRevealLookup, 'Reveal backup recovery codes');

export const infoSettingsRegenerateLookup = (): UiText =>
  info(TextId.InfoSettingsRegenerateLookup, 'Generate new backup recovery codes');

/** One unused backup code. */
export const infoSettingsLookupSecret = (secret: string): UiText => info(TextId.InfoSettingsLookupSecret, secret, { secret });

export const infoSettingsLookupSecretsLabel = (): UiText =>
  info(TextId.InfoSettingsLookupSecretLabel, 'These are your back up recovery codes. Please keep them in a safe place!');

export const infoSettingsLookupConfirm = (): UiText => info(TextId.InfoSettingsLookupConfirm, 'Confirm backup recovery codes');

export const infoSettingsRegisterWebAuthn = (): UiText => info(TextId.InfoSettingsRegisterWebAuthn, 'Add security key');

export const infoSettingsWebAuthnDisplayName = (): UiText =>
  info(TextId.InfoSettingsRegisterWebAuthnDisplayName, 'Name of the security key');

/** A backup code that was used at `usedAt` (printed as Go prints a UTC time). */
export const infoSettingsLookupSecretUsed = (usedAt: Date): UiText =>
  info(TextId.InfoSettingsLookupSecretUsed, `Secret was used at ${goTimeString(usedAt)}`, {
    used_at: goTimeJSON(usedAt),
    used_at_unix: goUnix(usedAt),
  });

/**
 * The list of backup codes: `formatted` holds one string per code (the code, or `used`), joined for
 * the text; `secrets` holds one message per code (1050009, or 1050014 when used).
 */
export const infoSettingsLookupSecretList = (formatted: readonly string[], secrets: readonly UiText[]): UiText =>
  info(TextId.InfoSettingsLookupSecretList, formatted.join(', '), { secrets: [...secrets] });

/** The backup code list node's content for a set of codes, as the lookup strategy shows it. */
export function lookupSecretList(codes: ReadonlyArray<{ code: string; usedAt?: Date | null }>): UiText {
  const formatted: string[] = [];
  const secrets: UiText[] = [];
  for (const { code, usedAt } of codes) {
    if (usedAt) {
      formatted.push('used');
      secrets.push(infoSettingsLookupSecretUsed(usedAt));
    } else {
      formatted.push(code);
      secrets.push(infoSettingsLookupSecret(code));
    }
  }
  return infoSettingsLookupSecretList(formatted, secrets);
}

export const infoSettingsDisableLookup = (): UiText => info(TextId.InfoSettingsDisableLookup, 'Disable this method');

export const infoSettingsTotpSecretLabel = (): UiText =>
  info(TextId.InfoSettingsTOTPSecretLabel, 'This is your authenticator app secret. Use it if you can not scan the QR code.');

export const infoSettingsRemoveWebAuthn = (displayName: string, addedAt: Date): UiText =>
  info(TextId.InfoSettingsRemoveWebAuthn, `Remove security key "${displayName}"`, {
    display_name: displayName,
    added_at: goTimeJSON(addedAt),
    added_at_unix: goUnix(addedAt),
  });

export const infoSettingsRegisterPasskey = (): UiText => info(TextId.InfoSettingsRegisterPasskey, 'Add passkey');

export const infoSettingsRemovePasskey = (displayName: string, addedAt: Date): UiText =>
  info(TextId.InfoSettingsRemovePasskey, `Remove passkey "${displayName}"`, {
    display_name: displayName,
    added_at: goTimeJSON(addedAt),
    added_at_unix: goUnix(addedAt),
  });

export const infoSettingsManagedByOrganization = (): UiText =>
  info(
    TextId.InfoSettingsManagedByOrganization,
    'Your account is managed by your organization. To change these settings, contact your organization administrator.',
  );

export const errorSettingsFlowExpired = (expiredAt: Date, now: Date): UiText =>
  flowExpired(TextId.ErrorValidationSettingsFlowExpired, 'settings', expiredAt, now);

export const errorSettingsTooManyAddressChanges = (): UiText =>
  error(
    TextId.ErrorValidationSettingsTooManyAddressChanges,
    'You can only change one address at a time. Please update each address separately.',
  );
