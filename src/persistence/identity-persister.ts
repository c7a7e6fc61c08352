import { sql, type CompiledQuery, type Kysely, type Transaction } from 'kysely';
import { inTransaction } from './tx.js';
import { UniqueViolationError } from '../errors/storage.js';
import type { Credentials, CredentialsType, Identity, IdentityState, RecoveryAddress, VerifiableAddress, AddressVia, VerifiableStatus } from '../identity/identity.js';
import type { IdentityPool, ListIdentitiesParams, ListIdentitiesResult } from '../identity/pool.js';
import { newId } from '../lib/ids.js';
import { fromBool, fromJsonArray, fromNullableTime, fromTime, type SqlDialect } from './dialects/sql-dialect.js';
import type { Tables } from './tables.js';

type Db = Kysely<Tables> | Transaction<Tables>;
/** An identity's columns as the model reads and writes them (the version is the database's to count). */
type IdentityRow = Omit<Tables['identities'], 'version'>;

const parseJson = (v: string | null): unknown => (v === null || v === undefined ? null : JSON.parse(v));
const jsonOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

// MySQL's LIKE escape needs the backslash; the other databases accept an explicit ESCAPE too.
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export class SqlIdentityPersister implements IdentityPool {
  constructor(
    private readonly db: Kysely<Tables> | Transaction<Tables>,
    private readonly dialect: SqlDialect,
  ) {}

  private async inTransaction<T>(fn: (trx: Transaction<Tables>) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.db, fn);
    } catch (err) {
      if (this.dialect.isUniqueViolation(err)) throw new UniqueViolationError(undefined, { cause: err });
      throw err;
    }
  }

  async createIdentity(identity: Identity): Promise<void> {
    await this.inTransaction(async (trx) => {
      await trx.insertInto('identities').values(this.identityRow(identity)).execute();
      await this.writeChildren(trx, identity);
    });
  }

  async updateIdentity(identity: Identity): Promise<void> {
    await this.inTransaction(async (trx) => {
      const row = this.identityRow(identity);
      const { id, created_at, ...changes } = row;
      void created_at;
      // Session checks on every instance reuse what they rendered for this identity until this moves.
      const res = await trx
        .updateTable('identities')
        .set({ ...changes, version: sql<number>`version + 1` })
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw new Error('identity vanished during update');
      // Children are replaced wholesale; ids and timestamps of rows that stay are carried on the model.
      await trx.deleteFrom('identity_credential_identifiers').where('identity_id', '=', id).execute();
      await trx.deleteFrom('identity_credentials').where('identity_id', '=', id).execute();
      await trx.deleteFrom('identity_verifiable_addresses').where('identity_id', '=', id).execute();
      await trx.deleteFrom('identity_recovery_addresses').where('identity_id', '=', id).execute();
      await this.writeChildren(trx, identity);
    });
  }

  private identityRow(i: Identity): IdentityRow {
    const t = this.dialect.toTime;
    return {
      id: i.id,
      schema_id: i.schema_id,
      traits: JSON.stringify(i.traits),
      state: i.state,
      state_changed_at: i.state_changed_at ? t(i.state_changed_at) : null,
      metadata_public: jsonOrNull(i.metadata_public),
      metadata_admin: jsonOrNull(i.metadata_admin),
      external_id: i.external_id,
      organization_id: i.organization_id,
      available_aal: null,
      created_at: t(i.created_at),
      updated_at: t(i.updated_at),
    };
  }

  private async writeChildren(trx: Db, i: Identity): Promise<void> {
    const t = this.dialect.toTime;
    const creds = Object.values(i.credentials).filter((c): c is Credentials => !!c);
    if (creds.length > 0) {
      await trx
        .insertInto('identity_credentials')
        .values(creds.map((c) => ({ id: c.id, identity_id: i.id, type: c.type, config: JSON.stringify(c.config ?? {}), version: c.version, created_at: t(c.created_at), updated_at: t(c.updated_at) })))
        .execute();
      const identifiers = creds.flatMap((c) =>
        [...new Set(c.identifiers)].map((identifier) => ({
          id: newId(),
          identity_id: i.id,
          identity_credential_id: c.id,
          type: c.type,
          identifier,
          created_at: t(c.created_at),
          updated_at: t(c.updated_at),
        })),
      );
      if (identifiers.length > 0) await trx.insertInto('identity_credential_identifiers').values(identifiers).execute();
    }
    if (i.verifiable_addresses.length > 0) {
      await trx
        .insertInto('identity_verifiable_addresses')
        .values(
          i.verifiable_addresses.map((a) => ({
            id: a.id,
            identity_id: i.id,
            via: a.via,
            value: a.value,
            verified: this.dialect.toBool(a.verified),
            verified_at: a.verified_at ? t(a.verified_at) : null,
            status: a.status,
            created_at: t(a.created_at),
            updated_at: t(a.updated_at),
          })),
        )
        .execute();
    }
    if (i.recovery_addresses.length > 0) {
      await trx
        .insertInto('identity_recovery_addresses')
        .values(i.recovery_addresses.map((a) => ({ id: a.id, identity_id: i.id, via: a.via, value: a.value, created_at: t(a.created_at), updated_at: t(a.updated_at) })))
        .execute();
    }
  }

  async getIdentity(id: string, opts: { withCredentials?: boolean } = {}): Promise<Identity | null> {
    return this.getOne('id', opts.withCredentials ?? false, [id]);
  }

  async getIdentityByExternalId(externalId: string, opts: { withCredentials?: boolean } = {}): Promise<Identity | null> {
    return this.getOne('external id', opts.withCredentials ?? false, [externalId]);
  }

  async findByCredentialsIdentifier(type: CredentialsType, identifier: string): Promise<Identity | null> {
    return this.getOne('credentials identifier', true, [type, identifier]);
  }

  async findByAnyCredentialsIdentifier(identifier: string): Promise<Identity | null> {
    return this.getOne('any credentials identifier', true, [identifier]);
  }

  /**
   * One identity with its addresses (and credentials) in ONE statement, the child rows aggregated
   * as JSON by the database: a sign-in reads its identity in one round trip instead of six. The
   * statement is compiled once per dialect and lookup; building it through the query builder on
   * every call would cost several times what the database takes to run it.
   */
  private async getOne(lookup: IdentityLookup, withCredentials: boolean, values: readonly string[]): Promise<Identity | null> {
    let compiled = oneIdentityStatements.get(this.dialect);
    if (!compiled) oneIdentityStatements.set(this.dialect, (compiled = new Map()));
    const key = `${lookup}:${withCredentials}`;
    let query = compiled.get(key);
    if (!query) compiled.set(key, (query = compileOneIdentityQuery(this.db, this.dialect, lookup, withCredentials)));
    const { rows } = await this.db.executeQuery<OneIdentityRow>({ ...query, parameters: values });
    const row = rows[0];
    if (!row) return null;
    return assembleIdentity(row, {
      verifiable: fromJsonArray<AddressRow>(row.verifiable),
      recovery: fromJsonArray<RecoveryRow>(row.recovery),
      credentials: fromJsonArray<CredentialRow>(row.credentials),
      identifiers: fromJsonArray<IdentifierRow>(row.identifiers),
    });
  }

  async hasVerifiedAddress(identityId: string): Promise<boolean> {
    const hit = await this.db
      .selectFrom('identity_verifiable_addresses')
      .select('id')
      .where('identity_id', '=', identityId)
      .where('verified', '=', this.dialect.toBool(true) as never)
      .executeTakeFirst();
    return hit !== undefined;
  }

  async listIdentities(p: ListIdentitiesParams): Promise<ListIdentitiesResult> {
    let q = this.db.selectFrom('identities').selectAll('identities');
    if (p.ids) q = q.where('identities.id', 'in', p.ids.length > 0 ? p.ids : ['00000000-0000-0000-0000-000000000000']);
    if (p.organizationId) q = q.where('identities.organization_id', '=', p.organizationId);
    if (p.credentialsIdentifier !== undefined || p.credentialsIdentifierSimilar !== undefined) {
      const sub = this.db.selectFrom('identity_credential_identifiers').select('identity_credential_identifiers.identity_id');
      const filtered =
        p.credentialsIdentifier !== undefined
          ? sub.where('identifier', '=', p.credentialsIdentifier)
          : sub.where((eb) => eb('identifier', 'like', `${escapeLike(p.credentialsIdentifierSimilar!)}%`));
      q = q.where('identities.id', 'in', filtered);
    }
    if (p.afterId) q = q.where('identities.id', '>', p.afterId);
    q = q.orderBy('identities.id');
    if (p.offset) q = q.offset(p.offset);
    const rows = await q.limit(p.limit + 1).execute();
    const hasMore = rows.length > p.limit;
    return { identities: await this.hydrate(rows.slice(0, p.limit), p.withCredentials), hasMore };
  }

  async getCredentialConfigs(identityId: string, types: readonly CredentialsType[]): Promise<Partial<Record<CredentialsType, Record<string, unknown>>>> {
    if (types.length === 0) return {};
    const rows = await this.db.selectFrom('identity_credentials').select(['type', 'config']).where('identity_id', '=', identityId).where('type', 'in', [...types]).execute();
    const out: Partial<Record<CredentialsType, Record<string, unknown>>> = {};
    for (const r of rows) out[r.type as CredentialsType] = JSON.parse(r.config) as Record<string, unknown>;
    return out;
  }

  async countIdentities(): Promise<number> {
    const r = await this.db.selectFrom('identities').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async deleteIdentity(id: string): Promise<boolean> {
    // Children go by ON DELETE CASCADE in the same statement.
    const res = await this.db.deleteFrom('identities').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** Loads addresses (and credentials) of many identities with one query per table. */
  private async hydrate(rows: IdentityRow[], withCredentials: boolean): Promise<Identity[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const [verifiable, recovery, credentials, identifiers] = await Promise.all([
      this.db.selectFrom('identity_verifiable_addresses').selectAll().where('identity_id', 'in', ids).execute(),
      this.db.selectFrom('identity_recovery_addresses').selectAll().where('identity_id', 'in', ids).execute(),
      withCredentials ? this.db.selectFrom('identity_credentials').selectAll().where('identity_id', 'in', ids).execute() : Promise.resolve([]),
      withCredentials ? this.db.selectFrom('identity_credential_identifiers').selectAll().where('identity_id', 'in', ids).execute() : Promise.resolve([]),
    ]);
    const [v, rc, c, ci] = [groupByIdentity(verifiable), groupByIdentity(recovery), groupByIdentity(credentials), groupByIdentity(identifiers)];
    return rows.map((r) => assembleIdentity(r, { verifiable: v.get(r.id) ?? [], recovery: rc.get(r.id) ?? [], credentials: c.get(r.id) ?? [], identifiers: ci.get(r.id) ?? [] }));
  }
}

const IDENTITY_COLUMNS = ['id', 'schema_id', 'traits', 'state', 'state_changed_at', 'metadata_public', 'metadata_admin', 'external_id', 'organization_id', 'available_aal', 'created_at', 'updated_at'] as const;
// Fails to compile when the identities table gains a column the statement above would not read.
const everyIdentityColumn: Exclude<keyof IdentityRow, (typeof IDENTITY_COLUMNS)[number]> extends never ? true : never = true;
void everyIdentityColumn;
const VERIFIABLE_COLUMNS = ['id', 'value', 'via', 'verified', 'verified_at', 'status', 'created_at', 'updated_at'] as const;
const RECOVERY_COLUMNS = ['id', 'value', 'via', 'created_at', 'updated_at'] as const;
const CREDENTIAL_COLUMNS = ['id', 'type', 'config', 'version', 'created_at', 'updated_at'] as const;
const IDENTIFIER_COLUMNS = ['identity_credential_id', 'identifier'] as const;

type IdentityLookup = 'id' | 'external id' | 'credentials identifier' | 'any credentials identifier';
type OneIdentityRow = IdentityRow & Record<'verifiable' | 'recovery' | 'credentials' | 'identifiers', unknown>;
const oneIdentityStatements = new WeakMap<SqlDialect, Map<string, CompiledQuery<OneIdentityRow>>>();

/** The statement of SqlIdentityPersister.getOne; its parameters are exactly the lookup's values, in order. */
function compileOneIdentityQuery(db: Db, d: SqlDialect, lookup: IdentityLookup, withCredentials: boolean): CompiledQuery<OneIdentityRow> {
  const children = (table: string, alias: string, columns: readonly string[]) => d.jsonChildren({ table, alias, columns, foreignKey: 'identity_id', parentRef: 'i.id' });
  const identifiers = db.selectFrom('identity_credential_identifiers').select('identity_id');
  const parameterCount = lookup === 'credentials identifier' ? 2 : 1;
  const q = db
    .selectFrom('identities as i')
    .select(IDENTITY_COLUMNS.map((c) => `i.${c}` as const))
    .select([children('identity_verifiable_addresses', 'a', VERIFIABLE_COLUMNS).as('verifiable'), children('identity_recovery_addresses', 'r', RECOVERY_COLUMNS).as('recovery')])
    .select(withCredentials ? [children('identity_credentials', 'c', CREDENTIAL_COLUMNS).as('credentials'), children('identity_credential_identifiers', 'ci', IDENTIFIER_COLUMNS).as('identifiers')] : []);
  const compiled =
    lookup === 'id'
      ? q.where('i.id', '=', '').compile()
      : lookup === 'external id'
        ? q.where('i.external_id', '=', '').compile()
        : lookup === 'credentials identifier'
          ? q.where('i.id', 'in', identifiers.where('type', '=', '').where('identifier', '=', '')).compile()
          : q.where('i.id', 'in', identifiers.where('identifier', '=', '')).compile();
  if (compiled.parameters.length !== parameterCount) throw new Error(`the identity lookup by ${lookup} must have ${parameterCount} parameters`);
  return compiled as unknown as CompiledQuery<OneIdentityRow>;
}

type CredentialRow = Pick<Tables['identity_credentials'], (typeof CREDENTIAL_COLUMNS)[number]>;
type IdentifierRow = Pick<Tables['identity_credential_identifiers'], (typeof IDENTIFIER_COLUMNS)[number]>;

function groupByIdentity<T extends { identity_id: string }>(rows: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const list = out.get(r.identity_id);
    if (list) list.push(r);
    else out.set(r.identity_id, [r]);
  }
  return out;
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The model of an identity from its row and its child rows, however they were read (one statement
 * with JSON-aggregated children, or a query per table for many identities). Addresses are ordered
 * by id and identifiers by value, in code-unit order whatever the database's collation.
 */
function assembleIdentity(row: IdentityRow, parts: { verifiable: AddressRow[]; recovery: RecoveryRow[]; credentials: CredentialRow[]; identifiers: IdentifierRow[] }): Identity {
  const identity = identityFromRow(row);
  identity.verifiable_addresses = parts.verifiable.map(verifiableFromRow).sort((a, b) => byCodeUnits(a.id, b.id));
  identity.recovery_addresses = parts.recovery.map(recoveryFromRow).sort((a, b) => byCodeUnits(a.id, b.id));
  const credById = new Map<string, Credentials>();
  for (const c of parts.credentials) {
    const cred: Credentials = {
      id: c.id,
      type: c.type as CredentialsType,
      identifiers: [],
      config: JSON.parse(c.config) as Record<string, unknown>,
      version: Number(c.version),
      created_at: fromTime(c.created_at),
      updated_at: fromTime(c.updated_at),
    };
    credById.set(c.id, cred);
    identity.credentials[cred.type] = cred;
  }
  for (const ident of parts.identifiers) credById.get(ident.identity_credential_id)?.identifiers.push(ident.identifier);
  for (const cred of credById.values()) cred.identifiers.sort(byCodeUnits);
  return identity;
}

type AddressRow = Pick<Tables['identity_verifiable_addresses'], 'id' | 'value' | 'via' | 'verified' | 'verified_at' | 'status' | 'created_at' | 'updated_at'>;
type RecoveryRow = Pick<Tables['identity_recovery_addresses'], 'id' | 'value' | 'via' | 'created_at' | 'updated_at'>;

/** An identity row (without credentials or addresses) as the model. */
export function identityFromRow(r: IdentityRow): Identity {
  return {
    id: r.id,
    schema_id: r.schema_id,
    state: r.state as IdentityState,
    state_changed_at: fromNullableTime(r.state_changed_at),
    traits: JSON.parse(r.traits) as Record<string, unknown>,
    metadata_public: parseJson(r.metadata_public),
    metadata_admin: parseJson(r.metadata_admin),
    external_id: r.external_id,
    organization_id: r.organization_id,
    credentials: {},
    verifiable_addresses: [],
    recovery_addresses: [],
    created_at: fromTime(r.created_at),
    updated_at: fromTime(r.updated_at),
  };
}

export function verifiableFromRow(a: AddressRow): VerifiableAddress {
  return {
    id: a.id,
    value: a.value,
    via: a.via as AddressVia,
    verified: fromBool(a.verified),
    verified_at: fromNullableTime(a.verified_at),
    status: a.status as VerifiableStatus,
    created_at: fromTime(a.created_at),
    updated_at: fromTime(a.updated_at),
  };
}

export function recoveryFromRow(a: RecoveryRow): RecoveryAddress {
  return { id: a.id, value: a.value, via: a.via as AddressVia, created_at: fromTime(a.created_at), updated_at: fromTime(a.updated_at) };
}
