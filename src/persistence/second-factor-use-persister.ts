import type { Kysely } from 'kysely';
import type { SecondFactorUses } from '../identity/second-factor-uses.js';
import type { SqlDialect } from './dialects/sql-dialect.js';
import type { Tables } from './tables.js';

// Steps are stored zero-padded so that the text column orders them as numbers.
const stepKey = (step: number): string => String(step).padStart(16, '0');

/**
 * How long an answered WebAuthn challenge is remembered: far beyond any flow's lifespan, after
 * which the flow that offered the challenge is refused anyway (and its form shows a new one).
 */
const CHALLENGE_RECORD_MS = 30 * 24 * 3600_000;

export class SqlSecondFactorUsePersister implements SecondFactorUses {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly dialect: SqlDialect,
  ) {}

  async spendTotpStep(identityId: string, step: number, now: Date): Promise<boolean> {
    const key = stepKey(step);
    const later = await this.db
      .selectFrom('identity_second_factor_uses')
      .select('use_key')
      .where('identity_id', '=', identityId)
      .where('credential_type', '=', 'totp')
      .where('use_key', '>=', key)
      .limit(1)
      .executeTakeFirst();
    if (later) return false;
    if (!(await this.insert(identityId, 'totp', key, now))) return false;
    // Only the latest step matters from now on.
    await this.db.deleteFrom('identity_second_factor_uses').where('identity_id', '=', identityId).where('credential_type', '=', 'totp').where('use_key', '<', key).execute();
    return true;
  }

  spendLookupCode(identityId: string, digest: string, now: Date): Promise<boolean> {
    return this.insert(identityId, 'lookup_secret', digest, now);
  }

  async spendWebAuthnChallenge(identityId: string, challenge: string, now: Date): Promise<boolean> {
    if (!(await this.insert(identityId, 'webauthn', challenge, now))) return false;
    // A challenge is only good while its flow lives; older records only take room.
    const cutoff = new Date(now.getTime() - CHALLENGE_RECORD_MS);
    await this.db
      .deleteFrom('identity_second_factor_uses')
      .where('identity_id', '=', identityId)
      .where('credential_type', '=', 'webauthn')
      .where('used_at', '<', this.dialect.toTime(cutoff) as never)
      .execute();
    return true;
  }

  /** The primary key decides between concurrent spenders: only one insert succeeds. */
  private async insert(identityId: string, type: string, key: string, now: Date): Promise<boolean> {
    try {
      await this.db.insertInto('identity_second_factor_uses').values({ identity_id: identityId, credential_type: type, use_key: key, used_at: this.dialect.toTime(now) }).execute();
      return true;
    } catch (err) {
      if (this.dialect.isUniqueViolation(err)) return false;
      throw err;
    }
  }
}
