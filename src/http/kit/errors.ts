import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KratosError } from '../../errors/kratos-error.js';
import { isDatabaseUnavailable } from '../../errors/storage.js';

/** Maps Fastify's own coded errors (body parsing, limits, media types) to the envelope. */
function fromFastifyError(err: FastifyError): KratosError | null {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new KratosError(400, { reason: 'The request body is not valid JSON.' });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new KratosError(413, { reason: 'The request body exceeds the size limit.' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new KratosError(415, { reason: 'This endpoint does not accept the request content type.' });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new KratosError(400, { reason: 'The Content-Length header does not match the body.' });
    case 'FST_ERR_VALIDATION':
      return new KratosError(400, { reason: err.message });
    default:
      break;
  }
  const status = err.statusCode;
  // Other 4xx raised by Fastify or its plugins carry a safe, generic meaning; their messages are not shown.
  if (typeof status === 'number' && status >= 400 && status < 500) return new KratosError(status);
  return null;
}

export function toKratosError(err: unknown): KratosError {
  if (err instanceof KratosError) return err;
  if (err instanceof SyntaxError && 'statusCode' in err) return new KratosError(400, { reason: 'The request body is not valid JSON.' });
  const mapped = err && typeof err === 'object' && 'code' in err ? fromFastifyError(err as FastifyError) : null;
  if (mapped) return mapped;
  if (isDatabaseUnavailable(err)) {
    return new KratosError(503, { reason: 'The database is unavailable at the moment; try again shortly.', headers: { 'retry-after': '5' }, cause: err });
  }
  return new KratosError(500, { cause: err });
}

/** The class and message of an error and of what it wraps: enough to find the bug, without the request's data. */
export function describeFailure(err: unknown): { error_class: string; error_message: string; cause?: string } {
  const name = (e: unknown) => (e instanceof Error ? e.constructor.name || e.name : typeof e);
  const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 500);
  const out: { error_class: string; error_message: string; cause?: string } = { error_class: name(err), error_message: message(err) };
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause !== undefined) out.cause = `${name(cause)}: ${message(cause)}`;
  return out;
}

export function sendError(reply: FastifyReply, err: KratosError): FastifyReply {
  if (err.id) reply.header('ory-error-id', err.id);
  for (const [k, v] of Object.entries(err.headers ?? {})) reply.header(k, v);
  return reply.code(err.code).type('application/json; charset=utf-8').send(err.toEnvelope());
}

/** Every error leaves in the Kratos envelope; unexpected ones are logged in full and shown as a bare 500. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request: FastifyRequest, reply) => {
    const k = toKratosError(err);
    if (k.code === 503 && k.cause !== undefined) request.log.warn({ ...describeFailure(err) }, 'request failed: the database is unavailable');
    else if (k.code >= 500) request.log.error({ ...describeFailure(err), err }, 'request failed');
    else request.log.debug({ code: k.code, reason: k.reason }, 'request rejected');
    return sendError(reply, k);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, new KratosError(404, { reason: `No route for ${request.method} ${request.url.split('?')[0]}.` })));
}
