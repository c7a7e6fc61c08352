import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KratosError, notFound } from '../../../errors/kratos-error.js';
import type { Identity } from '../../../identity/identity.js';
import type { IdentityPool } from '../../../identity/pool.js';
import { isUuid } from '../../../lib/ids.js';
import { clientInfo, type SessionManager } from '../../../session/manager.js';
import { errorRecoveryFlowExpired, errorRecoveryNoStrategyFound, errorRecoveryRetrySuccess, successRecovery, validationGeneric, type UiText } from '../../../text/index.js';
import { csrfNode } from '../../../ui/csrf.js';
import { parseFlowBody, stringField, transientPayload } from '../../flow/body.js';
import type { HookExecutor } from '../../hooks/executor.js';
import { newHookContext } from '../../hooks/hook.js';
import { browserLocationChangeRequired, flowAlreadyCompleted, flowDisabled, flowTypeMismatch } from '../../flow/errors.js';
import type { Flow, FlowPool, FlowType } from '../../flow/flow.js';
import { browserResponseMode, looksLikeBrowser } from '../../flow/request.js';
import { baseFlowJson, type ClientMode, type FlowService } from '../../flow/service.js';
import { ui } from '../../flow/ui-json.js';
import { toJson } from '../../flow/ui-json.js';
import type { CreateSettingsFlow, RecoveryFlowData, RecoveryStrategy, RecoverySubmitResult } from './strategy.js';
import type { SecurityEvents } from '../../../telemetry/events.js';

export interface RecoveryHandlerDeps {
  flows: FlowService;
  /** Raw flow storage, for flows an administrator created (they carry no anti-CSRF token). */
  flowPool: FlowPool;
  /** The anti-CSRF check (the same one FlowService applies), for submissions to completed flows. */
  verifyCsrf(req: FastifyRequest, submitted: unknown, flowToken: string): void;
  sessions: SessionManager;
  identities: IdentityPool;
  /** The method `selfservice.flows.recovery.use` names. */
  strategy: RecoveryStrategy;
  enabled(): boolean;
  hooks: HookExecutor;
  privilegedSessionMaxAgeMs(): number;
  /** `feature_flags.use_continue_with_transitions`: SPAs get the flow with `continue_with` instead of a 422. */
  continueWithTransitions(): boolean;
  /** Creates the settings flow a recovered user continues in (the settings flow provides it). */
  createSettingsFlow: CreateSettingsFlow;
  events: Pick<SecurityEvents, 'recoverySucceeded' | 'recoveryFailed' | 'sessionsRevoked'>;
  now?: () => Date;
}

export function recoveryFlowJson(flow: Flow, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...baseFlowJson(flow), ...extra };
}

/** 400 for starting or submitting recovery while signed in. */
export const recoverySessionAlreadyAvailable = () =>
  new KratosError(400, {
    id: 'session_already_available',
    message: 'you are already logged in',
    reason: 'A valid session was detected and thus recovery is not possible.',
  });

type Query = Record<string, string | undefined>;

export function registerRecoveryRoutes(app: FastifyInstance, deps: RecoveryHandlerDeps): void {
  const { flows, sessions, strategy } = deps;
  const now = deps.now ?? (() => new Date());

  async function newRecoveryFlow(req: FastifyRequest, reply: FastifyReply, type: FlowType, returnTo: string | null, messages: UiText[] = []): Promise<Flow> {
    const flow = await flows.create(req, reply, {
      kind: 'recovery',
      type,
      state: 'choose_method',
      returnTo,
      data: {} satisfies RecoveryFlowData,
      nodes: (csrf) => [toJson(csrfNode(csrf)), ...strategy.initialNodes()],
      messages,
    });
    const before = await deps.hooks.before(newHookContext({ kind: 'recovery', req, reply, flow }));
    if (before.kind === 'interrupt') throw new KratosError(400, { reason: before.messages.map((m) => m.message.text).join(' ') });
    return flow;
  }

  const signedInUrl = () => flows.config.defaultBrowserReturnUrl().toString();

  async function init(req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply, type: FlowType) {
    const mode: ClientMode = type === 'api' ? 'api' : browserResponseMode(req);
    try {
      if (!deps.enabled()) throw flowDisabled('recovery');
      const returnTo = flows.returnTo(req);
      if (await sessions.fromRequest(req)) {
        if (mode === 'browser') return flows.redirect(reply, returnTo ?? signedInUrl());
        throw recoverySessionAlreadyAvailable();
      }
      const flow = await newRecoveryFlow(req, reply, type, returnTo);
      flow.active = strategy.id;
      await flows.save(flow);
      return flows.respondWithFlow(req, reply, flow, recoveryFlowJson(flow));
    } catch (err) {
      return flows.respondError(req, reply, err, mode);
    }
  }

  app.get('/self-service/recovery/browser', (req: FastifyRequest<{ Querystring: Query }>, reply) => init(req, reply, 'browser'));
  app.get('/self-service/recovery/api', (req: FastifyRequest<{ Querystring: Query }>, reply) => init(req, reply, 'api'));

  /** A flow an administrator created: no anti-CSRF binding, so it is looked up here. */
  async function adminFlow(id: unknown): Promise<Flow | null> {
    const flow = typeof id === 'string' && isUuid(id) ? await deps.flowPool.getFlow(id.toLowerCase(), 'recovery') : null;
    return flow && (flow.data as RecoveryFlowData).skip_csrf ? flow : null;
  }

  app.get('/self-service/recovery/flows', async (req) => {
    if (!deps.enabled()) throw flowDisabled('recovery');
    const q = req.query as Query;
    const admin = await adminFlow(q.id);
    if (admin) {
      if (flows.isExpired(admin)) throw flows.expired(admin, null);
      return recoveryFlowJson(admin);
    }
    return recoveryFlowJson(await flows.fetchForRead(req, 'recovery', '/self-service/recovery/browser'));
  });

  /** Loads a flow for a POST: admin-created flows skip the anti-CSRF check, as in Kratos. */
  async function loadForSubmit(req: FastifyRequest, csrfField: unknown): Promise<Flow> {
    const id = (req.query as Query).flow;
    const flow = typeof id === 'string' && isUuid(id) ? await deps.flowPool.getFlow(id.toLowerCase(), 'recovery') : null;
    const skipCsrf = flow !== null && (flow.data as RecoveryFlowData).skip_csrf === true;
    // Completed flows are answered by the recovery flow (as Kratos does), after the same checks.
    if (!flow || (!skipCsrf && flow.state !== 'passed_challenge')) return flows.fetchForSubmit(req, 'recovery', csrfField);
    if (flow.type === 'api') {
      if (looksLikeBrowser(req)) throw flowTypeMismatch('api');
    } else if (!skipCsrf) {
      deps.verifyCsrf(req, csrfField, flow.csrf_token);
    }
    return flow;
  }

  /** Replaces a flow that cannot go on with a new one carrying `message`. */
  async function retry(req: FastifyRequest, reply: FastifyReply, old: Flow, mode: ClientMode, message: UiText) {
    const replacement = await newRecoveryFlow(req, reply, old.type, old.return_to, [message]);
    replacement.active = strategy.id;
    await flows.save(replacement);
    if (mode === 'browser') return flows.redirect(reply, flows.uiUrl('recovery', replacement.id));
    // Kratos sends JSON clients to the new flow (they follow the redirect and read it).
    const u = new URL('self-service/recovery/flows', flows.config.publicBaseUrl());
    u.searchParams.set('id', replacement.id);
    return flows.redirect(reply, u);
  }

  async function expired(req: FastifyRequest, reply: FastifyReply, flow: Flow, mode: ClientMode) {
    const replacement = await newRecoveryFlow(req, reply, flow.type, flow.return_to, [errorRecoveryFlowExpired(flow.expires_at, now())]);
    replacement.active = strategy.id;
    await flows.save(replacement);
    if (mode === 'browser') return flows.redirect(reply, flows.uiUrl('recovery', replacement.id));
    throw flows.expired(flow, replacement);
  }

  /** The user proved control of the account: a privileged session and a settings flow to set new credentials. */
  async function recovered(req: FastifyRequest, reply: FastifyReply, flow: Flow, mode: ClientMode, result: Extract<RecoverySubmitResult, { kind: 'recovered' }>, viaLink = false) {
    const identity = await deps.identities.getIdentity(result.identityId, { withCredentials: true });
    if (!identity) return retry(req, reply, flow, mode, errorRecoveryRetrySuccess());
    if (identity.state !== 'active') return retry(req, reply, flow, mode, validationGeneric('This account was disabled.'));
    if (!(await flows.claimCompletion(flow))) throw flowAlreadyCompleted();
    (flow.data as RecoveryFlowData).recovered_identity_id = identity.id;
    ui.resetMessages(flow.ui);
    await flows.save(flow);
    if (result.address) await markVerified(identity, result.address);

    const issued = await sessions.issue(identity, { method: strategy.sessionMethod, aal: 'aal1', completed_at: now() }, clientInfo(req));
    await deps.hooks.after(
      'post_persist',
      newHookContext({ kind: 'recovery', req, reply, flow, method: strategy.id, identity, session: issued.session, issued, transientPayload: result.transientPayload }),
    );
    deps.events.recoverySucceeded({ req, identity, method: strategy.id, flow, session: issued.session });
    const at = now();
    // A browser gets the session now: its anti-CSRF token is replaced first, so the settings flow is bound to the new one.
    const browserGetsCookie = !(flow.type === 'api' && !viaLink);
    if (browserGetsCookie) flows.rotateCsrf(reply);
    const settings = await deps.createSettingsFlow(req, reply, {
      identity,
      session: issued.session,
      type: viaLink ? 'browser' : flow.type,
      returnTo: flow.return_to,
      messages: [successRecovery(new Date(at.getTime() + deps.privilegedSessionMaxAgeMs()), at)],
    });
    // A link is opened by a browser: it gets the cookie whatever started the flow.
    if (flow.type === 'api' && !viaLink) {
      return reply.code(200).send(
        recoveryFlowJson(flow, {
          continue_with: [
            { action: 'set_ory_session_token', ory_session_token: issued.token },
            { action: 'show_settings_ui', flow: { id: settings.id, url: settings.url } },
          ],
        }),
      );
    }
    sessions.setCookie(reply, issued.token, issued.session);
    if (mode === 'browser') return flows.redirect(reply, settings.url);
    if (deps.continueWithTransitions()) {
      return reply.code(200).send(recoveryFlowJson(flow, { continue_with: [{ action: 'show_settings_ui', flow: { id: settings.id, url: settings.url } }] }));
    }
    throw browserLocationChangeRequired(settings.url);
  }

  /** Receiving the secret at an address proves the address: it becomes verified, as Kratos does. */
  async function markVerified(identity: Identity, address: string) {
    let changed = false;
    const at = now();
    for (const a of identity.verifiable_addresses) {
      if (a.value === address && !a.verified) {
        a.verified = true;
        a.verified_at = at;
        a.status = 'completed';
        a.updated_at = at;
        changed = true;
      }
    }
    if (changed) await deps.identities.updateIdentity(identity);
  }

  async function handle(req: FastifyRequest, reply: FastifyReply, run: (flow: Flow, mode: ClientMode) => Promise<unknown>, csrfField: unknown) {
    let mode: ClientMode = browserResponseMode(req);
    try {
      if (!deps.enabled()) throw flowDisabled('recovery');
      const flow = await loadForSubmit(req, csrfField);
      mode = flows.clientMode(req, flow.type);
      if (flows.isExpired(flow)) return await expired(req, reply, flow, mode);
      return await run(flow, mode);
    } catch (err) {
      return flows.respondError(req, reply, err, mode);
    }
  }

  async function outcome(req: FastifyRequest, reply: FastifyReply, flow: Flow, mode: ClientMode, result: RecoverySubmitResult, viaLink = false) {
    if (result.kind === 'retry' || (result.kind === 'flow' && result.status === 400)) deps.events.recoveryFailed({ req, method: strategy.id, flow, reason: result.kind === 'retry' ? result.message.id : undefined });
    if (result.kind === 'retry') return retry(req, reply, flow, mode, result.message);
    if (result.kind === 'recovered') return recovered(req, reply, flow, mode, result, viaLink);
    return flows.respondWithFlow(req, reply, flow, recoveryFlowJson(flow), result.status);
  }

  app.post('/self-service/recovery', async (req: FastifyRequest<{ Querystring: Query }>, reply) => {
    let fields: Record<string, unknown> = {};
    let parseError: unknown = null;
    try {
      fields = parseFlowBody(req).fields;
    } catch (err) {
      parseError = err;
    }
    return handle(
      req,
      reply,
      async (flow, mode) => {
        if (parseError) throw parseError;
        const method = stringField(fields, 'method');
        const email = stringField(fields, 'email') ?? '';
        // Typing a code does not need a signed-out browser; asking for one does (as Kratos orders the checks).
        const usingSecret = flow.state !== 'choose_method' && email === '';
        if (flow.state === 'passed_challenge') {
          // A code typed into a completed flow is simply not valid any more; anything else starts over.
          if (usingSecret && method === strategy.id && strategy.usedSecretMessage) {
            ui.resetMessages(flow.ui);
            ui.addMessage(flow.ui, strategy.usedSecretMessage());
            await flows.save(flow);
            return flows.respondWithFlow(req, reply, flow, recoveryFlowJson(flow));
          }
          return retry(req, reply, flow, mode, errorRecoveryRetrySuccess());
        }
        if (!usingSecret && (await sessions.fromRequest(req))) {
          if (mode === 'browser') return flows.redirect(reply, signedInUrl());
          throw recoverySessionAlreadyAvailable();
        }
        if (method !== strategy.id) {
          ui.resetMessages(flow.ui);
          ui.addMessage(flow.ui, errorRecoveryNoStrategyFound());
          return flows.respondInvalid(req, reply, flow, recoveryFlowJson(flow));
        }
        const result = await strategy.submit(req, flow, fields);
        return outcome(req, reply, flow, mode, result.kind === 'recovered' ? { ...result, transientPayload: transientPayload(fields) } : result);
      },
      fields.csrf_token,
    );
  });

  // A recovery link opened in the browser. Only the link method issues them.
  app.get('/self-service/recovery', async (req: FastifyRequest<{ Querystring: Query }>, reply) => {
    const q = req.query;
    let mode: ClientMode = browserResponseMode(req);
    try {
      if (!deps.enabled()) throw flowDisabled('recovery');
      if (!strategy.useLinkToken || typeof q.token !== 'string') throw notFound('The requested resource could not be found');
      const id = q.flow;
      const flow = typeof id === 'string' && isUuid(id) ? await deps.flowPool.getFlow(id.toLowerCase(), 'recovery') : null;
      if (!flow) throw notFound('The recovery request could not be found. Please restart the flow.');
      mode = flows.clientMode(req, 'browser');
      const asBrowser: Flow = { ...flow, type: 'browser' };
      if (flows.isExpired(flow)) return await expired(req, reply, asBrowser, mode);
      // The token is checked first: a used link says so whatever state its flow is in.
      const result = await strategy.useLinkToken(flow, q.token);
      if (result.kind === 'retry') return await retry(req, reply, asBrowser, mode, result.message);
      // Links are opened by browsers: the flow completes as a browser flow whatever started it.
      return await outcome(req, reply, flow, mode, result, true);
    } catch (err) {
      return flows.respondError(req, reply, err, mode);
    }
  });
}
