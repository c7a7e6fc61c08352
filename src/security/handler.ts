import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notFound } from '../errors/kratos-error.js';
import type { Identity } from '../identity/identity.js';
import type { IdentityPool } from '../identity/pool.js';
import { isUuid } from '../lib/ids.js';
import type { AccountLockState, BruteForceLimiter } from './brute-force-limiter.js';

export interface LockoutAdminDeps {
  identities: Pick<IdentityPool, 'getIdentity'>;
  limiter: Pick<BruteForceLimiter, 'accountState' | 'clearAccounts'>;
}

type Params = { Params: { id: string } };

/** The identifiers an identity signs in with; each has its own failure counter. */
/**
 * The identifiers an identity's failure counters are kept under: its credentials' identifiers,
 * and its id when it has a second factor (all second factors share one counter under the identity
 * id, whatever identifiers their credentials carry: a security key's follow the schema).
 */
const SECOND_FACTORS = ['totp', 'lookup_secret', 'webauthn'] as const;
const signInIdentifiers = (identity: Identity): string[] => {
  const ids = Object.values(identity.credentials).flatMap((c) => c?.identifiers ?? []);
  if (SECOND_FACTORS.some((t) => identity.credentials[t])) ids.push(identity.id);
  return [...new Set(ids)].sort();
};

function stateJson(identifier: string, s: AccountLockState): Record<string, unknown> {
  return {
    identifier,
    failures: s.failures,
    locked: s.locked,
    permanent: s.permanent,
    locked_until: s.lockedUntil?.toISOString() ?? null,
    last_failure_at: s.lastFailureAt?.toISOString() ?? null,
  };
}

/**
 * Tessera's lockout admin API: `GET /admin/identities/{id}/lockout` shows the failure counters of
 * an identity's sign-in identifiers, `DELETE` clears them (the account can sign in at once).
 */
export function registerLockoutAdminRoutes(app: FastifyInstance, deps: LockoutAdminDeps): void {
  async function load(req: FastifyRequest<Params>): Promise<Identity> {
    const id = req.params.id;
    const identity = isUuid(id) ? await deps.identities.getIdentity(id.toLowerCase(), { withCredentials: true }) : null;
    if (!identity) throw notFound('Unable to locate the resource');
    return identity;
  }

  app.get('/admin/identities/:id/lockout', async (req: FastifyRequest<Params>) => {
    const identity = await load(req);
    const identifiers = await Promise.all(signInIdentifiers(identity).map(async (i) => stateJson(i, await deps.limiter.accountState(i))));
    return { identity_id: identity.id, locked: identifiers.some((i) => i.locked === true), identifiers };
  });

  app.delete('/admin/identities/:id/lockout', async (req: FastifyRequest<Params>, reply) => {
    const identity = await load(req);
    await deps.limiter.clearAccounts(signInIdentifiers(identity));
    return reply.code(204).send();
  });
}
