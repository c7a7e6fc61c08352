import { createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KratosError } from '../errors/kratos-error.js';
import type { CredentialsType, Identity } from '../identity/identity.js';
import { newId } from '../lib/ids.js';
import { clearCookie, setCookie, type CookieAttributes, type CookieSigner } from '../http/kit/cookies.js';
import type { SessionPool } from './pool.js';
import { isSessionActive, type AuthenticationMethod, type IssuedSession, type Session } from './session.js';
import { assuranceLevel } from './aal.js';
import { digestToken, newSessionToken } from './tokens.js';

export interface SessionCookieSettings extends CookieAttributes {
  name: string;
  persistent: boolean;
}

export interface SessionManagerDeps {
  pool: SessionPool;
  signer: CookieSigner;
  lifespanMs: () => number;
  earliestPossibleExtendMs: () => number;
  cookie: () => SessionCookieSettings;
  /** Secret the logout tokens are derived with. */
  logoutSecret: () => string;
  now?: () => Date;
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

/** Where a request presented its session. */
export type TokenSource = 'header' | 'cookie' | 'bearer';

/** `401` as Kratos answers whoami: no error id. */
export const noSessionCredentials = () => new KratosError(401, { reason: 'No valid session credentials found in the request.' });

/** `401 session_inactive`, as the other session-requiring endpoints answer. */
export const noActiveSession = () =>
  new KratosError(401, { id: 'session_inactive', message: 'request does not have a valid authentication session', reason: 'No active session was found in this request.' });

export function clientInfo(req: FastifyRequest): ClientInfo {
  const ua = req.headers['user-agent'];
  return { ip: req.ip ?? null, userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null };
}

export class SessionManager {
  private readonly now: () => Date;

  constructor(private readonly deps: SessionManagerDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * A session for an identity that just authenticated with `method`, with its id and secrets, not
   * yet stored: hooks that run before it is stored see the id it will have.
   */
  prepare(identity: Identity, method: CredentialsType | AuthenticationMethod, client: ClientInfo): IssuedSession {
    const now = this.now();
    const entry: AuthenticationMethod = typeof method === 'string' ? { method, aal: 'aal1', completed_at: now } : method;
    const session: Session = {
      id: newId(),
      identity_id: identity.id,
      active: true,
      expires_at: new Date(now.getTime() + this.deps.lifespanMs()),
      authenticated_at: now,
      issued_at: now,
      aal: assuranceLevel([entry]),
      authentication_methods: [entry],
      devices: [{ id: newId(), ip_address: client.ip, user_agent: client.userAgent, location: null }],
      created_at: now,
      updated_at: now,
      identity,
    };
    const token = newSessionToken();
    return { session, token, logoutToken: this.logoutTokenFor(session) };
  }

  async store(issued: IssuedSession): Promise<IssuedSession> {
    await this.deps.pool.createSession(issued.session, digestToken(issued.token), digestToken(issued.logoutToken));
    return issued;
  }

  /** Creates and stores a session for an identity that just authenticated with `method`. */
  async issue(identity: Identity, method: CredentialsType | AuthenticationMethod, client: ClientInfo): Promise<IssuedSession> {
    return this.store(this.prepare(identity, method, client));
  }

  /**
   * A session that completed one more method: a refresh with a first factor renews its
   * authentication time and expiry; a second factor raises its assurance level (step-up).
   */
  authenticateAgain(session: Session, method: AuthenticationMethod): Session {
    const now = this.now();
    if (method.aal === 'aal1') {
      session.authenticated_at = now;
      session.expires_at = new Date(now.getTime() + this.deps.lifespanMs());
    }
    session.authentication_methods = [...session.authentication_methods, method];
    session.aal = assuranceLevel(session.authentication_methods);
    session.updated_at = now;
    return session;
  }

  async update(session: Session): Promise<Session> {
    await this.deps.pool.updateSession(session);
    return session;
  }

  /**
   * Extends a session's lifetime, unless it is further from expiry than `earliest_possible_extend`
   * allows (then it is returned unchanged, as Kratos does).
   */
  async extend(session: Session): Promise<Session> {
    const now = this.now();
    if (session.expires_at.getTime() - now.getTime() > this.deps.earliestPossibleExtendMs()) return session;
    session.expires_at = new Date(now.getTime() + this.deps.lifespanMs());
    session.updated_at = now;
    await this.deps.pool.updateSession(session);
    return session;
  }

  /** The token a request presents: `X-Session-Token`, then the session cookie, then `Authorization: Bearer`. */
  extractToken(req: FastifyRequest): { token: string; source: TokenSource } | null {
    const header = req.headers['x-session-token'];
    if (typeof header === 'string' && header !== '') return { token: header, source: 'header' };
    const cookie = this.deps.signer.unsign(req.cookies?.[this.deps.cookie().name]);
    if (cookie) return { token: cookie, source: 'cookie' };
    const auth = req.headers.authorization;
    const m = typeof auth === 'string' ? /^bearer\s+(\S+)$/i.exec(auth) : null;
    if (m) return { token: m[1]!, source: 'bearer' };
    return null;
  }

  async fromToken(token: string): Promise<Session | null> {
    const session = await this.deps.pool.getSessionByTokenHash(digestToken(token));
    return session && isSessionActive(session, this.now()) ? session : null;
  }

  /** The active session of the request, or null. */
  async fromRequest(req: FastifyRequest): Promise<(Session & { source: TokenSource }) | null> {
    const t = this.extractToken(req);
    if (!t) return null;
    const session = await this.fromToken(t.token);
    return session ? Object.assign(session, { source: t.source }) : null;
  }

  /** Like fromRequest, but a missing or inactive session is a 401 `session_inactive`. */
  async require(req: FastifyRequest): Promise<Session & { source: TokenSource }> {
    const s = await this.fromRequest(req);
    if (!s) throw noActiveSession();
    return s;
  }

  setCookie(reply: FastifyReply, token: string, session: Pick<Session, 'expires_at'>): void {
    const c = this.deps.cookie();
    const maxAge = c.persistent ? Math.max(0, Math.floor((session.expires_at.getTime() - this.now().getTime()) / 1000)) : undefined;
    setCookie(reply, c.name, this.deps.signer.sign(token), { ...c, maxAge });
  }

  clearCookie(reply: FastifyReply): void {
    const c = this.deps.cookie();
    clearCookie(reply, c.name, c);
  }

  /**
   * The logout token of a session, derived from its id with the cookie secret: it can be handed out
   * again at any time without being stored, and nobody without the secret can compute it.
   */
  logoutTokenFor(session: Session): string {
    const mac = createHmac('sha256', this.deps.logoutSecret()).update(`logout:${session.id}`).digest();
    let out = '';
    for (const b of mac) {
      if (out.length === 32) break;
      out += ALNUM[b % 62];
    }
    return `ory_lo_${out}`;
  }

  get pool(): SessionPool {
    return this.deps.pool;
  }

  digest(token: string): string {
    return digestToken(token);
  }
}
