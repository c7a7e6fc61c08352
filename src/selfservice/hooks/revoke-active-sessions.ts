import type { SessionPool } from '../../session/pool.js';
import { CONTINUE, type Hook, type HookContext, type HookOutcome } from './hook.js';

/** `revoke_active_sessions`: every other session of the identity ends once the flow completed. */
export class RevokeActiveSessionsHook implements Hook {
  readonly name = 'revoke_active_sessions';
  readonly phase = 'post_persist' as const;

  constructor(private readonly sessions: SessionPool) {}

  async run(ctx: HookContext): Promise<HookOutcome> {
    if (ctx.identity) await this.sessions.revokeSessionsOfIdentity(ctx.identity.id, ctx.session?.id ?? '');
    return CONTINUE;
  }
}
