import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** One answer of the public API, as the UI sees it. */
export interface ApiAnswer<T = any> {
  status: number;
  body: T;
  setCookies: string[];
}

/**
 * Calls the public API the way a separate UI would: over HTTP semantics (Fastify's `inject`, no
 * socket), with the browser's `Cookie` header and nothing else of its request. Cookies the API sets
 * are passed on to the browser by `forwardCookies`.
 */
export class PublicApiClient {
  constructor(private readonly app: FastifyInstance) {}

  async call<T = any>(req: FastifyRequest, method: 'GET' | 'DELETE', path: string): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (typeof req.headers.cookie === 'string') headers.cookie = req.headers.cookie;
    if (typeof req.headers['user-agent'] === 'string') headers['user-agent'] = req.headers['user-agent'];
    const res = await this.app.inject({ method, url: path, headers, remoteAddress: req.ip });
    let body: unknown = undefined;
    if (res.body) {
      try {
        body = JSON.parse(res.body);
      } catch {
        body = res.body;
      }
    }
    const sc = res.headers['set-cookie'];
    const setCookies = sc === undefined ? [] : Array.isArray(sc) ? sc : [String(sc)];
    return { status: res.statusCode, body: body as T, setCookies };
  }

  get<T = any>(req: FastifyRequest, path: string): Promise<ApiAnswer<T>> {
    return this.call<T>(req, 'GET', path);
  }
}

/** Passes cookies the API set on to the browser (the session cookie's refreshed lifetime). */
export function forwardCookies(reply: FastifyReply, answers: ApiAnswer[]): void {
  const all = answers.flatMap((a) => a.setCookies);
  if (all.length > 0) reply.header('set-cookie', all);
}
