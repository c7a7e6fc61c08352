import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KratosError } from '../../../errors/kratos-error.js';
import { clearCookie, readCookie, setCookie, type CookieAttributes } from '../../../http/kit/cookies.js';
import { safeEqual } from '../../../lib/safe-compare.js';
import { browserLocationChangeRequired } from '../../flow/errors.js';
import type { Flow, FlowKind, FlowPool } from '../../flow/flow.js';
import type { MethodOutcome, Submission } from '../../flow/method.js';
import { browserResponseMode } from '../../flow/request.js';
import { callbackError } from './provider-errors.js';
import { openidClient } from './openid-client.js';
import type { OidcProviders } from './providers.js';

/** What the flow keeps between the redirect to the provider and its callback (server side, never on the wire). */
export interface PendingAuthorization {
  provider: string;
  /** SHA-256 of the `state` sent to the provider. */
  state_digest: string;
  /** SHA-256 of the continuity cookie given to the browser that started it; empty for an API flow (a native app), which the session token exchange binds instead. */
  continuity_digest: string;
  nonce: string;
  code_verifier?: string;
  /** Traits the user typed into a sign-up form sent back for missing traits; they win over the mapper's. */
  traits?: Record<string, unknown>;
  transient_payload?: unknown;
}

const PENDING = 'oidc_authorization';
/** Kratos's continuity cookie name: one browser, one social sign-in in progress. */
export const CONTINUITY_COOKIE = 'ory_kratos_continuity';
const CONTINUITY_MAX_AGE_SECONDS = 3600;
const RESUMABLE: readonly FlowKind[] = ['login', 'registration', 'settings'];

const digest = (v: string) => createHash('sha256').update(v).digest('base64url');

export interface OidcAuthorizationDeps {
  providers: OidcProviders;
  /** Whether an API flow was created with `return_session_token_exchange_code` (its exchange still open). */
  awaitsTokenExchange(flowId: string): Promise<boolean>;
  flows: FlowPool;
  saveFlow(flow: Flow): Promise<void>;
  cookieAttributes(): CookieAttributes;
}

/**
 * The two ends of a redirect to a provider. `start` sends the browser away with a fresh state, nonce
 * and PKCE verifier, kept on the flow; `consume` takes a callback's `state` back to its flow, and
 * only if the same browser (continuity cookie) brings it, once.
 */
export class OidcAuthorization {
  constructor(private readonly deps: OidcAuthorizationDeps) {}

  async start(s: Submission, providerId: string, extra: { traits?: Record<string, unknown>; transientPayload?: unknown } = {}): Promise<MethodOutcome> {
    const api = s.flow.type === 'api';
    // A native app hands the sign-in to a browser and gets the session back through the session
    // token exchange, as in Kratos: without one the session would have nowhere to go.
    if (api && !(await this.deps.awaitsTokenExchange(s.flow.id))) {
      throw new KratosError(400, { reason: 'Social sign-in in an API flow needs the flow to be created with return_session_token_exchange_code=true (or submit an id_token).' });
    }
    const provider = this.deps.providers.get(providerId).client;
    const state = `${s.flow.kind}.${s.flow.id}.${randomBytes(32).toString('base64url')}`;
    const continuity = api ? '' : randomBytes(32).toString('base64url');
    const client = await openidClient();
    const codeVerifier = (await provider.usesPkce()) ? client.randomPKCECodeVerifier() : undefined;
    const pending: PendingAuthorization = {
      provider: providerId,
      state_digest: digest(state),
      continuity_digest: api ? '' : digest(continuity),
      nonce: client.randomNonce(),
      ...(codeVerifier !== undefined ? { code_verifier: codeVerifier } : {}),
      ...(extra.traits !== undefined ? { traits: extra.traits } : {}),
      ...(extra.transientPayload !== undefined ? { transient_payload: extra.transientPayload } : {}),
    };
    const forced = s.flow.kind === 'login' && s.flow.data.refresh === true;
    const url = await provider.authorizationUrl({ state, nonce: pending.nonce, ...(codeVerifier !== undefined ? { codeVerifier } : {}), ...(forced ? { forced } : {}) });
    s.flow.data = { ...s.flow.data, [PENDING]: pending };
    await this.deps.saveFlow(s.flow);
    // The app opens the provider's page in a browser: a 422 with the URL, as Kratos answers API clients.
    if (api) throw browserLocationChangeRequired(url.toString());
    if (!s.reply) throw new KratosError(500, { reason: 'A social sign-in was started without a reply to set its continuity cookie on.' });
    setCookie(s.reply, CONTINUITY_COOKIE, continuity, this.continuityAttributes());
    // A SPA cannot follow a redirect to another origin: it is told where to send the browser.
    if (browserResponseMode(s.req) !== 'browser') throw browserLocationChangeRequired(url.toString());
    return { kind: 'completed', redirectTo: url.toString() };
  }

  /**
   * The flow and pending authorization a callback belongs to. Every mismatch is a 400 without
   * touching the flow; a match consumes the pending authorization, so a replayed callback fails.
   */
  async consume(req: FastifyRequest, reply: FastifyReply, providerFromPath: string | undefined): Promise<{ flow: Flow; pending: PendingAuthorization }> {
    const q = req.query as Record<string, unknown>;
    const state = typeof q.state === 'string' ? q.state : '';
    if (state === '') throw callbackError('Unable to complete OpenID Connect flow because the OpenID Provider did not return the state query parameter.');
    const [kind, flowId] = state.split('.', 3);
    const flow = RESUMABLE.includes(kind as FlowKind) && flowId && /^[0-9a-f-]{36}$/.test(flowId) ? await this.deps.flows.getFlow(flowId, kind as FlowKind) : null;
    if (!flow) throw callbackError('Unable to complete OpenID Connect flow because the state parameter is invalid.');
    const pending = flow.data[PENDING] as PendingAuthorization | undefined;
    if (!pending || !safeEqual(pending.state_digest, digest(state))) {
      throw callbackError('Unable to complete OpenID Connect flow because the query state parameter does not match the state parameter from the code.');
    }
    if (providerFromPath !== undefined && providerFromPath !== pending.provider) {
      throw callbackError('Unable to complete OpenID Connect flow: provider mismatch between internal state and URL.');
    }
    // An API flow's browser carries no cookie of the app's: the state (single use, 256 bits) and the
    // exchange (whose codes only the app and its return URL get) bind it instead, as in Kratos.
    const apiFlow = flow.type === 'api' && pending.continuity_digest === '';
    const cookie = readCookie(req, CONTINUITY_COOKIE) ?? '';
    if (!apiFlow && !safeEqual(pending.continuity_digest, digest(cookie))) {
      throw callbackError('Unable to complete OpenID Connect flow because the query state parameter does not match the state parameter from the session cookie.');
    }
    const rest = { ...flow.data };
    delete rest[PENDING];
    flow.data = rest;
    await this.deps.saveFlow(flow);
    if (!apiFlow) clearCookie(reply, CONTINUITY_COOKIE, this.continuityAttributes());
    return { flow, pending };
  }

  private continuityAttributes(): CookieAttributes {
    const a = this.deps.cookieAttributes();
    // The provider sends the browser back with a cross-site top-level GET: a strict cookie would stay behind.
    return { ...a, path: '/', sameSite: a.sameSite === 'none' ? 'none' : 'lax', maxAge: CONTINUITY_MAX_AGE_SECONDS };
  }
}
