import type { FastifyRequest } from 'fastify';

/**
 * How a browser-flow request wants its answer: `browser` (HTML navigation: redirects) or `spa`
 * (fetch/XHR from a single-page app: JSON, 422 instead of redirects). Native API flows never ask.
 */
export type BrowserResponseMode = 'browser' | 'spa';

export function browserResponseMode(req: FastifyRequest): BrowserResponseMode {
  const accept = String(req.headers.accept ?? '');
  const contentType = String(req.headers['content-type'] ?? '');
  if (contentType.startsWith('application/json')) return 'spa';
  // Kratos negotiates on Accept: JSON unless the client prefers HTML.
  if (/application\/json/i.test(accept) && !/text\/html/i.test(accept)) return 'spa';
  return 'browser';
}

/** The full URL of the request as the public API sees it. */
export function requestUrl(req: FastifyRequest, publicBase: URL): string {
  return new URL(req.url.replace(/^\//, ''), publicBase).toString();
}

/** Native API calls must not come from a browser: Kratos refuses them when an Origin or foreign cookies are present. */
export function looksLikeBrowser(req: FastifyRequest): boolean {
  if (req.headers.origin) return true;
  const cookies = Object.keys(req.cookies ?? {});
  // Cloudflare's cookies are added by the edge, not by the client.
  return cookies.some((c) => !/^(__cf|_cf|cf_)/.test(c));
}

/** The host of the URL a flow was started at, for SMS templates (`RequestURLDomain`: the WebOTP `@domain #code` line). */
export function requestUrlDomain(requestUrl: string): string {
  try {
    return new URL(requestUrl).hostname;
  } catch {
    return '';
  }
}
