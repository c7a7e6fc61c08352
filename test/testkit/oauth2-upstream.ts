import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { oauth1Signature } from '../../src/selfservice/strategies/oidc/oauth1.js';

/** One authorization the upstream granted: what the relying party sent, what the token endpoint got. */
export interface UpstreamGrant {
  authorize: URLSearchParams;
  token?: URLSearchParams;
}

/**
 * A small OAuth2 provider on loopback standing in for the services of named providers: an
 * authorization endpoint that consents at once (`*\/authorize`), a token endpoint (`*\/token`,
 * `*\/access_token`) that checks the code, redirect URI, client and PKCE verifier, and answers with
 * `scope` and, when asked, an ID token signed by its key; a GitHub-style API (`/user`,
 * `/user/emails`; Spotify's `/v1/me`, Yandex's `/info`, DingTalk's JSON token endpoint and
 * `/v1.0/contact/users/me`), Microsoft-style tenant discovery and Graph `/v1.0/me`, and a JWKS.
 * Any other provider API is answered from `next.api` by path (after the bearer token is checked),
 * and discovery documents announce `<issuer>/userinfo` for the OpenID types read that way. The
 * token endpoint takes client credentials in the body or as HTTP Basic.
 */
export interface OAuth2Upstream {
  url: string;
  /** What the next sign-in answers. */
  next: {
    user?: Record<string, unknown>;
    emails?: Array<Record<string, unknown>>;
    me?: Record<string, unknown>;
    scope?: string;
    /** Claims of the ID token the token endpoint adds; `nonce` is that of the authorization. */
    idToken?: (nonce: string) => Record<string, unknown>;
    /** Fields the token endpoint adds to its answer (VK's `email`, Slack's `ok`, ...). */
    tokenExtra?: Record<string, unknown>;
    /** What the token endpoint answers instead of a token (after checking the code). */
    tokenAnswer?: { status: number; body: unknown };
    /** Answers of a provider's API by path (the bearer token is checked first), for the providers the fixed routes do not cover. */
    api?: Record<string, { status?: number; body: unknown }>;
  };
  /** The API requests the upstream answered from `next.api`, in order. */
  calls: Array<{ method: string; path: string; query: URLSearchParams; headers: http.IncomingHttpHeaders }>;
  /** Checks the client's credentials at the token endpoint (default: client_secret equals `clientSecret`). */
  checkClient: (body: URLSearchParams, headers: http.IncomingHttpHeaders) => Promise<boolean>;
  clientSecret: string;
  /** X's consumer key (its consumer secret is `clientSecret`). */
  xConsumerKey: string;
  grants: UpstreamGrant[];
  /** Discovery documents served at `<path>/.well-known/openid-configuration` (path → issuer). */
  issuers: Set<string>;
  close(): Promise<void>;
}

export async function startOAuth2Upstream(): Promise<OAuth2Upstream> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'upstream-key', alg: 'RS256', use: 'sig' };
  const codes = new Map<string, { grant: UpstreamGrant; token: string }>();
  const tokens = new Set<string>();
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const u: OAuth2Upstream = {
    url,
    next: {},
    clientSecret: 'an-upstream-client-secret-0123456789',
    xConsumerKey: 'x-consumer-key',
    checkClient: async (body) => body.get('client_secret') === u.clientSecret,
    grants: [],
    calls: [],
    issuers: new Set(),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const sign = (claims: Record<string, unknown>, key: Parameters<SignJWT['sign']>[0]) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'upstream-key' }).setIssuedAt().setExpirationTime('5m').sign(key);

  // X's OAuth 1.0a: every request's HMAC-SHA1 signature is checked with the consumer secret (and token secret).
  const requestTokens = new Map<string, string>();
  const accessTokens = new Map<string, string>();
  const verifiers = new Map<string, string>();
  const oauthFields = (req: http.IncomingMessage) =>
    Object.fromEntries([...String(req.headers.authorization ?? '').replace(/^OAuth /, '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, decodeURIComponent(m[2]!)]));
  const signedBy = (req: http.IncomingMessage, target: URL, tokenSecret: string) => {
    const f = oauthFields(req);
    const params = Object.entries(f).filter(([k]) => k !== 'oauth_signature') as Array<[string, string]>;
    return f.oauth_consumer_key === u.xConsumerKey && f.oauth_signature === oauth1Signature(req.method ?? 'GET', target.toString(), params, u.clientSecret, tokenSecret) ? f : null;
  };
  const form = (res: http.ServerResponse, fields: Record<string, string>) => {
    res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' });
    res.end(new URLSearchParams(fields).toString());
  };
  const x = (req: http.IncomingMessage, res: http.ServerResponse, target: URL) => {
    const path = target.pathname;
    if (path === '/oauth/request_token') {
      const f = signedBy(req, target, '');
      if (!f || !f.oauth_callback) return json(res, 401, { errors: [{ code: 32, message: 'Could not authenticate you.' }] });
      const token = `req-${Math.random().toString(36).slice(2)}`;
      requestTokens.set(token, f.oauth_callback);
      return form(res, { oauth_token: token, oauth_token_secret: 'request-secret', oauth_callback_confirmed: 'true' });
    }
    if (path === '/oauth/authenticate') {
      const token = target.searchParams.get('oauth_token') ?? '';
      const back = requestTokens.get(token);
      if (!back) return json(res, 400, { error: 'unknown request token' });
      const verifier = `ver-${Math.random().toString(36).slice(2)}`;
      verifiers.set(token, verifier);
      const to = new URL(back);
      to.searchParams.set('oauth_token', token);
      to.searchParams.set('oauth_verifier', verifier);
      res.writeHead(302, { location: to.toString() });
      return res.end();
    }
    if (path === '/oauth/access_token') {
      const f = signedBy(req, target, '');
      if (!f || !f.oauth_token || verifiers.get(f.oauth_token) !== f.oauth_verifier) return json(res, 401, { errors: [{ code: 89, message: 'Invalid or expired token.' }] });
      verifiers.delete(f.oauth_token);
      const token = `acc-${Math.random().toString(36).slice(2)}`;
      accessTokens.set(token, `secret-${Math.random().toString(36).slice(2)}`);
      return form(res, { oauth_token: token, oauth_token_secret: accessTokens.get(token)!, user_id: String(u.next.user?.id_str ?? ''), screen_name: 'x' });
    }
    const token = oauthFields(req).oauth_token ?? '';
    if (!signedBy(req, target, accessTokens.get(token) ?? '\0')) return json(res, 401, { errors: [{ code: 32, message: 'Could not authenticate you.' }] });
    return json(res, 200, { ...(u.next.user ?? {}), ...(target.searchParams.get('include_email') === 'true' ? {} : { email: undefined }) });
  };

  server.on('request', (req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const target = new URL(req.url ?? '/', url);
      const path = target.pathname;
      const bearer = (req.headers.authorization ?? '').replace(/^(Bearer|OAuth) /, '');
      if (path.endsWith('/.well-known/openid-configuration')) {
        const issuer = `${url}${path.slice(0, -'/.well-known/openid-configuration'.length)}`;
        if (!u.issuers.has(issuer)) return json(res, 404, { error: 'not_found' });
        return json(res, 200, {
          issuer,
          authorization_endpoint: `${issuer}/auth/authorize`,
          token_endpoint: `${issuer}/auth/token`,
          jwks_uri: `${url}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
          userinfo_endpoint: `${issuer}/userinfo`,
        });
      }
      if (path === '/jwks') return json(res, 200, { keys: [jwk] });
      if (path.startsWith('/oauth/') && ['/oauth/request_token', '/oauth/authenticate', '/oauth/access_token'].includes(path) || path === '/1.1/account/verify_credentials.json') {
        return x(req, res, target);
      }
      // Authorization endpoints: most end in /authorize; DingTalk's, Facebook's and LinkedIn's do not.
      if (path.endsWith('/authorize') || path === '/oauth2/auth' || path.endsWith('/dialog/oauth') || path.endsWith('/oauth/v2/authorization')) {
        const q = target.searchParams;
        const code = `code-${Math.random().toString(36).slice(2)}`;
        codes.set(code, { grant: { authorize: q }, token: `token-${Math.random().toString(36).slice(2)}` });
        const back = new URL(q.get('redirect_uri')!);
        back.searchParams.set('code', code);
        back.searchParams.set('state', q.get('state') ?? '');
        if (q.get('response_mode') === 'form_post') {
          // The browser posts this back; a test does what the page's script would.
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ form_post: q.get('redirect_uri'), fields: { code, state: q.get('state') ?? '' } }));
        }
        res.writeHead(302, { location: back.toString() });
        return res.end();
      }
      if (req.method === 'POST' && path === '/v1.0/oauth2/userAccessToken') {
        // DingTalk's token endpoint: camelCase JSON in and out.
        const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, string>;
        const entry = codes.get(body.code ?? '');
        if (!entry || body.clientSecret !== u.clientSecret || body.clientId !== entry.grant.authorize.get('client_id') || body.grantType !== 'authorization_code') {
          return json(res, 400, { code: 'invalidAuthCode', message: 'refused' });
        }
        codes.delete(body.code!);
        u.grants.push(entry.grant);
        tokens.add(entry.token);
        return json(res, 200, { accessToken: entry.token, expireIn: 7200 });
      }
      if (req.method === 'POST' && /\/(token|access_token|oauth\.access|accessToken)$/.test(path)) {
        const body = new URLSearchParams(Buffer.concat(chunks).toString());
        const entry = codes.get(body.get('code') ?? '');
        if (!entry) return json(res, 400, { error: 'invalid_grant' });
        codes.delete(body.get('code')!);
        entry.grant.token = body;
        u.grants.push(entry.grant);
        // Client credentials in the body (client_secret_post) or in HTTP Basic (client_secret_basic, RFC 6749 2.3.1).
        const credentials = new URLSearchParams(body);
        const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
        if (basic) {
          const [id, secret] = Buffer.from(basic[1]!, 'base64').toString().split(':', 2).map((v) => decodeURIComponent(v.replace(/\+/g, ' ')));
          credentials.set('client_id', id ?? '');
          credentials.set('client_secret', secret ?? '');
        }
        if (!(await u.checkClient(credentials, req.headers)) || credentials.get('client_id') !== entry.grant.authorize.get('client_id')) return json(res, 401, { error: 'invalid_client' });
        if (body.get('redirect_uri') !== entry.grant.authorize.get('redirect_uri')) return json(res, 400, { error: 'invalid_grant' });
        const challenge = entry.grant.authorize.get('code_challenge');
        if (challenge) {
          const { createHash } = await import('node:crypto');
          if (createHash('sha256').update(body.get('code_verifier') ?? '').digest('base64url') !== challenge) return json(res, 400, { error: 'invalid_grant' });
        }
        if (u.next.tokenAnswer) return json(res, u.next.tokenAnswer.status, u.next.tokenAnswer.body);
        tokens.add(entry.token);
        const idClaims = u.next.idToken?.(entry.grant.authorize.get('nonce') ?? '');
        return json(res, 200, {
          access_token: entry.token,
          token_type: 'bearer',
          scope: u.next.scope ?? entry.grant.authorize.get('scope') ?? '',
          ...(u.next.tokenExtra ?? {}),
          ...(idClaims ? { id_token: await sign(idClaims, privateKey) } : {}),
        });
      }
      if (!tokens.has(bearer) && !tokens.has(String(req.headers['x-acs-dingtalk-access-token'] ?? ''))) return json(res, 401, { message: 'Bad credentials' });
      const answer = u.next.api?.[path];
      if (answer) {
        u.calls.push({ method: req.method ?? 'GET', path, query: target.searchParams, headers: req.headers });
        return json(res, answer.status ?? 200, answer.body);
      }
      if (path === '/user') return json(res, 200, u.next.user ?? {});
      if (path === '/user/emails') return json(res, 200, u.next.emails ?? []);
      if (path === '/v1.0/me') return json(res, 200, u.next.me ?? {});
      if (path === '/v1/me' || path === '/info' || path === '/v1.0/contact/users/me') return json(res, 200, u.next.user ?? {});
      return json(res, 404, { message: 'Not Found' });
    })().catch((err: unknown) => json(res, 500, { error: String(err) }));
  });
  return u;
}
