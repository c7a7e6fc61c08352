import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { countFirstFactors } from './first-factors.js';
import jsonPatch from 'fast-json-patch';
import { badRequest, KratosError, notFound } from '../errors/kratos-error.js';
import { bodyValidator } from '../http/kit/validate-body.js';
import { isUuid } from '../lib/ids.js';
import { linkHeader, type PageTokens } from '../lib/pagination.js';
import { CREDENTIAL_TYPES, identityToJson, isCredentialsType, type Credentials, type CredentialsType, type Identity, type IdentityState } from './identity.js';
import { type IdentityDraft, type IdentityManager, type ImportCredentials } from './manager.js';
import type { IdentityPool } from './pool.js';
import type { SecurityEvents } from '../telemetry/events.js';

export interface IdentityHandlerDeps {
  manager: IdentityManager;
  pool: IdentityPool;
  /** Public URL an identity schema is served at. */
  schemaUrl(schemaId: string): string;
  adminBaseUrl(): URL;
  defaultSchemaId(): string;
  pageTokens: PageTokens;
  events: Pick<SecurityEvents, 'identityCreated' | 'identityUpdated' | 'identityDeleted' | 'credentialRemoved'>;
  /** How `include_credential` shows a credential's config (the `oidc` tokens decrypted). */
  revealConfig?: (c: Credentials) => Record<string, unknown>;
}

const DEFAULT_PAGE_SIZE = 250;
const MAX_PAGE_SIZE = 500;
const MAX_PER_PAGE = 1000;
const MAX_IDS_FILTER = 500;
const BATCH_LIMIT = 1000;
const BATCH_PLAINTEXT_LIMIT = 200;

const addressSchema = (extra: object) => ({
  type: 'object',
  required: ['value', 'via'],
  properties: { id: { type: 'string' }, value: { type: 'string', minLength: 1 }, via: { enum: ['email', 'sms'] }, created_at: { type: 'string' }, updated_at: { type: 'string' }, ...extra },
  additionalProperties: false,
});

const credentialsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    password: {
      type: 'object',
      additionalProperties: false,
      properties: {
        config: {
          type: 'object',
          additionalProperties: false,
          properties: { password: { type: 'string' }, hashed_password: { type: 'string' }, use_password_migration_hook: { type: 'boolean' } },
        },
      },
    },
    totp: { type: 'object', properties: { config: { type: 'object', properties: { totp_url: { type: 'string' } }, required: ['totp_url'] } }, required: ['config'] },
    lookup_secret: {
      type: 'object',
      properties: { config: { type: 'object', properties: { codes: { type: 'array', items: { type: 'object', properties: { code: { type: 'string' } }, required: ['code'] } } }, required: ['codes'] } },
      required: ['config'],
    },
    webauthn: webAuthnImportSchema(),
    passkey: webAuthnImportSchema(),
  },
};

/** `identityWithCredentialsWebAuthn` / `identityWithCredentialsPasskey`: keys (each with id and public key) and the user handle. */
function webAuthnImportSchema() {
  const bytes = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'integer', minimum: 0, maximum: 255 } }] };
  return {
    type: 'object',
    properties: {
      config: {
        type: 'object',
        properties: {
          credentials: { type: 'array', items: { type: 'object', properties: { id: bytes, public_key: bytes }, required: ['id', 'public_key'] } },
          user_handle: bytes,
        },
        required: ['credentials'],
      },
    },
    required: ['config'],
  };
}

const identityFields = {
  schema_id: { type: 'string', minLength: 1 },
  traits: { type: 'object' },
  state: { enum: ['active', 'inactive'] },
  metadata_public: {},
  metadata_admin: {},
  external_id: { type: 'string' },
  organization_id: { anyOf: [{ type: 'string', format: 'uuid' }, { type: 'null' }] },
  credentials: credentialsSchema,
};

interface CreateBody extends Omit<IdentityDraft, 'state' | 'schema_id'> {
  schema_id?: string;
  state?: IdentityState;
}
const createBodySchema = {
  type: 'object',
  required: ['traits'],
  additionalProperties: false,
  properties: {
    ...identityFields,
    verifiable_addresses: { type: 'array', items: addressSchema({ verified: { type: 'boolean' }, verified_at: { type: ['string', 'null'], format: 'date-time' }, status: { enum: ['pending', 'sent', 'completed'] } }) },
    recovery_addresses: { type: 'array', items: addressSchema({}) },
  },
};
const parseCreate = bodyValidator<CreateBody>(createBodySchema);

interface UpdateBody {
  schema_id: string;
  traits: Record<string, unknown>;
  state: IdentityState;
  metadata_public?: unknown;
  metadata_admin?: unknown;
  external_id?: string;
  credentials?: ImportCredentials;
}
const parseUpdate = bodyValidator<UpdateBody>({ type: 'object', required: ['schema_id', 'traits', 'state'], additionalProperties: false, properties: identityFields });

const parseBatch = bodyValidator<{ identities: Array<{ create?: CreateBody; patch_id?: string }> }>({
  type: 'object',
  required: ['identities'],
  additionalProperties: false,
  properties: {
    identities: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, properties: { create: createBodySchema, patch_id: { type: 'string', format: 'uuid' } } },
    },
  },
});

const parsePatch = bodyValidator<jsonPatch.Operation[]>({
  type: 'array',
  items: {
    type: 'object',
    required: ['op', 'path'],
    properties: { op: { enum: ['add', 'remove', 'replace', 'move', 'copy', 'test'] }, path: { type: 'string' }, from: { type: 'string' }, value: {} },
  },
});

/** Paths a JSON Patch may not touch: the id and the credentials are only changed through their own APIs. */
const PATCH_DENIED = [/^\/id(\/|$)/, /^\/credentials(\/|$)/, /^\/state_changed_at(\/|$)/, /^\/created_at(\/|$)/, /^\/updated_at(\/|$)/, /^\/schema_url(\/|$)/];

function queryList(q: Record<string, string | string[] | undefined>, key: string): string[] {
  const v = q[key];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function positiveInt(v: string | undefined, name: string, max: number, fallback: number): number {
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw badRequest(`The ${name} parameter must be a positive integer.`);
  return Math.min(Number(v), max);
}

function parseDeclassify(q: Record<string, string | string[] | undefined>): CredentialsType[] {
  return queryList(q, 'include_credential').map((v) => {
    if (!isCredentialsType(v)) throw badRequest(`Invalid value \`${v}\` for parameter \`include_credential\`.`);
    return v;
  });
}

export function registerIdentityAdminRoutes(app: FastifyInstance, deps: IdentityHandlerDeps): void {
  const render = (i: Identity, opts: { credentials: boolean; declassify?: CredentialsType[] }) =>
    identityToJson(i, { schemaUrl: deps.schemaUrl(i.schema_id), admin: true, credentials: opts.credentials, declassify: opts.declassify, ...(deps.revealConfig ? { revealConfig: deps.revealConfig } : {}) });

  const load = async (id: string, withCredentials = true): Promise<Identity> => {
    const identity = isUuid(id) ? await deps.pool.getIdentity(id.toLowerCase(), { withCredentials }) : null;
    if (!identity) throw notFound('Unable to locate the resource');
    return identity;
  };

  const draftFrom = (body: CreateBody): IdentityDraft => ({ ...body, schema_id: body.schema_id || deps.defaultSchemaId(), state: body.state ?? 'active' });

  app.get('/admin/identities', async (req: FastifyRequest<{ Querystring: Record<string, string | string[] | undefined> }>, reply: FastifyReply) => {
    const q = req.query;
    const one = (k: string) => {
      const v = q[k];
      return Array.isArray(v) ? v[0] : v;
    };
    const declassify = parseDeclassify(q);
    const ids = queryList(q, 'ids');
    for (const id of ids) if (!isUuid(id)) throw badRequest(`Invalid UUID value \`${id}\` for parameter \`ids\`.`);
    if (ids.length > MAX_IDS_FILTER) throw badRequest(`The number of ids to filter must not exceed ${MAX_IDS_FILTER}.`);
    const identifier = one('credentials_identifier') || undefined;
    const similar = one('preview_credentials_identifier_similar') || undefined;
    const org = one('organization_id') || undefined;
    if (org !== undefined && !isUuid(org)) throw badRequest(`Invalid UUID value \`${org}\` for parameter \`organization_id\`.`);
    const filters = [ids.length > 0, identifier !== undefined, similar !== undefined, org !== undefined].filter(Boolean).length;
    if (filters > 1) throw badRequest('You cannot combine multiple filters in this API');

    const withCredentials = declassify.length > 0 || identifier !== undefined || similar !== undefined;
    const common = {
      ids: ids.length > 0 ? ids.map((i) => i.toLowerCase()) : undefined,
      credentialsIdentifier: identifier?.trim().toLowerCase(),
      credentialsIdentifierSimilar: similar?.trim().toLowerCase(),
      organizationId: org,
      withCredentials,
    };

    const url = new URL(req.url, 'http://x');
    if (one('page') !== undefined || one('per_page') !== undefined) {
      // Legacy offset pagination, kept for old clients: numbered pages and a total count.
      const perPage = positiveInt(one('per_page'), 'per_page', MAX_PER_PAGE, DEFAULT_PAGE_SIZE);
      const pageRaw = one('page');
      if (pageRaw !== undefined && !/^\d+$/.test(pageRaw)) throw badRequest('The page parameter must be a non-negative integer.');
      const page = Number(pageRaw ?? 0);
      const res = await deps.pool.listIdentities({ ...common, limit: perPage, offset: page * perPage });
      const total = identifier !== undefined ? res.identities.length : await deps.pool.countIdentities();
      reply.header('x-total-count', String(total));
      const lastPage = Math.max(0, Math.ceil(total / perPage) - 1);
      const rel = (p: number, r: string) => {
        const u = new URL(url);
        u.searchParams.set('page', String(p));
        u.searchParams.set('per_page', String(perPage));
        return `<${u.pathname}${u.search}>; rel="${r}"`;
      };
      const links = [rel(0, 'first')];
      if (page < lastPage) links.push(rel(page + 1, 'next'));
      if (page > 0) links.push(rel(page - 1, 'prev'));
      links.push(rel(lastPage, 'last'));
      reply.header('link', links.join(','));
      return res.identities.map((i) => render(i, { credentials: true, declassify }));
    }

    const pageSize = positiveInt(one('page_size'), 'page_size', MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
    const token = one('page_token');
    let afterId: string | undefined;
    if (token !== undefined && token !== '') {
      const key = deps.pageTokens.decode(token);
      if (key === null || !isUuid(key)) throw badRequest('The page token is invalid, do not craft your own page tokens.');
      afterId = key;
    }
    const res = await deps.pool.listIdentities({ ...common, limit: pageSize, afterId });
    const last = res.identities.at(-1);
    reply.header('link', linkHeader(url, pageSize, res.hasMore && last ? deps.pageTokens.encode(last.id) : null));
    return res.identities.map((i) => render(i, { credentials: true, declassify }));
  });

  app.post('/admin/identities', async (req, reply) => {
    const body = parseCreate(req.body);
    const identity = await deps.manager.create(draftFrom(body));
    deps.events.identityCreated({ req, identity, actor: 'admin' });
    reply.code(201).header('location', new URL(`identities/${identity.id}`, ensureSlash(deps.adminBaseUrl())).toString());
    return render(identity, { credentials: true });
  });

  app.patch('/admin/identities', async (req) => {
    const body = parseBatch(req.body);
    if (body.identities.length > BATCH_LIMIT) {
      throw badRequest(`The maximum number of identities per request that can be created or deleted at once is ${BATCH_LIMIT}.`);
    }
    const plaintext = body.identities.filter((p) => !!p.create?.credentials?.password?.config?.password).length;
    if (plaintext > BATCH_PLAINTEXT_LIMIT) {
      throw badRequest(`The maximum number of identities per request that can be created with a plaintext password is ${BATCH_PLAINTEXT_LIMIT}.`);
    }
    // Each identity is written in its own transaction: one bad item fails alone, as Kratos reports per item.
    const results = [];
    for (const patch of body.identities) {
      if (!patch.create) continue;
      const base = patch.patch_id ? { patch_id: patch.patch_id } : {};
      try {
        const identity = await deps.manager.create(draftFrom(patch.create));
        deps.events.identityCreated({ req, identity, actor: 'admin' });
        results.push({ action: 'create', identity: identity.id, ...base });
      } catch (err) {
        if (!(err instanceof KratosError) || err.code >= 500) throw err;
        results.push({ action: 'error', ...base, error: err.toEnvelope().error });
      }
    }
    return { identities: results };
  });

  app.get('/admin/identities/by/external/:externalID', async (req: FastifyRequest<{ Params: { externalID: string }; Querystring: Record<string, string | string[] | undefined> }>) => {
    const declassify = parseDeclassify(req.query);
    if (!req.params.externalID) throw badRequest('The external ID must not be empty.');
    const identity = await deps.pool.getIdentityByExternalId(req.params.externalID, { withCredentials: true });
    if (!identity) throw notFound('Unable to locate the resource');
    return render(identity, { credentials: true, declassify });
  });

  app.get('/admin/identities/:id', async (req: FastifyRequest<{ Params: { id: string }; Querystring: Record<string, string | string[] | undefined> }>) => {
    const declassify = parseDeclassify(req.query);
    return render(await load(req.params.id), { credentials: true, declassify });
  });

  app.put('/admin/identities/:id', async (req: FastifyRequest<{ Params: { id: string } }>) => {
    const body = parseUpdate(req.body);
    const identity = await load(req.params.id);
    identity.schema_id = body.schema_id;
    identity.traits = body.traits;
    deps.manager.setState(identity, body.state);
    identity.metadata_public = body.metadata_public ?? null;
    identity.metadata_admin = body.metadata_admin ?? null;
    if (body.external_id !== undefined) identity.external_id = body.external_id || null;
    await deps.manager.update(identity, body.credentials);
    deps.events.identityUpdated({ req, identity, actor: 'admin', change: Object.keys(body) });
    return render(identity, { credentials: true });
  });

  app.patch('/admin/identities/:id', async (req: FastifyRequest<{ Params: { id: string } }>) => {
    const ops = parsePatch(req.body);
    for (const op of ops) {
      for (const p of [op.path, (op as { from?: string }).from]) {
        if (p !== undefined && PATCH_DENIED.some((re) => re.test(p))) throw badRequest(`The JSON Patch may not change ${p}.`);
      }
    }
    const identity = await load(req.params.id);
    const doc = structuredClone(render(identity, { credentials: false })) as Record<string, unknown>;
    doc.metadata_admin = identity.metadata_admin ?? null;
    let patched: Record<string, unknown>;
    try {
      patched = jsonPatch.applyPatch(doc, ops, true, true).newDocument as Record<string, unknown>;
    } catch (err) {
      throw badRequest(`Unable to apply the JSON Patch: ${err instanceof Error ? err.message.split('\n')[0] : 'invalid patch'}`);
    }
    const state = patched.state;
    if (state !== 'active' && state !== 'inactive') {
      throw badRequest(`The supplied state ('${String(state)}') was not valid. Valid states are ('active', 'inactive').`);
    }
    if (typeof patched.schema_id !== 'string' || patched.schema_id === '') throw badRequest('The schema_id must be a non-empty string.');
    if (!patched.traits || typeof patched.traits !== 'object' || Array.isArray(patched.traits)) throw badRequest('The traits must be a JSON object.');
    if (patched.external_id !== undefined && patched.external_id !== null && typeof patched.external_id !== 'string') throw badRequest('The external_id must be a string.');
    identity.schema_id = patched.schema_id;
    identity.traits = patched.traits as Record<string, unknown>;
    deps.manager.setState(identity, state);
    identity.metadata_public = patched.metadata_public ?? null;
    identity.metadata_admin = patched.metadata_admin ?? null;
    identity.external_id = (patched.external_id as string | undefined) || null;
    identity.verifiable_addresses = applyPatchedAddresses(identity.verifiable_addresses, patched.verifiable_addresses, true);
    identity.recovery_addresses = applyPatchedAddresses(identity.recovery_addresses, patched.recovery_addresses, false);
    await deps.manager.update(identity);
    deps.events.identityUpdated({ req, identity, actor: 'admin', change: ops.map((o) => o.path) });
    return render(identity, { credentials: true });
  });

  app.delete('/admin/identities/:id', async (req: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const deleted = isUuid(req.params.id) && (await deps.pool.deleteIdentity(req.params.id.toLowerCase()));
    if (!deleted) throw notFound('Unable to locate the resource');
    deps.events.identityDeleted({ req, identity: { id: req.params.id.toLowerCase() }, actor: 'admin' });
    return reply.code(204).send();
  });

  app.delete('/admin/identities/:id/credentials/:type', async (req: FastifyRequest<{ Params: { id: string; type: string }; Querystring: { identifier?: string } }>, reply) => {
    const { type } = req.params;
    if (!(CREDENTIAL_TYPES as readonly string[]).includes(type)) throw badRequest(`Credentials type ${type} cannot be deleted.`);
    const identity = await load(req.params.id);
    const cred = identity.credentials[type as CredentialsType];
    if (!cred || (type === 'password' && Object.keys(cred.config).length === 0)) {
      throw notFound(`You tried to remove a ${type} but this user have no ${type} set up.`);
    }
    switch (type) {
      case 'lookup_secret':
      case 'totp':
        delete identity.credentials[type];
        break;
      case 'webauthn': {
        // As Kratos: the second-factor keys go; passwordless keys (a first factor) stay.
        const keys = Array.isArray(cred.config.credentials) ? (cred.config.credentials as Array<{ is_passwordless?: unknown }>) : [];
        const kept = keys.filter((k) => typeof k === 'object' && k !== null && k.is_passwordless === true);
        if (kept.length === 0) delete identity.credentials.webauthn;
        else cred.config = { ...cred.config, credentials: kept };
        break;
      }
      case 'passkey': {
        // Every passkey goes; refused when nothing else could sign the identity in.
        const keys = Array.isArray(cred.config.credentials) ? cred.config.credentials.length : 0;
        if (countFirstFactors(identity) - keys < 1) throw badRequest('You cannot remove the last first factor credential.');
        delete identity.credentials.passkey;
        break;
      }
      case 'password':
        if (countFirstFactors(identity) < 2) throw badRequest('You cannot remove the last first factor credential.');
        // The identifiers stay reserved: the schema extension keeps a config-less password credential.
        cred.config = {};
        break;
      default:
        throw badRequest(`Credentials type ${type} cannot be deleted.`);
    }
    await deps.manager.update(identity);
    deps.events.credentialRemoved({ req, identity, type, actor: 'admin' });
    return reply.code(204).send();
  });

}

function ensureSlash(u: URL): URL {
  const c = new URL(u);
  if (!c.pathname.endsWith('/')) c.pathname += '/';
  return c;
}

/**
 * Takes the address list as a JSON Patch left it and maps it back onto stored addresses: entries keep
 * their ids by value, and `verified` / `status` changes are honoured so admins can mark an address verified.
 */
function applyPatchedAddresses<T extends { id: string; value: string; via: string }>(current: T[], patched: unknown, verifiable: boolean): T[] {
  if (patched === undefined) return [];
  if (!Array.isArray(patched)) throw badRequest(`The ${verifiable ? 'verifiable' : 'recovery'}_addresses must be an array.`);
  const now = new Date();
  return patched.map((raw) => {
    if (!raw || typeof raw !== 'object' || typeof (raw as { value?: unknown }).value !== 'string') throw badRequest('Each address needs a string value.');
    const a = raw as Record<string, unknown>;
    const existing = current.find((c) => c.value === String(a.value).toLowerCase() && c.via === a.via);
    const base = (existing ?? { id: '', value: String(a.value).toLowerCase(), via: a.via === 'sms' ? 'sms' : 'email', created_at: now, updated_at: now }) as T & Record<string, unknown>;
    if (!verifiable) return base;
    const verified = typeof a.verified === 'boolean' ? a.verified : Boolean(base.verified);
    const wasVerified = Boolean(base.verified);
    return {
      ...base,
      verified,
      verified_at: verified ? (wasVerified ? base.verified_at : now) : null,
      status: addressStatus(a.status, base.status, verified, wasVerified),
      updated_at: verified !== wasVerified ? now : base.updated_at,
    } as T;
  });
}

/** An explicit status change wins; marking an address verified completes it; un-verifying resets it. */
function addressStatus(patched: unknown, current: unknown, verified: boolean, wasVerified: boolean): string {
  const valid = (v: unknown): v is string => typeof v === 'string' && ['pending', 'sent', 'completed'].includes(v);
  if (valid(patched) && patched !== current) return patched;
  if (verified && !wasVerified) return 'completed';
  if (!verified && wasVerified) return 'pending';
  return valid(current) ? current : 'pending';
}
