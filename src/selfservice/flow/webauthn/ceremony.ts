import type {
  AuthenticationResponseJSON,
  RegistrationResponseJSON,
  VerifiedAuthenticationResponse,
  VerifiedRegistrationResponse,
} from '@simplewebauthn/server';
import type { WebAuthnRpConfig } from '../../../config/types.js';
import type { Flow } from '../flow.js';
import { base64urlToStd, stdToBase64url, stdToBytes, transportsOf, userHandleOf, type StoredWebAuthnCredential } from './credentials.js';

/** EdDSA, ES256, RS256 (COSE ids), the algorithms a key may be registered with. */
export const SUPPORTED_ALGORITHMS = [-8, -7, -257];
const TIMEOUT_MS = 60_000;

// @simplewebauthn/server (with its X.509 and ASN.1 parsers) is loaded by the first ceremony, not at start.
let library: Promise<typeof import('@simplewebauthn/server')> | undefined;
const webauthn = () => (library ??= import('@simplewebauthn/server'));

/** The relying party as configured (`selfservice.methods.webauthn.config.rp`). */
export interface RelyingParty {
  id: string;
  name: string;
  /** Origins a ceremony may come from: `origin`, or `origins`, else the public URL's origin. */
  origins: string[];
}

export function relyingParty(rp: WebAuthnRpConfig, publicBaseUrl: URL): RelyingParty {
  const configured = rp.origins && rp.origins.length > 0 ? rp.origins : rp.origin ? [rp.origin] : [publicBaseUrl.origin];
  return { id: rp.id, name: rp.display_name, origins: configured.map(asOrigin) };
}

/**
 * A configured web origin may carry a path or trailing slash, but browsers report the bare origin.
 * Other schemes (an Android app's `android:apk-key-hash:...`) have no web origin and are compared as written.
 */
function asOrigin(configured: string): string {
  try {
    const origin = new URL(configured).origin;
    return origin === 'null' ? configured : origin;
  } catch {
    return configured;
  }
}

/**
 * What the trigger nodes carry and `navigator.credentials` gets (Kratos's `{publicKey: ...}` shape,
 * binary fields base64url). The stored flow keeps it, so the challenge a response must sign is
 * read from the flow, never from the request.
 */
export interface CeremonyOptions {
  publicKey: Record<string, unknown> & { challenge: string };
}

/**
 * Creation options for a new key of `identityId`. No authenticator attachment is asked for, so
 * roaming keys and platform authenticators both work (Kratos #4377); attestation is `none`.
 */
export async function registrationOptions(
  rp: RelyingParty,
  identityId: string,
  userName: string,
  exclude: StoredWebAuthnCredential[],
  passwordless: boolean,
): Promise<CeremonyOptions> {
  const publicKey = await (await webauthn()).generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userID: userHandleOf(identityId),
    userName,
    userDisplayName: userName,
    timeout: TIMEOUT_MS,
    attestationType: 'none',
    // Every registered key is excluded: an authenticator keeps one credential per user handle, so
    // registering it again would replace it on the device while the server kept both.
    excludeCredentials: exclude.map((c) => ({ id: stdToBase64url(c.id), transports: transportsOf(c) })),
    authenticatorSelection: { residentKey: passwordless ? 'required' : 'discouraged', userVerification: passwordless ? 'required' : 'preferred' },
    supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
  });
  return { publicKey: publicKey as unknown as CeremonyOptions['publicKey'] };
}

/**
 * Creation options for a passkey: a discoverable credential (resident key required) with user
 * verification required, for the user handle `userHandle`. As for security keys, no authenticator
 * attachment is asked for and attestation is `none`.
 */
export async function passkeyRegistrationOptions(rp: RelyingParty, userHandle: Uint8Array<ArrayBuffer>, userName: string, exclude: StoredWebAuthnCredential[]): Promise<CeremonyOptions> {
  const publicKey = await (await webauthn()).generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userID: userHandle,
    userName,
    userDisplayName: userName,
    timeout: TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: exclude.map((c) => ({ id: stdToBase64url(c.id), transports: transportsOf(c) })),
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
    supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
  });
  return { publicKey: publicKey as unknown as CeremonyOptions['publicKey'] };
}

/** Request options for a discoverable credential (no key is named: the authenticator offers its passkeys), user verification required. */
export async function discoverableAuthenticationOptions(rp: RelyingParty): Promise<CeremonyOptions> {
  const publicKey = await (await webauthn()).generateAuthenticationOptions({ rpID: rp.id, timeout: TIMEOUT_MS, allowCredentials: [], userVerification: 'required' });
  return { publicKey: publicKey as unknown as CeremonyOptions['publicKey'] };
}

/** The options a stored flow offered in the input node `name` (its value is the options JSON); null if there are none. */
export function optionsInFlow(flow: Flow, name: string): Record<string, unknown> | null {
  const node = flow.ui.nodes.find((n) => n.type === 'input' && n.attributes.name === name);
  const value = node?.attributes.value;
  if (typeof value !== 'string' || value === '') return null;
  try {
    const parsed = JSON.parse(value) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Request options naming the identity's keys. */
export async function authenticationOptions(rp: RelyingParty, keys: StoredWebAuthnCredential[], passwordless: boolean): Promise<CeremonyOptions> {
  const publicKey = await (await webauthn()).generateAuthenticationOptions({
    rpID: rp.id,
    timeout: TIMEOUT_MS,
    allowCredentials: keys.map((c) => ({ id: stdToBase64url(c.id), transports: transportsOf(c) })),
    userVerification: passwordless ? 'required' : 'preferred',
  });
  return { publicKey: publicKey as unknown as CeremonyOptions['publicKey'] };
}

/** The challenge of the ceremony the stored flow offered on the node `triggerName`; null if it offered none. */
export function challengeInFlow(flow: Flow, triggerName: string): string | null {
  const parsed = optionsInFlow(flow, triggerName) as Partial<CeremonyOptions> | null;
  const challenge = parsed?.publicKey?.challenge;
  return typeof challenge === 'string' && challenge !== '' ? challenge : null;
}

/** A submitted ceremony result (the JSON the browser script put into the hidden input), or null if it is not one. */
export function parseResponse<T extends RegistrationResponseJSON | AuthenticationResponseJSON>(raw: unknown, kind: 'registration' | 'authentication'): T | null {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return null;
    }
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const response = v.response as Record<string, unknown> | undefined;
  if (typeof v.id !== 'string' || typeof v.rawId !== 'string' || v.type !== 'public-key' || typeof response !== 'object' || response === null) return null;
  if (typeof response.clientDataJSON !== 'string') return null;
  const needed = kind === 'registration' ? ['attestationObject'] : ['authenticatorData', 'signature'];
  if (needed.some((k) => typeof response[k] !== 'string')) return null;
  const cleaned = { ...response };
  // Kratos's script sends an empty user handle when the authenticator gave none.
  if (cleaned.userHandle === '' || cleaned.userHandle === null) delete cleaned.userHandle;
  return { ...v, response: cleaned, clientExtensionResults: (v.clientExtensionResults as object | undefined) ?? {} } as unknown as T;
}

/** Verifies a new key's attestation against the challenge, the RP id and the allowed origins. Null when it fails. */
export async function verifyRegistration(
  rp: RelyingParty,
  response: RegistrationResponseJSON,
  challenge: string,
  requireUserVerification: boolean,
): Promise<NonNullable<VerifiedRegistrationResponse['registrationInfo']> | null> {
  try {
    const result = await (await webauthn()).verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      requireUserVerification,
      supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    });
    return result.verified && result.registrationInfo ? result.registrationInfo : null;
  } catch {
    // Every malformed or mismatching response is the same refusal to the user.
    return null;
  }
}

/**
 * Verifies an assertion by the stored key `key`: challenge, RP id, origin, signature, user
 * presence (and verification when required), and that the signature counter moved forward.
 */
export async function verifyAuthentication(
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  challenge: string,
  key: StoredWebAuthnCredential,
  requireUserVerification: boolean,
): Promise<VerifiedAuthenticationResponse['authenticationInfo'] | null> {
  try {
    const result = await (await webauthn()).verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      credential: { id: stdToBase64url(key.id), publicKey: stdToBytes(key.public_key), counter: key.authenticator?.sign_count ?? 0, transports: transportsOf(key) },
      requireUserVerification,
    });
    return result.verified ? result.authenticationInfo : null;
  } catch {
    return null;
  }
}

/**
 * An assertion by one of an account's `keys` for the flow's `challenge`: the key must be among
 * them, the assertion must verify (see `verifyAuthentication`), and the challenge must not have been
 * spent (`spend` spends it, once, across instances). The key and its new counter, or null.
 */
export async function acceptAssertion(o: {
  rp: RelyingParty;
  response: AuthenticationResponseJSON;
  challenge: string;
  keys: readonly StoredWebAuthnCredential[];
  requireUserVerification: boolean;
  spend: () => Promise<boolean>;
}): Promise<{ key: StoredWebAuthnCredential; newCounter: number } | null> {
  const key = o.keys.find((k) => k.id === base64urlToStd(o.response.rawId));
  if (!key) return null;
  const info = await verifyAuthentication(o.rp, o.response, o.challenge, key, o.requireUserVerification);
  if (!info || !(await o.spend())) return null;
  return { key, newCounter: info.newCounter };
}

/** A verified new key as Kratos stores it in a `webauthn` or `passkey` credential config. */
export function storedCredentialFrom(
  info: NonNullable<VerifiedRegistrationResponse['registrationInfo']>,
  o: { displayName: string; passwordless: boolean; now: Date },
): StoredWebAuthnCredential {
  return {
    id: Buffer.from(info.credential.id, 'base64url').toString('base64'),
    public_key: Buffer.from(info.credential.publicKey).toString('base64'),
    attestation_type: info.fmt === 'none' ? 'none' : info.fmt,
    authenticator: { aaguid: Buffer.from(info.aaguid.replace(/-/g, ''), 'hex').toString('base64'), sign_count: info.credential.counter, clone_warning: false },
    display_name: o.displayName,
    added_at: new Date(Math.round(o.now.getTime() / 1000) * 1000).toISOString(),
    is_passwordless: o.passwordless,
    flags: { user_present: true, user_verified: info.userVerified, backup_eligible: info.credentialDeviceType === 'multiDevice', backup_state: info.credentialBackedUp },
    transport: info.credential.transports ?? [],
  };
}
