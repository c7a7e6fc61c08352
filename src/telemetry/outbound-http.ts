import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import type { Tracing } from './tracing.js';

/**
 * Client spans for outbound HTTP made with node:http/https (courier HTTP channels, Microsoft Graph,
 * template and schema fetches, breached-password lookups), from Node's diagnostics channels: no
 * module patching. A request gets a span only when it is made inside a traced piece of work of this
 * Tracing (a request, a courier delivery), and carries that span's `traceparent` where Node allows it. The URL is
 * recorded without its query string, which may carry credentials.
 */
export function instrumentOutboundHttp(tracing: Tracing): () => void {
  const spans = new WeakMap<ClientRequest, Span>();
  // `http.client.request.created` (Node 22+) comes before the headers are written, so the span's
  // traceparent can be added; Node 20 only has `start`, after them: the span is recorded, not propagated.
  const onCreated = (m: unknown) => begin((m as { request: ClientRequest }).request, true);
  const onStart = (m: unknown) => begin((m as { request: ClientRequest }).request, false);
  const begin = (request: ClientRequest, propagate: boolean) => {
    if (spans.has(request) || !tracing.active()) return;
    const authority = request.getHeader('host') ?? request.host;
    const url = `${request.protocol}//${String(authority)}${request.path.split('?')[0]}`;
    const span = tracing.startSpan(request.method, 'client', { 'http.request.method': request.method, 'url.full': url, 'server.address': request.host });
    if (!span) return;
    spans.set(request, span);
    if (propagate) tracing.inject(span, (k, v) => request.setHeader(k, v));
  };
  const onFinish = (m: unknown) => {
    const { request, response } = m as { request: ClientRequest; response: IncomingMessage };
    const span = spans.get(request);
    if (!span) return;
    spans.delete(request);
    const status = response.statusCode ?? 0;
    span.setAttribute('http.response.status_code', status);
    if (status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  };
  const onError = (m: unknown) => {
    const { request, error } = m as { request: ClientRequest; error: Error };
    const span = spans.get(request);
    if (!span) return;
    spans.delete(request);
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    span.end();
  };
  subscribe('http.client.request.created', onCreated);
  subscribe('http.client.request.start', onStart);
  subscribe('http.client.response.finish', onFinish);
  subscribe('http.client.request.error', onError);
  return () => {
    unsubscribe('http.client.request.created', onCreated);
    unsubscribe('http.client.request.start', onStart);
    unsubscribe('http.client.response.finish', onFinish);
    unsubscribe('http.client.request.error', onError);
  };
}
