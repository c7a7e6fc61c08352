import { callbackError, upstreamError } from './provider-errors.js';

/** What a token endpoint answered (RFC 6749 §5.1), with the fields some providers add. */
export interface TokenResponse extends Record<string, unknown> {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  scope?: string;
}

const TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 1024 * 1024;

async function readJson(res: Response, what: string): Promise<unknown> {
  const text = await res.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw upstreamError(`${what} answered with more than 1 MiB.`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw upstreamError(`${what} did not answer with JSON (status ${res.status}).`);
  }
}

/**
 * The code exchange of a plain OAuth2 provider (RFC 6749 §4.1.3): client credentials in the body
 * (`client_secret_post`, which every provider Tessera names accepts), JSON asked for. A refused
 * code is the user's (a 400); an unreachable or garbled endpoint is the provider's (a 502).
 */
export async function exchangeCode(tokenUrl: string, params: Record<string, string>): Promise<TokenResponse> {
  let res: Response;
  try {
    res = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(params).toString(),
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: 'error',
    });
  } catch (err) {
    throw upstreamError(`The token endpoint ${new URL(tokenUrl).origin} could not be reached: ${(err as Error).message}`, err);
  }
  const body = (await readJson(res, 'The token endpoint')) as Record<string, unknown>;
  if (!res.ok || typeof body.error === 'string') {
    // The OAuth error code is named; the rest of the body is not echoed.
    const code = typeof body.error === 'string' ? body.error : `status ${res.status}`;
    if (res.status >= 500) throw upstreamError(`The token endpoint failed (${code}).`);
    throw callbackError(`The provider refused the authorization code (${code}).`);
  }
  if (typeof body.access_token !== 'string' || body.access_token === '') throw upstreamError('The token endpoint returned no access_token.');
  return body as TokenResponse;
}

/** A GET to a provider's API with the user's access token (none when empty); the JSON it answers. */
export async function fetchJson(url: string, accessToken: string, extraHeaders: Record<string, string> = {}): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { ...(accessToken !== '' ? { authorization: `Bearer ${accessToken}` } : {}), accept: 'application/json', ...extraHeaders },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw upstreamError(`${new URL(url).origin} could not be reached: ${(err as Error).message}`, err);
  }
  const body = await readJson(res, `${new URL(url).origin}${new URL(url).pathname}`);
  if (!res.ok) throw upstreamError(`${new URL(url).origin}${new URL(url).pathname} answered with status ${res.status}.`);
  return body;
}

/** A POST of a JSON body to a provider (token endpoints that do not take forms); the JSON it answers. */
export async function postJson(url: string, body: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json;charset=UTF-8', accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: 'error',
    });
  } catch (err) {
    throw upstreamError(`${new URL(url).origin} could not be reached: ${(err as Error).message}`, err);
  }
  const answer = await readJson(res, `${new URL(url).origin}${new URL(url).pathname}`);
  if (res.status >= 500) throw upstreamError(`${new URL(url).origin}${new URL(url).pathname} answered with status ${res.status}.`);
  return answer;
}
