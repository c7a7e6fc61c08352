import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KratosError } from '../../../errors/kratos-error.js';
import { clientInfo, type SessionManager } from '../../../session/manager.js';
import { sessionToJson, type Session } from '../../../session/session.js';
import type { Identity } from '../../../identity/identity.js';
import { type UiText, errorLoginFlowExpired, errorLoginNoStrategyFound, errorSystemNoAuthenticationMethodsAvailable, infoLoginReAuth } from '../../../text/index.js';
import { csrfNode } from '../../../ui/csrf.js';
import { sortNodes, loginSortOptions } from '../../../ui/sort.js';
import type { UiNode } from '../../../ui/node.js';
import { parseFlowBody, stringField } from '../../flow/body.js';
import { flowAlreadyCompleted, sessionAlreadyAvailable } from '../../flow/errors.js';
import type { Flow, FlowType } from '../../flow/flow.js';
import { browserResponseMode } from '../../flow/request.js';
import { baseFlowJson, type ClientMode, type FlowService } from '../../flow/service.js';
import { ui, type UiNodeJson } from '../../flow/ui-json.js';
import { FlowValidationError } from '../../flow/validation.js';
import { toJson } from '../../flow/ui-json.js';
import type { LoginFormContext, LoginStrategy } from './strategy.js';

export interface LoginHandlerDeps {
  flows: FlowService;
  sessions: SessionManager;
  strategies: LoginStrategy[];
  renderIdentity(identity: Identity, admin: boolean): Record<string, unknown>;
  /** After-login hooks configured for the method (`revoke_active_sessions`, ...). */
  afterHooks(method: string): Array<{ hook: string }>;
  /** The `require_verified_address` check: a message refusing the login, or null. */
  requireVerifiedAddress?(identity: Identity, method: string): UiText | null;
}

interface LoginData extends Record<string, unknown> {
  refresh: boolean;
  requested_aal: string;
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

type Query = Record<string, string | undefined>;

export function registerLoginRoutes(app: FastifyInstance, deps: LoginHandlerDeps): void {
  const { flows, sessions } = deps;

  const sortJson = (nodes: UiNodeJson[]): UiNodeJson[] => sortNodes(nodes as unknown as UiNode[], loginSortOptions()) as unknown as UiNodeJson[];

  async function newLoginFlow(req: FastifyRequest, reply: FastifyReply, type: FlowType, o: { refresh: boolean; returnTo: string | null; session: Session | null; messages?: ReturnType<typeof infoLoginReAuth>[] }): Promise<Flow> {
    const ctx: LoginFormContext = { refresh: o.refresh, session: o.session };
    return flows.create(req, reply, {
      kind: 'login',
      type,
      state: 'choose_method',
      returnTo: o.returnTo,
      data: { refresh: o.refresh, requested_aal: 'aal1' } satisfies LoginData,
      nodes: (csrf) => sortJson([toJson(csrfNode(csrf)), ...deps.strategies.flatMap((s) => s.loginNodes(ctx))]),
      messages: [...(o.refresh ? [infoLoginReAuth()] : []), ...(o.messages ?? [])],
    });
  }

  /** Where a browser goes once signed in (or when already signed in). */
  const afterLoginUrl = (returnTo: string | null, method?: string) => returnTo ?? flows.config.flowReturnUrl('login', method).toString();

  async function init(req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply, type: FlowType) {
    const mode: ClientMode = type === 'api' ? 'api' : browserResponseMode(req);
    try {
      const q = req.query;
      const returnTo = flows.returnTo(req);
      const refresh = q.refresh === 'true';
      const session = await sessions.fromRequest(req);
      if (q.aal && q.aal !== 'aal1') {
        if (!session) throw new KratosError(401, { id: 'session_aal1_required', reason: 'You can not requested a higher AAL (AAL2/AAL3) without an active session.' });
        throw new KratosError(400, { reason: errorSystemNoAuthenticationMethodsAvailable().text });
      }
      if (session && !refresh) {
        if (mode === 'browser') return flows.redirect(reply, afterLoginUrl(returnTo));
        throw sessionAlreadyAvailable();
      }
      const flow = await newLoginFlow(req, reply, type, { refresh, returnTo, session: refresh ? session : null });
      return flows.respondWithFlow(req, reply, flow, loginFlowJson(flow));
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
      const current = await sessions.fromRequest(req);

      if (flows.isExpired(flow)) {
        const replacement = await newLoginFlow(req, reply, flow.type, {
          refresh: data.refresh,
          returnTo: flow.return_to,
          session: data.refresh ? current : null,
          messages: [errorLoginFlowExpired(flow.expires_at, new Date())],
        });
        if (mode === 'browser') return flows.redirect(reply, flows.uiUrl('login', replacement.id));
        throw flows.expired(flow, replacement);
      }
      if (current && !data.refresh) {
        if (mode === 'browser') return flows.redirect(reply, afterLoginUrl(flow.return_to));
        throw sessionAlreadyAvailable();
      }

      ui.resetMessages(flow.ui);
      const method = stringField(body.fields, 'method');
      const strategy = deps.strategies.find((s) => s.id === method);
      if (!strategy) {
        ui.addMessage(flow.ui, errorLoginNoStrategyFound());
        return flows.respondInvalid(req, reply, flow, loginFlowJson(flow));
      }

      let identity: Identity;
      try {
        identity = await strategy.login(flow, body.fields, { refresh: data.refresh, session: data.refresh ? current : null, clientAddress: req.ip });
      } catch (err) {
        if (!(err instanceof FlowValidationError)) throw err;
        ui.fillValues(flow.ui, err.values);
        for (const m of err.messages) ui.addMessage(flow.ui, m.message, m.node);
        flow.active = strategy.id;
        return flows.respondInvalid(req, reply, flow, loginFlowJson(flow));
      }

      if (deps.requireVerifiedAddress && deps.afterHooks(strategy.id).some((h) => h.hook === 'require_verified_address')) {
        const refusal = deps.requireVerifiedAddress(identity, strategy.id);
        if (refusal) {
          ui.addMessage(flow.ui, refusal);
          flow.active = strategy.id;
          return flows.respondInvalid(req, reply, flow, loginFlowJson(flow));
        }
      }
      // One successful submission per flow, even under concurrency: a replayed flow id signs nobody in.
      if (!(await flows.claimCompletion(flow))) throw flowAlreadyCompleted();
      flow.active = strategy.id;
      ui.clearSecrets(flow.ui);
      await flows.save(flow);

      let session: Session;
      let token: string | null = null;
      if (data.refresh && current && current.identity_id === identity.id) {
        session = await sessions.reauthenticate(current, strategy.id);
        const presented = sessions.extractToken(req);
        token = presented?.token ?? null;
      } else {
        const issued = await sessions.issue(identity, strategy.id, clientInfo(req));
        session = issued.session;
        token = issued.token;
      }
      for (const h of deps.afterHooks(strategy.id)) {
        if (h.hook === 'revoke_active_sessions') await sessions.pool.revokeSessionsOfIdentity(identity.id, session.id);
      }
      session.identity = identity;
      const sessionJson = sessionToJson(session, deps.renderIdentity(identity, false));

      if (flow.type === 'api') {
        return { session_token: token, session: sessionJson, continue_with: [{ action: 'set_ory_session_token', ory_session_token: token }] };
      }
      if (token) sessions.setCookie(reply, token, session);
      flows.rotateCsrf(reply);
      if (mode === 'browser') return flows.redirect(reply, afterLoginUrl(flow.return_to, strategy.id));
      return { session: sessionJson };
    } catch (err) {
      return flows.respondError(req, reply, err, mode);
    }
  });
}
