import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KratosError } from '../../../errors/kratos-error.js';
import type { Identity, VerifiableAddress } from '../../../identity/identity.js';
import type { IdentityManager } from '../../../identity/manager.js';
import type { IdentityPool } from '../../../identity/pool.js';
import { noActiveSession, type SessionManager } from '../../../session/manager.js';
import type { Session } from '../../../session/session.js';
import { errorDuplicateCredentials, errorSettingsFlowExpired, successSettingsUpdated, type UiText } from '../../../text/index.js';
import { csrfNode } from '../../../ui/csrf.js';
import { UiNodeGroup, type UiNode } from '../../../ui/node.js';
import { schemaKeysInOrder } from '../../../ui/schema-nodes.js';
import { sortNodes, type SortNodesOptions } from '../../../ui/sort.js';
import type { SchemaRegistry } from '../../../schema/registry.js';
import { parseFlowBody, stringField } from '../../flow/body.js';
import { flowNotFound } from '../../flow/errors.js';
import type { Flow, FlowPool, FlowType } from '../../flow/flow.js';
import { isUuid } from '../../../lib/ids.js';
import { browserResponseMode } from '../../flow/request.js';
import { baseFlowJson, type ClientMode, type FlowService } from '../../flow/service.js';
import { ui, type UiNodeJson } from '../../flow/ui-json.js';
import { FlowValidationError } from '../../flow/validation.js';
import type { SecurityEvents } from '../../../telemetry/events.js';
import { toJson } from '../../flow/ui-json.js';
import type { SettingsChange, SettingsStrategy } from './strategy.js';

/** A `continue_with` entry (api.json `continueWith`). */
export type ContinueWith = { action: string; flow?: unknown; redirect_browser_to?: string };

export interface SettingsHandlerDeps {
  flows: FlowService;
  sessions: SessionManager;
  identities: IdentityPool;
  schemas: SchemaRegistry;
  flowPool: FlowPool;
  csrf: { ensureToken(req: FastifyRequest, reply: FastifyReply): string; mask(token: string): string };
  identityManager: IdentityManager;
  strategies: SettingsStrategy[];
  renderIdentity(identity: Identity, admin: boolean): Record<string, unknown>;
  /** After-settings hooks configured for the method (`revoke_active_sessions`, ...). */
  afterHooks(method: string): Array<{ hook: string }>;
  /** `selfservice.flows.settings.privileged_session_max_age` */
  privilegedSessionMaxAgeMs(): number;
  /**
   * `after.<method>.default_browser_return_url` or `after.default_browser_return_url` of the
   * settings flow, when configured (not the global default: without one the settings UI is shown again).
   */
  configuredReturnUrl(method: string): string | null;
  /**
   * Called after a profile change stored new, unverified verifiable addresses: sends them a
   * verification message and returns the `continue_with` entries. Optional (no-op without it).
   */
  onVerifiableAddressesAdded?(
    identity: Identity,
    addresses: VerifiableAddress[],
    ctx: { req: FastifyRequest; reply: FastifyReply; type: FlowType; returnTo: string | null },
  ): Promise<ContinueWith[]>;
  events: Pick<SecurityEvents, 'settingsSucceeded' | 'settingsFailed' | 'sessionsRevoked'>;
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
export function registerSettingsRoutes(app: FastifyInstance, deps: SettingsHandlerDeps): CreateSettingsFlowFor {
  const { flows, sessions } = deps;
  const now = deps.now ?? (() => new Date());
  const publicUrl = (path: string) => new URL(path.replace(/^\//, ''), flows.config.publicBaseUrl());

  async function loadIdentity(id: string): Promise<Identity> {
    const identity = await deps.identities.getIdentity(id, { withCredentials: true });
    if (!identity) throw noActiveSession();
    return identity;
  }

  /** The form for `identity`: CSRF token and every method's nodes, in Kratos's settings order. */
  async function formNodes(identity: Identity, csrf: string): Promise<UiNodeJson[]> {
    const nodes = (await Promise.all(deps.strategies.map((s) => s.settingsNodes(identity)))).flat();
    const schema = await deps.schemas.get(identity.schema_id);
    const order: SortNodesOptions = {
      schemaKeys: schemaKeysInOrder(schema.raw()),
      groups: [UiNodeGroup.Default, UiNodeGroup.Profile, UiNodeGroup.Password, UiNodeGroup.Oidc, UiNodeGroup.LookupSecret, UiNodeGroup.WebAuthn, UiNodeGroup.Passkey, UiNodeGroup.Totp],
    };
    return sortNodes([toJson(csrfNode(csrf)), ...nodes] as unknown as UiNode[], order) as unknown as UiNodeJson[];
  }

  async function newSettingsFlow(req: FastifyRequest, reply: FastifyReply, type: FlowType, identity: Identity, returnTo: string | null, messages: UiText[] = []): Promise<Flow> {
    const form = await formNodes(identity, '');
    return flows.create(req, reply, {
      kind: 'settings',
      type,
      state: 'show_form',
      returnTo,
      identityId: identity.id,
      data: {} satisfies SettingsData,
      nodes: (csrf) => form.map((n) => (ui.nodeName(n) === 'csrf_token' ? { ...n, attributes: { ...n.attributes, value: csrf } } : n)),
      messages,
    });
  }

  const createSettingsFlowFor: CreateSettingsFlowFor = async (req, reply, o) => {
    const flow = await newSettingsFlow(req, reply, o.type, o.identity, o.returnTo, o.messages ?? []);
    return { id: flow.id, url: flows.uiUrl('settings', flow.id) };
  };

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
      const identity = await loadIdentity(session.identity_id);
      const flow = await newSettingsFlow(req, reply, type, identity, returnTo);
      return flows.respondWithFlow(req, reply, flow, json(flow, identity));
    } catch (err) {
      return flows.respondError(req, reply, err, mode);
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

  /** Stores a change, runs the after hooks and answers with the flow in state `success`. */
  async function apply(req: FastifyRequest, reply: FastifyReply, flow: Flow, mode: ClientMode, session: Session, identity: Identity, strategy: SettingsStrategy, change: SettingsChange) {
    const beforeAll = new Set(identity.verifiable_addresses.map((a) => `${a.via}:${a.value}`));
    const updated: Identity = structuredClone(identity);
    if (change.traits) updated.traits = change.traits;
    try {
      await deps.identityManager.update(updated, change.credentials);
    } catch (err) {
      if (err instanceof KratosError && err.code === 409) throw new FlowValidationError([{ message: errorDuplicateCredentials() }], change.values ?? {});
      throw err;
    }
    delete (flow.data as SettingsData).pending;
    flow.state = 'success';
    flow.active = strategy.id;
    const csrf = ui.find(flow.ui, 'csrf_token')?.attributes.value;
    flow.ui.nodes = await formNodes(updated, typeof csrf === 'string' ? csrf : '');
    flow.ui.messages = [successSettingsUpdated()];
    await flows.save(flow);
    deps.events.settingsSucceeded({ req, identity: updated, method: strategy.id, flow });

    for (const h of deps.afterHooks(strategy.id)) {
      if (h.hook === 'revoke_active_sessions') deps.events.sessionsRevoked({ req, identityId: updated.id, count: await sessions.pool.revokeSessionsOfIdentity(updated.id, session.id), actor: 'system', exceptSessionId: session.id });
    }
    const added = updated.verifiable_addresses.filter((a) => !a.verified && !beforeAll.has(`${a.via}:${a.value}`));
    const continueWith: ContinueWith[] =
      added.length > 0 && deps.onVerifiableAddressesAdded ? await deps.onVerifiableAddressesAdded(updated, added, { req, reply, type: flow.type, returnTo: flow.return_to }) : [];

    if (flow.type === 'api') return reply.code(200).send(json(flow, updated, continueWith));
    const to = afterUrl(flow, strategy.id);
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
    const identity = await loadIdentity(session.identity_id);
    if (flows.isExpired(flow)) {
      const replacement = await newSettingsFlow(req, reply, flow.type, identity, flow.return_to, [errorSettingsFlowExpired(flow.expires_at, now())]);
      if (mode === 'browser') return flows.redirect(reply, flows.uiUrl('settings', replacement.id));
      throw flows.expired(flow, replacement);
    }
    return { session, identity };
  }

  async function answerInvalid(req: FastifyRequest, reply: FastifyReply, flow: Flow, identity: Identity, strategy: SettingsStrategy, err: FlowValidationError) {
    ui.fillValues(flow.ui, err.values);
    for (const m of err.messages) ui.addMessage(flow.ui, m.message, m.node);
    flow.active = strategy.id;
    flow.state = 'show_form';
    deps.events.settingsFailed({ req, method: strategy.id, flow, reason: err.messages[0]?.message.id });
    ui.clearSecrets(flow.ui);
    await flows.save(flow);
    return flows.respondWithFlow(req, reply, flow, json(flow, identity), 400);
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
      const method = stringField(body.fields, 'method');
      const strategy = deps.strategies.find((s) => s.id === method);
      if (!strategy) throw new KratosError(400, { reason: 'Could not find a strategy to update your settings.' });

      let change: SettingsChange;
      try {
        change = await strategy.prepare(identity, body.fields, body.form);
      } catch (err) {
        if (err instanceof FlowValidationError) return answerInvalid(req, reply, flow, identity, strategy, err);
        throw err;
      }
      if (change.protected && !isPrivileged(session)) {
        // Browsers come back here after the refresh login, and the change is applied then (as Kratos's continuity).
        if (mode === 'browser') {
          (flow.data as SettingsData).pending = { method: strategy.id, session_id: session.id, expires_at: new Date(now().getTime() + PENDING_LIFESPAN_MS).toISOString(), change: change.pending };
        } else {
          delete (flow.data as SettingsData).pending;
        }
        if (change.values) ui.fillValues(flow.ui, change.values);
        ui.clearSecrets(flow.ui);
        await flows.save(flow);
        return reauthenticate(req, reply, flow, mode);
      }
      try {
        return await apply(req, reply, flow, mode, session, identity, strategy, change);
      } catch (err) {
        if (err instanceof FlowValidationError) return answerInvalid(req, reply, flow, identity, strategy, err);
        throw err;
      }
    } catch (err) {
      return flows.respondError(req, reply, err, mode);
    }
  });

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
      const strategy = pending ? deps.strategies.find((s) => s.id === pending.method) : undefined;
      if (!pending || !strategy || pending.session_id !== session.id || Date.parse(pending.expires_at) <= now().getTime() || flow.type !== 'browser') {
        return flows.respondWithFlow(req, reply, flow, json(flow, identity));
      }
      if (!isPrivileged(session)) return reauthenticate(req, reply, flow, mode);
      ui.resetMessages(flow.ui);
      try {
        const change = await strategy.resume(identity, pending.change);
        return await apply(req, reply, flow, mode, session, identity, strategy, change);
      } catch (err) {
        if (!(err instanceof FlowValidationError)) throw err;
        delete (flow.data as SettingsData).pending;
        return answerInvalid(req, reply, flow, identity, strategy, err);
      }
    } catch (err) {
      return flows.respondError(req, reply, err, mode);
    }
  });

  return createSettingsFlowFor;
}
