import type { SessionPool } from './pool.js';
import type { Session } from './session.js';

/** What a session check needs of a session besides its answer. */
export interface CheckedSession {
  id: string;
  identity_id: string;
  aal: Session['aal'];
  expires_at: Date;
  /** Not revoked and its identity active: fixed for a given stamp, unlike expiry. */
  usable: boolean;
}

interface Answer {
  stamp: string;
  session: CheckedSession;
  /** The JSON answer, encoded once: sent as it is, without encoding 1–2 KB again per request. */
  body: Buffer;
}

/** Sessions whose answers are kept: about 2 KB each, so a few MB at most. */
const DEFAULT_CAPACITY = 4096;

/**
 * whoami's answers, rendered once per session and reused while the session's stamp (its mutable
 * columns and its identity's version, read by a point lookup on every check) is unchanged. Every
 * instance reads the stamp from the database on every request, so a revocation, an expiry, a
 * deactivation or any change to the identity is seen by the very next check anywhere: only the work
 * of reading the identity's rows and rendering them again is saved.
 */
export class SessionCheckAnswers {
  // A Map keeps insertion order: re-inserting on use makes its first key the least recently used.
  private readonly answers = new Map<string, Answer>();

  constructor(
    private readonly pool: Pick<SessionPool, 'getSessionStamp' | 'getSessionByTokenHash'>,
    private readonly render: (session: Session) => Record<string, unknown>,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  /** The active session behind a token digest and its rendered answer, or null. */
  async check(tokenHash: string, now = new Date()): Promise<{ session: CheckedSession; body: Buffer } | null> {
    const stamp = await this.pool.getSessionStamp(tokenHash);
    if (!stamp) return null;
    let answer = this.answers.get(stamp.id);
    if (answer && answer.stamp === stamp.stamp) {
      this.answers.delete(stamp.id);
      this.answers.set(stamp.id, answer);
    } else {
      // Read after the stamp, so what is rendered is at least as new as the stamp it is kept under.
      const session = await this.pool.getSessionByTokenHash(tokenHash);
      if (!session?.identity || session.id !== stamp.id) return null;
      answer = {
        stamp: stamp.stamp,
        session: { id: session.id, identity_id: session.identity_id, aal: session.aal, expires_at: session.expires_at, usable: session.active && session.identity.state === 'active' },
        body: Buffer.from(JSON.stringify(this.render(session))),
      };
      this.remember(stamp.id, answer);
    }
    const { session } = answer;
    return session.usable && session.expires_at.getTime() > now.getTime() ? answer : null;
  }

  private remember(id: string, answer: Answer): void {
    this.answers.delete(id);
    this.answers.set(id, answer);
    if (this.answers.size > this.capacity) this.answers.delete(this.answers.keys().next().value!);
  }
}
