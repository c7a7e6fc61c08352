import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Identity, VerifiableAddress } from '../../identity/identity.js';
import { newId } from '../../lib/ids.js';
import { csrfNode } from '../../ui/csrf.js';
import type { Flow, FlowType } from '../flow/flow.js';
import type { FlowService } from '../flow/service.js';
import type { VerificationRepositories, VerificationStrategy } from '../flows/verification/strategy.js';
import { toJson } from '../flow/ui-json.js';

/** What sending verification messages outside the verification endpoints needs (built once, in the wiring). */
export interface VerificationServices {
  flows: FlowService;
  csrf: { ensureToken(req: FastifyRequest, reply: FastifyReply): string; mask(token: string): string };
  /** The strategy `selfservice.flows.verification.use` selects. */
  strategy(): VerificationStrategy;
  /** `selfservice.flows.verification.enabled` */
  enabled(): boolean;
  lifespanMs(): number;
  transaction<T>(fn: (repos: VerificationRepositories) => Promise<T>): Promise<T>;
  now?: () => Date;
}

export interface VerificationHookContext {
  /** The request that led here: its URL becomes the flows' request_url; browser flows use its CSRF cookie. */
  req: FastifyRequest;
  reply: FastifyReply;
  /** `browser` or `api`, as the flow (registration, settings) that triggered it. */
  type: FlowType;
  services: VerificationServices;
  /** Repositories of the caller's open transaction; without them one transaction is opened here. */
  tx?: VerificationRepositories;
  returnTo?: string | null;
  /** The browser's raw anti-CSRF token when the caller just replaced the cookie (else the request's is used). */
  csrfToken?: string;
  /** The triggering submission's `transient_payload`, for the messages' templates. */
  transientPayload?: unknown;
}

/** `continue_with` entry telling the client to show the verification UI (api.json `continueWithVerificationUi`). */
export interface ContinueWithVerificationUi {
  action: 'show_verification_ui';
  flow: { id: string; verifiable_address: string; url?: string };
}

/**
 * Starts one verification flow per unverified address in `addresses` (of `identity`) and sends it a
 * code or link, as Kratos does after registration. Settings call it when a profile change adds a
 * verifiable address. Each flow starts in `sent_email`. Addresses no longer on the stored identity
 * and verified ones are skipped. Returns the `continue_with` entries; nothing when verification is off.
 */
export async function sendVerificationForAddresses(identity: Identity, addresses: readonly VerifiableAddress[], ctx: VerificationHookContext): Promise<ContinueWithVerificationUi[]> {
  const s = ctx.services;
  if (!s.enabled()) return [];
  // Only addresses the configured method can reach: a link method sends nothing to phone numbers.
  const reachable = s.strategy().channels;
  const wanted = addresses.filter((a) => !a.verified && a.value !== '' && reachable.includes(a.via));
  if (wanted.length === 0) return [];
  const csrfToken = ctx.type === 'browser' ? (ctx.csrfToken ?? s.csrf.ensureToken(ctx.req, ctx.reply)) : '';
  const run = async (repos: VerificationRepositories): Promise<ContinueWithVerificationUi[]> => {
    // Reloaded with credentials through the caller's repositories: an address update rewrites the identity.
    const stored = await repos.identities.getIdentity(identity.id, { withCredentials: true });
    if (!stored) return [];
    const out: ContinueWithVerificationUi[] = [];
    for (const a of wanted) {
      const address = stored.verifiable_addresses.find((x) => x.value === a.value && x.via === a.via);
      if (!address || address.verified) continue;
      const flow = newHookFlow(ctx, csrfToken);
      const strategy = s.strategy();
      strategy.markSent(flow, address.value);
      flow.active = strategy.id;
      await repos.flows.createFlow(flow);
      await strategy.sendTo(repos, flow, stored, address, ctx.transientPayload);
      out.push({
        action: 'show_verification_ui',
        flow: { id: flow.id, verifiable_address: address.value, ...(ctx.type === 'browser' ? { url: s.flows.uiUrl('verification', flow.id) } : {}) },
      });
    }
    return out;
  };
  return ctx.tx ? run(ctx.tx) : s.transaction(run);
}

function newHookFlow(ctx: VerificationHookContext, csrfToken: string): Flow {
  const s = ctx.services;
  const now = (s.now ?? (() => new Date()))();
  const id = newId();
  const base = s.flows.config.publicBaseUrl();
  return {
    id,
    kind: 'verification',
    type: ctx.type,
    state: 'choose_method',
    identity_id: null,
    expires_at: new Date(now.getTime() + s.lifespanMs()),
    issued_at: now,
    request_url: new URL(ctx.req.url.replace(/^\//, ''), base).toString(),
    return_to: ctx.returnTo ?? null,
    active: null,
    csrf_token: csrfToken,
    ui: {
      action: s.flows.actionUrl('verification', id),
      method: 'POST',
      nodes: ctx.type === 'browser' ? [toJson(csrfNode(s.csrf.mask(csrfToken)))] : [],
    },
    data: {},
    created_at: now,
    updated_at: now,
  };
}
