/**
 * Session token exchange (`return_session_token_exchange_code`, `GET /sessions/token-exchange`),
 * as Kratos v1.3 offers it to native apps whose sign-in finishes in a browser (social sign-in): the
 * app creates an API flow asking for an exchange code and receives the first half, `init_code`,
 * with the flow. When a method finishes that flow in the browser, it hands the session to the
 * exchanger, which answers with the second half, `return_to_code`, to append to the app's return
 * URL as `code`. With both halves the app fetches its session token once.
 *
 * Nothing an exchange needs is stored in the clear: the codes are kept as SHA-256 digests, and the
 * session token is sealed (AES-256-GCM) with a key derived from the return_to code, which is never
 * stored, so the rows alone give no session away. An exchange works once.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { randomAlnum } from '../lib/ids.js';
import { safeEqual } from '../lib/safe-compare.js';

export interface StoredExchange {
  id: string;
  flow_id: string;
  init_code_hash: string;
  return_to_code_hash: string | null;
  session_id: string | null;
  /** The session token sealed with a key derived from the return_to code (base64url nonce.ciphertext.tag). */
  sealed_token: string | null;
  expires_at: Date;
}

/** Storage of exchanges; codes are looked up by digest only. */
export interface SessionTokenExchangePool {
  createExchange(e: { flow_id: string; init_code_hash: string; expires_at: Date }, now: Date): Promise<void>;
  /** Records the session on the flow's exchange; false when the flow asked for none. */
  completeExchange(flowId: string, e: { return_to_code_hash: string; session_id: string; sealed_token: string }, now: Date): Promise<boolean>;
  findByInitCodeHash(initCodeHash: string): Promise<StoredExchange | null>;
  /** Whether the flow has an exchange not yet completed and not expired. */
  hasOpenExchange(flowId: string, now: Date): Promise<boolean>;
  /** Removes an exchange; false when another request removed it first. */
  deleteExchange(id: string): Promise<boolean>;
}

/** What a flow handler needs to hand out exchange codes. */
export interface ExchangeCodeIssuer {
  begin(flowId: string): Promise<string>;
}

/**
 * The `session_token_exchange_code` of a new flow when it is an API flow whose request asked for
 * one (`return_session_token_exchange_code`, in any of Go's spellings of true); else undefined.
 */
export async function exchangeCodeFor(flow: { id: string; type: string }, query: Record<string, unknown>, issuer: ExchangeCodeIssuer | undefined): Promise<string | undefined> {
  const asked = query.return_session_token_exchange_code;
  if (flow.type !== 'api' || !issuer || typeof asked !== 'string' || !['1', 't', 'T', 'true', 'TRUE', 'True'].includes(asked)) return undefined;
  return issuer.begin(flow.id);
}

export interface SessionTokenExchangerDeps {
  pool: SessionTokenExchangePool;
  /** How long codes stay usable after the flow is created. */
  lifespanMs: () => number;
  now?: () => Date;
}

/** Codes are as long as Kratos's (64 alphanumerics, about 380 bits). */
const CODE_LENGTH = 64;
const digest = (code: string): string => createHash('sha256').update(code).digest('hex');

function sealingKey(returnToCode: string): Buffer {
  return Buffer.from(hkdfSync('sha256', returnToCode, '', 'tessera session token exchange', 32));
}

function seal(token: string, key: Buffer): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return [nonce, body, cipher.getAuthTag()].map((b) => b.toString('base64url')).join('.');
}

function unseal(sealed: string, key: Buffer): string | null {
  const [nonce, body, tag] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'));
  if (!nonce || !body || !tag) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

export class SessionTokenExchanger {
  private readonly now: () => Date;

  constructor(private readonly deps: SessionTokenExchangerDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Starts an exchange for a new API flow; returns the `init_code` the flow carries. */
  async begin(flowId: string): Promise<string> {
    const initCode = randomAlnum(CODE_LENGTH);
    const now = this.now();
    await this.deps.pool.createExchange({ flow_id: flowId, init_code_hash: digest(initCode), expires_at: new Date(now.getTime() + this.deps.lifespanMs()) }, now);
    return initCode;
  }

  /**
   * Hands the session a flow ended with to that flow's exchange. Returns the `return_to_code` to
   * send to the app (as `code` on its return URL), or null when the flow asked for no exchange.
   */
  async complete(flowId: string, sessionId: string, sessionToken: string): Promise<string | null> {
    const returnToCode = randomAlnum(CODE_LENGTH);
    const sealed = seal(sessionToken, sealingKey(returnToCode));
    const done = await this.deps.pool.completeExchange(flowId, { return_to_code_hash: digest(returnToCode), session_id: sessionId, sealed_token: sealed }, this.now());
    return done ? returnToCode : null;
  }

  /** Whether the flow was created asking for an exchange that is still waiting for its session. */
  awaits(flowId: string): Promise<boolean> {
    return this.deps.pool.hasOpenExchange(flowId, this.now());
  }

  /** The session id and token both codes unlock, once; null when they unlock nothing. */
  async exchange(initCode: string, returnToCode: string): Promise<{ sessionId: string; token: string } | null> {
    const e = await this.deps.pool.findByInitCodeHash(digest(initCode));
    if (!e || !e.session_id || !e.sealed_token || !e.return_to_code_hash) return null;
    if (!safeEqual(e.return_to_code_hash, digest(returnToCode))) return null;
    if (e.expires_at.getTime() <= this.now().getTime()) return null;
    const token = unseal(e.sealed_token, sealingKey(returnToCode));
    if (token === null) return null;
    // Single use: of two concurrent exchanges, only the one that removes the row gets the token.
    if (!(await this.deps.pool.deleteExchange(e.id))) return null;
    return { sessionId: e.session_id, token };
  }
}
