import type { FastifyInstance } from 'fastify';
import type { Registry } from '../registry/registry.js';
import { registerSettingsRoutes, type CreateSettingsFlowFor } from '../selfservice/flows/settings/handler.js';
import type { SettingsStrategy } from '../selfservice/flows/settings/strategy.js';
import { sendVerificationForAddresses, type VerificationServices } from '../selfservice/hooks/verification.js';
import { ProfileSettingsStrategy } from '../selfservice/strategies/profile/settings.js';
import { PasswordSettingsStrategy } from '../selfservice/strategies/password/settings.js';

/**
 * The settings flow with the profile method (always on) and the password method (when enabled).
 * A profile change that adds a verifiable address sends it a verification message. Returns the
 * factory the recovery flow uses to open a settings flow for a recovered session.
 */
export function registerSettings(app: FastifyInstance, r: Registry, verification: VerificationServices): CreateSettingsFlowFor {
  const c = r.config;
  const strategies: SettingsStrategy[] = [new ProfileSettingsStrategy({ schemas: r.schemas })];
  if (c.methodEnabled('password')) strategies.push(new PasswordSettingsStrategy({ schemas: r.schemas, hasher: r.hasher, policy: r.passwordPolicy }));
  return registerSettingsRoutes(app, {
    flows: r.flows,
    flowPool: r.persister.flows,
    csrf: r.csrf,
    sessions: r.sessions,
    identities: r.persister.identities,
    identityManager: r.identityManager,
    schemas: r.schemas,
    strategies,
    renderIdentity: r.renderIdentity,
    events: r.events,
    afterHooks: (method) => c.hooks('settings', 'after', method),
    privilegedSessionMaxAgeMs: () => c.privilegedSessionMaxAgeMs(),
    configuredReturnUrl: (method) => {
      const after = c.values.selfservice.flows.settings.after as Record<string, unknown> & { default_browser_return_url?: string };
      const raw = (after[method] as { default_browser_return_url?: string } | undefined)?.default_browser_return_url ?? after.default_browser_return_url;
      return raw ? c.resolvePublic(raw).toString() : null;
    },
    onVerifiableAddressesAdded: (identity, addresses, ctx) => sendVerificationForAddresses(identity, addresses, { ...ctx, services: verification }),
  });
}
