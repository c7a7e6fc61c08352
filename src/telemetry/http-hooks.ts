import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Metrics, SessionCheckResult } from './metrics.js';
import type { Tracing } from './tracing.js';

export interface HttpTelemetry {
  metrics: Metrics;
  tracing: Tracing;
}

const WHOAMI = '/sessions/whoami';

/** Kratos's approximate request size: request line, headers and declared body length. */
export function approximateRequestSize(raw: IncomingMessage): number {
  let n = (raw.url?.length ?? 0) + (raw.method?.length ?? 0) + 8;
  const h = raw.rawHeaders;
  for (let i = 0; i < h.length; i++) n += h[i]!.length;
  const cl = raw.headers['content-length'];
  if (cl !== undefined) n += Number(cl) || 0;
  return n;
}

const sessionCheckResult = (status: number): SessionCheckResult => (status === 200 ? 'active' : status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : 'error');

/**
 * Metrics for every request (label children cached per route and status) and, when tracing is
 * configured, a server span per request: started on arrival (continuing the caller's
 * `traceparent`), made current for the handler so SQL and outbound calls become its children, ended
 * with the status. Installs the span hooks and returns what to run when a response is finished:
 * the app calls it from the one `onResponse` hook it runs for every request (each hook costs every
 * request a turn of Fastify's hook runner).
 */
export function installHttpTelemetry(app: FastifyInstance, t: HttpTelemetry): (req: FastifyRequest, reply: FastifyReply) => void {
  const { metrics, tracing } = t;
  const finished = (req: FastifyRequest, reply: FastifyReply): void => {
    const route = req.routeOptions.url;
    const status = reply.statusCode;
    metrics.http.observe({
      method: req.method,
      route,
      status,
      seconds: reply.elapsedTime / 1000,
      requestBytes: approximateRequestSize(req.raw),
      responseBytes: Number(reply.getHeader('content-length')) || 0,
    });
    if (route === WHOAMI) metrics.sessionCheck(sessionCheckResult(status));
    if (tracing.enabled) {
      const span = tracing.spanFor(req);
      if (span) {
        span.setAttribute('http.response.status_code', status);
        if (status >= 500) tracing.fail(span);
        span.end();
      }
    }
  };
  if (!tracing.wanted) return finished;

  app.addHook('onRequest', (req, _reply, done) => {
    const route = req.routeOptions.url;
    const span = tracing.startSpan(
      route ? `${req.method} ${route}` : req.method,
      'server',
      { 'http.request.method': req.method, 'url.path': req.url.split('?')[0], 'http.route': route ?? '', 'client.address': req.ip, 'user_agent.original': req.headers['user-agent'] ?? '' },
      { headers: req.headers, root: true },
    );
    if (span) tracing.attach(req, span);
    done();
  });
  // The handler runs synchronously from the last preHandler hook: running it inside the span here
  // (after the body was read, which happens outside any request context) makes it current.
  app.addHook('preHandler', (req, _reply, done) => {
    tracing.run(tracing.spanFor(req), done);
  });
  app.addHook('onError', (req, _reply, err, done) => {
    tracing.spanFor(req)?.recordException(err);
    done();
  });
  return finished;
}
