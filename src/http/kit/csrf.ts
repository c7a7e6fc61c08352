import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KratosError } from '../../errors/kratos-error.js';
import { safeEqual } from '../../lib/safe-compare.js';
import { readCookie, setCookie, type CookieAttributes } from './cookies.js';

const TOKEN_BYTES = 32;
const ONE_YEAR_SECONDS = 365 * 24 * 3600;

const REASON =
  'Please retry the flow and optionally clear your cookies. The request was rejected to protect you from Cross-Site-Request-Forgery (CSRF) which could cause account takeover, leaking personal information, and other serious security issues.';
const HINT_AJAX =
  "We detected an AJAX call, please ensure that CORS is enabled and configured correctly, and that your AJAX code sends cookies and has credentials enabled. For further debugging, check your Browser's Network Tab to see what cookies are included or excluded.";
const HINT_SERVER =
  "We detected a regular browser or server-side call. To debug browser calls check your Browser's Network Tab to see what cookies are included or excluded. If you are calling from a server ensure that the appropriate cookies are being forwarded and that the SDK method is called correctly.";
const NO_COOKIE = 'The HTTP Cookie Header is empty or not set.';
const COOKIE_MISSING = 'The HTTP Cookie Header was set but did not include the anti-CSRF cookie.';
const TOKEN_NOT_SENT =
  'The anti-CSRF cookie was found but the CSRF token was not included in the HTTP request body (csrf_token) nor in the HTTP Header (X-CSRF-Token).';
const MISMATCH = 'The HTTP Cookie Header was set and a CSRF token was sent but they do not match. We recommend deleting all cookies for this domain and retrying the flow.';

/**
 * Double-submit CSRF protection as Kratos does it: a random token in an HttpOnly cookie, and in each
 * browser flow a copy masked with a fresh one-time pad (so the value in the page differs per flow and
 * resists BREACH-style compression attacks). A submission must carry the masked copy; it is unmasked
 * and compared with the cookie in constant time.
 */
export class Csrf {
  readonly cookieName: string;
  /** Tokens replaced during a request: flows created later in the same request must use the new one. */
  private readonly rotated = new WeakMap<FastifyRequest, string>();

  constructor(
    publicBaseUrl: URL,
    private readonly attributes: () => CookieAttributes,
  ) {
    this.cookieName = `csrf_token_${createHash('sha256').update(publicBaseUrl.toString()).digest('hex')}`;
  }

  /** The attributes Tessera's browser cookies get (domain, path, SameSite, Secure). */
  cookieAttributes(): CookieAttributes {
    return this.attributes();
  }

  /** The raw token of this browser, issuing a new cookie when there is none. */
  ensureToken(req: FastifyRequest, reply: FastifyReply): string {
    const existing = this.rotated.get(req) ?? this.cookieToken(req);
    if (existing) return existing;
    const token = randomBytes(TOKEN_BYTES).toString('base64');
    setCookie(reply, this.cookieName, token, { ...this.attributes(), maxAge: ONE_YEAR_SECONDS });
    return token;
  }

  /** Replaces the cookie token, e.g. when a session for another identity is issued. */
  rotate(reply: FastifyReply): string {
    const token = randomBytes(TOKEN_BYTES).toString('base64');
    setCookie(reply, this.cookieName, token, { ...this.attributes(), maxAge: ONE_YEAR_SECONDS });
    this.rotated.set(reply.request, token);
    return token;
  }

  cookieToken(req: FastifyRequest): string | null {
    const raw = readCookie(req, this.cookieName);
    if (!raw) return null;
    const bytes = Buffer.from(raw, 'base64');
    return bytes.length === TOKEN_BYTES ? raw : null;
  }

  /** A per-use masking of the token for a form field: base64(pad ‖ pad XOR token). */
  mask(token: string): string {
    const raw = Buffer.from(token, 'base64');
    const pad = randomBytes(raw.length);
    const masked = Buffer.alloc(raw.length);
    for (let i = 0; i < raw.length; i++) masked[i] = raw[i]! ^ pad[i]!;
    return Buffer.concat([pad, masked]).toString('base64');
  }

  private unmask(value: string): string | null {
    const buf = Buffer.from(value, 'base64');
    if (buf.length !== TOKEN_BYTES * 2) return null;
    const out = Buffer.alloc(TOKEN_BYTES);
    for (let i = 0; i < TOKEN_BYTES; i++) out[i] = buf[i]! ^ buf[i + TOKEN_BYTES]!;
    return out.toString('base64');
  }

  /**
   * Checks a browser submission: the masked token from the body or `X-CSRF-Token` must match the
   * cookie, and the cookie must be the one the flow was created for. Throws `security_csrf_violation`.
   */
  verify(req: FastifyRequest, submitted: unknown, flowToken: string): void {
    const cookie = this.cookieToken(req);
    const headerToken = req.headers['x-csrf-token'];
    const sent = typeof submitted === 'string' && submitted !== '' ? submitted : typeof headerToken === 'string' ? headerToken : '';
    const unmasked = sent ? this.unmask(sent) : null;
    if (cookie && unmasked && safeEqual(unmasked, cookie) && safeEqual(cookie, flowToken)) return;
    throw this.violation(req, cookie !== null, sent !== '');
  }

  /** Reading a browser flow requires the cookie it was created with. */
  verifyFlowOwner(req: FastifyRequest, flowToken: string): void {
    const cookie = this.cookieToken(req);
    if (cookie && safeEqual(cookie, flowToken)) return;
    throw this.violation(req, cookie !== null, true);
  }

  private violation(req: FastifyRequest, hasCookie: boolean, tokenSent: boolean): KratosError {
    const mode = String(req.headers['sec-fetch-mode'] ?? '');
    const ajax = mode === 'cors' || mode === 'same-origin';
    const details: Record<string, unknown> = { docs: 'https://www.ory.com/docs/troubleshooting/csrf' };
    if (!req.headers.cookie) Object.assign(details, { hint: ajax ? HINT_AJAX : HINT_SERVER, reject_reason: NO_COOKIE });
    else if (!hasCookie) Object.assign(details, { hint: ajax ? HINT_AJAX : HINT_SERVER, reject_reason: COOKIE_MISSING });
    else if (!tokenSent) details.hint = TOKEN_NOT_SENT;
    else Object.assign(details, { hint: ajax ? HINT_AJAX : HINT_SERVER, reject_reason: MISMATCH });
    return new KratosError(403, {
      id: 'security_csrf_violation',
      message: 'the request was rejected to protect you from Cross-Site-Request-Forgery',
      reason: REASON,
      details,
    });
  }
}
