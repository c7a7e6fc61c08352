import type { Logger } from 'pino';
import type { Identity, IdentityState } from '../../../identity/identity.js';
import type { Session } from '../../../session/session.js';
import { TextId } from '../../../text/ids.js';
import type { UiText } from '../../../text/index.js';
import type { FlowKind } from '../../flow/flow.js';
import type { Flow } from '../../flow/flow.js';
import type { FlowMessage } from '../../flow/method.js';
import { requestUrl } from '../../flow/request.js';
import { CONTINUE, type Hook, type HookContext, type HookOutcome, type HookPhase } from '../hook.js';
import { runsBeforePersist, type WebHookConfig } from './config.js';
import type { WebHookFieldMessages, WebHookIdentityPatch, WebHookRunner } from './web-hook.js';

export interface WebHookHookDeps {
  runner: WebHookRunner;
  logger: Logger;
  publicBaseUrl(): URL;
  renderFlow(flow: Flow): Record<string, unknown>;
  /** Identity JSON as admins see it (metadata_admin included), as Kratos hands it to hooks. */
  renderIdentity(identity: Identity): Record<string, unknown>;
  renderSession(session: Session, identity: Identity | null): Record<string, unknown>;
}

/**
 * Where a web hook runs, as Kratos places it, with real ids where Kratos has nil ones:
 * login hooks run before the session is stored (its id is already final); registration and
 * settings hooks that may refuse or change the identity (`parse`, `can_interrupt`) run before it
 * is stored, the others after; recovery and verification hooks after the flow completed.
 */
export function webHookPhase(kind: FlowKind, position: 'before' | 'after', cfg: WebHookConfig): HookPhase {
  if (position === 'before') return 'before';
  if (kind === 'login') return 'pre_persist';
  if (kind === 'registration' || kind === 'settings') return runsBeforePersist(cfg) ? 'pre_persist' : 'post_persist';
  return 'post_persist';
}

/** `web_hook`: calls the configured URL with the Jsonnet-rendered context and acts on a parsed answer. */
export class WebHookHook implements Hook {
  readonly name = 'web_hook';

  constructor(
    private readonly cfg: WebHookConfig,
    readonly phase: HookPhase,
    private readonly deps: WebHookHookDeps,
  ) {}

  async run(ctx: HookContext): Promise<HookOutcome> {
    const flowJson = this.deps.renderFlow(ctx.flow);
    if (ctx.transientPayload !== undefined) flowJson.transient_payload = ctx.transientPayload;
    const identity = ctx.identity ? this.deps.renderIdentity(ctx.identity) : undefined;
    try {
      const result = await this.deps.runner.run(this.cfg, {
        flow: flowJson,
        ...(identity ? { identity } : {}),
        ...(ctx.session ? { session: this.deps.renderSession(ctx.session, ctx.identity) } : {}),
        request: {
          headers: ctx.req.headers,
          method: ctx.req.method,
          url: requestUrl(ctx.req, this.deps.publicBaseUrl()),
          cookies: (ctx.req.cookies ?? {}) as Record<string, string>,
        },
      });
      if (result.kind === 'interrupt') return { kind: 'interrupt', messages: result.messages.flatMap(toFlowMessages) };
      if (result.kind === 'identity' && ctx.identity && this.phase === 'pre_persist') applyPatch(ctx.identity, result.patch);
      return CONTINUE;
    } catch (err) {
      if (this.phase !== 'post_persist') throw err;
      // After the identity or session is stored, a failing hook must not strand the user with an
      // error for something that did succeed (Kratos #3352); the failure is logged.
      this.deps.logger.error({ err: err instanceof Error ? err.message : String(err), flow: ctx.kind, url: redactedUrl(this.cfg.url) }, 'web hook after the flow completed failed');
      return CONTINUE;
    }
  }
}

function redactedUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** `#/traits/email` → node `traits.email`; `` or `#/` → the whole form. */
function toFlowMessages(m: WebHookFieldMessages): FlowMessage[] {
  const path = m.instancePtr.replace(/^#?\/?/, '');
  const node = path === '' ? undefined : path.split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
  return m.messages.map((x) => {
    const message: UiText = { id: Number.isInteger(x.id) && x.id > 0 ? x.id : TextId.ErrorValidationGeneric, text: x.text, type: x.type, ...(x.context ? { context: x.context } : {}) } as UiText;
    return node ? { message, node } : { message };
  });
}

/**
 * A `parse` hook's answer replaces whole fields of the identity about to be stored. Addresses are
 * derived from the traits again when it is stored; what a hook may decide about them is whether
 * they are verified.
 */
function applyPatch(identity: Identity, patch: WebHookIdentityPatch): void {
  if (patch.traits !== undefined && patch.traits !== null && typeof patch.traits === 'object') identity.traits = patch.traits as Record<string, unknown>;
  if (typeof patch.schema_id === 'string' && patch.schema_id !== '') identity.schema_id = patch.schema_id;
  if (patch.state === 'active' || patch.state === 'inactive') identity.state = patch.state as IdentityState;
  if (patch.metadata_public !== undefined) identity.metadata_public = patch.metadata_public;
  if (patch.metadata_admin !== undefined) identity.metadata_admin = patch.metadata_admin;
  if (Array.isArray(patch.verifiable_addresses)) {
    const now = new Date();
    for (const raw of patch.verifiable_addresses) {
      const p = raw as { value?: unknown; verified?: unknown };
      const a = identity.verifiable_addresses.find((x) => typeof p.value === 'string' && x.value === p.value.toLowerCase());
      if (!a || typeof p.verified !== 'boolean') continue;
      a.verified = p.verified;
      a.verified_at = p.verified ? (a.verified_at ?? now) : null;
      a.status = p.verified ? 'completed' : 'pending';
    }
  }
}
