import { clientInfo, type SessionManager } from '../../session/manager.js';
import { CONTINUE, type Hook, type HookContext, type HookOutcome } from './hook.js';

export interface SessionIssuerDeps {
  sessions: SessionManager;
  /** Replaces the anti-CSRF cookie and returns the new raw token. */
  rotateCsrf(reply: HookContext['reply']): string;
}

/**
 * `session` (registration): signs the new identity in. Browsers get the cookie and a new anti-CSRF
 * token, so flows created by later hooks are bound to the signed-in browser.
 */
export class SessionIssuerHook implements Hook {
  readonly name = 'session';
  readonly phase = 'post_persist' as const;

  constructor(private readonly deps: SessionIssuerDeps) {}

  async run(ctx: HookContext): Promise<HookOutcome> {
    if (!ctx.identity || !ctx.authenticationMethod) return CONTINUE;
    const issued = await this.deps.sessions.issue(ctx.identity, ctx.authenticationMethod, clientInfo(ctx.req));
    ctx.issued = issued;
    ctx.session = issued.session;
    if (ctx.flow.type === 'browser') {
      this.deps.sessions.setCookie(ctx.reply, issued.token, issued.session);
      ctx.csrfToken = this.deps.rotateCsrf(ctx.reply);
    }
    return CONTINUE;
  }
}
