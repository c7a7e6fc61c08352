import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import type { Logger } from 'pino';
import { installErrorHandling } from './kit/errors.js';
import { installStorableInputCheck } from './kit/storable-input.js';
import { installHttpTelemetry, type HttpTelemetry } from '../telemetry/http-hooks.js';

export interface AppOptions {
  logger: Logger;
  bodyLimit: number;
  /** Rewrites a request URL before routing (the admin API's bare-path aliases). */
  rewriteUrl?: (url: string) => string;
  /** `serve.<api>.request_log.disable_for_health`: no request lines for /health/alive and /health/ready. */
  quietHealthChecks?: boolean;
  /** Serve HTTPS with this key and certificate chain (PEM). */
  https?: { key: Buffer; cert: Buffer };
  /** Request metrics and spans (the registry's metrics and tracing). */
  telemetry?: HttpTelemetry;
  /** Proxies whose X-Forwarded-For sets `req.ip` (`tessera.trusted_proxies`). */
  trustProxy?: string[];
}

const CLOSE_GRACE_MS = 300;
/** Kratos's caching header for GET responses that set none of their own. */
export const NO_STORE = 'private, no-cache, no-store, must-revalidate';

/**
 * The Fastify instance both APIs start from: body limit, JSON and form bodies, cookies, the error
 * envelope, and Kratos's no-store caching of GET responses.
 */
export async function createApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(opts.https ? { https: opts.https } : {}),
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: opts.bodyLimit,
    // Fastify's own request lines would log query strings unredacted; see onResponse below.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Fastify would otherwise answer `/foo/` and `/foo` differently from Kratos's router.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    rewriteUrl: opts.rewriteUrl ? (req) => opts.rewriteUrl!(req.url ?? '/') : undefined,
    trustProxy: opts.trustProxy && opts.trustProxy.length > 0 ? opts.trustProxy : false,
  });
  installErrorHandling(app);
  // On close Node resets every connection it counts idle, and that includes one whose request the
  // client has sent but the server has not read yet: the client sees ECONNRESET for a request it
  // made before the signal. A short grace while closing (new requests get a clean 503 meanwhile,
  // `return503OnClosing`) lets such requests be read and answered instead.
  app.addHook('preClose', (done) => {
    if (!app.server.listening) return done();
    setTimeout(done, CLOSE_GRACE_MS).unref();
  });
  const observe = opts.telemetry ? installHttpTelemetry(app, opts.telemetry) : undefined;
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: opts.bodyLimit });
  installStorableInputCheck(app);
  // Callback-style hooks: they run on every request, and avoid a promise per hook per request.
  app.addHook('onSend', (req, reply, payload, done) => {
    if (req.method === 'GET' && !reply.hasHeader('cache-control')) reply.header('cache-control', NO_STORE);
    done(null, payload);
  });
  // One hook for the request line and the telemetry: every hook costs every request a turn of the runner.
  app.addHook('onResponse', (req, reply, done) => {
    observe?.(req, reply);
    // The query string can carry tokens and codes: logged under `query`, which the logger redacts unless log.leak_sensitive_values.
    const q = req.url.indexOf('?');
    const path = q === -1 ? req.url : req.url.slice(0, q);
    if (opts.quietHealthChecks && (path === '/health/alive' || path === '/health/ready')) return done();
    const query = q === -1 ? undefined : req.url.slice(q + 1);
    req.log.info({ method: req.method, url: path, query, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    done();
  });
  return app;
}
