import type { Kysely } from 'kysely';
import type { IdentityPool } from '../identity/pool.js';
import type { ListSessionsParams, SessionPool } from '../session/pool.js';
import type { Aal, AuthenticationMethod, Session } from '../session/session.js';
import { fromBool, fromTime, type SqlDialect } from './dialects/sql-dialect.js';
import type { Tables } from './tables.js';

type SessionRow = Tables['sessions'];

export class SqlSessionPersister implements SessionPool {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly dialect: SqlDialect,
    private readonly identities: IdentityPool,
  ) {}

  async createSession(s: Session, tokenHash: string, logoutTokenHash: string): Promise<void> {
    const t = this.dialect.toTime;
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('sessions')
        .values({
          id: s.id,
          identity_id: s.identity_id,
          token_hash: tokenHash,
          logout_token_hash: logoutTokenHash,
          active: this.dialect.toBool(s.active),
          expires_at: t(s.expires_at),
          authenticated_at: t(s.authenticated_at),
          issued_at: t(s.issued_at),
          aal: s.aal,
          authentication_methods: JSON.stringify(s.authentication_methods),
          created_at: t(s.created_at),
          updated_at: t(s.updated_at),
        })
        .execute();
      if (s.devices.length > 0) {
        await trx
          .insertInto('session_devices')
          .values(
            s.devices.map((d) => ({
              id: d.id,
              session_id: s.id,
              identity_id: s.identity_id,
              ip_address: d.ip_address,
              user_agent: d.user_agent,
              location: d.location,
              created_at: t(s.created_at),
              updated_at: t(s.created_at),
            })),
          )
          .execute();
      }
    });
  }

  async updateSession(s: Session): Promise<void> {
    const t = this.dialect.toTime;
    await this.db
      .updateTable('sessions')
      .set({
        active: this.dialect.toBool(s.active),
        expires_at: t(s.expires_at),
        authenticated_at: t(s.authenticated_at),
        aal: s.aal,
        authentication_methods: JSON.stringify(s.authentication_methods),
        updated_at: t(s.updated_at),
      })
      .where('id', '=', s.id)
      .execute();
  }

  async getSessionByTokenHash(tokenHash: string): Promise<Session | null> {
    const row = await this.db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row ? (await this.hydrate([row], true))[0] ?? null : null;
  }

  async getSessionByLogoutTokenHash(logoutTokenHash: string): Promise<Session | null> {
    const row = await this.db.selectFrom('sessions').selectAll().where('logout_token_hash', '=', logoutTokenHash).executeTakeFirst();
    return row ? (await this.hydrate([row], true))[0] ?? null : null;
  }

  async getSession(id: string, opts: { withIdentity?: boolean } = {}): Promise<Session | null> {
    const row = await this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? (await this.hydrate([row], opts.withIdentity ?? true))[0] ?? null : null;
  }

  async listSessions(p: ListSessionsParams): Promise<{ sessions: Session[]; hasMore: boolean }> {
    let q = this.db.selectFrom('sessions').selectAll();
    if (p.identityId) q = q.where('identity_id', '=', p.identityId);
    if (p.exceptSessionId) q = q.where('id', '!=', p.exceptSessionId);
    const now = this.dialect.toTime(p.now);
    if (p.active === true) q = q.where('active', '=', this.dialect.toBool(true) as never).where('expires_at', '>', now as never);
    if (p.active === false) q = q.where((eb) => eb.or([eb('active', '=', this.dialect.toBool(false) as never), eb('expires_at', '<=', now as never)]));
    if (p.afterId) q = q.where('id', '>', p.afterId);
    const rows = await q.orderBy('id').limit(p.limit + 1).execute();
    const hasMore = rows.length > p.limit;
    return { sessions: await this.hydrate(rows.slice(0, p.limit), p.withIdentity), hasMore };
  }

  async revokeSession(id: string, identityId?: string): Promise<boolean> {
    let q = this.db
      .updateTable('sessions')
      .set({ active: this.dialect.toBool(false), updated_at: this.dialect.toTime(new Date()) })
      .where('id', '=', id);
    if (identityId) q = q.where('identity_id', '=', identityId);
    const res = await q.executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async revokeSessionsOfIdentity(identityId: string, exceptSessionId?: string): Promise<number> {
    let q = this.db
      .updateTable('sessions')
      .set({ active: this.dialect.toBool(false), updated_at: this.dialect.toTime(new Date()) })
      .where('identity_id', '=', identityId)
      .where('active', '=', this.dialect.toBool(true) as never);
    if (exceptSessionId) q = q.where('id', '!=', exceptSessionId);
    const res = await q.executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  async deleteSessionsOfIdentity(identityId: string): Promise<number> {
    const res = await this.db.deleteFrom('sessions').where('identity_id', '=', identityId).executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  private async hydrate(rows: SessionRow[], withIdentity: boolean): Promise<Session[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const devices = await this.db.selectFrom('session_devices').selectAll().where('session_id', 'in', ids).orderBy('created_at').execute();
    const identities = new Map<string, Awaited<ReturnType<IdentityPool['getIdentity']>>>();
    if (withIdentity) {
      for (const identityId of new Set(rows.map((r) => r.identity_id))) identities.set(identityId, await this.identities.getIdentity(identityId));
    }
    return rows.map((r) => ({
      id: r.id,
      identity_id: r.identity_id,
      active: fromBool(r.active),
      expires_at: fromTime(r.expires_at),
      authenticated_at: fromTime(r.authenticated_at),
      issued_at: fromTime(r.issued_at),
      aal: r.aal as Aal,
      authentication_methods: (JSON.parse(r.authentication_methods) as Array<Omit<AuthenticationMethod, 'completed_at'> & { completed_at: string }>).map((m) => ({
        ...m,
        completed_at: new Date(m.completed_at),
      })),
      devices: devices.filter((d) => d.session_id === r.id).map((d) => ({ id: d.id, ip_address: d.ip_address, user_agent: d.user_agent, location: d.location })),
      created_at: fromTime(r.created_at),
      updated_at: fromTime(r.updated_at),
      ...(withIdentity ? { identity: identities.get(r.identity_id) ?? undefined } : {}),
    }));
  }
}
