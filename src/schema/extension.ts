/**
 * What the `ory.sh/kratos` keywords of an identity schema derive from one identity's traits:
 * login identifiers per credential type, verifiable and recovery addresses. The validator calls
 * `ExtensionCollector.visit` for every trait value whose subschema carries the keyword (inside
 * arrays, nested objects and `$ref`s alike), in validation order.
 */
import { isEmail, toE164 } from './formats.js';
import { goQuoteAny } from '../text/go-format.js';
import { validationGeneric, type UiText } from './text.js';

export type AddressVia = 'email' | 'sms';

/** The `ory.sh/kratos` block as an identity schema may write it (shape checked at load time). */
export interface ExtensionConfig {
  credentials?: {
    password?: { identifier?: boolean };
    webauthn?: { identifier?: boolean };
    passkey?: { display_name?: boolean };
    totp?: { account_name?: boolean };
    code?: { identifier?: boolean; via?: AddressVia };
  };
  verification?: { via?: AddressVia };
  recovery?: { via?: AddressVia };
  organizations?: { matcher?: 'email_domain' };
}

export interface DerivedAddress {
  value: string;
  via: AddressVia;
}

export interface DerivedCredentials {
  password: { identifiers: string[] };
  code: { identifiers: DerivedAddress[] };
  webauthn: { identifiers: string[] };
  passkey: { displayName?: string };
  totp: { accountName?: string };
}

export interface TraitsExtraction {
  credentials: DerivedCredentials;
  verifiableAddresses: DerivedAddress[];
  recoveryAddresses: DerivedAddress[];
}

/** An error the extension itself raises, at the JSON pointer (Ajv form, no `#`) of the value. */
export interface ExtensionError {
  instancePath: string;
  message: UiText;
}

/** Kratos prints trait values with `%s`; JSON primitives become their text, containers nothing. */
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Email-like code identifiers are lower-cased and trimmed; others keep their case. */
function normalizeEmailIdentifier(value: string): string {
  return value.includes('@') ? value.trim().toLowerCase() : value;
}

const byAddressThenVia = (a: DerivedAddress, b: DerivedAddress): number =>
  a.value < b.value ? -1 : a.value > b.value ? 1 : a.via < b.via ? -1 : a.via > b.via ? 1 : 0;

function pushUnique(list: DerivedAddress[], address: DerivedAddress): void {
  if (!list.some((a) => a.value === address.value && a.via === address.via)) list.push(address);
}

export class ExtensionCollector {
  readonly errors: ExtensionError[] = [];
  private readonly password: string[] = [];
  private readonly webauthn: string[] = [];
  private readonly code: DerivedAddress[] = [];
  private readonly verifiable: DerivedAddress[] = [];
  private readonly recovery: DerivedAddress[] = [];
  private passkeyDisplayName: string | undefined;
  private webauthnLast: string | undefined;
  private totpAccountName: string | undefined;

  visit(config: ExtensionConfig, value: unknown, parentSchema: Record<string, unknown>, instancePath: string): void {
    const fail = (reason: string) => this.errors.push({ instancePath, message: validationGeneric(reason) });
    const text = scalarText(value);
    const creds = config.credentials;

    if (creds?.password?.identifier && text !== undefined) {
      const id = text.toLowerCase();
      if (!this.password.includes(id)) this.password.push(id);
    }
    if (creds?.webauthn?.identifier && text !== undefined) {
      const id = text.toLowerCase();
      if (!this.webauthn.includes(id)) this.webauthn.push(id);
      this.webauthnLast = id;
    }
    if (creds?.passkey?.display_name && text !== undefined) this.passkeyDisplayName = text;
    if (creds?.totp?.account_name && text !== undefined) this.totpAccountName = text;

    if (creds?.code?.identifier) {
      const via = creds.code.via;
      if (via !== 'email' && via !== 'sms') {
        fail(`channel type ${goQuoteAny(via ?? '')} must be one of email, sms`);
      } else if (text !== undefined) {
        if (via === 'email') {
          pushUnique(this.code, { value: normalizeEmailIdentifier(text), via });
        } else {
          const e164 = toE164(text);
          if (e164 === undefined) fail('the provided number is not a valid phone number');
          else pushUnique(this.code, { value: e164, via });
        }
      }
    }

    const verifyVia = config.verification?.via;
    if (verifyVia) this.visitVerification(verifyVia, value, text, parentSchema, fail);

    const recoveryVia = config.recovery?.via;
    if (recoveryVia) this.visitRecovery(recoveryVia, value, text, fail);
  }

  private visitVerification(via: AddressVia, value: unknown, text: string | undefined, parentSchema: Record<string, unknown>, fail: (reason: string) => void): void {
    const declared = parentSchema['format'];
    if (declared !== undefined && typeof declared !== 'string') return;
    let format = declared ?? '';
    if (format === '') {
      if (via !== 'email') {
        fail('no format specified. A format is required if verification is enabled. If this was intentional, please set "format" to "no-validate"');
        return;
      }
      if (!isEmail(value)) {
        fail(`${goQuoteAny(value)} is not valid "email"`);
        return;
      }
      format = 'email';
    }
    if (text === undefined) return;
    let normalized: string;
    if (format === 'email') {
      normalized = text.trim().toLowerCase();
    } else if (format === 'tel') {
      const e164 = via === 'sms' ? toE164(text.trim()) : normalizeEmailIdentifier(text);
      if (e164 === undefined) {
        fail(`${goQuoteAny(value)} can not be normalized for format "tel"`);
        return;
      }
      normalized = e164;
    } else {
      normalized = text.trim();
    }
    pushUnique(this.verifiable, { value: normalized, via });
  }

  private visitRecovery(via: AddressVia, value: unknown, text: string | undefined, fail: (reason: string) => void): void {
    if (via === 'email') {
      if (!isEmail(value)) {
        fail(`${goQuoteAny(value)} is not valid "email"`);
        return;
      }
      pushUnique(this.recovery, { value: text!.trim().toLowerCase(), via });
      return;
    }
    if (via === 'sms') {
      const e164 = text === undefined ? undefined : toE164(text.trim());
      if (e164 === undefined) {
        fail(`${goQuoteAny(value)} is not valid "tel" for "sms"`);
        return;
      }
      pushUnique(this.recovery, { value: e164, via });
      return;
    }
    fail(`recovery.via has unknown value ${goQuoteAny(via)}`);
  }

  result(): TraitsExtraction {
    const passkey: DerivedCredentials['passkey'] = {};
    const displayName = this.passkeyDisplayName || this.webauthnLast;
    if (displayName) passkey.displayName = displayName;
    const totp: DerivedCredentials['totp'] = {};
    if (this.totpAccountName !== undefined) totp.accountName = this.totpAccountName;
    return {
      credentials: {
        password: { identifiers: [...this.password] },
        code: { identifiers: [...this.code].sort(byAddressThenVia) },
        webauthn: { identifiers: [...this.webauthn] },
        passkey,
        totp,
      },
      verifiableAddresses: [...this.verifiable],
      recoveryAddresses: [...this.recovery],
    };
  }
}
