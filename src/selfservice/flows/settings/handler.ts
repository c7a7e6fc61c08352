import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KratosError } from '../../../errors/kratos-error.js';
import type { Credentials, CredentialsType, Identity } from '../../../identity/identity.js';
import type { IdentityManager } from '../../../identity/manager.js';
import type { IdentityPool } from '../../../identity/pool.js';
import { noActiveSession, type SessionManager } from '../../../session/manager.js';
import type { Session } from '../../../session/session.js';
import type { AssuranceCheck } from '../../../session/aal.js';
import type { RequiredAal } from '../../../config/types.js';
import { newId } from '../../../lib/ids.js';
import { errorDuplicateCredentials, errorSettingsFlowExpired, successSettingsUpdated, type UiText } from '../../../text/index.js';
import { csrfNode } from '../../../ui/csrf.js';
import { UiNodeGroup, type UiNode } from '../../../ui/node.js';
import { schemaKeysInOrder } from '../../../ui/schema-nodes.js';
import { sortNodes, type SortNodesOptions } from '../../../ui/sort.js';
import type { SchemaRegistry } from '../../../schema/registry.js';
import { parseFlowBody } from '../../flow/body.js';
import { flowNotFound } from '../../flow/errors.js';
import type { Flow, FlowPool, FlowType } from '../../flow/flow.js';
import { isUuid } from '../../../lib/ids.js';
import { browserResponseMode } from '../../flow/request.js';
import { baseFlowJson, type ClientMode, type FlowService } from '../../flow/service.js';
import { ui, type UiNodeJson } from '../../flow/ui-json.js';
import { FlowValidationError } from '../../flow/validation.js';
import type { FlowMessage } from '../../flow/method.js';
import type { SecurityEvents } from '../../../telemetry/events.js';
import { toJson } from '../../flow/ui-json.js';
import { firstResponsible, PrivilegedSessionRequired, type FlowResumption, type MethodOutcome, type SelfServiceMethod, type SettingsChange, type SettingsMethod } from '../../flow/method.js';
import type { ContinueWith } from '../../flow/continue-with.js';
import type { HookExecutor } from '../../hooks/executor.js';
import { newHookContext } from '../../hooks/hook.js';
import { transientPayload } from '../../flow/body.js';

export interface SettingsHandlerDeps {
  flows: FlowService;
  sessions: SessionManager;
  identities: IdentityPool;
  schemas: SchemaRegistry;
  flowPool: FlowPool;
  csrf: { ensureToken(req: FastifyRequest, reply: FastifyReply): string; mask(token: string): string };
  identityManager: IdentityManager;
  /** The enabled methods; those with a `settings` part take part. */
  methods: readonly SelfServiceMethod[];
  hooks: HookExecutor;
  renderIdentity(identity: Identity, admin: boolean): Record<string, unknown>;
  /** `selfservice.flows.settings.privileged_session_max_age` */
  privilegedSessionMaxAgeMs(): number;
  /**
   * `after.<method>.default_browser_return_url` or `after.default_browser_return_url` of the
   * settings flow, when configured (not the global default: without one the settings UI is shown again).
   */
  configuredReturnUrl(method: string): string | null;
  events: Pick<SecurityEvents, 'settingsSucceeded' | 'settingsFailed'>;
  /** `selfservice.flows.settings.required_aal`, checked on every settings request as Kratos does. */
  requiredAal(): RequiredAal;
  assurance: AssuranceCheck;
  now?: () => Date;
}

/** Flow data of a settings flow. */
interface SettingsData extends Record<string, unknown> {
  /** A change waiting for the user to re-authenticate (browser flows; applied on return from the refresh login). */
  pending?: { method: string; session_id: string; expires_at: string; change: Record<string, unknown> };
}

/** Options for `createSettingsFlowFor` (the shape the recovery flow passes). */
export interface SettingsFlowForOptions {
  identity: Identity;
  session: { id: string; identity_id: string };
  type: FlowType;
  returnTo: string | null;
  messages?: UiText[];
}

/** Creates a settings flow for a signed-in identity; returns its id and its UI URL. */
export type CreateSettingsFlowFor = (req: FastifyRequest, reply: FastifyReply, o: SettingsFlowForOptions) => Promise<{ id: string; url: string }>;

/** How long a change waits for re-authentication (Kratos's continuity lifespan). */
const PENDING_LIFESPAN_MS = 15 * 60 * 1000;

const forbiddenOtherIdentity = () =>
  new KratosError(403, { id: 'security_identity_mismatch', reason: 'The request was made for another identity and has been blocked for security reasons.' });

/** 403 `session_refresh_required` with the login URL the browser must visit to re-authenticate. */
export function needsPrivilegedSession(redirectBrowserTo: string): KratosError {
  return new KratosError(403, {
    id: 'session_refresh_required',
    reason: 'The login session is too old and thus not allowed to update these fields. Please re-authenticate.',
    extra: { redirect_browser_to: redirectBrowserTo },
  });
}

export function settingsFlowJson(flow: Flow, identityJson: Record<string, unknown>, continueWith?: ContinueWith[]): Record<string, unknown> {
  return { ...baseFlowJson(flow), identity: identityJson, ...(continueWith && continueWith.length > 0 ? { continue_with: continueWith } : {}) };
}

type Query = Record<string, string | undefined>;

/**
 * The settings flow: `GET /self-service/settings/{browser,api}`, `GET /self-service/settings/flows`,
 * `POST` (and the continuation `GET`) `/self-service/settings`, `GET /.well-known/change-password`.
 * Returns the factory other flows (recovery) use to open a settings flow for a session.
 */
type SettingsPart = { id: string; settings: SettingsMethod };

/** What the settings routes give other parts: the factory for recovery, the resumption for a provider's callback. */
export interface SettingsRoutes {
  createFlowFor: CreateSettingsFlowFor;
  resumption: FlowResumption;
}

export function registerSettingsRoutes(app: FastifyInstance, deps: SettingsHandlerDeps): SettingsRoutes {
  const { flows, sessions } = deps;
  const methods: SettingsPart[] = deps.methods.filter((m): m is SelfServiceMethod & SettingsPart => m.settings !== undefined);
  const now = deps.now ?? (() => new Date());
  const publicUrl = (path: string) => new URL(path.replace(/^\//, ''), flows.config.publicBaseUrl());

  async function loadIdentity(id: string): Promise<Identity> {
    const identity = await deps.identities.getIdentity(id, { withCredentials: true });
    if (!identity) throw noActiveSession();
    return identity;
  }

  /** The form for `identity`: CSRF token and every method's nodes, in Kratos's settings order. */
  async function formNodes(identity: Identity, csrf: string, type: FlowType): Promise<UiNodeJson[]> {
    const nodes = (await Promise.all(methods.map((m) => m.settings.nodes(identity, type)))).flat();
    const schema = await deps.schemas.get(identity.schema_id);
    const order: SortNodesOptions = {
      schemaKeys: schemaKeysInOrder(schema.raw()),
      groups: [UiNodeGroup.Default, UiNodeGroup.Profile, UiNodeGroup.Password, UiNodeGroup.Oidc, UiNodeGroup.LookupSecret, UiNodeGroup.WebAuthn, UiNodeGroup.Passkey, UiNodeGroup.Totp],
      // Kratos's order within the second-factor groups (the QR code above the code that confirms it).
      appendKeys: ['lookup_secret_reveal', 'lookup_secret_regenerate', 'lookup_secret_codes', 'lookup_secret_confirm', 'webauthn_remove', 'webauthn_register_displayname', 'webauthn_register', 'passkey_remove', 'passkey_register', 'totp_qr', 'totp_secret_key', 'totp_unlink', 'totp_code'],
    };
    return sortNodes([toJson(csrfNode(csrf)), ...nodes] as unknown as UiNode[], order) as unknown as UiNodeJson[];
  }

  async function newSettingsFlow(req: FastifyRequest, reply: FastifyReply, type: FlowType, identity: Identity, returnTo: string | null, messages: UiText[] = []): Promise<Flow> {
    const form = await formNodes(identity, '', type);
    const flow = await flows.create(req, reply, {
      kind: 'settings',
      type,
      state: 'show_form',
      returnTo,
      identityId: identity.id,
      data: {} satisfies SettingsData,
      nodes: (csrf) => form.map((n) => (ui.nodeName(n) === 'csrf_token' ? { ...n, attributes: { ...n.attributes, value: csrf } } : n)),
      messages,
    });
    const before = await deps.hooks.before(newHookContext({ kind: 'settings', req, reply, flow, identity }));
    if (before.kind === 'interrupt') throw new KratosError(400, { reason: before.messages.map((m) => m.message.text).join(' ') });
    return flow;
  }

  const createSettingsFlowFor: CreateSettingsFlowFor = async (req, reply, o) => {
    const flow = await newSettingsFlow(req, reply, o.type, o.identity, o.returnTo, o.messages ?? []);
    return { id: flow.id, url: flows.uiUrl('settings', flow.id) };
  };

  /**
   * Where the step-up login returns to for an existing flow: the public continuation of the flow
   * (which shows its UI), always an allowed return_to, unlike a UI on another origin.
   */
  const continueUrl = (flowId: string) => {
    const u = publicUrl('/self-service/settings');
    u.searchParams.set('flow', flowId);
    return u.toString();
  };

  /** Errors as Kratos's settings error handler answers them: a browser lacking aal2 goes to the step-up login. */
  function fail(req: FastifyRequest, reply: FastifyReply, err: unknown, mode: ClientMode) {
    const to = err instanceof KratosError && err.id === 'session_aal2_required' ? err.extra?.redirect_browser_to : undefined;
    if (mode === 'browser' && typeof to === 'string') return flows.redirect(reply, to);
    return flows.respondError(req, reply, err, mode);
  }

  const isPrivileged = (s: Session) => s.authenticated_at.getTime() + deps.privilegedSessionMaxAgeMs() > now().getTime();
  const json = (flow: Flow, identity: Identity, continueWith?: ContinueWith[]) => settingsFlowJson(flow, deps.renderIdentity(identity, false), continueWith);

  async function init(req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply, type: FlowType) {
    const mode: ClientMode = type === 'api' ? 'api' : browserResponseMode(req);
    try {
      const returnTo = flows.returnTo(req);
      const session = await sessions.fromRequest(req);
      if (!session) {
        if (mode !== 'browser') throw noActiveSession();
        // As Kratos: sign in first; the settings request's return_to is handed to the login flow.
        const login = publicUrl('/self-service/login/browser');
        if (returnTo) login.searchParams.set('return_to', returnTo);
        return flows.redirect(reply, login);
      }
      await deps.assurance.require(session, deps.requiredAal(), returnTo ?? publicUrl(type === 'api' ? '/self-service/settings/api' : '/self-service/settings/browser').toString());
      const identity = await loadIdentity(session.identity_id);
      const flow = await newSettingsFlow(req, reply, type, identity, returnTo);
      return flows.respondWithFlow(req, reply, flow, json(flow, identity));
    } catch (err) {
      return fail(req, reply, err, mode);
    }
  }

  app.get('/self-service/settings/browser', (req: FastifyRequest<{ Querystring: Query }>, reply) => init(req, reply, 'browser'));
  app.get('/self-service/settings/api', (req: FastifyRequest<{ Querystring: Query }>, reply) => init(req, reply, 'api'));

  app.get('/self-service/settings/flows', async (req) => {
    const session = await sessions.require(req);
    // A flow of someone else is refused before anything about it (even its expiry) is told.
    const id = (req.query as Query).id;
    const owner = id ? (await flowPoolGet(id))?.identity_id : undefined;
    if (owner && owner !== session.identity_id) throw forbiddenOtherIdentity();
    const flow = await flows.fetchForRead(req, 'settings', '/self-service/settings/browser');
    if (flow.identity_id !== session.identity_id) throw forbiddenOtherIdentity();
    await deps.assurance.require(session, deps.requiredAal(), continueUrl(flow.id));
    return json(flow, await loadIdentity(session.identity_id));
  });

  const flowPoolGet = (id: string) => (isUuid(id) ? deps.flowPool.getFlow(id.toLowerCase(), 'settings') : Promise.resolve(null));

  app.get('/.well-known/change-password', async (_req, reply) => flows.redirect(reply, flows.config.flowUiUrl('settings')));

  /** Where a browser goes once a change is saved: the flow's return_to, the configured URL, else the settings UI again. */
  const afterUrl = (flow: Flow, method: string) => flow.return_to ?? deps.configuredReturnUrl(method) ?? flows.uiUrl('settings', flow.id);

  /** Sends the user to a refresh login that comes back to this flow. */
  function reauthenticate(req: FastifyRequest, reply: FastifyReply, flow: Flow, mode: ClientMode): FastifyReply {
    const back = publicUrl('/self-service/settings');
    back.searchParams.set('flow', flow.id);
    const login = publicUrl('/self-service/login/browser');
    login.searchParams.set('refresh', 'true');
    login.searchParams.set('return_to', back.toString());
    if (mode !== 'browser') throw needsPrivilegedSession(login.toString());
    return flows.redirect(reply, login);
  }

  /**
   * Applies a change: pre-persist hooks (which may refuse or alter it), store, post-persist hooks
   * (revoke sessions, verification of added addresses, ...), then the flow in state `success`.
   */
  async function apply(req: FastifyRequest, reply: FastifyReply, flow: Flow, mode: ClientMode, session: Session, identity: Identity, method: string, change: SettingsChange, payload: unknown) {
    const updated: Identity = structuredClone(identity);
    if (change.traits) updated.traits = change.traits;
    for (const [type, cred] of Object.entries(change.setCredentials ?? {}) as Array<[CredentialsType, Pick<Credentials, 'identifiers' | 'config'> | null]>) {
      const existing = updated.credentials[type];
      if (cred === null) delete updated.credentials[type];
      else updated.credentials[type] = { id: existing?.id ?? newId(), type, identifiers: cred.identifiers, config: cred.config, version: 0, created_at: existing?.created_at ?? now(), updated_at: now() };
    }
    change.edit?.(updated);
    const hookCtx = newHookContext({ kind: 'settings', req, reply, flow, method, identity: updated, previousIdentity: identity, session, transientPayload: payload });
    const pre = await deps.hooks.after('pre_persist', hookCtx);
    if (pre.kind === 'interrupt') throw new FlowValidationError(pre.messages, change.values ?? {});
    try {
      await deps.identityManager.update(updated, change.credentials);
    } catch (err) {
      if (err instanceof KratosError && err.code === 409) throw new FlowValidationError([{ message: errorDuplicateCredentials() }], change.values ?? {});
      throw err;
    }
    if (change.sessionMethod) await sessions.update(sessions.authenticateAgain(session, change.sessionMethod));
    delete (flow.data as SettingsData).pending;
    flow.state = 'success';
    flow.active = method;
    const csrf = ui.find(flow.ui, 'csrf_token')?.attributes.value;
    flow.ui.nodes = await formNodes(updated, typeof csrf === 'string' ? csrf : '', flow.type);
    flow.ui.messages = [successSettingsUpdated()];
    await flows.save(flow);
    deps.events.settingsSucceeded({ req, identity: updated, method, flow });
    await deps.hooks.after('post_persist', hookCtx);
    const continueWith: ContinueWith[] = hookCtx.continueWith;

    if (flow.type === 'api') return reply.code(200).send(json(flow, updated, continueWith));
    const to = hookCtx.browserRedirect ?? afterUrl(flow, method);
    if (mode === 'browser') return flows.redirect(reply, to);
    return reply.code(200).send(json(flow, updated, [...continueWith, { action: 'redirect_browser_to', redirect_browser_to: to }]));
  }

  /** Loads the flow and the caller's session for a submission or continuation; answers what stops it. */
  async function guard(req: FastifyRequest, reply: FastifyReply, flow: Flow, mode: ClientMode): Promise<{ session: Session; identity: Identity } | FastifyReply> {
    const session = await sessions.fromRequest(req);
    if (!session) {
      if (mode !== 'browser') throw noActiveSession();
      return flows.redirect(reply, publicUrl('/self-service/login/browser'));
    }
    if (flow.identity_id !== session.identity_id) throw forbiddenOtherIdentity();
    await deps.assurance.require(session, deps.requiredAal(), continueUrl(flow.id));
    const identity = await loadIdentity(session.identity_id);
    if (flows.isExpired(flow)) {
      const replacement = await newSettingsFlow(req, reply, flow.type, identity, flow.return_to, [errorSettingsFlowExpired(flow.expires_at, now())]);
      if (mode === 'browser') return flows.redirect(reply, flows.uiUrl('settings', replacement.id));
      throw flows.expired(flow, replacement);
    }
    return { session, identity };
  }

  async function answerInvalid(req: FastifyRequest, reply: FastifyReply, flow: Flow, identity: Identity, method: string, o: { messages: FlowMessage[]; values?: Record<string, unknown>; status?: 200 | 400 }) {
    const status = o.status ?? 400;
    if (o.values) ui.fillValues(flow.ui, o.values);
    for (const m of o.messages) ui.addMessage(flow.ui, m.message, m.node);
    flow.active = method;
    flow.state = 'show_form';
    // A 200 is a method's next step (new backup codes to confirm), not a failure.
    if (status === 400) deps.events.settingsFailed({ req, method, flow, reason: o.messages[0]?.message.id });
    ui.clearSecrets(flow.ui);
    await flows.save(flow);
    return flows.respondWithFlow(req, reply, flow, json(flow, identity), status);
  }

  app.post('/self-service/settings', async (req: FastifyRequest<{ Querystring: Query }>, reply) => {
    let mode: ClientMode = browserResponseMode(req);
    try {
      const body = parseFlowBody(req);
      const flow = await flows.fetchForSubmit(req, 'settings', body.fields.csrf_token);
      mode = flows.clientMode(req, flow.type);
      const g = await guard(req, reply, flow, mode);
      if (!('session' in g)) return g;
      const { session, identity } = g;

      ui.resetMessages(flow.ui);
      const privileged = isPrivileged(session);
      let taken;
      try {
        taken = await firstResponsible(methods, (m) => m.settings.submit({ req, reply, flow, fields: body.fields, form: body.form, privileged }, identity));
      } catch (err) {
        if (err instanceof PrivilegedSessionRequired) return reauthenticate(req, reply, flow, mode);
        throw err;
      }
      if (!taken) throw new KratosError(400, { reason: 'Could not find a strategy to update your settings.' });
      return await proceed(req, reply, flow, mode, session, identity, taken.method.id, taken.outcome, transientPayload(body.fields));
    } catch (err) {
      return fail(req, reply, err, mode);
    }
  });

  /** What the flow does with a method's outcome: apply the change, wait for re-authentication, or show messages. */
  async function proceed(req: FastifyRequest, reply: FastifyReply, flow: Flow, mode: ClientMode, session: Session, identity: Identity, method: string, outcome: Exclude<MethodOutcome, { kind: 'not_responsible' }>, payload: unknown) {
    switch (outcome.kind) {
      case 'show_again':
        return answerInvalid(req, reply, flow, identity, method, outcome);
      case 'completed':
        return flows.redirect(reply, outcome.redirectTo);
      case 'answered':
        return outcome.body;
      case 'authenticated':
        throw new KratosError(500, { reason: 'A settings method answered with a sign-in.' });
      case 'screen':
        throw new KratosError(500, { reason: 'A settings method moved the form to another screen.' });
      case 'updated':
        break;
    }
    const change = outcome.change;
    if (change.protected && !isPrivileged(session)) {
      // Browsers come back here after the refresh login, and the change is applied then (as Kratos's continuity).
      if (mode === 'browser') {
        (flow.data as SettingsData).pending = { method, session_id: session.id, expires_at: new Date(now().getTime() + PENDING_LIFESPAN_MS).toISOString(), change: change.pending };
      } else {
        delete (flow.data as SettingsData).pending;
      }
      if (change.values) ui.fillValues(flow.ui, change.values);
      ui.clearSecrets(flow.ui);
      await flows.save(flow);
      return reauthenticate(req, reply, flow, mode);
    }
    try {
      return await apply(req, reply, flow, mode, session, identity, method, change, payload);
    } catch (err) {
      if (err instanceof FlowValidationError) return answerInvalid(req, reply, flow, identity, method, err);
      throw err;
    }
  }

  /**
   * `GET /self-service/settings?flow=`: where the refresh login sends the browser back. A change
   * that waited for re-authentication of this session is applied; otherwise the form is shown.
   */
  app.get('/self-service/settings', async (req: FastifyRequest<{ Querystring: Query }>, reply) => {
    const mode: ClientMode = browserResponseMode(req);
    try {
      const id = req.query.flow;
      const flow = id ? await flowPoolGet(id) : null;
      if (!flow) throw flowNotFound();
      const g = await guard(req, reply, flow, mode);
      if (!('session' in g)) return g;
      const { session, identity } = g;
      if (flow.type === 'browser') {
        // The refresh login gave this browser a new anti-CSRF token: the flow follows it (the session proved who it is).
        const token = deps.csrf.ensureToken(req, reply);
        if (token !== flow.csrf_token) {
          flow.csrf_token = token;
          ui.setValue(flow.ui, 'csrf_token', deps.csrf.mask(token));
          await flows.save(flow);
        }
      }
      const pending = (flow.data as SettingsData).pending;
      const waiting = pending ? methods.find((m) => m.id === pending.method) : undefined;
      if (!pending || !waiting || pending.session_id !== session.id || Date.parse(pending.expires_at) <= now().getTime() || flow.type !== 'browser') {
        return flows.respondWithFlow(req, reply, flow, json(flow, identity));
      }
      if (!isPrivileged(session)) return reauthenticate(req, reply, flow, mode);
      ui.resetMessages(flow.ui);
      try {
        const resumed = await waiting.settings.resume(identity, pending.change);
        if (resumed.kind !== 'updated') throw new KratosError(500, { reason: 'A waiting settings change could not be resumed.' });
        return await apply(req, reply, flow, mode, session, identity, waiting.id, resumed.change, undefined);
      } catch (err) {
        if (!(err instanceof FlowValidationError)) throw err;
        delete (flow.data as SettingsData).pending;
        return answerInvalid(req, reply, flow, identity, waiting.id, err);
      }
    } catch (err) {
      return fail(req, reply, err, mode);
    }
  });

  const resumption: FlowResumption = {
    async resume(req, reply, flow, methodId, outcome, payload) {
      const mode = flows.clientMode(req, flow.type);
      try {
        const g = await guard(req, reply, flow, mode);
        if (!('session' in g)) return g;
        ui.resetMessages(flow.ui);
        return await proceed(req, reply, flow, mode, g.session, g.identity, methodId, outcome, payload);
      } catch (err) {
        return flows.respondError(req, reply, err, mode);
      }
    },
    takeOver() {
      throw new KratosError(500, { reason: 'A settings flow cannot take over another flow.' });
    },
    fail: (req, reply, flow, err) => flows.respondError(req, reply, err, flow ? flows.clientMode(req, flow.type) : browserResponseMode(req)),
  };

  return { createFlowFor: createSettingsFlowFor, resumption };
}
