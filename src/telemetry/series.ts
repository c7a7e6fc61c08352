import type { Registry as PromRegistry } from 'prom-client';

/** Prometheus's (and Go client's) default histogram buckets, which Kratos's HTTP metrics use. */
export const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

type Labels = Readonly<Record<string, string>>;
interface Value {
  labels: Labels;
  value: number;
  metricName?: string;
}

export interface CounterSeries {
  inc(): void;
}
export interface HistogramSeries {
  observe(v: number): void;
}

/**
 * Metric families for the per-request path. prom-client's own label children hash and validate
 * their labels on every call; here a series is resolved once (labels fixed) and then costs a field
 * increment (counter) or a bucket scan (histogram). The families register in a prom-client registry
 * as custom metrics, so they are rendered with the others at scrape time.
 */
abstract class Family<S> {
  protected readonly all: Array<{ labels: Labels; s: S }> = [];

  constructor(
    readonly name: string,
    readonly help: string,
    registry: PromRegistry,
  ) {
    registry.registerMetric(this as never);
  }

  series(labels: Labels): S {
    const s = this.create();
    this.all.push({ labels, s });
    return s;
  }

  protected abstract create(): S;
  abstract get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum'; values: Value[] }>;
}

export class CounterFamily extends Family<CounterSeries & { n: number }> {
  readonly type = 'counter';

  protected create() {
    const s = {
      n: 0,
      inc() {
        s.n++;
      },
    };
    return s;
  }

  async get() {
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum' as const, values: this.all.map(({ labels, s }) => ({ labels, value: s.n })) };
  }
}

export class HistogramFamily extends Family<HistogramSeries & { counts: Float64Array; sum: number; count: number }> {
  readonly type = 'histogram';
  private readonly bounds: readonly number[];

  constructor(name: string, help: string, registry: PromRegistry, bounds: readonly number[] = DEFAULT_BUCKETS) {
    super(name, help, registry);
    this.bounds = bounds;
  }

  protected create() {
    const bounds = this.bounds;
    const s = {
      counts: new Float64Array(bounds.length),
      sum: 0,
      count: 0,
      observe(v: number) {
        s.sum += v;
        s.count++;
        for (let i = 0; i < bounds.length; i++) {
          if (v <= bounds[i]!) {
            s.counts[i]!++;
            return;
          }
        }
      },
    };
    return s;
  }

  async get() {
    const values: Value[] = [];
    for (const { labels, s } of this.all) {
      let cumulative = 0;
      this.bounds.forEach((b, i) => {
        cumulative += s.counts[i]!;
        values.push({ labels: { ...labels, le: String(b) }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { ...labels, le: '+Inf' }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum' as const, values };
  }
}
