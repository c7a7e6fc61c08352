import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { clientInfo, type SessionManager } from '../../../session/manager.js';
import { sessionToJson } from '../../../session/session.js';
import type { Identity } from '../../../identity/identity.js';
import { errorRegistrationFlowExpired, errorRegistrationNoStrategyFound } from '../../../text/index.js';
import { csrfNode } from '../../../ui/csrf.js';
import { registrationSortOptions, sortNodes } from '../../../ui/sort.js';
import { schemaKeysInOrder } from '../../../ui/schema-nodes.js';
import type { UiNode } from '../../../ui/node.js';
import type { SchemaRegistry } from '../../../schema/registry.js';
import { parseFlowBody, stringField } from '../../flow/body.js';
import { flowAlreadyCompleted, flowDisabled, sessionAlreadyAvailable } from '../../flow/errors.js';
import type { Flow, FlowType } from '../../flow/flow.js';
import { browserResponseMode } from '../../flow/request.js';
import { baseFlowJson, type ClientMode, type FlowService } from '../../flow/service.js';
import { ui, type UiNodeJson } from '../../flow/ui-json.js';
import { FlowValidationError } from '../../flow/validation.js';
import { toJson } from '../../flow/ui-json.js';
import type { RegistrationStrategy } from './strategy.js';
import type { SecurityEvents } from '../../../telemetry/events.js';

export interface RegistrationHandlerDeps {
  flows: FlowService;
  sessions: SessionManager;
  schemas: SchemaRegistry;
  strategies: RegistrationStrategy[];
  enabled(): boolean;
  defaultSchemaId(): string;
  renderIdentity(identity: Identity, admin: boolean): Record<string, unknown>;
  /** After-registration hooks configured for the method (`session`, ...). */
  afterHooks(method: string): Array<{ hook: string }>;
  /**
   * When verification is enabled: starts verification of the new identity's addresses and returns
   * the `continue_with` entries (`show_verification_ui`).
   */
  afterRegistration?(identity: Identity, ctx: { req: FastifyRequest; reply: FastifyReply; type: FlowType; returnTo: string | null; csrfToken?: string }): Promise<Array<{ action: string; flow?: { url?: string } }>>;
  /** Replaces the anti-CSRF cookie and returns the new raw token. */
  rotateCsrf?(reply: FastifyReply): string;
  events: Pick<SecurityEvents, 'registrationSucceeded' | 'registrationFailed'>;
}

export function registrationFlowJson(flow: Flow): Record<string, unknown> {
  return baseFlowJson(flow);
}

type Query = Record<string, string | undefined>;

export function registerRegistrationRoutes(app: FastifyInstance, deps: RegistrationHandlerDeps): void {
  const { flows, sessions } = deps;

  async function newRegistrationFlow(req: FastifyRequest, reply: FastifyReply, type: FlowType, returnTo: string | null, messages: ReturnType<typeof errorRegistrationFlowExpired>[] = []): Promise<Flow> {
    const schemaId = deps.defaultSchemaId();
    const schema = await deps.schemas.get(schemaId);
    const strategyNodes = (await Promise.all(deps.strategies.map((s) => s.registrationNodes(schemaId)))).flat();
    const order = registrationSortOptions(schemaKeysInOrder(schema.raw()));
    return flows.create(req, reply, {
      kind: 'registration',
      type,
      state: 'choose_method',
      returnTo,
      data: { identity_schema: schemaId },
      nodes: (csrf) => sortNodes([toJson(csrfNode(csrf)), ...strategyNodes] as unknown as UiNode[], order) as unknown as UiNodeJson[],
      messages,
    });
  }

  const afterUrl = (returnTo: string | null, method?: string) => returnTo ?? flows.config.flowReturnUrl('registration', method).toString();

  async function init(req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply, type: FlowType) {
    const mode: ClientMode = type === 'api' ? 'api' : browserResponseMode(req);
    try {
      if (!deps.enabled()) throw flowDisabled('registration');
      const returnTo = flows.returnTo(req);
      if (await sessions.fromRequest(req)) {
        if (mode === 'browser') return flows.redirect(reply, afterUrl(returnTo));
        throw sessionAlreadyAvailable('registration');
      }
      const flow = await newRegistrationFlow(req, reply, type, returnTo);
      return flows.respondWithFlow(req, reply, flow, registrationFlowJson(flow));
    } catch (err) {
      return flows.respondError(req, reply, err, mode);
    }
  }

  app.get('/self-service/registration/browser', (req: FastifyRequest<{ Querystring: Query }>, reply) => init(req, reply, 'browser'));
  app.get('/self-service/registration/api', (req: FastifyRequest<{ Querystring: Query }>, reply) => init(req, reply, 'api'));
  app.get('/self-service/registration/flows', async (req) => registrationFlowJson(await flows.fetchForRead(req, 'registration', '/self-service/registration/browser')));

  app.post('/self-service/registration', async (req: FastifyRequest<{ Querystring: Query }>, reply) => {
    let mode: ClientMode = browserResponseMode(req);
    try {
      if (!deps.enabled()) throw flowDisabled('registration');
      const body = parseFlowBody(req);
      const flow = await flows.fetchForSubmit(req, 'registration', body.fields.csrf_token);
      mode = flows.clientMode(req, flow.type);

      if (flows.isExpired(flow)) {
        const replacement = await newRegistrationFlow(req, reply, flow.type, flow.return_to, [errorRegistrationFlowExpired(flow.expires_at, new Date())]);
        if (mode === 'browser') return flows.redirect(reply, flows.uiUrl('registration', replacement.id));
        throw flows.expired(flow, replacement);
      }
      if (await sessions.fromRequest(req)) {
        if (mode === 'browser') return flows.redirect(reply, afterUrl(flow.return_to));
        throw sessionAlreadyAvailable('registration');
      }

      ui.resetMessages(flow.ui);
      const method = stringField(body.fields, 'method');
      const strategy = deps.strategies.find((s) => s.id === method);
      if (!strategy) {
        ui.addMessage(flow.ui, errorRegistrationNoStrategyFound());
        return flows.respondInvalid(req, reply, flow, registrationFlowJson(flow));
      }

      // Claimed before the identity is created, so concurrent submissions of one flow create one identity.
      const previousState = flow.state;
      if (!(await flows.claimCompletion(flow))) throw flowAlreadyCompleted();
      let identity: Identity;
      try {
        identity = await strategy.register(flow, body.fields, body.form);
      } catch (err) {
        await flows.releaseCompletion(flow, previousState);
        if (!(err instanceof FlowValidationError)) throw err;
        ui.fillValues(flow.ui, err.values);
        for (const m of err.messages) ui.addMessage(flow.ui, m.message, m.node);
        flow.active = strategy.id;
        deps.events.registrationFailed({ req, method: strategy.id, flow, reason: err.messages[0]?.message.id });
        return flows.respondInvalid(req, reply, flow, registrationFlowJson(flow));
      }

      flow.active = strategy.id;
      ui.clearSecrets(flow.ui);
      await flows.save(flow);

      const hooks = deps.afterHooks(strategy.id).map((h) => h.hook);
      const issued = hooks.includes('session') ? await sessions.issue(identity, strategy.id, clientInfo(req)) : null;
      deps.events.registrationSucceeded({ req, identity, method: strategy.id, flow, session: issued?.session });
      // A browser signed in gets a new anti-CSRF token first, so the verification flows are bound to it.
      let csrfToken: string | undefined;
      if (issued && flow.type === 'browser') {
        sessions.setCookie(reply, issued.token, issued.session);
        if (deps.rotateCsrf) csrfToken = deps.rotateCsrf(reply);
        else flows.rotateCsrf(reply);
      }
      const verificationContinue = deps.afterRegistration ? await deps.afterRegistration(identity, { req, reply, type: flow.type, returnTo: flow.return_to, csrfToken }) : [];
      const identityJson = deps.renderIdentity(identity, false);

      if (flow.type === 'api') {
        return {
          identity: identityJson,
          ...(issued
            ? {
                session: sessionToJson(issued.session, identityJson),
                session_token: issued.token,
                continue_with: [...verificationContinue, { action: 'set_ory_session_token', ory_session_token: issued.token }],
              }
            : { continue_with: verificationContinue }),
        };
      }
      const verificationUi = hooks.includes('show_verification_ui') ? verificationContinue.find((c) => c.action === 'show_verification_ui' && c.flow?.url)?.flow?.url : undefined;
      if (mode === 'browser') return flows.redirect(reply, verificationUi ?? afterUrl(flow.return_to, strategy.id));
      return { identity: identityJson, ...(issued ? { session: sessionToJson(issued.session, identityJson) } : {}), continue_with: verificationContinue };
    } catch (err) {
      return flows.respondError(req, reply, err, mode);
    }
  });
}
