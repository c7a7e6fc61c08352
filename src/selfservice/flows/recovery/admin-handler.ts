import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../../../errors/kratos-error.js';
import type { IdentityPool } from '../../../identity/pool.js';
import { DurationError, parseDuration } from '../../../lib/duration.js';
import { isUuid, newId } from '../../../lib/ids.js';
import type { Flow, FlowPool, FlowType } from '../../flow/flow.js';
import type { FlowService } from '../../flow/service.js';
import type { UiNodeJson } from '../../flow/ui-json.js';
import type { OneTimeSecretKind, OneTimeSecretPool } from '../../flow/one-time-secret.js';
import type { RecoveryFlowData } from './strategy.js';
import type { SecurityEvents } from '../../../telemetry/events.js';

/** What the admin endpoints need from the code and link methods (the wiring passes them in). */
export interface AdminRecoveryMethods {
  code: { lifespanMs(): number; newSecret(): string; digest(secret: string): string; nodes(): UiNodeJson[] };
  link: { lifespanMs(): number; newSecret(): string; digest(secret: string): string; url(flowId: string, token: string): string };
}

export interface RecoveryAdminDeps {
  flows: FlowService;
  identities: IdentityPool;
  transaction<T>(fn: (tx: { flows: FlowPool; secrets: OneTimeSecretPool }) => Promise<T>): Promise<T>;
  methods: AdminRecoveryMethods;
  events: Pick<SecurityEvents, 'recoveryIssued'>;
  now?: () => Date;
}

function body(req: FastifyRequest): Record<string, unknown> {
  const b = req.body;
  if (b === undefined || b === null || typeof b !== 'object' || Array.isArray(b)) throw badRequest('The request body must be a JSON object.');
  return b as Record<string, unknown>;
}

function expiresIn(raw: unknown, fallbackMs: number): number {
  if (raw === undefined || raw === null || raw === '') return fallbackMs;
  if (typeof raw !== 'string') throw badRequest('The field "expires_in" must be a duration string.');
  let ms: number;
  try {
    ms = parseDuration(raw);
  } catch (err) {
    if (!(err instanceof DurationError)) throw err;
    throw badRequest(`Unable to parse "expires_in" as a duration string (e.g. "1h", "1m30s", "500ms"): ${raw}`);
  }
  if (!(ms > 0)) throw badRequest(`Value from "expires_in" must result to a future time: ${raw}`);
  return ms;
}

/**
 * `POST /admin/recovery/code` and `/admin/recovery/link`: an administrator hands a user a way back
 * into their account. Each creates a recovery flow and a one-time secret for the identity; the
 * flow skips the anti-CSRF check (the user's browser never started it), as Kratos does.
 */
export function registerRecoveryAdminRoutes(app: FastifyInstance, deps: RecoveryAdminDeps): void {
  const now = deps.now ?? (() => new Date());

  async function identityFrom(b: Record<string, unknown>) {
    const id = b.identity_id;
    if (id === undefined || id === null || id === '') throw badRequest('The field "identity_id" is required.');
    if (!isUuid(id)) throw badRequest('The field "identity_id" must be a UUID.');
    const identity = await deps.identities.getIdentity(id.toLowerCase());
    if (!identity) throw notFound('The requested identity id does not exist.');
    return identity;
  }

  async function create(o: { type: FlowType; state: string; lifespanMs: number; nodes: UiNodeJson[]; identityId: string; kind: OneTimeSecretKind; digest: string; requestUrl: string }): Promise<Flow> {
    const at = now();
    const id = newId();
    const expires = new Date(at.getTime() + o.lifespanMs);
    const flow: Flow = {
      id,
      kind: 'recovery',
      type: o.type,
      state: o.state,
      identity_id: null,
      expires_at: expires,
      issued_at: at,
      request_url: o.requestUrl,
      return_to: null,
      active: o.kind === 'recovery_code' ? 'code' : 'link',
      csrf_token: '',
      ui: { action: deps.flows.actionUrl('recovery', id), method: 'POST', nodes: o.nodes },
      data: { skip_csrf: true } satisfies RecoveryFlowData,
      created_at: at,
      updated_at: at,
    };
    await deps.transaction(async (tx) => {
      await tx.flows.createFlow(flow);
      await tx.secrets.createSecret({
        id: newId(),
        kind: o.kind,
        flow_id: id,
        identity_id: o.identityId,
        address: null,
        digest: o.digest,
        attempts: 0,
        expires_at: expires,
        used_at: null,
        created_at: at,
        updated_at: at,
      });
    });
    return flow;
  }

  const requestUrl = (req: FastifyRequest) => new URL(req.url.replace(/^\//, ''), deps.flows.config.adminBaseUrl()).toString();

  app.post('/admin/recovery/code', async (req, reply) => {
    const b = body(req);
    const m = deps.methods.code;
    const lifespanMs = expiresIn(b.expires_in, m.lifespanMs());
    const type = b.flow_type ?? 'browser';
    if (type !== 'browser' && type !== 'api') throw badRequest(`Value from "flow_type" is not valid: ${JSON.stringify(type)}`);
    const identity = await identityFrom(b);
    const code = m.newSecret();
    const flow = await create({ type, state: 'sent_email', lifespanMs, nodes: m.nodes(), identityId: identity.id, kind: 'recovery_code', digest: m.digest(code), requestUrl: requestUrl(req) });
    deps.events.recoveryIssued({ req, identity, method: 'code', flow });
    return reply.code(201).send({ recovery_link: deps.flows.uiUrl('recovery', flow.id), recovery_code: code, expires_at: flow.expires_at.toISOString() });
  });

  app.post('/admin/recovery/link', async (req, reply) => {
    const b = body(req);
    const m = deps.methods.link;
    const lifespanMs = expiresIn(b.expires_in, m.lifespanMs());
    const identity = await identityFrom(b);
    const token = m.newSecret();
    const flow = await create({ type: 'browser', state: 'choose_method', lifespanMs, nodes: [], identityId: identity.id, kind: 'recovery_link', digest: m.digest(token), requestUrl: requestUrl(req) });
    deps.events.recoveryIssued({ req, identity, method: 'link', flow });
    return reply.code(200).send({ recovery_link: m.url(flow.id, token), expires_at: flow.expires_at.toISOString() });
  });
}
