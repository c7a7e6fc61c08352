import { createHmac, randomBytes } from 'node:crypto';

/** RFC 3986 percent-encoding, as OAuth 1.0a (RFC 5849 §3.6) requires. */
export const oauthEncode = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export interface OAuth1Credentials {
  consumerKey: string;
  consumerSecret: string;
  token?: string;
  tokenSecret?: string;
}

/**
 * The HMAC-SHA1 signature of a request (RFC 5849 §3.4): the method, the URL without its query, and
 * every parameter (query, form body, oauth_*) sorted, keyed by the consumer and token secrets.
 */
export function oauth1Signature(method: string, url: string, params: Array<[string, string]>, consumerSecret: string, tokenSecret = ''): string {
  const u = new URL(url);
  const all: Array<[string, string]> = [...params];
  for (const [k, v] of u.searchParams) all.push([k, v]);
  const normalized = all
    .map(([k, v]) => [oauthEncode(k), oauthEncode(v)] as const)
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const base = `${u.protocol}//${u.host}${u.pathname}`;
  const text = [method.toUpperCase(), oauthEncode(base), oauthEncode(normalized)].join('&');
  return createHmac('sha1', `${oauthEncode(consumerSecret)}&${oauthEncode(tokenSecret)}`).update(text).digest('base64');
}

/** The `Authorization: OAuth …` header of a signed request; `extra` are oauth_* parameters such as oauth_callback or oauth_verifier. */
export function oauth1Header(
  method: string,
  url: string,
  creds: OAuth1Credentials,
  extra: Record<string, string> = {},
  body: Record<string, string> = {},
  now = new Date(),
  nonce = randomBytes(16).toString('hex'),
): string {
  const oauth: Record<string, string> = {
    oauth_consumer_key: creds.consumerKey,
    oauth_nonce: nonce,
    oauth_signature_method: 'HMAC-SHA1',
    oauth_timestamp: String(Math.floor(now.getTime() / 1000)),
    ...(creds.token !== undefined ? { oauth_token: creds.token } : {}),
    oauth_version: '1.0',
    ...extra,
  };
  const signature = oauth1Signature(method, url, [...Object.entries(oauth), ...Object.entries(body)], creds.consumerSecret, creds.tokenSecret ?? '');
  const fields = { ...oauth, oauth_signature: signature };
  return `OAuth ${Object.entries(fields).map(([k, v]) => `${oauthEncode(k)}="${oauthEncode(v)}"`).join(', ')}`;
}
