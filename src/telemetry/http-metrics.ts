import { Counter, Histogram, type Registry as PromRegistry } from 'prom-client';

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
  requests: Counter.Internal;
  duration: Histogram.Internal<string>;
  responseTime: Histogram.Internal<string>;
  responseSize: Histogram.Internal<string>;
  requestSize: Histogram.Internal<string>;
  statuses: Counter.Internal;
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
 * const labels and default buckets. Each combination of status, method and route gets its label
 * children resolved once and cached, so a request costs six observations and one map lookup.
 */
export class HttpMetrics {
  private readonly responseTime: Histogram;
  private readonly totalRequests: Counter;
  private readonly duration: Histogram;
  private readonly responseSize: Histogram;
  private readonly requestSize: Histogram;
  private readonly statuses: Counter;
  private readonly series = new Map<string, Series>();
  private readonly constLabels: string[];

  /** `constLabels` are Kratos's `app`, `version`, `hash` and `buildTime`, on every series. */
  constructor(registry: PromRegistry, constLabels: { app: string; version: string; hash: string; buildTime: string }) {
    const c = ['app', 'version', 'hash', 'buildTime'] as const;
    this.constLabels = c.map((k) => constLabels[k]);
    const common = { registers: [registry] };
    this.responseTime = new Histogram({ name: 'http_response_time_seconds', help: 'Description', labelNames: [...c, 'endpoint'], ...common });
    this.totalRequests = new Counter({ name: 'http_requests_total', help: 'number of requests', labelNames: [...c, 'code', 'method', 'endpoint'], ...common });
    this.duration = new Histogram({ name: 'http_requests_duration_seconds', help: 'duration of a requests in seconds', labelNames: [...c, 'code', 'method', 'endpoint'], ...common });
    this.responseSize = new Histogram({ name: 'http_response_size_bytes', help: 'size of the responses in bytes', labelNames: [...c, 'code', 'method'], ...common });
    this.requestSize = new Histogram({ name: 'http_requests_size_bytes', help: 'size of the requests in bytes', labelNames: [...c, 'code', 'method'], ...common });
    this.statuses = new Counter({ name: 'http_requests_statuses_total', help: 'count number of responses per status', labelNames: [...c, 'method', 'status_bucket'], ...common });
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
    const code = String(o.status);
    const lower = o.method.toLowerCase();
    const method = METHODS.has(lower) ? lower : 'unknown';
    const endpoint = endpointLabel(o.route);
    const c = this.constLabels;
    return {
      requests: this.totalRequests.labels(...c, code, method, endpoint),
      duration: this.duration.labels(...c, code, method, endpoint),
      responseTime: this.responseTime.labels(...c, endpoint),
      responseSize: this.responseSize.labels(...c, code, method),
      requestSize: this.requestSize.labels(...c, code, method),
      // Kratos labels this one with the method exactly as sent.
      statuses: this.statuses.labels(...c, o.method, statusBucket(o.status)),
    };
  }
}
