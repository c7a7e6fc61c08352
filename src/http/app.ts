import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import type { Logger } from 'pino';
import { installErrorHandling } from './errors.js';

export interface AppOptions {
  logger: Logger;
  bodyLimit: number;
  /** Rewrites a request URL before routing (the admin API's bare-path aliases). */
  rewriteUrl?: (url: string) => string;
  /** Proxies whose X-Forwarded-For sets `req.ip` (`tessera.trusted_proxies`). */
  trustProxy?: string[];
}

/**
 * The Fastify instance both APIs start from: body limit, JSON and form bodies, cookies, the error
 * envelope, and Kratos's no-store caching of GET responses.
 */
export async function createApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: opts.bodyLimit,
    // Fastify's own request lines would include query strings, which can carry tokens; see onResponse below.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Fastify would otherwise answer `/foo/` and `/foo` differently from Kratos's router.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    rewriteUrl: opts.rewriteUrl ? (req) => opts.rewriteUrl!(req.url ?? '/') : undefined,
    trustProxy: opts.trustProxy && opts.trustProxy.length > 0 ? opts.trustProxy : false,
  });
  installErrorHandling(app);
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: opts.bodyLimit });
  // Callback-style hooks: they run on every request, and avoid a promise per hook per request.
  app.addHook('onSend', (req, reply, payload, done) => {
    if (req.method === 'GET' && !reply.hasHeader('cache-control')) reply.header('cache-control', 'private, no-cache, no-store, must-revalidate');
    done(null, payload);
  });
  app.addHook('onResponse', (req, reply, done) => {
    req.log.info({ method: req.method, url: req.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    done();
  });
  return app;
}
