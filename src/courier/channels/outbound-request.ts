import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupAllOptions, LookupOneOptions } from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';

// Outbound HTTP for courier channels: one request, a deadline covering connect and read, a bounded
// response, no redirects, and (unless private networks are allowed) a refusal to connect to
// loopback, private, link-local and other non-public addresses. The address check runs inside the
// socket's DNS lookup, so the address that is checked is the address that is dialled: a name that
// resolves to a public address when checked and a private one when connecting cannot slip through.

export interface OutboundRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Deadline for the whole exchange (connect, send, read). */
  timeoutMs: number;
  allowPrivateNetworks: boolean;
  /** Bytes of the response body kept; the rest is discarded (`truncated`) or refused (`tooLarge`). */
  maxResponseBytes: number;
  /** `error`: a longer body fails with `too_large`; `truncate`: the excerpt is kept. */
  onOverflow: 'error' | 'truncate';
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  truncated: boolean;
}

export type OutboundErrorCode = 'private_address' | 'timeout' | 'network' | 'too_large' | 'invalid_url';

export class OutboundRequestError extends Error {
  constructor(
    readonly code: OutboundErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OutboundRequestError';
  }
}

/** Sends one request. Injected by tests or by callers who bring their own `fetch`. */
import { isNonPublicAddress } from '../../lib/private-address.js';

export { isNonPublicAddress };

// ---------------------------------------------------------------------------------------------
// The guarded lookup

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;


export type OutboundRequester = (req: OutboundRequest) => Promise<OutboundResponse>;

// ---------------------------------------------------------------------------------------------
// Address classification

function privateAddressError(host: string, address: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new OutboundRequestError(
    'private_address',
    `refusing to connect to ${host} (${address}): not a public address (allow private networks to permit this)`,
  );
  err.code = 'ERR_TESSERA_PRIVATE_ADDRESS';
  return err;
}

/** A `lookup` for net.connect that fails when any address the name resolves to is non-public. */
export function guardedLookup(hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '');
    const list = addresses as LookupAddress[];
    const bad = list.find((a) => isNonPublicAddress(a.address));
    if (bad !== undefined) return callback(privateAddressError(hostname, bad.address), '');
    if (list.length === 0) return callback(Object.assign(new Error(`no addresses for ${hostname}`), { code: 'ENOTFOUND' }), '');
    if ((options as LookupAllOptions).all) return callback(null, list);
    return callback(null, list[0]!.address, list[0]!.family);
  });
}

function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

// ---------------------------------------------------------------------------------------------
// The node:http requester

export interface NodeRequester {
  request: OutboundRequester;
  /** Closes pooled keep-alive sockets. */
  close(): void;
}

/** Requests over node:http/https with per-instance keep-alive agents and the guarded lookup. */
export function createNodeRequester(): NodeRequester {
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 32 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 32 }),
  };

  const request: OutboundRequester = (req) =>
    new Promise<OutboundResponse>((resolve, reject) => {
      const { url } = req;
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        reject(new OutboundRequestError('invalid_url', `unsupported URL scheme ${url.protocol}`));
        return;
      }
      const host = hostOf(url);
      if (!req.allowPrivateNetworks && isIP(host) !== 0 && isNonPublicAddress(host)) {
        reject(privateAddressError(host, host));
        return;
      }
      const mod = url.protocol === 'https:' ? https : http;
      let settled = false;
      const finish = (err: Error | null, res?: OutboundResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(res!);
      };
      const headers: Record<string, string> = { ...req.headers };
      if (req.body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-length')) {
        headers['Content-Length'] = String(Buffer.byteLength(req.body));
      }
      const clientReq = mod.request(url, {
        method: req.method,
        headers,
        agent: url.protocol === 'https:' ? agents.https : agents.http,
        ...(req.allowPrivateNetworks ? {} : { lookup: guardedLookup as unknown as typeof dnsLookup }),
      });
      const timer = setTimeout(() => {
        const err = new OutboundRequestError('timeout', `no complete answer from ${url.host} within ${req.timeoutMs} ms`);
        clientReq.destroy(err);
        finish(err);
      }, req.timeoutMs);
      clientReq.on('error', (err) => {
        if (err instanceof OutboundRequestError) return finish(err);
        finish(new OutboundRequestError('network', `request to ${url.host} failed: ${err.message}`, { cause: err }));
      });
      clientReq.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        const done = (): void => {
          const out: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
          finish(null, { status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks), truncated });
        };
        res.on('data', (chunk: Buffer) => {
          if (truncated) return;
          if (size + chunk.length > req.maxResponseBytes) {
            if (req.onOverflow === 'error') {
              const err = new OutboundRequestError('too_large', `answer from ${url.host} exceeds ${req.maxResponseBytes} bytes`);
              res.destroy();
              clientReq.destroy();
              finish(err);
              return;
            }
            chunks.push(chunk.subarray(0, req.maxResponseBytes - size));
            size = req.maxResponseBytes;
            truncated = true;
            // Nothing more is needed: drop the connection rather than read a large body.
            res.destroy();
            done();
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', done);
        res.on('error', (err) => finish(new OutboundRequestError('network', `reading the answer from ${url.host} failed: ${err.message}`, { cause: err })));
      });
      if (req.body !== undefined) clientReq.end(req.body);
      else clientReq.end();
    });

  return {
    request,
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

/**
 * Adapts a WHATWG `fetch` (a caller's own, e.g. with a proxy dispatcher) to a requester. The
 * private-address check then resolves the name before the request instead of inside the
 * connection, which a name whose answers change between the two look-ups could evade.
 */
export function requesterFromFetch(fetchFn: typeof fetch): OutboundRequester {
  return async (req) => {
    const host = hostOf(req.url);
    if (!req.allowPrivateNetworks) {
      await new Promise<void>((resolve, reject) => {
        if (isIP(host) !== 0) {
          if (isNonPublicAddress(host)) reject(privateAddressError(host, host));
          else resolve();
          return;
        }
        guardedLookup(host, { all: true }, (err) => (err ? reject(err) : resolve()));
      });
    }
    const signal = AbortSignal.timeout(req.timeoutMs);
    let res: Response;
    try {
      res = await fetchFn(req.url, {
        method: req.method,
        headers: req.headers,
        ...(req.body !== undefined ? { body: req.body } : {}),
        redirect: 'manual',
        signal,
      });
    } catch (err) {
      if (signal.aborted) throw new OutboundRequestError('timeout', `no complete answer from ${req.url.host} within ${req.timeoutMs} ms`);
      throw new OutboundRequestError('network', `request to ${req.url.host} failed: ${(err as Error).message}`, { cause: err });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    try {
      if (res.body !== null) {
        const reader = res.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          const chunk = Buffer.from(value);
          if (size + chunk.length > req.maxResponseBytes) {
            await reader.cancel();
            if (req.onOverflow === 'error') throw new OutboundRequestError('too_large', `answer from ${req.url.host} exceeds ${req.maxResponseBytes} bytes`);
            chunks.push(chunk.subarray(0, req.maxResponseBytes - size));
            truncated = true;
            break;
          }
          chunks.push(chunk);
          size += chunk.length;
        }
      }
    } catch (err) {
      if (err instanceof OutboundRequestError) throw err;
      if (signal.aborted) throw new OutboundRequestError('timeout', `no complete answer from ${req.url.host} within ${req.timeoutMs} ms`);
      throw new OutboundRequestError('network', `reading the answer from ${req.url.host} failed: ${(err as Error).message}`, { cause: err });
    }
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    return { status: res.status, headers, body: Buffer.concat(chunks), truncated };
  };
}

/** A URL fit for messages and logs: user name and password replaced. */
export function redactUrl(url: string | URL): string {
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '') return u.href;
    u.username = 'REDACTED';
    u.password = '';
    return u.href;
  } catch {
    return String(url).replace(/\/\/[^/@]*@/, '//REDACTED@');
  }
}

/**
 * Whether the private-address guard applies to `url`: not when private networks are allowed, nor
 * for URLs listed exactly in `clients.http.private_ip_exception_urls` (compared once normalised).
 */
export function privateGuardExempt(url: URL, allowPrivateNetworks: boolean, exceptions: ReadonlySet<string>): boolean {
  return allowPrivateNetworks || exceptions.has(url.href);
}

/** Normalised exception set for privateGuardExempt. */
export function exceptionSet(urls: readonly string[] | undefined): ReadonlySet<string> {
  const out = new Set<string>();
  for (const u of urls ?? []) {
    try {
      out.add(new URL(u).href);
    } catch {
      out.add(u);
    }
  }
  return out;
}

/** A printable excerpt of a response body: at most `max` bytes, control characters escaped. */
export function bodyExcerpt(body: Buffer, truncated: boolean, max = 512): string {
  const cut = body.length > max;
  const text = body.subarray(0, max).toString('utf8').replace(/\uFFFD+$/, '');
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return clean + (cut || truncated ? '…' : '');
}
