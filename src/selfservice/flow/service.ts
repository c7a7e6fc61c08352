import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/config.js';
import { isUpstreamFailure, KratosError, notFound } from '../../errors/kratos-error.js';
import { toKratosError } from '../../http/kit/errors.js';
import type { Csrf } from '../../http/kit/csrf.js';
import { isUuid, newId } from '../../lib/ids.js';
import type { UiText } from '../../text/index.js';
import { flowAlreadyCompleted, flowExpiredError, flowTypeMismatch } from './errors.js';
import { isExpired, type ErrorPool, type Flow, type FlowKind, type FlowPool, type FlowType } from './flow.js';
import { browserResponseMode, looksLikeBrowser, type BrowserResponseMode } from './request.js';
import { checkReturnTo, type ReturnToPolicy } from './return-to.js';
import { ui, type UiContainerJson, type UiNodeJson } from './ui-json.js';
import type { FlowMessage } from './method.js';

export interface FlowServiceDeps {
  config: Config;
  flows: FlowPool;
  errors: ErrorPool;
  csrf: Csrf;
  now?: () => Date;
}

/** Who is asking: a native app (`api`), a browser navigating (`browser`), or a SPA using fetch (`spa`). */
export type ClientMode = 'api' | BrowserResponseMode;

export interface NewFlowOptions {
  kind: FlowKind;
  type: FlowType;
  state: string;
  returnTo: string | null;
  data?: Record<string, unknown>;
  identityId?: string | null;
  nodes: (csrfToken: string) => UiNodeJson[];
  messages?: UiText[];
}

/**
 * What every self-service flow shares: creation with CSRF and expiry, lookup for submission with
 * the checks Kratos applies, the JSON shape, and the three ways of answering (redirect, SPA JSON,
 * native JSON).
 */
export class FlowService {
  private readonly now: () => Date;

  constructor(private readonly deps: FlowServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  get config(): Config {
    return this.deps.config;
  }

  returnToPolicy(): ReturnToPolicy {
    const c = this.deps.config;
    return { allowed: c.allowedReturnUrls(), publicBase: c.publicBaseUrl(), defaultReturnTo: c.defaultBrowserReturnUrl() };
  }

  /** The `return_to` of a request, checked against the allow list (400 otherwise). */
  returnTo(req: FastifyRequest): string | null {
    const q = req.query as Record<string, unknown>;
    return checkReturnTo(typeof q.return_to === 'string' ? q.return_to : undefined, this.returnToPolicy());
  }

  actionUrl(kind: FlowKind, id: string): string {
    return new URL(`self-service/${kind}?flow=${id}`, this.deps.config.publicBaseUrl()).toString();
  }

  uiUrl(kind: FlowKind, id: string): string {
    const u = new URL(this.deps.config.flowUiUrl(kind));
    u.searchParams.set('flow', id);
    return u.toString();
  }

  clientMode(req: FastifyRequest, flowType: FlowType): ClientMode {
    return flowType === 'api' ? 'api' : browserResponseMode(req);
  }

  /** Creates and stores a flow. Browser flows get (or reuse) the anti-CSRF cookie. */
  async create(req: FastifyRequest, reply: FastifyReply, o: NewFlowOptions): Promise<Flow> {
    const now = this.now();
    const id = newId();
    const csrfToken = o.type === 'browser' ? this.deps.csrf.ensureToken(req, reply) : '';
    const container: UiContainerJson = {
      action: this.actionUrl(o.kind, id),
      method: 'POST',
      nodes: o.nodes(o.type === 'browser' ? this.deps.csrf.mask(csrfToken) : ''),
    };
    if (o.messages?.length) container.messages = [...o.messages];
    const flow: Flow = {
      id,
      kind: o.kind,
      type: o.type,
      state: o.state,
      identity_id: o.identityId ?? null,
      expires_at: new Date(now.getTime() + this.deps.config.flowLifespanMs(o.kind)),
      issued_at: now,
      request_url: new URL(req.url.replace(/^\//, ''), this.deps.config.publicBaseUrl()).toString(),
      return_to: o.returnTo,
      active: null,
      csrf_token: csrfToken,
      ui: container,
      data: o.data ?? {},
      created_at: now,
      updated_at: now,
    };
    await this.deps.flows.createFlow(flow);
    return flow;
  }

  /** GET .../flows?id= : the flow, if it exists, is not expired, and (browser) belongs to this browser. */
  async fetchForRead(req: FastifyRequest, kind: FlowKind, initPath: string): Promise<Flow> {
    const id = (req.query as Record<string, unknown>).id;
    const flow = typeof id === 'string' && isUuid(id) ? await this.deps.flows.getFlow(id.toLowerCase(), kind) : null;
    if (!flow) throw notFound('The flow could not be found. It may have been deleted or never existed.');
    if (flow.type === 'browser') this.deps.csrf.verifyFlowOwner(req, flow.csrf_token);
    if (isExpired(flow, this.now())) {
      const base = this.deps.config.publicBaseUrl();
      // Browsers are sent to start over; native apps are told which endpoint to call.
      const details: Record<string, unknown> =
        flow.type === 'api'
          ? { api: new URL(initPath.replace(/^\//, '').replace(/\/browser$/, '/api'), base).toString() }
          : { redirect_to: new URL(initPath.replace(/^\//, ''), base).toString() };
      if (flow.return_to) details.return_to = flow.return_to;
      throw new KratosError(410, {
        id: 'self_service_flow_expired',
        message: 'self-service flow expired',
        reason:
          flow.type === 'api'
            ? `The ${kind} flow has expired. Call the ${kind} flow init API endpoint to initialize a new ${kind} flow.`
            : `The ${kind} flow has expired. Redirect the user to the ${kind} flow init endpoint to initialize a new ${kind} flow.`,
        details,
      });
    }
    return flow;
  }

  /**
   * Loads a flow for submission and applies the checks every submission needs: it exists, browser
   * flows come from a browser with a matching CSRF token, API flows do not come from a browser.
   * Expiry is left to the caller, which must answer it with a fresh flow.
   */
  async fetchForSubmit(req: FastifyRequest, kind: FlowKind, csrfField: unknown): Promise<Flow> {
    const id = (req.query as Record<string, unknown>).flow;
    const flow = typeof id === 'string' && isUuid(id) ? await this.deps.flows.getFlow(id.toLowerCase(), kind) : null;
    if (!flow) throw notFound('The flow could not be found. It may have been deleted or never existed.');
    if (flow.state === 'passed_challenge') throw flowAlreadyCompleted();
    if (flow.type === 'api') {
      if (looksLikeBrowser(req)) throw flowTypeMismatch('api');
    } else {
      this.deps.csrf.verify(req, csrfField, flow.csrf_token);
    }
    return flow;
  }

  /**
   * Marks a flow completed, atomically: of concurrent submissions of one flow exactly one gets true.
   * The caller must not sign anyone in (or create anything) when it gets false.
   */
  async claimCompletion(flow: Flow): Promise<boolean> {
    const won = await this.deps.flows.transitionState(flow.id, flow.kind, flow.state, 'passed_challenge');
    if (won) flow.state = 'passed_challenge';
    return won;
  }

  /**
   * Saves a flow as completed in one statement, atomically as `claimCompletion`: of concurrent
   * submissions exactly one gets true, and only its flow is written (`releaseCompletion` gives it
   * back).
   */
  async completeAndSave(flow: Flow): Promise<boolean> {
    const from = flow.state;
    flow.state = 'passed_challenge';
    flow.updated_at = this.now();
    const won = await this.deps.flows.updateFlowIfState(flow, from);
    if (!won) flow.state = from;
    return won;
  }

  /** Gives a claimed flow back, when what followed the claim failed with messages for the user. */
  async releaseCompletion(flow: Flow, state: string): Promise<void> {
    await this.deps.flows.transitionState(flow.id, flow.kind, 'passed_challenge', state);
    flow.state = state;
  }

  async save(flow: Flow): Promise<void> {
    flow.updated_at = this.now();
    await this.deps.flows.updateFlow(flow);
  }

  /** The 410 a submission to an expired flow gets, after a replacement flow carrying `message` was made. */
  expired(flow: Flow, replacement: Flow | null): KratosError {
    return flowExpiredError(flow.expires_at, replacement?.id ?? null, this.now());
  }

  isExpired(flow: Flow): boolean {
    return isExpired(flow, this.now());
  }

  /** Answers a created or updated flow: browsers are sent to the UI, everyone else gets the JSON. */
  async respondWithFlow(req: FastifyRequest, reply: FastifyReply, flow: Flow, json: Record<string, unknown>, status = 200): Promise<FastifyReply> {
    if (this.clientMode(req, flow.type) === 'browser') return reply.redirect(this.uiUrl(flow.kind, flow.id), 303);
    return reply.code(status).send(json);
  }

  /** A submission that failed validation: messages are on the flow; browsers go back to the UI, others get 400 + flow. */
  async respondInvalid(req: FastifyRequest, reply: FastifyReply, flow: Flow, json: Record<string, unknown>): Promise<FastifyReply> {
    ui.clearSecrets(flow.ui);
    await this.save(flow);
    return this.respondWithFlow(req, reply, flow, json, 400);
  }

  /**
   * A submission a method (or a hook) sent back: its values and messages go on the flow, which is
   * shown again with `status` (browsers go to the UI).
   */
  async respondShowAgain(
    req: FastifyRequest,
    reply: FastifyReply,
    flow: Flow,
    o: { status: 200 | 400; messages: FlowMessage[]; values?: Record<string, unknown> },
    json: (flow: Flow) => Record<string, unknown>,
  ): Promise<FastifyReply> {
    if (o.values) ui.fillValues(flow.ui, o.values);
    for (const m of o.messages) ui.addMessage(flow.ui, m.message, m.node);
    ui.clearSecrets(flow.ui);
    await this.save(flow);
    return this.respondWithFlow(req, reply, flow, json(flow), o.status);
  }

  /**
   * Errors on browser navigations are stored and shown by the error UI (`flows.error.ui_url?id=`);
   * SPA and API clients get the envelope. Of the server errors, only an upstream's (502, 504: a
   * social sign-in provider that is down or answers nonsense) goes to the error UI: Tessera's own
   * failures (500, and 503 while the database is away, where the error could not even be stored)
   * stay the envelope.
   */
  async respondError(req: FastifyRequest, reply: FastifyReply, err: unknown, mode: ClientMode): Promise<FastifyReply> {
    const k = toKratosError(err);
    if (mode !== 'browser' || (k.code >= 500 && !isUpstreamFailure(k))) throw k;
    return this.showOnErrorPage(reply, k);
  }

  /** Stores the error and sends the browser to the error UI (`selfservice.flows.error.ui_url?id=`), whatever its status. */
  async showOnErrorPage(reply: FastifyReply, err: unknown): Promise<FastifyReply> {
    const k = toKratosError(err);
    const now = this.now();
    const id = newId();
    await this.deps.errors.createError({ id, error: k.toEnvelope().error as Record<string, unknown>, csrf_token: '', created_at: now, updated_at: now });
    const u = new URL(this.deps.config.flowUiUrl('error'));
    u.searchParams.set('id', id);
    return reply.redirect(u.toString(), 303);
  }

  /** A new anti-CSRF token once a session changes hands, so tokens from before sign-in are void. */
  rotateCsrf(reply: FastifyReply): string {
    return this.deps.csrf.rotate(reply);
  }

  redirect(reply: FastifyReply, to: string | URL): FastifyReply {
    return reply.redirect(to.toString(), 303);
  }
}

/** Fields all flow kinds put on the wire. */
export function baseFlowJson(flow: Flow): Record<string, unknown> {
  return {
    id: flow.id,
    type: flow.type,
    expires_at: flow.expires_at.toISOString(),
    issued_at: flow.issued_at.toISOString(),
    request_url: flow.request_url,
    ...(flow.return_to ? { return_to: flow.return_to } : {}),
    ...(flow.active ? { active: flow.active } : {}),
    ui: flow.ui,
    state: flow.state,
  };
}
