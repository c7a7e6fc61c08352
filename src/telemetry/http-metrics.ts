import type { Registry as PromRegistry } from 'prom-client';
import { CounterFamily, HistogramFamily, type CounterSeries, type HistogramSeries } from './series.js';

/** One finished HTTP request, as the metrics see it. */
export interface HttpObservation {
  /** The request method as sent (`GET`). */
  method: string;
  /** The matched route's pattern (`/admin/identities/:id`), or undefined when no route matched. */
  route: string | undefined;
  status: number;
  seconds: number;
  requestBytes: number;
  responseBytes: number;
}

interface Series {
  requests: CounterSeries;
  duration: HistogramSeries;
  responseTime: HistogramSeries;
  responseSize: HistogramSeries;
  requestSize: HistogramSeries;
  statuses: CounterSeries;
}

// The methods Kratos's middleware names (lower case); anything else is "unknown".
const METHODS = new Set(['get', 'put', 'head', 'post', 'delete', 'connect', 'options', 'notify', 'trace', 'patch']);

const statusBucket = (s: number) => (s >= 200 && s <= 599 ? `${Math.floor(s / 100)}xx` : 'unknown');

/** Kratos's endpoint label: the route with each path parameter replaced by `{param}`. */
export function endpointLabel(route: string | undefined): string {
  if (route === undefined) return '{unmatched}';
  return route.replace(/:[^/]+|\*/g, '{param}');
}

/**
 * Kratos v1.3's HTTP metrics (ory/x prometheusx with the `http` prefix): same names, label names,
 * const labels and default buckets. Each combination of status, method and route gets its series
 * resolved once, so a request costs one map lookup and six plain increments.
 */
export class HttpMetrics {
  private readonly responseTime: HistogramFamily;
  private readonly totalRequests: CounterFamily;
  private readonly duration: HistogramFamily;
  private readonly responseSize: HistogramFamily;
  private readonly requestSize: HistogramFamily;
  private readonly statuses: CounterFamily;
  private readonly series = new Map<string, Series>();
  /** The endpoint label of each route pattern, computed once. */
  private readonly endpoints = new Map<string | undefined, string>();
  /** Series shared by every request of one endpoint (response time has no code or method label). */
  private readonly byEndpoint = new Map<string, HistogramSeries>();
  private readonly byCodeMethod = new Map<string, { responseSize: HistogramSeries; requestSize: HistogramSeries }>();
  private readonly byStatus = new Map<string, CounterSeries>();
  private readonly byLabels = new Map<string, { requests: CounterSeries; duration: HistogramSeries }>();

  /** `constLabels` are Kratos's `app`, `version`, `hash` and `buildTime`, on every series. */
  constructor(
    registry: PromRegistry,
    private readonly constLabels: { app: string; version: string; hash: string; buildTime: string },
  ) {
    this.responseTime = new HistogramFamily('http_response_time_seconds', 'Description', registry);
    this.totalRequests = new CounterFamily('http_requests_total', 'number of requests', registry);
    this.duration = new HistogramFamily('http_requests_duration_seconds', 'duration of a requests in seconds', registry);
    this.responseSize = new HistogramFamily('http_response_size_bytes', 'size of the responses in bytes', registry);
    this.requestSize = new HistogramFamily('http_requests_size_bytes', 'size of the requests in bytes', registry);
    this.statuses = new CounterFamily('http_requests_statuses_total', 'count number of responses per status', registry);
  }

  observe(o: HttpObservation): void {
    const key = `${o.status} ${o.method} ${o.route ?? ''}`;
    let s = this.series.get(key);
    if (s === undefined) {
      s = this.resolve(o);
      this.series.set(key, s);
    }
    s.requests.inc();
    s.duration.observe(o.seconds);
    s.responseTime.observe(o.seconds);
    s.responseSize.observe(o.responseBytes);
    s.requestSize.observe(o.requestBytes);
    s.statuses.inc();
  }

  private resolve(o: HttpObservation): Series {
    const c = this.constLabels;
    const code = String(o.status);
    const lower = o.method.toLowerCase();
    const method = METHODS.has(lower) ? lower : 'unknown';
    let endpoint = this.endpoints.get(o.route);
    if (endpoint === undefined) this.endpoints.set(o.route, (endpoint = endpointLabel(o.route)));
    let responseTime = this.byEndpoint.get(endpoint);
    if (!responseTime) this.byEndpoint.set(endpoint, (responseTime = this.responseTime.series({ ...c, endpoint })));
    let sizes = this.byCodeMethod.get(`${code} ${method}`);
    if (!sizes) {
      sizes = { responseSize: this.responseSize.series({ ...c, code, method }), requestSize: this.requestSize.series({ ...c, code, method }) };
      this.byCodeMethod.set(`${code} ${method}`, sizes);
    }
    // Kratos labels this one with the method exactly as sent.
    const bucket = statusBucket(o.status);
    let statuses = this.byStatus.get(`${o.method} ${bucket}`);
    if (!statuses) this.byStatus.set(`${o.method} ${bucket}`, (statuses = this.statuses.series({ ...c, method: o.method, status_bucket: bucket })));
    // Two route patterns may share an endpoint label (`/a/:id`, `/a/*`): they share the series too.
    let full = this.byLabels.get(`${code} ${method} ${endpoint}`);
    if (!full) {
      full = { requests: this.totalRequests.series({ ...c, code, method, endpoint }), duration: this.duration.series({ ...c, code, method, endpoint }) };
      this.byLabels.set(`${code} ${method} ${endpoint}`, full);
    }
    return { ...full, responseTime, ...sizes, statuses };
  }
}
