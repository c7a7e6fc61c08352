import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KratosError } from '../errors/kratos-error.js';
import type { Config } from '../config/config.js';
import { sendError } from './kit/errors.js';

/** Names a loopback client may use: these never resolve to another machine. */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1']);

/** The host name of a Host header, lower-cased, without port or IPv6 brackets; null when unreadable. */
export function hostName(header: string | undefined): string | null {
  if (!header) return null;
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(1, end) : null;
  }
  const colon = h.indexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

/**
 * Whether a host name may address this API: loopback names (and `*.localhost`), or one of
 * `allowed` (exact names, `*.example.com` for subdomains, `*` for any).
 */
export function hostAllowed(name: string, allowed: readonly string[]): boolean {
  if (LOOPBACK.has(name) || name.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(name)) return true;
  return allowed.some((a) => {
    const p = a.toLowerCase();
    return p === '*' || p === name || (p.startsWith('*.') && name.endsWith(p.slice(1)));
  });
}

/**
 * Refuses requests whose Host header names no host this API is served under, so a page on another
 * site cannot reach it through DNS rebinding. `applies` narrows the check to some paths.
 */
export function registerHostCheck(app: FastifyInstance, allowed: readonly string[], applies: (req: FastifyRequest) => boolean = () => true): void {
  app.addHook('onRequest', (req, reply, done) => {
    if (!applies(req)) return done();
    const name = hostName(req.headers.host);
    if (name !== null && hostAllowed(name, allowed)) return done();
    req.log.warn({ host: req.headers.host?.slice(0, 100) }, 'request for a host this API is not served under was refused');
    sendError(reply, new KratosError(403, { reason: 'The Host header names a host this API is not served under.' }));
  });
}

/** The hosts an API answers to besides loopback: `tessera.allowed_hosts.<api>`, its base URL's and its listen address. */
export function configuredHosts(config: Config, api: 'public' | 'admin'): string[] {
  const s = config.values.serve[api];
  const out = [...config.values.tessera.allowed_hosts[api]];
  if (s.base_url) out.push(new URL(s.base_url).hostname.replace(/^\[|\]$/g, ''));
  if (s.host && s.host !== '0.0.0.0' && s.host !== '::') out.push(s.host);
  return out;
}
