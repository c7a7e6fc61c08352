import { CONTINUE, type Hook, type HookContext, type HookOutcome } from './hook.js';
import { sendVerificationForAddresses, type VerificationServices } from './verification.js';

/**
 * `verification`: sends a verification message to each unverified address of the identity (after
 * registration and login) or to each address a settings change added, and tells the client where to
 * enter the code (`continue_with: show_verification_ui`). Runs implicitly after registration and
 * settings when verification is enabled, as in Kratos; after login only when configured.
 */
export class VerifierHook implements Hook {
  readonly name = 'verification';
  readonly phase = 'post_persist' as const;

  constructor(private readonly services: VerificationServices) {}

  async run(ctx: HookContext): Promise<HookOutcome> {
    const identity = ctx.identity;
    if (!identity) return CONTINUE;
    // A step-up to a second factor is not a sign-in: nothing is sent again (as Kratos skips aal2 logins).
    if (ctx.kind === 'login' && ctx.authenticationMethod?.aal !== 'aal1') return CONTINUE;
    const before = ctx.previousIdentity ? new Set(ctx.previousIdentity.verifiable_addresses.map((a) => `${a.via}:${a.value}`)) : null;
    const addresses = identity.verifiable_addresses.filter((a) => !a.verified && (!before || !before.has(`${a.via}:${a.value}`)));
    if (addresses.length === 0) return CONTINUE;
    const entries = await sendVerificationForAddresses(identity, addresses, {
      req: ctx.req,
      reply: ctx.reply,
      type: ctx.flow.type,
      returnTo: ctx.flow.return_to,
      csrfToken: ctx.csrfToken ?? undefined,
      services: this.services,
      transientPayload: ctx.transientPayload,
    });
    ctx.continueWith.push(...entries);
    return CONTINUE;
  }
}

/** `show_verification_ui`: a browser goes to the verification UI of the address just sent a message. */
export class ShowVerificationUiHook implements Hook {
  readonly name = 'show_verification_ui';
  readonly phase = 'post_persist' as const;

  async run(ctx: HookContext): Promise<HookOutcome> {
    const entry = ctx.continueWith.find((c) => c.action === 'show_verification_ui');
    if (entry && entry.action === 'show_verification_ui' && entry.flow.url) ctx.browserRedirect = entry.flow.url;
    return CONTINUE;
  }
}
