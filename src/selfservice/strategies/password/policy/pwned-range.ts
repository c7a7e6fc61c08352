// The client side of the Pwned Passwords range API (k-anonymity): the caller sends only the
// first five hex digits of the password's SHA-1 and receives every known hash suffix that shares
// them, one `SUFFIX:COUNT` line each. With `Add-Padding: true` the service adds random suffixes
// with a count of 0, so the response size does not hint at the prefix either.

/** A range response is about 40 KB with padding; anything far larger is not the range API. */
export const DEFAULT_MAX_RANGE_RESPONSE_BYTES = 1024 * 1024;

const PREFIX = /^[0-9A-F]{5}$/;
const SUFFIX = /^[0-9A-F]{35}$/;
const DIGITS = /^[0-9]+$/;
/** A suffix is 35 hex digits; prefixed with '0' it packs into 18 bytes. */
const KEY_BYTES = 18;

/**
 * The base URL that `/range/<prefix>` is appended to. `haveibeenpwned_host` is a host name,
 * optionally with a port, always spoken to over HTTPS, as in Kratos. Tessera extension: an
 * explicit `http://host[:port][/path]` or `https://...` URL is accepted too, for a local mirror
 * of the range API (and for tests).
 */
export function pwnedRangeBaseUrl(host: string): string {
  const value = host.trim();
  if (/^https?:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new RangeError(`haveibeenpwned_host is not a valid URL: ${JSON.stringify(host)}`);
    }
    if (url.username || url.password || url.search || url.hash) {
      throw new RangeError('haveibeenpwned_host must not carry credentials, a query or a fragment');
    }
    return url.origin + url.pathname.replace(/\/+$/, '');
  }
  if (value === '' || /[\s/?#@\\]/.test(value)) {
    throw new RangeError(`haveibeenpwned_host must be a host name with an optional port, got ${JSON.stringify(host)}`);
  }
  try {
    return new URL(`https://${value}`).origin;
  } catch {
    throw new RangeError(`haveibeenpwned_host must be a host name with an optional port, got ${JSON.stringify(host)}`);
  }
}

/** The breach counts of one prefix, packed (18 bytes per suffix) and sorted for binary search. */
export class PwnedRange {
  readonly #keys: Buffer;
  readonly #counts: Float64Array;

  private constructor(keys: Buffer, counts: Float64Array) {
    this.#keys = keys;
    this.#counts = counts;
  }

  /** Builds the table from suffix → count; entries with a count of 0 (padding) are dropped. */
  static from(counts: ReadonlyMap<string, number>): PwnedRange {
    const suffixes = [...counts.keys()].filter((s) => (counts.get(s) as number) > 0).sort();
    const keys = Buffer.alloc(suffixes.length * KEY_BYTES);
    const values = new Float64Array(suffixes.length);
    suffixes.forEach((suffix, i) => {
      keys.write(`0${suffix}`, i * KEY_BYTES, KEY_BYTES, 'hex');
      values[i] = counts.get(suffix) as number;
    });
    return new PwnedRange(keys, values);
  }

  /** How many suffixes with a non-zero count the table holds. */
  get size(): number {
    return this.#counts.length;
  }

  /** The breach count of a 35-hex-digit suffix (either case); 0 when not listed. */
  count(suffix: string): number {
    const upper = suffix.toUpperCase();
    if (!SUFFIX.test(upper)) return 0;
    const target = Buffer.from(`0${upper}`, 'hex');
    let lo = 0;
    let hi = this.#counts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const order = this.#keys.compare(target, 0, KEY_BYTES, mid * KEY_BYTES, (mid + 1) * KEY_BYTES);
      if (order === 0) return this.#counts[mid];
      if (order < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }
}

/**
 * Reads a range response. Lines end in LF or CRLF; blank lines and lines that are not a
 * 35-hex-digit suffix are skipped. `SUFFIX` without a count means one breach (the service has
 * answered so at times, and Kratos reads it so). Thousands separators in counts are dropped. A
 * listed suffix whose count cannot be read is likewise taken as breached once, rather than
 * failing the whole lookup (Kratos) or letting the password through.
 */
export function parsePwnedRange(body: string): PwnedRange {
  const counts = new Map<string, number>();
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const colon = line.indexOf(':');
    const suffix = (colon < 0 ? line : line.slice(0, colon)).trim().toUpperCase();
    if (!SUFFIX.test(suffix)) continue;
    let count = 1;
    if (colon >= 0) {
      const digits = line.slice(colon + 1).trim().replaceAll(',', '');
      if (DIGITS.test(digits)) count = Number(digits);
    }
    counts.set(suffix, Math.max(count, counts.get(suffix) ?? 0));
  }
  return PwnedRange.from(counts);
}

/** The range API could not be asked: no connection, a timeout, a cut body or a non-200 status. */
export class PwnedRangeUnavailableError extends Error {
  readonly status: number | undefined;
  /** The service was not asked: a recent lookup got no answer. */
  readonly skipped: boolean;

  constructor(message: string, options: { status?: number; cause?: unknown; skipped?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = 'PwnedRangeUnavailableError';
    this.status = options.status;
    this.skipped = options.skipped ?? false;
  }
}

export interface PwnedRangeRequest {
  baseUrl: string;
  prefix: string;
  fetch: typeof fetch;
  timeoutMs: number;
  userAgent: string;
  maxResponseBytes: number;
}

/** Fetches and parses one range. Throws PwnedRangeUnavailableError for every transport failure. */
export async function fetchPwnedRange(req: PwnedRangeRequest): Promise<PwnedRange> {
  if (!PREFIX.test(req.prefix)) throw new RangeError('a range prefix is five upper-case hex digits');
  const url = `${req.baseUrl}/range/${req.prefix}`;
  const signal = AbortSignal.timeout(req.timeoutMs);
  let res: Response;
  try {
    res = await req.fetch(url, {
      method: 'GET',
      headers: { 'User-Agent': req.userAgent, 'Add-Padding': 'true', Accept: 'text/plain' },
      signal,
    });
  } catch (err) {
    throw new PwnedRangeUnavailableError(`leaked password check: request failed: ${describe(err)}`, { cause: err });
  }
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => undefined);
    throw new PwnedRangeUnavailableError(`leaked password check: unexpected status code ${res.status}`, { status: res.status });
  }
  const body = await readLimited(res, req.maxResponseBytes);
  return parsePwnedRange(body);
}

async function readLimited(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new PwnedRangeUnavailableError(`leaked password check: response exceeds ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof PwnedRangeUnavailableError) throw err;
    throw new PwnedRangeUnavailableError(`leaked password check: reading the response failed: ${describe(err)}`, { cause: err });
  }
  return Buffer.concat(chunks, total).toString('latin1');
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.name}: ${err.message}${cause}`;
  }
  return String(err);
}
