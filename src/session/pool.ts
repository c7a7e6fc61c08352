import type { Session } from './session.js';

export interface ListSessionsParams {
  identityId?: string;
  /** true: only usable sessions; false: only revoked or expired ones; undefined: all. */
  active?: boolean;
  exceptSessionId?: string;
  afterId?: string;
  limit: number;
  withIdentity: boolean;
  now: Date;
}

/**
 * What a session check reads on every request: the session's id and a stamp that changes whenever
 * anything whoami shows changes (the session's mutable columns and its identity's version).
 */
export interface SessionStamp {
  id: string;
  stamp: string;
}

/** Storage of sessions. Tokens are looked up by their digest; the secrets themselves are never stored. */
export interface SessionPool {
  createSession(session: Session, tokenHash: string, logoutTokenHash: string): Promise<void>;
  getSessionByTokenHash(tokenHash: string): Promise<Session | null>;
  /** One point lookup: the session and its identity's version, nothing else. */
  getSessionStamp(tokenHash: string): Promise<SessionStamp | null>;
  getSession(id: string, opts?: { withIdentity?: boolean }): Promise<Session | null>;
  listSessions(params: ListSessionsParams): Promise<{ sessions: Session[]; hasMore: boolean }>;
  /** Re-authentication of an existing session (refresh login): new methods, AAL and times. */
  updateSession(session: Session): Promise<void>;
  revokeSession(id: string, identityId?: string): Promise<boolean>;
  /** Revokes every active session of the identity except one; returns how many were revoked. */
  revokeSessionsOfIdentity(identityId: string, exceptSessionId?: string): Promise<number>;
  deleteSessionsOfIdentity(identityId: string): Promise<number>;
}
