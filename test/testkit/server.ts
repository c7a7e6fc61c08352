import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../../src/config/index.js';
import type { OidcUpstreams } from '../../src/selfservice/strategies/oidc/social-provider.js';
import { createRegistry, type Registry } from '../../src/registry/registry.js';
import { startServers, type RunningServers } from '../../src/http/server.js';
import { assertFetchMatchesApi, type ApiName } from './openapi.js';

export const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls a URL until it answers 2xx (a server process coming up); throws after `ms`. */
export async function waitForUrl(url: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > until) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is (already serialised). */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
  /** Skip the api.json contract check (for deliberately undocumented requests). */
  unchecked?: boolean;
}

/** An HTTP client for one API that checks every response against api.json. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly api: ApiName,
  ) {}

  url(path: string): string {
    return new URL(path.replace(/^\//, ''), this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`).toString();
  }

  async request<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...(opts.headers ?? {}) };
    let body: string | Buffer | undefined = opts.rawBody;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.url(path), { method, headers, body, redirect: 'manual' });
    if (opts.unchecked) {
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        /* not JSON */
      }
      return { status: res.status, headers: res.headers, body: parsed as T };
    }
    const parsed = await assertFetchMatchesApi(method, res, this.api);
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  get<T = any>(path: string, opts?: RequestOptions) {
    return this.request<T>('GET', path, opts);
  }
  post<T = any>(path: string, body?: unknown, opts: RequestOptions = {}) {
    return this.request<T>('POST', path, { ...opts, body });
  }
  put<T = any>(path: string, body?: unknown, opts: RequestOptions = {}) {
    return this.request<T>('PUT', path, { ...opts, body });
  }
  patch<T = any>(path: string, body?: unknown, opts: RequestOptions = {}) {
    return this.request<T>('PATCH', path, { ...opts, body });
  }
  delete<T = any>(path: string, opts?: RequestOptions) {
    return this.request<T>('DELETE', path, opts);
  }
}

export interface TestServer {
  registry: Registry;
  servers: RunningServers;
  publicApi: ApiClient;
  adminApi: ApiClient;
  publicUrl: string;
  adminUrl: string;
  close(): Promise<void>;
}

/** Deep-merges plain objects; arrays and scalars of `b` replace those of `a`. */
function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur) ? merge(cur as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

export interface TestServerOptions {
  dsn: string;
  config?: Record<string, unknown>;
  logger?: pino.Logger;
  /** Named social sign-in providers' services on loopback (RegistryOptions.oidcUpstreams). */
  oidcUpstreams?: OidcUpstreams;
}

/**
 * A Tessera server on free loopback ports against the given database, migrated, with the test
 * identity schemas and cheap password hashing. Extra configuration merges over the defaults.
 */
export async function startTestServer(opts: TestServerOptions): Promise<TestServer> {
  // A free port can be taken by a parallel test file between finding it and listening on it: try again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startTestServerOnce(opts);
    } catch (err) {
      if ((err as { code?: string } | null)?.code !== 'EADDRINUSE' || attempt >= 5) throw err;
    }
  }
}

async function startTestServerOnce(opts: TestServerOptions): Promise<TestServer> {
  const [publicPort, adminPort] = [await freePort(), await freePort()];
  const publicUrl = `http://127.0.0.1:${publicPort}/`;
  const adminUrl = `http://127.0.0.1:${adminPort}/`;
  const base = {
    dsn: opts.dsn,
    serve: { public: { host: '127.0.0.1', port: publicPort, base_url: publicUrl }, admin: { host: '127.0.0.1', port: adminPort, base_url: adminUrl } },
    identity: {
      default_schema_id: 'default',
      schemas: [
        { id: 'default', url: `file://${fixture('default.schema.json')}` },
        { id: 'username', url: `file://${fixture('username.schema.json')}` },
      ],
    },
    // Kratos v1.3 (and Tessera) register in two steps by default; the suites written for one step
    // keep it, and those for two-step registration (test/e2e/flows/two-step-registration.test.ts) turn it off.
    selfservice: { default_browser_return_url: 'http://127.0.0.1:4455/', flows: { registration: { enable_legacy_one_step: true } } },
    secrets: { default: ['test-secret-please-change-0123456789'] },
    hashers: { algorithm: 'argon2', argon2: { memory: '64KB', iterations: 1, parallelism: 1 } },
  };
  const config = await loadConfig({ env: {}, dev: false, overrides: merge(base, opts.config ?? {}) });
  const registry = createRegistry(config, { logger: opts.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), ...(opts.oidcUpstreams ? { oidcUpstreams: opts.oidcUpstreams } : {}) });
  await registry.database.migrate();
  let servers: Awaited<ReturnType<typeof startServers>>;
  try {
    servers = await startServers(registry);
  } catch (err) {
    await registry.close();
    throw err;
  }
  return {
    registry,
    servers,
    publicUrl,
    adminUrl,
    publicApi: new ApiClient(publicUrl, 'public'),
    adminApi: new ApiClient(adminUrl, 'admin'),
    close: async () => {
      await servers.close();
      await registry.close();
    },
  };
}
