import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on loopback standing in for an SMS gateway; keeps what it was sent. Pair it
 * with `smsChannelConfig` so the courier's SMS channel posts `{ to, body }` to it.
 */
export class SmsGateway {
  readonly received: Array<{ to: string; body: string }> = [];
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { to: string; body: string });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/send`;
    return this;
  }

  /** Waits for the `n`-th SMS (1-based) to a number. */
  async waitFor(to: string, n = 1, timeoutMs = 10_000): Promise<{ to: string; body: string }> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const got = this.received.filter((m) => m.to === to);
      if (got.length >= n) return got[n - 1]!;
      if (Date.now() > until) throw new Error(`no SMS #${n} to ${to} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** `courier.channels` with one `sms` channel posting `{ to, body }` as JSON to the gateway. */
export function smsChannelConfig(gateway: SmsGateway): Array<Record<string, unknown>> {
  const body = `base64://${Buffer.from('function(ctx) { to: ctx.recipient, body: ctx.body }').toString('base64')}`;
  return [{ id: 'sms', type: 'http', request_config: { url: gateway.url, method: 'POST', body } }];
}

/** The six-digit code in an SMS. */
export const smsCode = (m: { body: string }): string => {
  const c = /\b(\d{6})\b/.exec(m.body);
  if (!c) throw new Error(`no code in SMS "${m.body}"`);
  return c[1]!;
};
