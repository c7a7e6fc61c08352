import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import Provider from 'oidc-provider';

/**
 * A real OpenID provider on loopback (panva's oidc-provider, a certified implementation) with one
 * confidential test client. The test decides who signs in next (`signInAs`) and may rewrite the ID
 * token the token endpoint returns, re-signed with the provider's own key (`tamperIdToken`), to
 * play a provider that answers with a token for another audience or nonce.
 */
export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Claims per subject; the user interaction signs in `signInAs`'s subject without a form. */
  accounts: Map<string, Record<string, unknown>>;
  signInAs(subject: string): void;
  /** Creates the provider with its client once the relying party's callback URLs are known. */
  register(redirectUris: string[]): void;
  tamperIdToken: ((claims: Record<string, unknown>) => Record<string, unknown>) | null;
  /** An ID token signed with the provider's own key, as its SDK would hand one to a native app. */
  signIdToken(claims: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export async function startOidcProvider(opts: { clientId?: string; clientSecret?: string } = {}): Promise<TestOidcProvider> {
  const clientId = opts.clientId ?? 'tessera-test-client';
  const clientSecret = opts.clientSecret ?? 'a-client-secret-for-tests-only-0123456789';
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const accounts = new Map<string, Record<string, unknown>>();
  let nextSubject = '';

  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let provider: Provider | null = null;
  const create = (redirectUris: string[]) => new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: redirectUris, grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] }],
    jwks: { keys: [jwk] },
    cookies: { keys: ['test-cookie-key-0123456789'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'given_name', 'family_name', 'picture', 'department'] },
    // Claims in the ID token itself (Kratos's default claims_source).
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx: unknown, sub: string) => {
      const claims = accounts.get(sub);
      if (!claims) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...claims }) };
    },
  } as never);

  const t: TestOidcProvider = {
    issuer,
    clientId,
    clientSecret,
    accounts,
    signInAs: (subject) => {
      nextSubject = subject;
    },
    tamperIdToken: null,
    signIdToken: (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'JWT' }).sign(privateKey),
    register: (redirectUris) => {
      provider = create(redirectUris);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    void (async () => {
      try {
        const op = provider;
        if (!op) {
          res.statusCode = 503;
          res.end('the test provider has no client yet');
          return;
        }
        if (req.url?.startsWith('/interaction/')) {
          const details = await op.interactionDetails(req, res);
          if (details.prompt.name === 'login') {
            await op.interactionFinished(req, res, { login: { accountId: nextSubject } }, { mergeWithLastSubmission: false });
            return;
          }
          const grant = new op.Grant({ accountId: String(details.session?.accountId), clientId: String(details.params.client_id) });
          grant.addOIDCScope(String(details.params.scope));
          const claimsParam = details.params.claims;
          if (typeof claimsParam === 'string') {
            const requested = JSON.parse(claimsParam) as { id_token?: Record<string, unknown>; userinfo?: Record<string, unknown> };
            grant.addOIDCClaims([...Object.keys(requested.id_token ?? {}), ...Object.keys(requested.userinfo ?? {})]);
          }
          await op.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
          return;
        }
        if (req.url === '/token' && t.tamperIdToken) {
          const tamper = t.tamperIdToken;
          const end = res.end.bind(res) as (chunk?: unknown) => http.ServerResponse;
          res.end = ((chunk?: unknown) => {
            void (async () => {
              const body = JSON.parse(String(chunk)) as Record<string, unknown>;
              if (typeof body.id_token === 'string') {
                const claims = tamper(decodeJwt(body.id_token) as Record<string, unknown>);
                body.id_token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'JWT' }).sign(privateKey);
              }
              const text = JSON.stringify(body);
              res.setHeader('content-length', Buffer.byteLength(text));
              end(text);
            })();
            return res;
          }) as typeof res.end;
        }
        op.callback()(req, res);
      } catch (err) {
        res.statusCode = 500;
        res.end(String(err));
      }
    })();
  });
  return t;
}
