import type { FlowHooks, HookExecutor } from './executor.js';
import { CONTINUE, type Hook, type HookContext, type HookOutcome, type HookPhase } from './hook.js';

/**
 * The login hooks of social sign-in (`selfservice.flows.login.after[.oidc].hooks`) run on a first
 * social sign-in too, which is a registration (Kratos #4172), for the providers that opt in
 * (`tessera.oidc.providers.<id>.login_hooks_on_sign_up`). They run after the registration's own
 * hooks of the same phase: a pre-persist login hook that refuses stops the sign-up; post-persist
 * ones see the stored identity and the session the `session` hook issued.
 */
export class FirstSocialSignInLoginHooks implements Hook {
  readonly name = 'login_hooks_on_sign_up';

  constructor(
    readonly phase: Exclude<HookPhase, 'before'>,
    private readonly login: HookExecutor,
    private readonly optedIn: (providerId: string) => boolean,
  ) {}

  async run(ctx: HookContext): Promise<HookOutcome> {
    const provider = ctx.authenticationMethod?.provider;
    if (ctx.method !== 'oidc' || typeof provider !== 'string' || !this.optedIn(provider)) return CONTINUE;
    return this.login.after(this.phase, ctx);
  }
}

/** The registration hooks with the login hooks of a first social sign-in added to the `oidc` ones. */
export function withFirstSocialSignInLoginHooks(registration: FlowHooks, login: HookExecutor, optedIn: (providerId: string) => boolean): FlowHooks {
  const added = [new FirstSocialSignInLoginHooks('pre_persist', login, optedIn), new FirstSocialSignInLoginHooks('post_persist', login, optedIn)];
  return {
    before: registration.before,
    after: (method) => (method === 'oidc' ? [...registration.after(method), ...added] : registration.after(method)),
  };
}
