import type { CompiledQuery, Kysely } from 'kysely';
import type { IdentityPool } from '../identity/pool.js';
import type { ListSessionsParams, SessionPool, SessionStamp } from '../session/pool.js';
import type { Aal, AuthenticationMethod, Session } from '../session/session.js';
import { fromBool, fromJsonArray, fromTime, type SqlDialect } from './dialects/sql-dialect.js';
import { identityFromRow, recoveryFromRow, verifiableFromRow } from './identity-persister.js';
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

  /**
   * The hot path of every session check (whoami): session, identity, addresses and devices in one
   * statement, with the children aggregated as JSON by the database.
   */
  async getSessionByTokenHash(tokenHash: string): Promise<Session | null> {
    // Built and compiled once: on the hot path only the parameter changes.
    this.byTokenQuery ??= compileSessionByTokenQuery(this.db, this.dialect);
    const row = await this.firstRow(this.byTokenQuery, tokenHash);
    if (!row) return null;
    return this.sessionWithIdentity(row);
  }

  private byTokenQuery?: CompiledQuery<ByTokenRow>;

  async getSessionStamp(tokenHash: string): Promise<SessionStamp | null> {
    this.stampQuery ??= compileSessionStampQuery(this.db);
    const values = this.dialect.fastReadFirstValues
      ? await this.dialect.fastReadFirstValues(this.stampQuery.sql, [tokenHash])
      : stampValues((await this.db.executeQuery<StampRow>({ ...this.stampQuery, parameters: [tokenHash] })).rows[0]);
    if (!values) return null;
    const [id, , active, expiresAt, authenticatedAt, aal, methods, updatedAt, identityVersion] = values;
    // Drivers hand timestamps over as text, numbers or Dates; any of them changes when the value does.
    const part = (v: unknown) => (v instanceof Date ? v.getTime() : String(v));
    const stamp = [active, part(expiresAt), part(authenticatedAt), aal, methods, part(updatedAt), identityVersion].join('\u0000');
    return { id: id as string, stamp };
  }

  private stampQuery?: CompiledQuery<StampRow>;

  /** The first row of a statement compiled once, run with its one parameter outside Kysely where the dialect can. */
  private async firstRow<R>(query: CompiledQuery<R>, parameter: string): Promise<R | undefined> {
    if (this.dialect.fastRead) return (await this.dialect.fastRead(query.sql, [parameter]))[0] as R | undefined;
    return (await this.db.executeQuery<R>({ ...query, parameters: [parameter] })).rows[0];
  }

  private sessionWithIdentity(row: ByTokenRow): Session {
    const identity = identityFromRow({
      id: row.identity_id,
      schema_id: row.i_schema_id,
      traits: row.i_traits,
      state: row.i_state,
      state_changed_at: row.i_state_changed_at,
      metadata_public: row.i_metadata_public,
      metadata_admin: row.i_metadata_admin,
      external_id: row.i_external_id,
      organization_id: row.i_organization_id,
      available_aal: row.i_available_aal,
      created_at: row.i_created_at,
      updated_at: row.i_updated_at,
    });
    // Aggregation order is not guaranteed on every database; the model's order is by id.
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    identity.verifiable_addresses = fromJsonArray<Parameters<typeof verifiableFromRow>[0]>(row.verifiable).map(verifiableFromRow).sort(byId);
    identity.recovery_addresses = fromJsonArray<Parameters<typeof recoveryFromRow>[0]>(row.recovery).map(recoveryFromRow).sort(byId);
    const devices = fromJsonArray<Session['devices'][number] & { created_at: unknown }>(row.devices).sort((a, b) => fromTime(a.created_at).getTime() - fromTime(b.created_at).getTime());
    const session = this.sessionFromRow(row, devices);
    session.identity = identity;
    return session;
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
    return rows.map((r) => {
      const session = this.sessionFromRow(r, devices.filter((d) => d.session_id === r.id));
      if (withIdentity) session.identity = identities.get(r.identity_id) ?? undefined;
      return session;
    });
  }

  private sessionFromRow(r: SessionRow, devices: Array<{ id: string; ip_address: string | null; user_agent: string | null; location: string | null }>): Session {
    return {
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
      devices: devices.map((d) => ({ id: d.id, ip_address: d.ip_address ?? null, user_agent: d.user_agent ?? null, location: d.location ?? null })),
      created_at: fromTime(r.created_at),
      updated_at: fromTime(r.updated_at),
    };
  }
}

type StampRow = Pick<SessionRow, 'id' | 'identity_id' | 'active' | 'expires_at' | 'authenticated_at' | 'aal' | 'authentication_methods' | 'updated_at'> & { i_version: number };
/** The stamp statement's columns, in its select order (fastReadFirstValues hands them over by position). */
const STAMP_COLUMNS = ['id', 'identity_id', 'active', 'expires_at', 'authenticated_at', 'aal', 'authentication_methods', 'updated_at', 'i_version'] as const satisfies readonly (keyof StampRow)[];
const stampValues = (row: StampRow | undefined): unknown[] | undefined => row && STAMP_COLUMNS.map((c) => row[c]);

/** The session check's point lookup: every session column whoami shows that can change, and the identity's version. */
export function compileSessionStampQuery(db: Kysely<Tables>): CompiledQuery<StampRow> {
  const compiled = db
    .selectFrom('sessions as s')
    .innerJoin('identities as i', 'i.id', 's.identity_id')
    .where('s.token_hash', '=', '')
    .select(STAMP_COLUMNS.map((c) => (c === 'i_version' ? 'i.version as i_version' : (`s.${c}` as const))))
    .compile();
  return compiled as CompiledQuery<StampRow>;
}

type ByTokenRow = SessionRow & {
  i_schema_id: string;
  i_traits: string;
  i_state: string;
  i_state_changed_at: unknown;
  i_metadata_public: string | null;
  i_metadata_admin: string | null;
  i_external_id: string | null;
  i_organization_id: string | null;
  i_available_aal: string | null;
  i_created_at: unknown;
  i_updated_at: unknown;
  verifiable: unknown;
  recovery: unknown;
  devices: unknown;
};

/**
 * whoami's one statement: the session by token digest, its identity, addresses and devices (child rows
 * aggregated as JSON by the database). Compiled once; only the digest, its one parameter, changes.
 */
export function compileSessionByTokenQuery(db: Kysely<Tables>, d: SqlDialect): CompiledQuery<ByTokenRow> {
  const compiled = db
    .selectFrom('sessions as s')
    .innerJoin('identities as i', 'i.id', 's.identity_id')
    .where('s.token_hash', '=', '')
    .selectAll('s')
    .select([
      'i.schema_id as i_schema_id',
      'i.traits as i_traits',
      'i.state as i_state',
      'i.state_changed_at as i_state_changed_at',
      'i.metadata_public as i_metadata_public',
      'i.metadata_admin as i_metadata_admin',
      'i.external_id as i_external_id',
      'i.organization_id as i_organization_id',
      'i.available_aal as i_available_aal',
      'i.created_at as i_created_at',
      'i.updated_at as i_updated_at',
    ])
    .select([
      d
        .jsonChildren({
          table: 'identity_verifiable_addresses',
          alias: 'a',
          columns: ['id', 'value', 'via', 'verified', 'verified_at', 'status', 'created_at', 'updated_at'],
          foreignKey: 'identity_id',
          parentRef: 'i.id',
        })
        .as('verifiable'),
      d.jsonChildren({ table: 'identity_recovery_addresses', alias: 'r', columns: ['id', 'value', 'via', 'created_at', 'updated_at'], foreignKey: 'identity_id', parentRef: 'i.id' }).as('recovery'),
      d.jsonChildren({ table: 'session_devices', alias: 'dv', columns: ['id', 'ip_address', 'user_agent', 'location', 'created_at'], foreignKey: 'session_id', parentRef: 's.id' }).as('devices'),
    ])
    .compile();
  if (compiled.parameters.length !== 1) throw new Error('the session lookup must have exactly one parameter');
  return compiled as CompiledQuery<ByTokenRow>;
}
