import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import type { HookConfig, SelfServiceFlowName, WebHookConfig } from '../../config/types.js';
import type { SessionManager } from '../../session/manager.js';
import type { SecurityEvents } from '../../telemetry/events.js';
import type { FlowKind } from '../flow/flow.js';
import { HookExecutor, type FlowHooks } from './executor.js';
import { NotifyPreviousAddressesHook, type NotifyPreviousAddressesDeps, type NotifyRecipients } from './notify-previous-addresses.js';
import type { Hook, HookContext } from './hook.js';
import { RequireVerifiedAddressHook } from './require-verified-address.js';
import { RevokeActiveSessionsHook } from './revoke-active-sessions.js';
import { SessionIssuerHook } from './session-issuer.js';
import type { VerificationServices } from './verification.js';
import { ShowVerificationUiHook, VerifierHook } from './verifier.js';

export interface HookDeps {
  sessions: SessionManager;
  rotateCsrf(reply: HookContext['reply']): string;
  verification: VerificationServices;
  /** Audit events of what hooks do. */
  events: Pick<SecurityEvents, 'sessionsRevoked'>;
  /** Builds a `web_hook` for a position of a flow. */
  webHook(kind: FlowKind, position: 'before' | 'after', config: WebHookConfig): Hook;
  /** Queues the notices of `notify_previous_addresses`. */
  notices: NotifyPreviousAddressesDeps;
}

/** The one switch from a configured hook name to the object that runs it. */
export function createHook(kind: FlowKind, position: 'before' | 'after', cfg: HookConfig, deps: HookDeps): Hook {
  switch (cfg.hook) {
    case 'session':
      return new SessionIssuerHook({ sessions: deps.sessions, rotateCsrf: deps.rotateCsrf });
    case 'revoke_active_sessions':
      return new RevokeActiveSessionsHook(deps.sessions.pool, deps.events);
    case 'require_verified_address':
      return new RequireVerifiedAddressHook();
    case 'verification':
      return new VerifierHook(deps.verification);
    case 'show_verification_ui':
      return new ShowVerificationUiHook();
    case 'web_hook':
      return deps.webHook(kind, position, cfg.config);
    case 'notify_previous_addresses':
      return new NotifyPreviousAddressesHook(deps.notices, (cfg.config?.recipients as NotifyRecipients | undefined) ?? 'removed');
  }
}

/** The methods whose `after.<method>` keys a flow's configuration may hold. */
const AFTER_METHODS: Record<SelfServiceFlowName, readonly string[]> = {
  login: ['password', 'oidc', 'code', 'totp', 'lookup_secret', 'webauthn', 'passkey'],
  registration: ['password', 'oidc', 'code', 'webauthn', 'passkey'],
  settings: ['password', 'profile', 'oidc', 'totp', 'lookup_secret', 'webauthn', 'passkey'],
  recovery: [],
  verification: [],
};

/**
 * A flow's hooks from the configuration, built once. A method's `after.<method>.hooks` replaces the
 * flow's `after.hooks` for that method (Kratos's rule); since this surprises many, a warning names
 * each flow where both are set. The implicit hooks are added as Kratos adds them: the session issuer
 * runs first after registration (so later hooks see the session), then verification when enabled.
 */
export function flowHooksFromConfig(kind: SelfServiceFlowName, config: Config, deps: HookDeps, logger: Logger): FlowHooks {
  const before = config.hooks(kind, 'before').map((h) => createHook(kind, 'before', h, deps));
  const generic = config.hooks(kind, 'after');
  const overriding = AFTER_METHODS[kind].filter((m) => config.hooks(kind, 'after', m) !== generic && config.hooks(kind, 'after', m).length > 0);
  if (generic.length > 0 && overriding.length > 0) {
    logger.warn(
      { flow: kind, methods: overriding },
      `selfservice.flows.${kind}.after.hooks do not run for ${overriding.join(', ')}: the hooks under selfservice.flows.${kind}.after.<method>.hooks replace them for that method; repeat the generic hooks there to run both`,
    );
  }
  const verificationImplicit = () => (kind === 'registration' || kind === 'settings') && config.flowEnabled('verification');
  const build = (configured: HookConfig[]): Hook[] => {
    const hooks = configured.map((h) => createHook(kind, 'after', h, deps));
    const implicit = verificationImplicit();
    const session = hooks.filter((h) => h.name === 'session');
    const rest = hooks.filter((h) => h.name !== 'session' && !(implicit && h.name === 'verification'));
    return [...session, ...(implicit ? [new VerifierHook(deps.verification)] : []), ...rest];
  };
  // Built once per configured list; a configuration replaced at run time (tests do) is picked up.
  const built = new WeakMap<HookConfig[], Hook[]>();
  const empty: HookConfig[] = [];
  const after = (method: string | null): Hook[] => {
    const configured = config.hooks(kind, 'after', method ?? undefined);
    const key = configured.length === 0 ? empty : configured;
    let hooks = built.get(key);
    if (!hooks) built.set(key, (hooks = build(key)));
    return hooks;
  };
  // Built at start so a bad hook configuration stops start-up, not the first sign-in.
  for (const m of [null, ...AFTER_METHODS[kind]]) after(m);
  return { before, after };
}

export function hookExecutor(kind: SelfServiceFlowName, config: Config, deps: HookDeps, logger: Logger): HookExecutor {
  return new HookExecutor(kind, flowHooksFromConfig(kind, config, deps, logger));
}
