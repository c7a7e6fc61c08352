import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KratosError } from '../../../errors/kratos-error.js';
import { errorVerificationRetrySuccess, errorVerificationCodeInvalidOrAlreadyUsed, errorVerificationFlowExpired, errorVerificationTokenInvalidOrAlreadyUsed, validationRequired } from '../../../text/index.js';
import { TextId } from '../../../text/ids.js';
import { error, type UiText } from '../../../text/message.js';
import { csrfNode } from '../../../ui/csrf.js';
import { isUuid } from '../../../lib/ids.js';
import { parseFlowBody, stringField, transientPayload } from '../../flow/body.js';
import type { HookExecutor } from '../../hooks/executor.js';
import { newHookContext } from '../../hooks/hook.js';
import type { Identity } from '../../../identity/identity.js';
import { flowDisabled, flowExpiredError } from '../../flow/errors.js';
import { safeEqual } from '../../../lib/safe-compare.js';
import type { Flow, FlowPool, FlowType } from '../../flow/flow.js';
import { browserResponseMode } from '../../flow/request.js';
import { baseFlowJson, type ClientMode, type FlowService } from '../../flow/service.js';
import { ui, type UiNodeJson } from '../../flow/ui-json.js';
import { toJson } from '../../flow/ui-json.js';
import { completeVerification } from './complete.js';
import { parseTypedAddress } from '../../flow/typed-address.js';
import type { VerificationRepositories, VerificationStrategy } from './strategy.js';
import type { SecurityEvents } from '../../../telemetry/events.js';

export interface VerificationHandlerDeps {
  flows: FlowService;
  /** Plain flow storage, for reads outside a transaction. */
  flowPool: FlowPool;
  /** The anti-CSRF cookie: a link opened in another browser binds the flow to that browser. */
  csrf: {
    ensureToken(req: FastifyRequest, reply: FastifyReply): string;
    cookieToken(req: FastifyRequest): string | null;
    mask(token: string): string;
    verify(req: FastifyRequest, submitted: unknown, flowToken: string): void;
  };
  /** The strategy `selfservice.flows.verification.use` selects. */
  strategy(): VerificationStrategy;
  enabled(): boolean;
  notifyUnknownRecipients(): boolean;
  /** Where the user continues after verifying: the flow's return_to or the configured return URL. */
  continueUrl(flow: Flow): string;
  /** The identity owning a verifiable address, if any. */
  identityIdForAddress(via: 'email' | 'sms', value: string): Promise<string | null>;
  transaction<T>(fn: (repos: VerificationRepositories) => Promise<T>): Promise<T>;
  hooks: HookExecutor;
  events: Pick<SecurityEvents, 'verificationChecked'>;
  now?: () => Date;
}

export const verificationFlowJson = (flow: Flow): Record<string, unknown> => baseFlowJson(flow);

const noStrategy = (): UiText => error(TextId.ErrorValidationVerificationNoStrategyFound, 'Could not find a strategy to verify your account with. Did you fill out the form correctly?');

type Query = Record<string, string | undefined>;

/** Browsers that opened a link from the flow's email, besides the one that started the flow. */
const MAX_LINKED_BROWSERS = 5;
const linkedTokens = (flow: Flow): string[] => (Array.isArray(flow.data.linked_csrf_tokens) ? (flow.data.linked_csrf_tokens as string[]) : []);


export function registerVerificationRoutes(app: FastifyInstance, deps: VerificationHandlerDeps): void {
  const { flows } = deps;
  const now = deps.now ?? (() => new Date());

  async function newVerificationFlow(req: FastifyRequest, reply: FastifyReply, type: FlowType, returnTo: string | null, messages: UiText[] = []): Promise<Flow> {
    const strategy = deps.strategy();
    const flow = await flows.create(req, reply, {
      kind: 'verification',
      type,
      state: 'choose_method',
      returnTo,
      nodes: (csrf) => [...(type === 'browser' ? [toJson(csrfNode(csrf))] : []), ...strategy.chooseMethodNodes()],
      messages,
    });
    const before = await deps.hooks.before(newHookContext({ kind: 'verification', req, reply, flow }));
    if (before.kind === 'interrupt') throw new KratosError(400, { reason: before.messages.map((m) => m.message.text).join(' ') });
    return flow;
  }

  /** The after hooks, once an address was verified. */
  async function verified(req: FastifyRequest, reply: FastifyReply, flow: Flow, identity: Identity, payload: unknown) {
    await deps.hooks.after('post_persist', newHookContext({ kind: 'verification', req, reply, flow, method: flow.active, identity, transientPayload: payload }));
  }

  async function init(req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply, type: FlowType) {
    const mode: ClientMode = type === 'api' ? 'api' : browserResponseMode(req);
    try {
      if (!deps.enabled()) throw flowDisabled('verification');
      const flow = await newVerificationFlow(req, reply, type, flows.returnTo(req));
      return flows.respondWithFlow(req, reply, flow, verificationFlowJson(flow));
    } catch (err) {
      return flows.respondError(req, reply, err, mode);
    }
  }

  app.get('/self-service/verification/browser', (req: FastifyRequest<{ Querystring: Query }>, reply) => init(req, reply, 'browser'));
  app.get('/self-service/verification/api', (req: FastifyRequest<{ Querystring: Query }>, reply) => init(req, reply, 'api'));
  app.get('/self-service/verification/flows', async (req) => {
    if (!deps.enabled()) throw flowDisabled('verification');
    const id = (req.query as Query).id;
    const stored = typeof id === 'string' && isUuid(id) ? await deps.flowPool.getFlow(id.toLowerCase(), 'verification') : null;
    if (stored && linkedToken(req, stored)) {
      if (flows.isExpired(stored)) throw flowExpiredError(stored.expires_at, null, now(), new URL('self-service/verification/browser', flows.config.publicBaseUrl()).toString());
      return jsonFor(req, stored);
    }
    return verificationFlowJson(await flows.fetchForRead(req, 'verification', '/self-service/verification/browser'));
  });

  /**
   * The anti-CSRF token of a browser that opened a link from this flow's email (the link may be opened
   * in another browser than the one that started the flow, and both may go on); null for the
   * browser that started it or any other.
   */
  const linkedToken = (req: FastifyRequest, flow: Flow): string | null => {
    if (flow.type !== 'browser') return null;
    const cookie = deps.csrf.cookieToken(req);
    if (!cookie || safeEqual(cookie, flow.csrf_token)) return null;
    return linkedTokens(flow).some((t) => safeEqual(t, cookie)) ? cookie : null;
  };

  /** The flow JSON for this request: a linked browser gets the CSRF field masked with its own token. */
  const jsonFor = (req: FastifyRequest, flow: Flow): Record<string, unknown> => {
    const json = verificationFlowJson(flow);
    const token = linkedToken(req, flow);
    if (!token) return json;
    const nodes = flow.ui.nodes.map((n) => (ui.nodeName(n) === 'csrf_token' ? { ...n, attributes: { ...n.attributes, value: deps.csrf.mask(token) } } : n));
    return { ...json, ui: { ...flow.ui, nodes } };
  };

  /** Answers after a submission handled the flow: browsers go to the UI, others get the flow. */
  const answer = (req: FastifyRequest, reply: FastifyReply, flow: Flow, status = 200) => flows.respondWithFlow(req, reply, flow, jsonFor(req, flow), status);

  /** A new flow carrying `message`, for a link that cannot be used; the browser is sent to it. */
  async function retryWithMessage(req: FastifyRequest, reply: FastifyReply, returnTo: string | null, message: UiText) {
    const replacement = await newVerificationFlow(req, reply, 'browser', returnTo, [message]);
    return flows.redirect(reply, flows.uiUrl('verification', replacement.id));
  }

  async function verifyCode(req: FastifyRequest, reply: FastifyReply, flow: Flow, strategy: VerificationStrategy, code: string, payload: unknown) {
    const secret = strategy.checkCode ? await strategy.checkCode(flow, code) : null;
    const done = secret ? await deps.transaction((repos) => completeVerification(repos, flow, secret, { now: now(), continueUrl: deps.continueUrl(flow), group: strategy.id })) : null;
    deps.events.verificationChecked({ req, identity: done, method: strategy.id, flow });
    if (done) await verified(req, reply, flow, done, payload);
    else {
      ui.resetMessages(flow.ui);
      ui.addMessage(flow.ui, errorVerificationCodeInvalidOrAlreadyUsed());
      await flows.save(flow);
    }
    // Kratos answers a wrong code with the flow and 200, as it does a right one.
    return answer(req, reply, flow);
  }

  async function requestMessage(req: FastifyRequest, reply: FastifyReply, flow: Flow, strategy: VerificationStrategy, typed: string, payload: unknown) {
    // Emails trimmed and lower-cased, phone numbers in E.164: the forms addresses are stored in.
    // Text that is neither is looked up as typed, finds nothing and gets the unknown address's answer.
    const { via, value: address } = parseTypedAddress(typed) ?? { via: 'sms' as const, value: typed.trim() };
    const identityId = await deps.identityIdForAddress(via, address);
    await deps.transaction(async (repos) => {
      await strategy.invalidate(repos, flow);
      const identity = identityId ? await repos.identities.getIdentity(identityId, { withCredentials: true }) : null;
      // The message goes over the stored address's channel, and only if this method delivers over it.
      const known = identity?.verifiable_addresses.find((a) => a.value === address && a.via === via && strategy.channels.includes(a.via));
      if (identity && known) await strategy.sendTo(repos, flow, identity, known, payload);
      else if (deps.notifyUnknownRecipients()) await strategy.sendUnknown(repos, flow, address, payload);
      // The flow looks the same whether the address is known or not.
      strategy.markSent(flow, typed.trim());
      flow.active = strategy.id;
      flow.updated_at = now();
      await repos.flows.updateFlow(flow);
    });
    return answer(req, reply, flow);
  }

  app.post('/self-service/verification', async (req: FastifyRequest<{ Querystring: Query }>, reply) => {
    let mode: ClientMode = browserResponseMode(req);
    try {
      if (!deps.enabled()) throw flowDisabled('verification');
      const body = parseFlowBody(req);
      const q = req.query;
      const peek = typeof q.flow === 'string' && isUuid(q.flow) ? await deps.flowPool.getFlow(q.flow.toLowerCase(), 'verification') : null;
      if (peek?.state === 'passed_challenge') {
        // As Kratos: a verified flow is not submitted again; the client gets a fresh one saying so.
        mode = flows.clientMode(req, peek.type);
        const replacement = await newVerificationFlow(req, reply, peek.type, peek.return_to, [errorVerificationRetrySuccess()]);
        if (mode === 'browser') return flows.redirect(reply, flows.uiUrl('verification', replacement.id));
        throw new KratosError(410, {
          id: 'self_service_flow_replaced',
          message: 'self-service flow replaced',
          reason: 'An error occured, please use the new flow.',
          extra: { use_flow_id: replacement.id },
        });
      }
      let flow: Flow;
      const linked = peek ? linkedToken(req, peek) : null;
      if (peek && linked) {
        deps.csrf.verify(req, body.fields.csrf_token, linked);
        flow = peek;
      } else {
        flow = await flows.fetchForSubmit(req, 'verification', body.fields.csrf_token);
      }
      mode = flows.clientMode(req, flow.type);
      if (flows.isExpired(flow)) {
        const replacement = await newVerificationFlow(req, reply, flow.type, flow.return_to, [errorVerificationFlowExpired(flow.expires_at, now())]);
        if (mode === 'browser') return flows.redirect(reply, flows.uiUrl('verification', replacement.id));
        throw flows.expired(flow, replacement);
      }
      const strategy = deps.strategy();
      const code = stringField(body.fields, 'code');
      const method = stringField(body.fields, 'method') ?? (code ? 'code' : undefined);
      ui.resetMessages(flow.ui);
      if (method !== strategy.id) {
        ui.addMessage(flow.ui, noStrategy());
        return flows.respondInvalid(req, reply, flow, jsonFor(req, flow));
      }
      if (code && strategy.checkCode) return await verifyCode(req, reply, flow, strategy, code, transientPayload(body.fields));
      const email = stringField(body.fields, 'email');
      if (!email || email.trim() === '') {
        ui.addMessage(flow.ui, validationRequired('email'), 'email');
        return flows.respondInvalid(req, reply, flow, jsonFor(req, flow));
      }
      return await requestMessage(req, reply, flow, strategy, email, transientPayload(body.fields));
    } catch (err) {
      return flows.respondError(req, reply, err, mode);
    }
  });

  /**
   * A link from an email: `?flow=&code=` fills the code into the flow and shows it (the user confirms);
   * `?flow=&token=` (link method) verifies at once. Either binds the flow to the browser that opened
   * the link, which may not be the one that started it.
   */
  app.get('/self-service/verification', async (req: FastifyRequest<{ Querystring: Query }>, reply) => {
    try {
      if (!deps.enabled()) throw flowDisabled('verification');
      const q = req.query;
      const flow = typeof q.flow === 'string' && isUuid(q.flow) ? await deps.flowPool.getFlow(q.flow.toLowerCase(), 'verification') : null;
      if (!flow) return await retryWithMessage(req, reply, null, q.token ? errorVerificationTokenInvalidOrAlreadyUsed() : errorVerificationCodeInvalidOrAlreadyUsed());
      if (flows.isExpired(flow)) return await retryWithMessage(req, reply, flow.return_to, errorVerificationFlowExpired(flow.expires_at, now()));
      const strategy = deps.strategy();
      // The browser opening the link may go on with the flow, and so may the one that started it
      // (a mail scanner fetching the link must not lock the user out of their own flow).
      const rebind = () => {
        if (flow.type !== 'browser') return;
        const token = deps.csrf.ensureToken(req, reply);
        if (safeEqual(token, flow.csrf_token) || linkedTokens(flow).some((t) => safeEqual(t, token))) return;
        flow.data = { ...flow.data, linked_csrf_tokens: [...linkedTokens(flow), token].slice(-MAX_LINKED_BROWSERS) };
      };
      if (typeof q.token === 'string' && strategy.checkToken) {
        if (flow.state === 'passed_challenge') return await retryWithMessage(req, reply, flow.return_to, errorVerificationTokenInvalidOrAlreadyUsed());
        const secret = strategy.checkToken ? await strategy.checkToken(flow, q.token) : null;
        rebind();
        const done = secret ? await deps.transaction((repos) => completeVerification(repos, flow, secret, { now: now(), continueUrl: deps.continueUrl(flow), group: strategy.id })) : null;
        deps.events.verificationChecked({ req, identity: done, method: strategy.id, flow });
        if (!done) return await retryWithMessage(req, reply, flow.return_to, errorVerificationTokenInvalidOrAlreadyUsed());
        await verified(req, reply, flow, done, undefined);
        await flows.save(flow);
        return flows.redirect(reply, flows.uiUrl('verification', flow.id));
      }
      if (typeof q.code === 'string' && strategy.checkCode && flow.state !== 'passed_challenge') {
        ui.setValue(flow.ui, 'code', q.code);
        rebind();
        await flows.save(flow);
        return flows.redirect(reply, flows.uiUrl('verification', flow.id));
      }
      return flows.redirect(reply, flows.uiUrl('verification', flow.id));
    } catch (err) {
      return flows.respondError(req, reply, err, 'browser');
    }
  });
}

/** Nodes kept when a strategy redraws the form: the CSRF token of browser flows. */
export const keptNodes = (flow: Flow): UiNodeJson[] => flow.ui.nodes.filter((n) => ui.nodeName(n) === 'csrf_token');
