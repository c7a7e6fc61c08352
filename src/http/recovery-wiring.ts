import type { FastifyInstance } from 'fastify';
import type { Registry } from '../registry/registry.js';
import { recoveryAddressFinder } from '../persistence/recovery-address-finder.js';
import { registerRecoveryRoutes } from '../selfservice/flows/recovery/handler.js';
import { registerRecoveryAdminRoutes } from '../selfservice/flows/recovery/admin-handler.js';
import type { CreateSettingsFlow, RecoveryStrategy } from '../selfservice/flows/recovery/strategy.js';
import type { RecoverySenderDeps } from '../selfservice/flows/recovery/sender.js';
import { CodeRecoveryStrategy, recoveryCodeNodes } from '../selfservice/strategies/code/recovery.js';
import { LinkRecoveryStrategy, recoveryLinkUrl } from '../selfservice/strategies/link/recovery.js';
import { newCode, newLinkToken, secretDigest } from '../selfservice/flow/one-time-secret.js';

function senderDeps(r: Registry): RecoverySenderDeps {
  return {
    transaction: (fn) => r.persister.transaction(fn),
    identities: r.persister.identities,
    findRecoveryAddress: recoveryAddressFinder(r.database.db),
    courier: r.courier,
    renderIdentity: r.renderIdentity,
    secretKey: () => r.config.secretsDefault()[0]!,
    notifyUnknownRecipients: () => r.config.values.selfservice.flows.recovery.notify_unknown_recipients,
    limiter: r.bruteForce,
  };
}

/** The recovery method `selfservice.flows.recovery.use` names. */
export function recoveryStrategy(r: Registry): RecoveryStrategy {
  const base = { ...senderDeps(r), limiter: r.bruteForce, secrets: r.persister.secrets, flowPool: r.persister.flows };
  if (r.config.values.selfservice.flows.recovery.use === 'link') {
    return new LinkRecoveryStrategy({ ...base, lifespanMs: () => r.config.linkLifespanMs(), linkBaseUrl: () => r.config.linkBaseUrl() });
  }
  return new CodeRecoveryStrategy({ ...base, lifespanMs: () => r.config.codeLifespanMs() });
}

/**
 * Public recovery routes. `createSettingsFlow` opens the settings flow a recovered user lands on.
 */
export function registerRecovery(app: FastifyInstance, r: Registry, createSettingsFlow: CreateSettingsFlow): void {
  registerRecoveryRoutes(app, {
    flows: r.flows,
    flowPool: r.persister.flows,
    verifyCsrf: (req, submitted, token) => r.csrf.verify(req, submitted, token),
    sessions: r.sessions,
    identities: r.persister.identities,
    strategy: recoveryStrategy(r),
    enabled: () => r.config.flowEnabled('recovery'),
    afterHooks: () => r.config.hooks('recovery', 'after'),
    privilegedSessionMaxAgeMs: () => r.config.privilegedSessionMaxAgeMs(),
    continueWithTransitions: () => r.config.values.feature_flags.use_continue_with_transitions,
    createSettingsFlow,
  });
}

/** Admin recovery routes: `POST /admin/recovery/code` and `/admin/recovery/link`. */
export function registerRecoveryAdmin(app: FastifyInstance, r: Registry): void {
  const key = () => r.config.secretsDefault()[0]!;
  registerRecoveryAdminRoutes(app, {
    flows: r.flows,
    identities: r.persister.identities,
    transaction: (fn) => r.persister.transaction(fn),
    methods: {
      code: { lifespanMs: () => r.config.codeLifespanMs(), newSecret: newCode, digest: (s) => secretDigest(s, key()), nodes: recoveryCodeNodes },
      link: {
        lifespanMs: () => r.config.linkLifespanMs(),
        newSecret: newLinkToken,
        digest: (s) => secretDigest(s, key()),
        url: (flowId, token) => recoveryLinkUrl(r.config.publicBaseUrl(), flowId, token),
      },
    },
  });
}
