// A real HTTP server on loopback standing in for an SMS gateway, and the courier channel that posts
// text messages to it.
//
//   const gateway = await new SmsGateway().start();
//   config: { courier: { ...mailboxConfig(mailbox).courier, channels: [smsChannel(gateway)] } }
//   const code = smsCode(await gateway.waitFor('+4917012345678'));

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSms {
  to: string;
  body: string;
}

/** Keeps every message it was sent (the channel's Jsonnet body posts `{to, body}`). */
export class SmsGateway {
  readonly received: ReceivedSms[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedSms);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/send`;
    return this;
  }

  /** Messages sent to `to` so far. */
  to(to: string): ReceivedSms[] {
    return this.received.filter((m) => m.to === to);
  }

  /** The `n`th message to `to`, once it arrived. */
  async waitFor(to: string, n = 1, timeoutMs = 10_000): Promise<ReceivedSms> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const got = this.to(to);
      if (got.length >= n) return got[n - 1]!;
      if (Date.now() > until) throw new Error(`no SMS #${n} to ${to} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A `courier.channels` entry delivering text messages to `gateway`. */
export function smsChannel(gateway: SmsGateway): Record<string, unknown> {
  const body = `base64://${Buffer.from('function(ctx) { to: ctx.recipient, body: ctx.body }').toString('base64')}`;
  return { id: 'sms', type: 'http', request_config: { url: gateway.url, method: 'POST', body } };
}

/** The six-digit code in a text message. */
export const smsCode = (m: ReceivedSms): string => {
  const c = /\b(\d{6})\b/.exec(m.body);
  if (!c) throw new Error(`no code in SMS "${m.body}"`);
  return c[1]!;
};

/** A German mobile number, new for each call, as a person would type it and in E.164. */
export function newPhone(): { typed: string; e164: string } {
  const n = String(Math.floor(1_000_000 + Math.random() * 8_999_999));
  return { typed: `+49 170 ${n.slice(0, 3)} ${n.slice(3)}`, e164: `+49170${n}` };
}
