import { AsyncLocalStorage } from 'node:async_hooks';
import type { Attributes, Span } from '@opentelemetry/api';
import type { Logger } from 'pino';

/** Kratos's `tracing` configuration (ory/x otelx); Tessera implements the `otel` provider. */
export interface TracingConfig {
  provider?: string;
  service_name?: string;
  deployment_environment?: string;
  providers?: {
    otlp?: { server_url?: string; insecure?: boolean; sampling?: { sampling_ratio?: number }; authorization_header?: string };
  };
}

// SpanStatusCode.ERROR of @opentelemetry/api, which is only loaded with the SDK.
const SPAN_STATUS_ERROR = 2;

export type SpanKindName = 'server' | 'client' | 'internal';

/** What the OpenTelemetry SDK gives Tracing once loaded (src/telemetry/otel-backend.ts). */
export interface TraceBackend {
  /** Starts a span under `parent`, or under the caller's trace context carried in `headers`. */
  startSpan(name: string, o: { kind: SpanKindName; attributes?: Attributes; startTime?: number; parent?: Span; headers?: Record<string, unknown> }): Span;
  /** Writes `traceparent` for the span into outgoing request headers. */
  inject(span: Span, setHeader: (name: string, value: string) => void): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Whether a configuration asks for traces. */
export const tracingWanted = (c: TracingConfig | undefined): boolean => c?.provider === 'otel';

/**
 * Traces for one registry. The OpenTelemetry SDK is loaded only when `tracing.provider` is set (it
 * costs start-up time), and nothing is registered globally: the current span lives in this object's
 * own async-local storage, so several registries in one process each trace to their own exporter.
 * Until `start()` has loaded the SDK, and whenever tracing is off, every method is a cheap no-op.
 */
export class Tracing {
  private backend: TraceBackend | null = null;
  private readonly current = new AsyncLocalStorage<Span>();
  private readonly unhooks: Array<() => void> = [];
  private readonly owned = new WeakMap<object, Span>();

  constructor(
    private readonly config: TracingConfig | undefined,
    private readonly logger: Logger,
  ) {}

  get enabled(): boolean {
    return this.backend !== null;
  }

  get wanted(): boolean {
    return tracingWanted(this.config);
  }

  /** Loads the SDK and the OTLP exporter when tracing is configured. Safe to call more than once. */
  async start(): Promise<void> {
    if (this.backend || !this.wanted) return;
    const { createOtelBackend } = await import('./otel-backend.js');
    const otlp = this.config!.providers?.otlp ?? {};
    this.backend = createOtelBackend(this.config!, (fn) => this.current.exit(fn));
    const { instrumentOutboundHttp } = await import('./outbound-http.js');
    this.unhooks.push(instrumentOutboundHttp(this));
    const ratio = otlp.sampling?.sampling_ratio ?? 0;
    this.logger.info({ server_url: otlp.server_url, sampling_ratio: ratio }, 'tracing: sending spans over OTLP/HTTP');
    if (ratio <= 0) this.logger.warn('tracing: tracing.providers.otlp.sampling.sampling_ratio is 0 (the default, as in Kratos): only requests whose caller sends a sampled trace context are traced');
  }

  /** A new span under the current one (or under the caller's context in `headers`); null when off. */
  startSpan(name: string, kind: SpanKindName, attributes?: Attributes, o: { startTime?: number; headers?: Record<string, unknown>; root?: boolean } = {}): Span | null {
    if (!this.backend) return null;
    const parent = o.root ? undefined : this.current.getStore();
    return this.backend.startSpan(name, { kind, attributes, startTime: o.startTime, parent, headers: o.headers });
  }

  /** The span of the work in progress, if any. */
  active(): Span | undefined {
    return this.backend ? this.current.getStore() : undefined;
  }

  /** Ties a span to an object (an HTTP request) so code holding the object can add events to it. */
  attach(owner: object, span: Span): void {
    this.owned.set(owner, span);
  }

  spanFor(owner: object): Span | undefined {
    return this.backend ? this.owned.get(owner) : undefined;
  }

  /** Runs `fn` with `span` as the current span: spans started inside become its children. */
  run<T>(span: Span | null | undefined, fn: () => T): T {
    return span ? this.current.run(span, fn) : fn();
  }

  /** Marks a span failed (OpenTelemetry's status ERROR), recording the error when there is one. */
  fail(span: Span | null | undefined, err?: unknown): void {
    if (!span) return;
    if (err !== undefined) span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SPAN_STATUS_ERROR, message: err instanceof Error ? err.message : undefined });
  }

  inject(span: Span, setHeader: (name: string, value: string) => void): void {
    this.backend?.inject(span, setHeader);
  }

  /** Exports every finished span now (tests, and before a process exits). */
  async flush(): Promise<void> {
    await this.backend?.forceFlush();
  }

  async shutdown(): Promise<void> {
    for (const u of this.unhooks.splice(0)) u();
    const b = this.backend;
    this.backend = null;
    await b?.shutdown();
  }
}
