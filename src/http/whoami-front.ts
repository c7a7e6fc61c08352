import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { RequiredAal } from '../config/types.js';
import { NO_STORE } from './app.js';
import type { Metrics } from '../telemetry/metrics.js';
import { approximateRequestSize } from '../telemetry/http-hooks.js';
import type { AssuranceCheck } from '../session/aal.js';
import type { SessionCheckAnswers } from '../session/check-answers.js';

export const WHOAMI_PATH = '/sessions/whoami';
const JSON_TYPE = 'application/json; charset=utf-8';

export interface WhoamiFrontDeps {
  answers: SessionCheckAnswers;
  digest(token: string): string;
  assurance?: { check: AssuranceCheck; required(): RequiredAal };
  metrics: Metrics;
  /** False while something the front does not do applies to every request (CORS, tracing). */
  applies(): boolean;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Answers the usual session check before Fastify's request pipeline, which costs such a request
 * about a third of its CPU (docs/benchmarks.md): `GET /sessions/whoami` with nothing but an
 * `X-Session-Token` header, for an active session whose kept answer is current and whose assurance
 * level the session alone decides. It sends what the route sends (the same answer, status and
 * headers) and records what the route's hooks record (the request line and the metrics). Anything
 * else goes to Fastify as it came: another method or URL, a query string, no `X-Session-Token`
 * (a cookie is re-issued, a bearer token read there), a body, CORS or tracing configured, no active
 * session (the error envelope), a required step-up, a database error, or a server that is closing.
 * The header's token is the one the route would use too: it is looked at before cookies and
 * `Authorization`.
 */
export function installWhoamiFront(app: FastifyInstance, deps: WhoamiFrontDeps): void {
  const listeners = app.server.listeners('request') as Listener[];
  // Fastify serves through the one listener it registered; anything else and the front stays out.
  if (listeners.length !== 1) return;
  const fastify = listeners[0]!;
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  let nextId = 0;

  const answer = async (req: IncomingMessage, res: ServerResponse, token: string, started: number): Promise<boolean> => {
    const checked = await deps.answers.check(deps.digest(token));
    if (!checked || closing) return false;
    const { session, body } = checked;
    if (deps.assurance && deps.assurance.check.decidedBySession(session, deps.assurance.required()) !== true) return false;
    res.writeHead(200, { 'x-kratos-authenticated-identity-id': session.identity_id, 'content-type': JSON_TYPE, 'cache-control': NO_STORE, 'content-length': body.length });
    res.end(body);
    const ms = performance.now() - started;
    deps.metrics.http.observe({ method: 'GET', route: WHOAMI_PATH, status: 200, seconds: ms / 1000, requestBytes: approximateRequestSize(req), responseBytes: body.length });
    deps.metrics.sessionCheck('active');
    app.log.info({ reqId: `req-w${(nextId++).toString(36)}`, method: 'GET', url: WHOAMI_PATH, status: 200, ms: Math.round(ms) }, 'request');
    return true;
  };

  app.server.removeListener('request', fastify);
  app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const token = req.headers['x-session-token'];
    const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    if (req.method !== 'GET' || req.url !== WHOAMI_PATH || typeof token !== 'string' || token === '' || hasBody || closing || !deps.applies()) {
      fastify(req, res);
      return;
    }
    answer(req, res, token, performance.now()).then(
      (answered) => answered || fastify(req, res),
      // The route reports the error in its envelope (and the pipeline logs it).
      () => fastify(req, res),
    );
  });
}
