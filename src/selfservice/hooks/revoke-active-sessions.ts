import type { SessionPool } from '../../session/pool.js';
import type { SecurityEvents } from '../../telemetry/events.js';
import { CONTINUE, type Hook, type HookContext, type HookOutcome } from './hook.js';

/** `revoke_active_sessions`: every other session of the identity ends once the flow completed. */
export class RevokeActiveSessionsHook implements Hook {
  readonly name = 'revoke_active_sessions';
  readonly phase = 'post_persist' as const;

  constructor(
    private readonly sessions: SessionPool,
    private readonly events: Pick<SecurityEvents, 'sessionsRevoked'>,
  ) {}

  async run(ctx: HookContext): Promise<HookOutcome> {
    if (!ctx.identity) return CONTINUE;
    const except = ctx.session?.id ?? '';
    const count = await this.sessions.revokeSessionsOfIdentity(ctx.identity.id, except);
    this.events.sessionsRevoked({ req: ctx.req, identityId: ctx.identity.id, count, actor: 'system', exceptSessionId: except });
    return CONTINUE;
  }
}
