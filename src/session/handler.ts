import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../errors/kratos-error.js';
import type { Identity } from '../identity/identity.js';
import type { IdentityPool } from '../identity/pool.js';
import { isUuid } from '../lib/ids.js';
import { linkHeader, type PageTokens } from '../lib/pagination.js';
import { noSessionCredentials, type SessionManager } from './manager.js';
import { SessionCheckAnswers } from './check-answers.js';
import { isSessionActive, sessionToJson, type Session } from './session.js';
import type { SessionTokenizer } from './tokenizer.js';
import type { SessionTokenExchanger } from './token-exchange.js';
import type { SecurityEvents } from '../telemetry/events.js';
import type { AssuranceCheck } from './aal.js';
import type { RequiredAal } from '../config/types.js';

export interface SessionHandlerDeps {
  sessions: SessionManager;
  identities: IdentityPool;
  renderIdentity(identity: Identity, admin: boolean): Record<string, unknown>;
  pageTokens: PageTokens;
  /** whoami's `session.whoami.required_aal` check (public API only). */
  whoamiAssurance?: { check: AssuranceCheck; required(): RequiredAal };
  /** whoami's `tokenize_as` (public API only). */
  tokenizer?: SessionTokenizer;
  /** `feature_flags.faster_session_extend`: extend answers 204 without a body (admin API). */
  fasterExtend?: () => boolean;
  /** `GET /sessions/token-exchange` (public API only). */
  tokenExchange?: SessionTokenExchanger;
  events: Pick<SecurityEvents, 'sessionChecked' | 'sessionRevoked' | 'sessionsRevoked' | 'sessionExtended'>;
}

type Query = Record<string, string | string[] | undefined>;
const first = (q: Query, k: string) => (Array.isArray(q[k]) ? (q[k] as string[])[0] : (q[k] as string | undefined));
const DEFAULT_PAGE_SIZE = 250;
const MAX_PAGE_SIZE = 1000;

function pageSizeOf(q: Query): number {
  const v = first(q, 'page_size') ?? first(q, 'per_page');
  if (v === undefined || v === '') return DEFAULT_PAGE_SIZE;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw badRequest('The page_size parameter must be a positive integer.');
  return Math.min(Number(v), MAX_PAGE_SIZE);
}

function activeOf(q: Query): boolean | undefined {
  const v = first(q, 'active');
  if (v === undefined || v === '') return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw badRequest('The active parameter must be true or false.');
}

function expandOf(q: Query): { identity: boolean; devices: boolean } {
  const raw = q.expand === undefined ? [] : Array.isArray(q.expand) ? q.expand : [q.expand];
  for (const e of raw) if (e !== 'identity' && e !== 'devices') throw badRequest(`Invalid value \`${e}\` for parameter \`expand\`.`);
  return { identity: raw.includes('identity'), devices: raw.includes('devices') };
}

/** Sessions are listed newest-key-last by id with signed keyset tokens, like identities. */
async function listPage(deps: SessionHandlerDeps, req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply, filter: { identityId?: string; active?: boolean; exceptSessionId?: string; withIdentity: boolean }) {
  const pageSize = pageSizeOf(req.query);
  const token = first(req.query, 'page_token');
  let afterId: string | undefined;
  if (token) {
    const key = deps.pageTokens.decode(token);
    if (key === null || !isUuid(key)) throw badRequest('The page token is invalid, do not craft your own page tokens.');
    afterId = key;
  }
  const res = await deps.sessions.pool.listSessions({ ...filter, afterId, limit: pageSize, now: new Date() });
  const last = res.sessions.at(-1);
  reply.header('link', linkHeader(new URL(req.url, 'http://x'), pageSize, res.hasMore && last ? deps.pageTokens.encode(last.id) : null));
  return res.sessions;
}

/** Registers the public session routes; returns whoami's kept answers (the public API's whoami front reads them too). */
export function registerSessionPublicRoutes(app: FastifyInstance, deps: SessionHandlerDeps): SessionCheckAnswers {
  const render = (s: Session, withIdentity: boolean) => sessionToJson(s, withIdentity && s.identity ? deps.renderIdentity(s.identity, false) : undefined);

  const answers = new SessionCheckAnswers(deps.sessions.pool, (s) => render(s, true));

  const whoami = async (req: FastifyRequest, reply: FastifyReply) => {
    const t = deps.sessions.extractToken(req);
    // `tokenize_as` answers with a JWT minted for this request: nothing of that answer is reused.
    const template = first(req.query as Query, 'tokenize_as');
    const full = template && t ? await deps.sessions.fromToken(t.token) : null;
    const checked = !template && t ? await answers.check(deps.sessions.digest(t.token)) : null;
    const session = full?.identity ? full : checked?.session;
    if (!session) throw noSessionCredentials();
    // Before anything about the identity is told (Kratos #3671).
    if (deps.whoamiAssurance) {
      const { check, required } = deps.whoamiAssurance;
      const level = required();
      if (check.decidedBySession(session, level) !== true) await check.require(session, level);
    }
    reply.header('x-kratos-authenticated-identity-id', session.identity_id);
    let json: Record<string, unknown> | undefined;
    if (full) {
      if (!deps.tokenizer) throw badRequest(`Unable to find tokenizer template "${template}".`);
      json = render(full, true);
      json.tokenized = await deps.tokenizer.tokenize(template!, full, json);
    }
    deps.events.sessionChecked({ req, session });
    // A cookie is re-issued so its lifetime follows the session's, as Kratos refreshes it.
    if (t!.source === 'cookie') deps.sessions.setCookie(reply, t!.token, session);
    return json ?? reply.type('application/json; charset=utf-8').send(checked!.body);
  };
  app.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: '/sessions/whoami', handler: whoami });

  // Native apps whose sign-in finished in a browser fetch their session token with both halves of the code.
  app.get('/sessions/token-exchange', async (req: FastifyRequest<{ Querystring: Query }>) => {
    const initCode = first(req.query, 'init_code');
    const returnToCode = first(req.query, 'return_to_code');
    if (!initCode || !returnToCode) throw badRequest('"init_code" and "return_to_code" query params must be set');
    const exchanged = deps.tokenExchange ? await deps.tokenExchange.exchange(initCode, returnToCode) : null;
    const session = exchanged ? await deps.sessions.pool.getSession(exchanged.sessionId, { withIdentity: true }) : null;
    if (!exchanged || !session?.identity || !isSessionActive(session)) throw notFound('no session yet for this "code"');
    return { session_token: exchanged.token, session: render(session, true) };
  });

  app.get('/sessions', async (req: FastifyRequest<{ Querystring: Query }>, reply) => {
    const current = await deps.sessions.require(req);
    const sessions = await listPage(deps, req, reply, { identityId: current.identity_id, active: true, exceptSessionId: current.id, withIdentity: false });
    return sessions.map((s) => render(s, false));
  });

  app.delete('/sessions', async (req) => {
    const current = await deps.sessions.require(req);
    const count = await deps.sessions.pool.revokeSessionsOfIdentity(current.identity_id, current.id);
    deps.events.sessionsRevoked({ req, identityId: current.identity_id, count, actor: 'self', exceptSessionId: current.id });
    return { count };
  });

  app.delete('/sessions/:id', async (req: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const current = await deps.sessions.require(req);
    const id = req.params.id.toLowerCase();
    if (id === current.id) throw badRequest('You are not allowed to revoke your current session, use the logout endpoint instead.');
    // Only the caller's own sessions; anything else looks exactly like an unknown id.
    if (!isUuid(id) || !(await deps.sessions.pool.revokeSession(id, current.identity_id))) throw notFound('Unable to locate the resource');
    deps.events.sessionRevoked({ req, session: { id, identity_id: current.identity_id }, actor: 'self' });
    return reply.code(204).send();
  });
  return answers;
}

export function registerSessionAdminRoutes(app: FastifyInstance, deps: SessionHandlerDeps): void {
  const render = (s: Session, expand: { identity: boolean; devices: boolean }) => {
    const json = sessionToJson(s, expand.identity && s.identity ? deps.renderIdentity(s.identity, true) : undefined);
    if (!expand.devices) delete json.devices;
    return json;
  };
  const loadSession = async (id: string, withIdentity = true) => {
    const s = isUuid(id) ? await deps.sessions.pool.getSession(id.toLowerCase(), { withIdentity }) : null;
    if (!s) throw notFound('Unable to locate the resource');
    return s;
  };
  const loadIdentity = async (id: string) => {
    const i = isUuid(id) ? await deps.identities.getIdentity(id.toLowerCase()) : null;
    if (!i) throw notFound('Unable to locate the resource');
    return i;
  };

  app.get('/admin/sessions', async (req: FastifyRequest<{ Querystring: Query }>, reply) => {
    const expand = expandOf(req.query);
    const sessions = await listPage(deps, req, reply, { active: activeOf(req.query), withIdentity: expand.identity });
    return sessions.map((s) => render(s, expand));
  });

  app.get('/admin/sessions/:id', async (req: FastifyRequest<{ Params: { id: string }; Querystring: Query }>) => {
    const expand = expandOf(req.query);
    return render(await loadSession(req.params.id), { identity: expand.identity || req.query.expand === undefined, devices: expand.devices || req.query.expand === undefined });
  });

  app.delete('/admin/sessions/:id', async (req: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const s = await loadSession(req.params.id, false);
    await deps.sessions.pool.revokeSession(s.id);
    deps.events.sessionRevoked({ req, session: s, actor: 'admin' });
    return reply.code(204).send();
  });

  app.patch('/admin/sessions/:id/extend', async (req: FastifyRequest<{ Params: { id: string } }>, reply) => {
    if (!isUuid(req.params.id)) throw badRequest('The session id must be a UUID.');
    const s = await loadSession(req.params.id);
    if (!s.active) throw notFound('Unable to locate the resource');
    const extended = await deps.sessions.extend(s);
    deps.events.sessionExtended({ req, session: extended, actor: 'admin' });
    // feature_flags.faster_session_extend: answer without reading the session back, as Kratos does.
    if (deps.fasterExtend?.()) return reply.code(204).send();
    return render(extended, { identity: true, devices: true });
  });

  app.get('/admin/identities/:id/sessions', async (req: FastifyRequest<{ Params: { id: string }; Querystring: Query }>, reply) => {
    const identity = await loadIdentity(req.params.id);
    const sessions = await listPage(deps, req, reply, { identityId: identity.id, active: activeOf(req.query), withIdentity: true });
    return sessions.map((s) => render(s, { identity: true, devices: true }));
  });

  app.delete('/admin/identities/:id/sessions', async (req: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const identity = await loadIdentity(req.params.id);
    const count = await deps.sessions.pool.deleteSessionsOfIdentity(identity.id);
    deps.events.sessionsRevoked({ req, identityId: identity.id, count, actor: 'admin' });
    return reply.code(204).send();
  });
}
