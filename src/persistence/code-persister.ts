import { sql, type Kysely, type Transaction } from 'kysely';
import type { OneTimeSecret, OneTimeSecretKind, OneTimeSecretPool } from '../selfservice/flow/one-time-secret.js';
import { fromNullableTime, fromTime, type SqlDialect } from './dialects/sql-dialect.js';
import type { Tables } from './tables.js';

export class SqlOneTimeSecretPersister implements OneTimeSecretPool {
  constructor(
    private readonly db: Kysely<Tables> | Transaction<Tables>,
    private readonly dialect: SqlDialect,
  ) {}

  async createSecret(s: OneTimeSecret): Promise<void> {
    const t = this.dialect.toTime;
    await this.db
      .insertInto('selfservice_codes')
      .values({
        id: s.id,
        kind: s.kind,
        flow_id: s.flow_id,
        identity_id: s.identity_id,
        address: s.address,
        digest: s.digest,
        attempts: s.attempts,
        expires_at: t(s.expires_at),
        used_at: s.used_at ? t(s.used_at) : null,
        created_at: t(s.created_at),
        updated_at: t(s.updated_at),
      })
      .execute();
  }

  async activeSecretForFlow(flowId: string, kind: OneTimeSecretKind): Promise<OneTimeSecret | null> {
    const r = await this.db
      .selectFrom('selfservice_codes')
      .selectAll()
      .where('flow_id', '=', flowId)
      .where('kind', '=', kind)
      .where('used_at', 'is', null)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r ? fromRow(r) : null;
  }

  async activeSecretsForFlow(flowId: string, kind: OneTimeSecretKind): Promise<OneTimeSecret[]> {
    const rows = await this.db
      .selectFrom('selfservice_codes')
      .selectAll()
      .where('flow_id', '=', flowId)
      .where('kind', '=', kind)
      .where('used_at', 'is', null)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(fromRow);
  }

  async findByDigest(kind: OneTimeSecretKind, digest: string): Promise<OneTimeSecret | null> {
    const r = await this.db.selectFrom('selfservice_codes').selectAll().where('kind', '=', kind).where('digest', '=', digest).executeTakeFirst();
    return r ? fromRow(r) : null;
  }

  async recordAttempt(id: string): Promise<number> {
    await this.db.updateTable('selfservice_codes').set({ attempts: sql`attempts + 1` }).where('id', '=', id).execute();
    const r = await this.db.selectFrom('selfservice_codes').select('attempts').where('id', '=', id).executeTakeFirst();
    return Number(r?.attempts ?? 0);
  }

  async useSecret(id: string, now: Date): Promise<boolean> {
    const t = this.dialect.toTime;
    const res = await this.db.updateTable('selfservice_codes').set({ used_at: t(now), updated_at: t(now) }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async voidOlderForAddress(address: string, keep: number, now: Date): Promise<void> {
    const t = this.dialect.toTime;
    const active = await this.db
      .selectFrom('selfservice_codes')
      .select('id')
      .where('address', '=', address)
      .where('used_at', 'is', null)
      .where('expires_at', '>', t(now) as never)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    const older = active.slice(keep).map((r) => r.id);
    if (older.length === 0) return;
    await this.db.updateTable('selfservice_codes').set({ used_at: t(now), updated_at: t(now) }).where('id', 'in', older).where('used_at', 'is', null).execute();
  }

  async invalidateForFlow(flowId: string, kind: OneTimeSecretKind, now: Date): Promise<void> {
    const t = this.dialect.toTime;
    await this.db.updateTable('selfservice_codes').set({ used_at: t(now), updated_at: t(now) }).where('flow_id', '=', flowId).where('kind', '=', kind).where('used_at', 'is', null).execute();
  }
}

function fromRow(r: Tables['selfservice_codes']): OneTimeSecret {
  return {
    id: r.id,
    kind: r.kind as OneTimeSecretKind,
    flow_id: r.flow_id,
    identity_id: r.identity_id,
    address: r.address,
    digest: r.digest,
    attempts: Number(r.attempts),
    expires_at: fromTime(r.expires_at),
    used_at: fromNullableTime(r.used_at),
    created_at: fromTime(r.created_at),
    updated_at: fromTime(r.updated_at),
  };
}
