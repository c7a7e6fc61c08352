import type { FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import type { CorsConfig } from '../config/config.js';

/** `https://*.example.com` matches any subdomain; `*` matches every origin. */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  const o = origin.toLowerCase();
  return allowed.some((a) => {
    const p = a.toLowerCase();
    if (p === '*' || p === o) return true;
    const star = p.indexOf('*');
    if (star < 0) return false;
    const [prefix, suffix] = [p.slice(0, star), p.slice(star + 1)];
    return o.length > prefix.length + suffix.length && o.startsWith(prefix) && o.endsWith(suffix) && !o.slice(prefix.length, o.length - suffix.length).includes('/');
  });
}

/** CORS for the public API (`serve.public.cors`), so single-page apps on other origins can use the flows. */
export async function registerCors(app: FastifyInstance, c: CorsConfig): Promise<void> {
  if (!c.enabled) return;
  await app.register(cors, {
    origin: (origin, cb) => cb(null, origin !== undefined && originAllowed(origin, c.allowed_origins)),
    methods: c.allowed_methods,
    allowedHeaders: c.allowed_headers,
    exposedHeaders: c.exposed_headers,
    credentials: c.allow_credentials,
    maxAge: c.max_age || undefined,
  });
}
