// Fetches a template over http(s) with a size limit, a timeout, a bounded number of redirects, and
// (unless allowed) a refusal to reach loopback, private, link-local and other non-public addresses.
// The default transport checks the addresses a host name resolves to at connect time (inside the
// socket's DNS lookup), so a name cannot resolve to a public address for a check and to a private
// one for the connection.

import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { isNonPublicAddress } from '../../lib/private-address.js';
import { redactUrl } from '../channels/outbound-request.js';

export type FetchLike = (input: string, init: { signal: AbortSignal; redirect: 'manual' }) => Promise<Response>;

export interface RemoteFetchOptions {
  /** Allow loopback, private, link-local and other non-public addresses (default false). */
  allowPrivateNetworks: boolean;
  /** URLs (exact match) fetched even when they resolve to a non-public address. */
  privateIpExceptionUrls: readonly string[];
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
  /** A fetch to use instead of node:http (its DNS answers are checked before each request). */
  fetch?: FetchLike;
}

export class RemoteFetchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RemoteFetchError';
  }
}

export { isNonPublicAddress };

function refused(host: string, address: string): RemoteFetchError {
  return new RemoteFetchError(`refusing to fetch from ${host}: ${address} is not a public address (private networks are not allowed)`);
}

export { redactUrl };

/** Fetches `url` and returns its body as UTF-8 text. Throws RemoteFetchError (URLs in messages are redacted). */
export async function fetchRemoteText(url: string, opts: RemoteFetchOptions): Promise<string> {
  let current = new URL(url);
  const exceptions = new Set(opts.privateIpExceptionUrls.map(normalizeUrl));
  const signal = AbortSignal.timeout(opts.timeoutMs);
  for (let hop = 0; ; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') {
      throw new RemoteFetchError(`unsupported URL scheme ${current.protocol} in ${redactUrl(current)}`);
    }
    const guard = !opts.allowPrivateNetworks && !exceptions.has(current.href);
    let res: RawResponse;
    try {
      res = opts.fetch ? await viaFetch(opts.fetch, current, guard, signal) : await viaNodeHttp(current, guard, signal);
    } catch (e) {
      if (e instanceof RemoteFetchError) throw e;
      if (signal.aborted) throw new RemoteFetchError(`fetching ${redactUrl(current)} timed out after ${opts.timeoutMs} ms`, { cause: e });
      throw new RemoteFetchError(`fetching ${redactUrl(current)} failed: ${(e as Error).message}`, { cause: e });
    }
    if (res.status >= 300 && res.status < 400 && res.location !== undefined) {
      await res.discard();
      if (hop >= opts.maxRedirects) throw new RemoteFetchError(`fetching ${redactUrl(url)} failed: more than ${opts.maxRedirects} redirects`);
      current = new URL(res.location, current);
      continue;
    }
    if (res.status < 200 || res.status >= 300) {
      await res.discard();
      throw new RemoteFetchError(`fetching ${redactUrl(current)} failed: HTTP status ${res.status}`);
    }
    if (res.contentLength !== undefined && res.contentLength > opts.maxBytes) {
      await res.discard();
      throw new RemoteFetchError(`fetching ${redactUrl(current)} failed: the template is larger than ${opts.maxBytes} bytes`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += chunk.byteLength;
        if (size > opts.maxBytes) {
          await res.discard();
          throw new RemoteFetchError(`fetching ${redactUrl(current)} failed: the template is larger than ${opts.maxBytes} bytes`);
        }
        chunks.push(chunk);
      }
    } catch (e) {
      if (e instanceof RemoteFetchError) throw e;
      if (signal.aborted) throw new RemoteFetchError(`fetching ${redactUrl(current)} timed out after ${opts.timeoutMs} ms`, { cause: e });
      throw new RemoteFetchError(`fetching ${redactUrl(current)} failed: ${(e as Error).message}`, { cause: e });
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}

function normalizeUrl(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

interface RawResponse {
  status: number;
  location?: string;
  contentLength?: number;
  body: AsyncIterable<Uint8Array>;
  discard(): Promise<void>;
}

function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

function viaNodeHttp(url: URL, guard: boolean, signal: AbortSignal): Promise<RawResponse> {
  const host = hostOf(url);
  if (guard && isIP(host) && isNonPublicAddress(host)) return Promise.reject(refused(host, host));
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<RawResponse>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        signal,
        headers: { accept: 'text/plain, text/html, */*', 'accept-encoding': 'identity' },
        agent: false,
        ...(guard ? { lookup: guardedLookup } : {}),
      },
      (res: IncomingMessage) => {
        const len = res.headers['content-length'];
        resolve({
          status: res.statusCode ?? 0,
          location: res.headers.location,
          contentLength: len === undefined ? undefined : Number(len),
          body: res,
          discard: async () => {
            res.destroy();
          },
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A dns.lookup for sockets that fails when any address of the name is not public. */
function guardedLookup(hostname: string, options: { family?: number | string; all?: boolean }, callback: LookupCallback): void {
  const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : typeof options.family === 'number' ? options.family : 0;
  dnsLookup(hostname, { all: true, family }, (err, addresses) => {
    if (err) return callback(err, '');
    const bad = addresses.find((a) => isNonPublicAddress(a.address));
    if (bad) return callback(refused(hostname, bad.address) as NodeJS.ErrnoException, '');
    if (addresses.length === 0) return callback(new Error(`no addresses for ${hostname}`) as NodeJS.ErrnoException, '');
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
}

async function checkResolved(host: string): Promise<void> {
  if (isIP(host)) {
    if (isNonPublicAddress(host)) throw refused(host, host);
    return;
  }
  const addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(host, { all: true }, (err, a) => (err ? reject(err) : resolve(a))),
  );
  const bad = addresses.find((a) => isNonPublicAddress(a.address));
  if (bad) throw refused(host, bad.address);
}

async function viaFetch(fetchFn: FetchLike, url: URL, guard: boolean, signal: AbortSignal): Promise<RawResponse> {
  if (guard) await checkResolved(hostOf(url));
  const res = await fetchFn(url.href, { signal, redirect: 'manual' });
  const len = res.headers.get('content-length');
  const body = res.body;
  return {
    status: res.status,
    location: res.headers.get('location') ?? undefined,
    contentLength: len === null ? undefined : Number(len),
    body: body ? (body as unknown as AsyncIterable<Uint8Array>) : emptyBody(),
    discard: async () => {
      await body?.cancel().catch(() => undefined);
    },
  };
}

async function* emptyBody(): AsyncIterable<Uint8Array> {
  // no body
}
