import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KratosError } from '../../../errors/kratos-error.js';
import type { SessionManager } from '../../../session/manager.js';
import { sessionToJson } from '../../../session/session.js';
import type { Identity } from '../../../identity/identity.js';
import type { IdentityManager } from '../../../identity/manager.js';
import { exchangeCodeFor, type ExchangeCodeIssuer } from '../../../session/token-exchange.js';
import { errorDuplicateCredentials, errorRegistrationFlowExpired, errorRegistrationNoStrategyFound } from '../../../text/index.js';
import { csrfNode } from '../../../ui/csrf.js';
import { registrationSortOptions, sortNodes } from '../../../ui/sort.js';
import { schemaKeysInOrder } from '../../../ui/schema-nodes.js';
import type { UiNode } from '../../../ui/node.js';
import type { SchemaRegistry } from '../../../schema/registry.js';
import { parseFlowBody, transientPayload } from '../../flow/body.js';
import { flowAlreadyCompleted, flowDisabled, sessionAlreadyAvailable } from '../../flow/errors.js';
import type { Flow, FlowType } from '../../flow/flow.js';
import { firstResponsible, type FlowResumption, type MethodOutcome, type RegistrationMethod, type SelfServiceMethod } from '../../flow/method.js';
import { browserResponseMode } from '../../flow/request.js';
import { baseFlowJson, type ClientMode, type FlowService } from '../../flow/service.js';
import { toJson, ui, upsertNodes, type UiNodeJson } from '../../flow/ui-json.js';
import type { HookExecutor } from '../../hooks/executor.js';
import { newHookContext } from '../../hooks/hook.js';
import { carriedFields, csrfNodes, screenNodes, splitScreens, storedScreen } from '../../flow/screens.js';
import type { SecurityEvents } from '../../../telemetry/events.js';

export interface RegistrationHandlerDeps {
  flows: FlowService;
  sessions: SessionManager;
  schemas: SchemaRegistry;
  identities: IdentityManager;
  /** The enabled methods; those with a `registration` part take part. */
  methods: readonly SelfServiceMethod[];
  hooks: HookExecutor;
  enabled(): boolean;
  defaultSchemaId(): string;
  renderIdentity(identity: Identity, admin: boolean): Record<string, unknown>;
  /** Issues `session_token_exchange_code` for API flows that ask for one. */
  tokenExchange?: ExchangeCodeIssuer;
  events: Pick<SecurityEvents, 'registrationSucceeded' | 'registrationFailed'>;
  /**
   * Two-step registration (`enable_legacy_one_step: false`, Kratos v1.3's default): the traits on a
   * first screen, the credential methods on a second.
   */
  twoStep(): boolean;
}

interface RegistrationData extends Record<string, unknown> {
  identity_schema: string;
  /** Two-step registration: both screens as first built (without the CSRF node). */
  screens?: { first: UiNodeJson[]; second: UiNodeJson[] };
}

export function registrationFlowJson(flow: Flow): Record<string, unknown> {
  return baseFlowJson(flow);
}

type Query = Record<string, string | undefined>;
type RegistrationPart = { id: string; registration: RegistrationMethod };

export function registerRegistrationRoutes(app: FastifyInstance, deps: RegistrationHandlerDeps): FlowResumption {
  const { flows, sessions } = deps;
  const methods: RegistrationPart[] = deps.methods.filter((m): m is SelfServiceMethod & RegistrationPart => m.registration !== undefined);

  async function newRegistrationFlow(req: FastifyRequest, reply: FastifyReply, type: FlowType, returnTo: string | null, messages: ReturnType<typeof errorRegistrationFlowExpired>[] = []): Promise<Flow> {
    const schemaId = deps.defaultSchemaId();
    const schema = await deps.schemas.get(schemaId);
    const twoStep = deps.twoStep();
    // Two steps: the fields of the profile screen win over the same fields of credential methods.
    const ordered = twoStep ? [...methods.filter((m) => !m.registration.profileScreen), ...methods.filter((m) => m.registration.profileScreen)] : methods;
    const methodNodes = upsertNodes((await Promise.all(ordered.map((m) => m.registration.nodes({ schemaId, flowType: type })))).flat());
    const order = registrationSortOptions(schemaKeysInOrder(schema.raw()));
    const sort = (nodes: UiNodeJson[]) => sortNodes(nodes as unknown as UiNode[], order) as unknown as UiNodeJson[];
    const data: RegistrationData = { identity_schema: schemaId };
    let shown = methodNodes;
    if (twoStep) {
      const firstGroups = new Set(['default', ...methods.filter((m) => m.registration.profileScreen).map((m) => m.id)]);
      const { first, second } = splitScreens(sort(methodNodes), firstGroups);
      data.screens = { first: storedScreen(first), second: storedScreen(second) };
      shown = first;
    }
    const flow = await flows.create(req, reply, {
      kind: 'registration',
      type,
      state: 'choose_method',
      returnTo,
      data,
      nodes: (csrf) => sort([toJson(csrfNode(csrf)), ...shown]),
      messages,
    });
    const before = await deps.hooks.before(newHookContext({ kind: 'registration', req, reply, flow }));
    if (before.kind === 'interrupt') throw new KratosError(400, { reason: before.messages.map((m) => m.message.text).join(' ') });
    return flow;
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
      const json = registrationFlowJson(flow);
      const exchangeCode = await exchangeCodeFor(flow, req.query, deps.tokenExchange);
      if (exchangeCode) json.session_token_exchange_code = exchangeCode;
      return flows.respondWithFlow(req, reply, flow, json);
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
      const schemaId = String(flow.data.identity_schema);
      const taken = await firstResponsible(methods, (m) => m.registration.submit({ req, reply, flow, fields: body.fields, form: body.form }, { schemaId }));
      if (!taken) {
        ui.addMessage(flow.ui, errorRegistrationNoStrategyFound());
        return flows.respondInvalid(req, reply, flow, registrationFlowJson(flow));
      }
      flow.active = taken.method.id;
      return await answer(req, reply, flow, mode, taken.outcome, transientPayload(body.fields));
    } catch (err) {
      return flows.respondError(req, reply, err, mode);
    }
  });

  return {
    async resume(req, reply, flow, methodId, outcome, payload) {
      const mode = flows.clientMode(req, flow.type);
      try {
        if (!deps.enabled()) throw flowDisabled('registration');
        if (flow.state === 'passed_challenge') throw flowAlreadyCompleted();
        if (flows.isExpired(flow)) throw flows.expired(flow, null);
        if (await sessions.fromRequest(req)) {
          if (mode === 'browser') return flows.redirect(reply, afterUrl(flow.return_to));
          throw sessionAlreadyAvailable('registration');
        }
        ui.resetMessages(flow.ui);
        flow.active = methodId;
        return await answer(req, reply, flow, mode, outcome, payload);
      } catch (err) {
        return flows.respondError(req, reply, err, mode);
      }
    },
    async takeOver(req, reply, from) {
      if (!deps.enabled()) throw flowDisabled('registration');
      return newRegistrationFlow(req, reply, from.type, from.return_to);
    },
    fail: (req, reply, flow, err) => flows.respondError(req, reply, err, flow ? flows.clientMode(req, flow.type) : browserResponseMode(req)),
  };

  async function answer(req: FastifyRequest, reply: FastifyReply, flow: Flow, mode: ClientMode, outcome: Exclude<MethodOutcome, { kind: 'not_responsible' }>, payload: unknown) {
    switch (outcome.kind) {
      case 'show_again':
        if (outcome.status === 400 && !outcome.step) deps.events.registrationFailed({ req, method: flow.active ?? '', flow, reason: outcome.messages[0]?.message.id });
        return flows.respondShowAgain(req, reply, flow, outcome, registrationFlowJson);
      case 'completed':
        return flows.redirect(reply, outcome.redirectTo);
      case 'answered':
        return outcome.body;
      case 'updated':
        throw new KratosError(500, { reason: 'A registration method answered with a settings change.' });
      case 'screen':
        return showScreen(req, reply, flow, outcome);
      case 'authenticated':
        return register(req, reply, flow, mode, outcome, payload);
    }
  }

  /**
   * Two-step registration moving between its screens. `credential_selection`: the credential
   * methods' nodes, with the first screen's fields (the traits) carried as hidden inputs holding
   * the values given; `previous`: the first screen again with those values. As Kratos, a 400 with
   * the flow (browsers go to the UI).
   */
  async function showScreen(req: FastifyRequest, reply: FastifyReply, flow: Flow, outcome: Extract<MethodOutcome, { kind: 'screen' }>) {
    const screens = (flow.data as RegistrationData).screens;
    if (!screens) throw new KratosError(500, { reason: 'A registration method moved a one-step form to another screen.' });
    const schema = await deps.schemas.get(String(flow.data.identity_schema));
    const order = registrationSortOptions(schemaKeysInOrder(schema.raw()));
    const csrf = csrfNodes(flow.ui.nodes);
    const nodes =
      outcome.screen === 'previous'
        ? screenNodes(csrf, screens.first, outcome.nodes ?? [])
        : screenNodes(csrf, carriedFields(screens.first), screens.second, outcome.nodes ?? []);
    flow.ui.nodes = sortNodes(nodes as unknown as UiNode[], order) as unknown as UiNodeJson[];
    // Nothing was chosen yet on either screen.
    flow.active = null;
    flow.state = 'choose_method';
    return flows.respondShowAgain(req, reply, flow, { status: 400, messages: outcome.messages ?? [], values: outcome.values }, registrationFlowJson);
  }

  /**
   * A method described a new identity (its id already assigned): pre-persist hooks may refuse or
   * change it, then it is stored, then the post-persist hooks run (session, verification, ...).
   */
  async function register(req: FastifyRequest, reply: FastifyReply, flow: Flow, mode: ClientMode, outcome: Extract<MethodOutcome, { kind: 'authenticated' }>, payload: unknown) {
    const hookCtx = newHookContext({ kind: 'registration', req, reply, flow, method: flow.active, authenticationMethod: outcome.method, identity: outcome.identity, transientPayload: payload });
    const values = { traits: outcome.identity.traits };
    const pre = await deps.hooks.after('pre_persist', hookCtx);
    if (pre.kind === 'interrupt') {
      deps.events.registrationFailed({ req, method: flow.active ?? '', flow, reason: pre.messages[0]?.message.id });
      return flows.respondShowAgain(req, reply, flow, { status: 400, messages: pre.messages, values }, registrationFlowJson);
    }

    // Claimed (and saved completed) before the identity is stored, so concurrent submissions of one
    // flow create one identity.
    const previousState = flow.state;
    ui.clearSecrets(flow.ui);
    if (!(await flows.completeAndSave(flow))) throw flowAlreadyCompleted();
    let identity: Identity;
    try {
      identity = await deps.identities.insert(outcome.identity);
    } catch (err) {
      await flows.releaseCompletion(flow, previousState);
      // Also what the loser of two simultaneous sign-ups with one identifier sees: the unique index decides.
      if (err instanceof KratosError && err.code === 409) return flows.respondShowAgain(req, reply, flow, { status: 400, messages: [{ message: errorDuplicateCredentials() }], values }, registrationFlowJson);
      throw err;
    }
    hookCtx.identity = identity;
    await deps.hooks.after('post_persist', hookCtx);
    deps.events.registrationSucceeded({ req, identity, method: flow.active ?? '', flow, session: hookCtx.issued?.session });

    const identityJson = deps.renderIdentity(identity, false);
    const issued = hookCtx.issued;
    if (flow.type === 'api') {
      return {
        identity: identityJson,
        ...(issued ? { session: sessionToJson(issued.session, identityJson), session_token: issued.token } : {}),
        continue_with: [...hookCtx.continueWith, ...(issued ? [{ action: 'set_ory_session_token' as const, ory_session_token: issued.token }] : [])],
      };
    }
    if (mode === 'browser') return flows.redirect(reply, hookCtx.browserRedirect ?? afterUrl(flow.return_to, flow.active ?? undefined));
    return { identity: identityJson, ...(issued ? { session: sessionToJson(issued.session, identityJson) } : {}), continue_with: hookCtx.continueWith };
  }
}
