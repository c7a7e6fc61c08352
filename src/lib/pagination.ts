import { createHmac } from 'node:crypto';
import { safeEqual } from './safe-compare.js';

/**
 * Opaque keyset page tokens: the last key seen, signed so a client can neither forge nor tamper with
 * one. A token that fails verification is a client error, not an empty page.
 */
export class PageTokens {
  constructor(private readonly secrets: readonly string[]) {
    if (secrets.length === 0) throw new Error('page tokens need at least one secret');
  }

  private sign(payload: string, secret: string): string {
    return createHmac('sha256', secret).update(payload).digest('base64url');
  }

  encode(key: string): string {
    const payload = Buffer.from(JSON.stringify({ k: key })).toString('base64url');
    return `${payload}.${this.sign(payload, this.secrets[0]!)}`;
  }

  /** The key inside a valid token, or null for anything else. */
  decode(token: string): string | null {
    const [payload, mac, ...rest] = token.split('.');
    if (!payload || !mac || rest.length > 0) return null;
    // Any configured secret verifies, so rotating secrets does not break tokens in flight.
    if (!this.secrets.some((s) => safeEqual(this.sign(payload, s), mac))) return null;
    try {
      const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { k?: unknown };
      return typeof parsed.k === 'string' ? parsed.k : null;
    } catch {
      return null;
    }
  }
}

/** `Link` header with first/next relations, keeping the request's other query parameters. */
export function linkHeader(requestUrl: URL, pageSize: number, nextToken: string | null): string {
  const first = new URL(requestUrl);
  first.searchParams.delete('page_token');
  first.searchParams.set('page_size', String(pageSize));
  const parts = [`<${first.pathname}${first.search}>; rel="first"`];
  if (nextToken) {
    const next = new URL(first);
    next.searchParams.set('page_token', nextToken);
    parts.push(`<${next.pathname}${next.search}>; rel="next"`);
  }
  return parts.join(',');
}

/** As the query parser hands it over: a parameter given twice arrives as an array. */
export interface PageQuery {
  page_size?: unknown;
  page_token?: unknown;
}

/**
 * Reads `page_size` (default `defaultSize`, capped at `maxSize`) and `page_token` (the last key of
 * the previous page, which must look like `validKey` demands). Bad input throws `invalid(message)`.
 */
export function readPageQuery(
  q: PageQuery,
  tokens: PageTokens,
  opts: { defaultSize: number; maxSize: number; validKey: (key: string) => boolean },
  invalid: (message: string) => Error,
): { pageSize: number; afterKey: string | undefined } {
  let pageSize = opts.defaultSize;
  if (q.page_size !== undefined) {
    if (typeof q.page_size !== 'string' || !/^\d+$/.test(q.page_size) || Number(q.page_size) < 1) throw invalid('The page_size parameter must be a positive integer.');
    pageSize = Math.min(Number(q.page_size), opts.maxSize);
  }
  let afterKey: string | undefined;
  if (q.page_token !== undefined && typeof q.page_token !== 'string') throw invalid('The page_token parameter must be given once.');
  if (q.page_token) {
    const key = tokens.decode(q.page_token);
    if (key === null || !opts.validKey(key)) throw invalid('The page token is invalid, do not craft your own page tokens.');
    afterKey = key;
  }
  return { pageSize, afterKey };
}
