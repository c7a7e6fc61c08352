import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';

import { loadConfig } from '../../../src/config/load.js';
import type { TesseraConfig } from '../../../src/config/types.js';
import { PageTokens } from '../../../src/lib/pagination.js';
import { createWebHooks, type WebHooks, type WebHooksDeps } from '../../../src/selfservice/hooks/web-hook/index.js';
import type { WebHookDeliveryQueue } from '../../../src/selfservice/hooks/web-hook/delivery-queue.js';

export const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: ReceivedRequest, res: ServerResponse) => void | Promise<void>;

/** A real HTTP peer on 127.0.0.1 that records what it receives and answers with `handler`. */
export class Peer {
  readonly received: ReceivedRequest[] = [];
  handler: Handler = (_req, res) => void res.writeHead(204).end();
  private server: Server | null = null;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listens on `port` (0: any free port; a fixed one to come back on the same address). */
  async start(port = 0): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.received.push(r);
        void Promise.resolve(this.handler(r, res)).catch(() => res.destroy());
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s === null) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

export const b64 = (jsonnet: string) => `base64://${Buffer.from(jsonnet).toString('base64')}`;

/** A fully defaulted configuration with `overrides` merged in. */
export async function testConfig(overrides: Record<string, unknown> = {}): Promise<TesseraConfig> {
  const config = await loadConfig({ env: {}, dev: false, skipRequired: true, overrides: { secrets: { default: ['test-secret-please-change-0123456789'] }, ...overrides } });
  return config.values;
}

export async function webHooks(queue: WebHookDeliveryQueue, overrides: Record<string, unknown> = {}, extra: Partial<WebHooksDeps> = {}): Promise<WebHooks> {
  return createWebHooks({
    config: await testConfig(overrides),
    queue,
    logger: silent,
    pageTokens: new PageTokens(['test-secret-please-change-0123456789']),
    retryBaseMs: 5,
    ...extra,
  });
}

/** A hook-context as a flow would build it. */
export function hookContext(extra: Record<string, unknown> = {}) {
  return {
    flow: { id: '6f1b2f5e-8a51-4d7e-9a59-0c1de7a8e0a1', type: 'browser', transient_payload: { plan: 'pro' }, ui: { nodes: [] } },
    request: {
      headers: {
        'user-agent': 'test-agent/1.0',
        'accept-language': 'de-CH',
        'sec-ch-ua-platform': '"Linux"',
        cookie: 'ory_kratos_session=secret-session',
        authorization: 'Bearer do-not-forward',
        'x-forwarded-for': '203.0.113.9',
      },
      method: 'POST',
      url: 'https://auth.example.com/self-service/registration?flow=6f1b2f5e-8a51-4d7e-9a59-0c1de7a8e0a1',
      cookies: { csrf_token: 'abc' },
    },
    ...extra,
  };
}
