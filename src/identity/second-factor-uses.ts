/**
 * Second-factor secrets that were spent, so each is accepted once: TOTP time steps (a code is
 * refused for its step and any earlier one once a step was used) backup codes (by digest) and WebAuthn challenges.
 */
export interface SecondFactorUses {
  /**
   * Records that the TOTP code of time step `step` was used. False when this step, or a later one,
   * was already used (a replay, or a code older than the last accepted one).
   */
  spendTotpStep(identityId: string, step: number, now: Date): Promise<boolean>;
  /** Records that the backup code with this digest was used; false when it already was. */
  spendLookupCode(identityId: string, digest: string, now: Date): Promise<boolean>;
  /** Records that a WebAuthn challenge was answered; false when it already was (a replay). */
  spendWebAuthnChallenge(identityId: string, challenge: string, now: Date): Promise<boolean>;
}
