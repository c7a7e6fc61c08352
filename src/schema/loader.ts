/**
 * Reads the text behind an identity schema URL: `file://` (absolute, or relative to the working
 * directory as in `file://stub/identity.schema.json`), `base64://<base64 of the JSON>` and
 * `http(s)://` (through an injectable fetcher, so the registry can apply the deployment's
 * outbound HTTP policy). Every source is capped at `MAX_SCHEMA_BYTES`, as Kratos caps it.
 */
import { open } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';

export const MAX_SCHEMA_BYTES = 1024 * 1024;
export const REMOTE_SCHEMA_TIMEOUT_MS = 10_000;

export type FetchRemote = (url: string) => Promise<string>;

export interface LoadOptions {
  cwd: string;
  fetchRemote: FetchRemote;
  maxBytes?: number;
}

/** The source could not be read; `message` says why in one line. */
export class SchemaSourceError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'SchemaSourceError';
  }
}

/** The filesystem path a `file://` URL names. */
export function filePathOf(url: string, cwd: string): string {
  let rest = url.slice('file://'.length);
  // Drop a query or fragment; they never name part of a file.
  rest = rest.replace(/[?#].*$/, '');
  let path: string;
  try {
    path = decodeURIComponent(rest);
  } catch {
    path = rest;
  }
  // `file://localhost/etc/x.json` names /etc/x.json.
  if (path.startsWith('localhost/')) path = path.slice('localhost'.length);
  return isAbsolute(path) ? path : resolve(cwd, path);
}

export async function loadSchemaSource(url: string, opts: LoadOptions): Promise<string> {
  const maxBytes = opts.maxBytes ?? MAX_SCHEMA_BYTES;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'file':
      return readFileCapped(filePathOf(url, opts.cwd), maxBytes);
    case 'base64':
      return decodeBase64Source(url.slice('base64://'.length), maxBytes);
    case 'http':
    case 'https': {
      let text: string;
      try {
        text = await opts.fetchRemote(url);
      } catch (err) {
        if (err instanceof SchemaSourceError) throw err;
        throw new SchemaSourceError(`could not be fetched: ${(err as Error)?.message ?? String(err)}`, { cause: err });
      }
      if (Buffer.byteLength(text) > maxBytes) throw new SchemaSourceError(`is larger than ${maxBytes} bytes`);
      return text;
    }
    default:
      throw new SchemaSourceError('has an unsupported URL scheme (use file://, base64:// or http(s)://)');
  }
}

async function readFileCapped(path: string, maxBytes: number): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new SchemaSourceError(`could not be read from ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new SchemaSourceError(`could not be read from ${path}: not a regular file`);
    // Read at most one byte past the cap to tell "exactly at the cap" from "over it".
    const buf = Buffer.alloc(Math.min(stat.size, maxBytes) + 1);
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, total, buf.length - total, total);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total === buf.length) break;
    }
    if (total > maxBytes) throw new SchemaSourceError(`is larger than ${maxBytes} bytes`);
    return buf.subarray(0, total).toString('utf8');
  } finally {
    await handle.close();
  }
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function decodeBase64Source(encoded: string, maxBytes: number): string {
  const compact = encoded.replace(/\s+/g, '');
  if (!BASE64.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) {
    throw new SchemaSourceError('is not valid base64');
  }
  if (Math.floor((compact.length * 3) / 4) > maxBytes + 3) throw new SchemaSourceError(`is larger than ${maxBytes} bytes`);
  const buf = Buffer.from(compact.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (buf.length > maxBytes) throw new SchemaSourceError(`is larger than ${maxBytes} bytes`);
  return buf.toString('utf8');
}

/**
 * The default remote fetcher: global fetch with a timeout, 2xx only, the body read as a stream
 * and abandoned as soon as it passes the size cap.
 */
export function createDefaultFetchRemote(opts: { timeoutMs?: number; maxBytes?: number } = {}): FetchRemote {
  const timeoutMs = opts.timeoutMs ?? REMOTE_SCHEMA_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? MAX_SCHEMA_BYTES;
  return async (url: string): Promise<string> => {
    const signal = AbortSignal.timeout(timeoutMs);
    let res: Response;
    try {
      res = await fetch(url, { signal, redirect: 'follow', headers: { accept: 'application/schema+json, application/json' } });
    } catch (err) {
      const reason = signal.aborted ? `timed out after ${timeoutMs} ms` : ((err as Error).cause as Error | undefined)?.message ?? (err as Error).message;
      throw new SchemaSourceError(`could not be fetched: ${reason}`, { cause: err });
    }
    if (res.status < 200 || res.status > 299) {
      await res.body?.cancel().catch(() => undefined);
      throw new SchemaSourceError(`could not be fetched: HTTP status ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw new SchemaSourceError(`is larger than ${maxBytes} bytes`);
    }
    if (!res.body) return '';
    const chunks: Uint8Array[] = [];
    let total = 0;
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw new SchemaSourceError(`is larger than ${maxBytes} bytes`);
        }
        chunks.push(value);
      }
    } catch (err) {
      if (err instanceof SchemaSourceError) throw err;
      const reason = signal.aborted ? `timed out after ${timeoutMs} ms` : (err as Error).message;
      throw new SchemaSourceError(`could not be fetched: ${reason}`, { cause: err });
    }
    return Buffer.concat(chunks).toString('utf8');
  };
}
