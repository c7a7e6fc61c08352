// Loaded on demand by Tracing.start(): the only module that imports the OpenTelemetry SDK.
import { ROOT_CONTEXT, SpanKind, trace, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { VERSION } from '../lib/version.js';
import type { SpanKindName, TraceBackend, TracingConfig } from './tracing.js';

const KINDS: Record<SpanKindName, SpanKind> = { server: SpanKind.SERVER, client: SpanKind.CLIENT, internal: SpanKind.INTERNAL };

const headerGetter = {
  keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
  get: (carrier: Record<string, unknown>, key: string) => {
    const v = carrier[key];
    return typeof v === 'string' || Array.isArray(v) ? (v as string | string[]) : undefined;
  },
};

/**
 * The OTLP/HTTP exporter as Kratos configures it: `server_url` is `host:port`, spans go to
 * `/v1/traces` over https, or http with `insecure: true`; the sampler is parent-based with the
 * configured trace-id ratio; callers' W3C `traceparent` headers are continued.
 */
export function createOtelBackend(config: TracingConfig, untraced: <T>(fn: () => T) => T): TraceBackend {
  const otlp = config.providers?.otlp ?? {};
  const url = `${otlp.insecure ? 'http' : 'https'}://${otlp.server_url ?? 'localhost:4318'}/v1/traces`;
  const exporter = new OTLPTraceExporter({ url, headers: otlp.authorization_header ? { Authorization: otlp.authorization_header } : {} });
  const attributes: Record<string, string> = { 'service.name': config.service_name || 'Tessera', 'service.version': VERSION };
  if (config.deployment_environment) attributes['deployment.environment.name'] = config.deployment_environment;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(attributes),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(otlp.sampling?.sampling_ratio ?? 0) }),
    // Exports run outside any traced work: the exporter's own HTTP requests must not become spans.
    spanProcessors: [
      new BatchSpanProcessor({
        export: (spans, done) => untraced(() => exporter.export(spans, done)),
        shutdown: () => exporter.shutdown(),
        forceFlush: () => exporter.forceFlush(),
      }),
    ],
  });
  const tracer = provider.getTracer('tessera', VERSION);
  const propagator = new W3CTraceContextPropagator();

  return {
    startSpan(name, o) {
      let ctx = ROOT_CONTEXT;
      if (o.parent) ctx = trace.setSpan(ctx, o.parent);
      else if (o.headers) ctx = propagator.extract(ctx, o.headers, headerGetter);
      return tracer.startSpan(name, { kind: KINDS[o.kind], attributes: o.attributes, startTime: o.startTime }, ctx);
    },
    inject(span: Span, setHeader) {
      propagator.inject(trace.setSpan(ROOT_CONTEXT, span), {}, { set: (_carrier, key, value) => setHeader(key, value) });
    },
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
