import { Counter, Histogram, Registry as PromRegistry, collectDefaultMetrics } from 'prom-client';
import { VERSION } from '../lib/version.js';
import { HttpMetrics } from './http-metrics.js';

/** Outcome labels of Tessera's own counters; kept to a few fixed values so series stay few. */
export type AuthFlow = 'login' | 'registration' | 'settings' | 'recovery' | 'verification';
export type AuthResult = 'success' | 'failure';
export type SessionCheckResult = 'active' | 'unauthorized' | 'forbidden' | 'error';
export type CourierStatus = 'sent' | 'failed';
export type WebhookResult = 'success' | 'failure';

/** Prometheus exposition's content type (text format 0.0.4), as Kratos serves it. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * The metrics of one Tessera registry, in a prom-client registry of their own (never the module-wide
 * default one: tests build many registries in one process). Kratos v1.3's `http_*` set keeps its
 * names and labels so dashboards built for Kratos keep working; `tessera_*` are Tessera's own.
 */
export class Metrics {
  readonly registry = new PromRegistry();
  readonly http: HttpMetrics;
  private readonly authEvents: Counter<'flow' | 'method' | 'result'>;
  private readonly sessionChecks: Counter<'result'>;
  private readonly courierMessages: Counter<'channel' | 'status'>;
  private readonly webhookDeliveries: Counter<'hook' | 'result'>;
  private readonly passwordHashing: Histogram<'algorithm'>;
  private processMetrics = false;

  constructor() {
    const r = [this.registry];
    // Kratos's const labels; `app` keeps Kratos's value so dashboards selecting on it still match.
    this.http = new HttpMetrics(this.registry, { app: 'kratos', version: VERSION, hash: 'tessera', buildTime: '' });
    this.authEvents = new Counter({
      name: 'tessera_auth_events_total',
      help: 'Self-service submissions that completed or failed, by flow, method and result',
      labelNames: ['flow', 'method', 'result'],
      registers: r,
    });
    this.sessionChecks = new Counter({ name: 'tessera_session_checks_total', help: 'Session checks (/sessions/whoami) by result', labelNames: ['result'], registers: r });
    this.courierMessages = new Counter({
      name: 'tessera_courier_messages_total',
      help: 'Courier delivery attempts by channel and status (sent, failed)',
      labelNames: ['channel', 'status'],
      registers: r,
    });
    this.webhookDeliveries = new Counter({ name: 'tessera_webhook_deliveries_total', help: 'Web hook deliveries by hook and result', labelNames: ['hook', 'result'], registers: r });
    this.passwordHashing = new Histogram({
      name: 'tessera_password_hashing_seconds',
      help: 'Time spent hashing new passwords',
      labelNames: ['algorithm'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers: r,
    });
  }

  authEvent(flow: AuthFlow, method: string, result: AuthResult): void {
    this.authEvents.labels(flow, method, result).inc();
  }

  sessionCheck(result: SessionCheckResult): void {
    this.sessionChecks.labels(result).inc();
  }

  courierMessage(channel: string, status: CourierStatus): void {
    this.courierMessages.labels(channel, status).inc();
  }

  webhookDelivery(hook: string, result: WebhookResult): void {
    this.webhookDeliveries.labels(hook, result).inc();
  }

  passwordHashed(algorithm: string, seconds: number): void {
    this.passwordHashing.labels(algorithm).observe(seconds);
  }

  /**
   * The exposition text. Process and Node.js runtime metrics (Kratos exposes Go's) are set up on the
   * first scrape, so registries that are never scraped start no event-loop monitor.
   */
  async render(): Promise<string> {
    if (!this.processMetrics) {
      this.processMetrics = true;
      collectDefaultMetrics({ register: this.registry });
    }
    return this.registry.metrics();
  }
}
