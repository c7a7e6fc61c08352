import type { Courier } from '../../courier/courier.js';
import type { Config } from '../../config/config.js';
import type { Identity } from '../../identity/identity.js';
import type { FlowService } from '../flow/service.js';
import type { VerificationRepositories, VerificationStrategy } from '../flows/verification/strategy.js';
import type { OneTimeSecretPool } from '../flow/one-time-secret.js';
import { CodeVerificationStrategy, type CodeVerificationDeps } from '../strategies/code/verification.js';
import { LinkVerificationStrategy } from '../strategies/link/verification.js';
import type { VerificationServices } from './verification.js';

/** The parts of the registry verification needs (the registry fits by shape). */
export interface VerificationRegistry {
  config: Config;
  flows: FlowService;
  csrf: VerificationServices['csrf'];
  courier: Courier;
  bruteForce: CodeVerificationDeps['limiter'];
  persister: { secrets: OneTimeSecretPool; transaction<T>(fn: (tx: VerificationRepositories) => Promise<T>): Promise<T> };
  renderIdentity(identity: Identity, admin: boolean): Record<string, unknown>;
}

/** Both verification strategies over one registry; `strategy()` picks the configured one. */
export function verificationStrategies(r: VerificationRegistry): { code: CodeVerificationStrategy; link: LinkVerificationStrategy; strategy(): VerificationStrategy } {
  const common = { secrets: r.persister.secrets, courier: r.courier, renderIdentity: r.renderIdentity, limiter: r.bruteForce };
  const code = new CodeVerificationStrategy({ ...common, config: r.config });
  const link = new LinkVerificationStrategy({ ...common, config: r.config });
  return { code, link, strategy: () => (r.config.values.selfservice.flows.verification.use === 'link' ? link : code) };
}

/**
 * What `sendVerificationForAddresses` needs, built from the registry. Settings build it once at
 * wiring time and pass it in each call's context.
 */
export function createVerificationServices(r: VerificationRegistry): VerificationServices {
  const { strategy } = verificationStrategies(r);
  return {
    flows: r.flows,
    csrf: r.csrf,
    strategy,
    enabled: () => r.config.flowEnabled('verification'),
    lifespanMs: () => r.config.flowLifespanMs('verification'),
    transaction: (fn) => r.persister.transaction(fn),
  };
}
