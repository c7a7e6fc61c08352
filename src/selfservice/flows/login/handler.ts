import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KratosError } from '../../../errors/kratos-error.js';
import { clientInfo, type SessionManager } from '../../../session/manager.js';
import { sessionToJson, type IssuedSession, type Session } from '../../../session/session.js';
import type { Identity } from '../../../identity/identity.js';
import { exchangeCodeFor, type ExchangeCodeIssuer } from '../../../session/token-exchange.js';
import { type UiText, errorLoginLinkedCredentialsDoNotMatch, errorLoginFlowExpired, errorLoginNoStrategyFound, errorSystemNoAuthenticationMethodsAvailable, infoLoginMfa, infoLoginReAuth } from '../../../text/index.js';
import { csrfNode } from '../../../ui/csrf.js';
import { sortNodes, loginSortOptions } from '../../../ui/sort.js';
import type { UiNode } from '../../../ui/node.js';
import { parseFlowBody, transientPayload } from '../../flow/body.js';
import { browserLocationChangeRequired, flowAlreadyCompleted, sessionAlreadyAvailable } from '../../flow/errors.js';
import type { Flow, FlowType } from '../../flow/flow.js';
import { firstResponsible, type FlowResumption, type LoginFormContext, type LoginMethod, type MethodOutcome, type RequestedAal, type SelfServiceMethod } from '../../flow/method.js';
import { browserResponseMode } from '../../flow/request.js';
import { baseFlowJson, type ClientMode, type FlowService } from '../../flow/service.js';
import { toJson, ui, upsertNodes, type UiNodeJson } from '../../flow/ui-json.js';
import type { ContinueWith } from '../../flow/continue-with.js';
import { pendingLink } from '../../flow/pending-link.js';
import { csrfNodes, screenNodes, storedScreen } from '../../flow/screens.js';
import type { HookExecutor } from '../../hooks/executor.js';
import { newHookContext } from '../../hooks/hook.js';
import type { SecurityEvents } from '../../../telemetry/events.js';
import type { AssuranceCheck } from '../../../session/aal.js';
import type { RequiredAal } from '../../../config/types.js';

export interface LoginHandlerDeps {
  flows: FlowService;
  sessions: SessionManager;
  /** The enabled methods; those with a `login` part take part. */
  methods: readonly SelfServiceMethod[];
  hooks: HookExecutor;
  renderIdentity(identity: Identity, admin: boolean): Record<string, unknown>;
  /** Issues `session_token_exchange_code` for API flows that ask for one. */
  tokenExchange?: ExchangeCodeIssuer;
  events: Pick<SecurityEvents, 'loginSucceeded' | 'loginFailed'>;
  /** After a sign-in, browsers whose session would not pass whoami go on to the step-up login. */
  assurance: AssuranceCheck;
  whoamiRequiredAal(): RequiredAal;
  /** `selfservice.flows.login.style: identifier_first`: a first sign-in asks for the identifier alone first. */
  identifierFirst(): boolean;
}

interface LoginData extends Record<string, unknown> {
  refresh: boolean;
  requested_aal: RequestedAal;
  /** Identifier-first: the first screen's nodes while the credential screen is on show. */
  previous_screen?: UiNodeJson[];
}

export function loginFlowJson(flow: Flow): Record<string, unknown> {
  const d = flow.data as LoginData;
  return {
    ...baseFlowJson(flow),
    created_at: flow.created_at.toISOString(),
    updated_at: flow.updated_at.toISOString(),
    refresh: d.refresh,
    requested_aal: d.requested_aal,
  };
}

/** 401 for `aal=aal2` without a session to step up. */
const aal1Required = () => new KratosError(401, { id: 'session_aal1_required', reason: 'You can not requested a higher AAL (AAL2/AAL3) without an active session.' });

type Query = Record<string, string | undefined>;
type LoginPart = { id: string; login: LoginMethod };

export function registerLoginRoutes(app: FastifyInstance, deps: LoginHandlerDeps): FlowResumption {
  const { flows, sessions } = deps;
  const methods: LoginPart[] = deps.methods.filter((m): m is SelfServiceMethod & LoginPart => m.login !== undefined);

  const sortJson = (nodes: UiNodeJson[]): UiNodeJson[] => sortNodes(nodes as unknown as UiNode[], loginSortOptions()) as unknown as UiNodeJson[];

  /**
   * A new login flow with every method's nodes for this kind of form; none available is a 400.
   * With the identifier-first style a first sign-in shows its first screen (as in Kratos, not a
   * refresh, a second factor, or the sign-in that links an account: `unified`).
   */
  async function newLoginFlow(req: FastifyRequest, reply: FastifyReply, type: FlowType, o: { ctx: LoginFormContext; returnTo: string | null; messages?: UiText[]; unified?: boolean }): Promise<Flow> {
    const identification = deps.identifierFirst() && !o.unified && o.ctx.requestedAal === 'aal1' && !o.ctx.refresh;
    const nodes = upsertNodes((await Promise.all(methods.map((m) => (identification ? (m.login.identificationNodes?.({ ...o.ctx, flowType: type }) ?? []) : m.login.nodes({ ...o.ctx, flowType: type }))))).flat());
    if (nodes.length === 0) throw new KratosError(400, { reason: errorSystemNoAuthenticationMethodsAvailable().text });
    const flow = await flows.create(req, reply, {
      kind: 'login',
      type,
      state: 'choose_method',
      returnTo: o.returnTo,
      data: { refresh: o.ctx.refresh, requested_aal: o.ctx.requestedAal } satisfies LoginData,
      nodes: (csrf) => sortJson([toJson(csrfNode(csrf)), ...nodes]),
      messages: [
        ...(o.ctx.refresh ? [infoLoginReAuth()] : []),
        // As Kratos: a form that asks a session for more than it has says so (1010004).
        ...(o.ctx.requestedAal === 'aal2' && o.ctx.session && o.ctx.session.aal !== 'aal2' && o.ctx.session.aal !== 'aal3' ? [infoLoginMfa()] : []),
        ...(o.messages ?? []),
      ],
    });
    const before = await deps.hooks.before(newHookContext({ kind: 'login', req, reply, flow, session: o.ctx.session }));
    if (before.kind === 'interrupt') throw new KratosError(400, { reason: before.messages.map((m) => m.message.text).join(' ') });
    return flow;
  }

  /** Where a browser goes once signed in (or when already signed in). */
  const afterLoginUrl = (returnTo: string | null, method?: string) => returnTo ?? flows.config.flowReturnUrl('login', method).toString();

  /**
   * What a login flow (new or submitted) is for: a first sign-in, a refresh of the signed-in user,
   * or a step-up to a second factor. A signed-in user asking for what they already have is told so.
   */
  function formContext(session: Session | null, refresh: boolean, requestedAal: RequestedAal): LoginFormContext | 'already_signed_in' {
    if (requestedAal === 'aal2') {
      if (!session) throw aal1Required();
      if (session.aal === 'aal2' && !refresh) return 'already_signed_in';
      return { refresh, requestedAal, session };
    }
    if (session && !refresh) return 'already_signed_in';
    return { refresh, requestedAal, session: refresh ? session : null };
  }

  async function init(req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply, type: FlowType) {
    const mode: ClientMode = type === 'api' ? 'api' : browserResponseMode(req);
    try {
      const q = req.query;
      const returnTo = flows.returnTo(req);
      if (q.aal && q.aal !== 'aal1' && q.aal !== 'aal2') throw new KratosError(400, { reason: errorSystemNoAuthenticationMethodsAvailable().text });
      const ctx = formContext(await sessions.fromRequest(req), q.refresh === 'true', q.aal === 'aal2' ? 'aal2' : 'aal1');
      if (ctx === 'already_signed_in') {
        if (mode === 'browser') return flows.redirect(reply, afterLoginUrl(returnTo));
        throw sessionAlreadyAvailable();
      }
      // `via` names the trait whose address a second-factor code should go to (a hint to the methods).
      if (q.via) ctx.via = q.via;
      const flow = await newLoginFlow(req, reply, type, { ctx, returnTo });
      const json = loginFlowJson(flow);
      const exchangeCode = await exchangeCodeFor(flow, req.query, deps.tokenExchange);
      if (exchangeCode) json.session_token_exchange_code = exchangeCode;
      return flows.respondWithFlow(req, reply, flow, json);
    } catch (err) {
      return flows.respondError(req, reply, err, mode);
    }
  }

  app.get('/self-service/login/browser', (req: FastifyRequest<{ Querystring: Query }>, reply) => init(req, reply, 'browser'));
  app.get('/self-service/login/api', (req: FastifyRequest<{ Querystring: Query }>, reply) => init(req, reply, 'api'));

  app.get('/self-service/login/flows', async (req) => loginFlowJson(await flows.fetchForRead(req, 'login', '/self-service/login/browser')));

  app.post('/self-service/login', async (req: FastifyRequest<{ Querystring: Query }>, reply) => {
    let mode: ClientMode = browserResponseMode(req);
    try {
      const body = parseFlowBody(req);
      const flow = await flows.fetchForSubmit(req, 'login', body.fields.csrf_token);
      mode = flows.clientMode(req, flow.type);
      const data = flow.data as LoginData;
      const ctx = formContext(await sessions.fromRequest(req), data.refresh, data.requested_aal);

      if (flows.isExpired(flow)) {
        const replacement = await newLoginFlow(req, reply, flow.type, {
          ctx: ctx === 'already_signed_in' ? { refresh: false, requestedAal: 'aal1', session: null } : ctx,
          returnTo: flow.return_to,
          messages: [errorLoginFlowExpired(flow.expires_at, new Date())],
        });
        if (mode === 'browser') return flows.redirect(reply, flows.uiUrl('login', replacement.id));
        throw flows.expired(flow, replacement);
      }
      if (ctx === 'already_signed_in') {
        if (mode === 'browser') return flows.redirect(reply, afterLoginUrl(flow.return_to));
        throw sessionAlreadyAvailable();
      }

      ui.resetMessages(flow.ui);
      const submission = { req, reply, flow, fields: body.fields, form: body.form };
      const taken = await firstResponsible(methods, (m) => m.login.submit(submission, ctx));
      if (!taken) {
        ui.addMessage(flow.ui, errorLoginNoStrategyFound());
        return flows.respondInvalid(req, reply, flow, loginFlowJson(flow));
      }
      flow.active = taken.method.id;
      return await answer(req, reply, flow, mode, ctx, taken.outcome, transientPayload(body.fields));
    } catch (err) {
      return flows.respondError(req, reply, err, mode);
    }
  });

  return {
    async resume(req, reply, flow, methodId, outcome, payload) {
      const mode = flows.clientMode(req, flow.type);
      try {
        const data = flow.data as LoginData;
        if (flow.state === 'passed_challenge') throw flowAlreadyCompleted();
        if (flows.isExpired(flow)) throw flows.expired(flow, null);
        const ctx = formContext(await sessions.fromRequest(req), data.refresh, data.requested_aal);
        if (ctx === 'already_signed_in') {
          if (mode === 'browser') return flows.redirect(reply, afterLoginUrl(flow.return_to));
          throw sessionAlreadyAvailable();
        }
        ui.resetMessages(flow.ui);
        flow.active = methodId;
        return await answer(req, reply, flow, mode, ctx, outcome, payload);
      } catch (err) {
        return flows.respondError(req, reply, err, mode);
      }
    },
    async takeOver(req, reply, from) {
      return newLoginFlow(req, reply, from.type, { ctx: { refresh: false, requestedAal: 'aal1', session: null }, returnTo: from.return_to, unified: true });
    },
    fail: (req, reply, flow, err) => flows.respondError(req, reply, err, flow ? flows.clientMode(req, flow.type) : browserResponseMode(req)),
  };

  async function answer(req: FastifyRequest, reply: FastifyReply, flow: Flow, mode: ClientMode, ctx: LoginFormContext, outcome: Exclude<MethodOutcome, { kind: 'not_responsible' }>, payload: unknown) {
    switch (outcome.kind) {
      case 'show_again':
        if (outcome.status === 400 && !outcome.step) deps.events.loginFailed({ req, method: flow.active ?? '', flow, reason: outcome.messages[0]?.message.id, refresh: ctx.refresh });
        return flows.respondShowAgain(req, reply, flow, outcome, loginFlowJson);
      case 'completed':
        return flows.redirect(reply, outcome.redirectTo);
      case 'answered':
        return outcome.body;
      case 'updated':
        throw new KratosError(500, { reason: 'A login method answered with a settings change.' });
      case 'screen':
        return showScreen(req, reply, flow, ctx, outcome);
      case 'authenticated':
        return signIn(req, reply, flow, mode, ctx, outcome, payload);
    }
  }

  /**
   * Identifier-first sign-in moving between its screens. `credential_selection`: the first screen
   * (less the nodes of the method that answered, which gives its own) with what every method offers
   * once an identifier is named; what they offer does not depend on the identifier, so known and
   * unknown ones get the same screen. As Kratos, a 400 with the flow (browsers go to the UI).
   */
  async function showScreen(req: FastifyRequest, reply: FastifyReply, flow: Flow, ctx: LoginFormContext, outcome: Extract<MethodOutcome, { kind: 'screen' }>) {
    const data = flow.data as LoginData;
    const csrf = csrfNodes(flow.ui.nodes);
    const first = data.previous_screen ?? storedScreen(flow.ui.nodes);
    if (outcome.screen === 'previous') {
      flow.ui.nodes = sortJson(screenNodes(csrf, first, outcome.nodes ?? []));
      delete data.previous_screen;
    } else {
      const offered = (await Promise.all(methods.map((m) => m.login.identifiedNodes?.(ctx) ?? []))).flat();
      data.previous_screen = first;
      flow.ui.nodes = sortJson(screenNodes(csrf, first.filter((n) => n.group !== flow.active), outcome.nodes ?? [], offered));
    }
    return flows.respondShowAgain(req, reply, flow, { status: 400, messages: outcome.messages ?? [], values: outcome.values }, loginFlowJson);
  }

  /** The user proved who they are: hooks, then the session (new, refreshed or stepped up), then the answer. */
  async function signIn(req: FastifyRequest, reply: FastifyReply, flow: Flow, mode: ClientMode, ctx: LoginFormContext, outcome: Extract<MethodOutcome, { kind: 'authenticated' }>, payload: unknown) {
    const { identity, method } = outcome;
    const current = ctx.session;
    if (current && current.identity_id !== identity.id) {
      throw new KratosError(403, { id: 'security_identity_mismatch', reason: 'The signed-in identity does not match the identity that was used to re-authenticate.' });
    }
    // A new session gets its id before the hooks run, so they see the id it will be stored with.
    const prepared: IssuedSession | null = current ? null : sessions.prepare(identity, method, clientInfo(req));
    const session = current ? sessions.authenticateAgain(current, method) : prepared!.session;
    const hookCtx = newHookContext({ kind: 'login', req, reply, flow, method: flow.active, authenticationMethod: method, identity, session, issued: prepared, transientPayload: payload });
    const pre = await deps.hooks.after('pre_persist', hookCtx);
    if (pre.kind === 'interrupt') {
      deps.events.loginFailed({ req, method: flow.active ?? '', flow, reason: pre.messages[0]?.message.id, refresh: ctx.refresh });
      return flows.respondShowAgain(req, reply, flow, { status: 400, messages: pre.messages }, loginFlowJson);
    }

    // A sign-up that met this account left a credential to link: only its owner may take it.
    const link = pendingLink(flow);
    const linker = link ? deps.methods.find((m) => m.id === link.method)?.linkCredential : undefined;
    if (link && (link.identity_id !== identity.id || !linker)) {
      deps.events.loginFailed({ req, method: flow.active ?? '', flow, reason: errorLoginLinkedCredentialsDoNotMatch().id, refresh: ctx.refresh });
      return flows.respondShowAgain(req, reply, flow, { status: 400, messages: [{ message: errorLoginLinkedCredentialsDoNotMatch() }] }, loginFlowJson);
    }

    // One successful submission per flow, even under concurrency: a replayed flow id signs nobody in.
    ui.clearSecrets(flow.ui);
    if (!(await flows.completeAndSave(flow))) throw flowAlreadyCompleted();
    if (link && linker) await linker(identity, link.credential);
    if (prepared) await sessions.store(prepared);
    else await sessions.update(session);
    const token = prepared ? prepared.token : (sessions.extractToken(req)?.token ?? null);

    if (flow.type === 'browser') {
      if (token) sessions.setCookie(reply, token, session);
      hookCtx.csrfToken = flows.rotateCsrf(reply);
    }
    await deps.hooks.after('post_persist', hookCtx);

    session.identity = identity;
    deps.events.loginSucceeded({ req, identity, session, method: flow.active ?? method.method, flow, refresh: ctx.refresh });
    const sessionJson = sessionToJson(session, deps.renderIdentity(identity, false));
    const continueWith: ContinueWith[] = hookCtx.continueWith;
    if (flow.type === 'api') {
      return { session_token: token, session: sessionJson, continue_with: [...continueWith, ...(token ? [{ action: 'set_ory_session_token' as const, ory_session_token: token }] : [])] };
    }
    // As Kratos: a browser whose session lacks the second factor whoami will require is sent to
    // the aal2 login (API clients see it at whoami). The return_to of this flow carries over.
    if (flow.type === 'browser' && !(await deps.assurance.satisfied(session, deps.whoamiRequiredAal()))) {
      const stepUp = deps.assurance.stepUpUrl(flow.return_to);
      if (mode === 'browser') return flows.redirect(reply, stepUp);
      throw browserLocationChangeRequired(stepUp);
    }
    if (mode === 'browser') return flows.redirect(reply, hookCtx.browserRedirect ?? afterLoginUrl(flow.return_to, flow.active ?? undefined));
    return { session: sessionJson, ...(continueWith.length > 0 ? { continue_with: continueWith } : {}) };
  }
}
