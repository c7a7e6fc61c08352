import { KratosError } from '../../errors/kratos-error.js';

export interface ReturnToPolicy {
  /** `selfservice.allowed_return_urls` */
  allowed: readonly URL[];
  publicBase: URL;
  /** Relative `return_to` values are resolved against this (the default browser return URL). */
  defaultReturnTo: URL;
}

function hostAllowed(target: URL, allowed: URL): boolean {
  // URL.host includes a non-default port, so ports must match too.
  const a = allowed.host.toLowerCase();
  const t = target.host.toLowerCase();
  if (a.startsWith('*.')) return t.endsWith(a.slice(1)) && t.length > a.length - 1;
  return a === t;
}

function pathAllowed(target: URL, allowed: URL): boolean {
  const prefix = allowed.pathname || '/';
  if (prefix === '/' || target.pathname === prefix) return true;
  // Unlike a bare string prefix, "/app" does not admit "/application".
  return target.pathname.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}

/** Same scheme, same host (or subdomain for `*.` entries) and port, and a path under the entry's path. */
export function isAllowedReturnUrl(target: URL, p: ReturnToPolicy): boolean {
  if (target.username || target.password) return false;
  const candidates = [p.publicBase, p.defaultReturnTo, ...p.allowed];
  return candidates.some((a) => a.protocol === target.protocol && hostAllowed(target, a) && pathAllowed(target, a));
}

export const returnToForbidden = (target: string): KratosError =>
  new KratosError(400, { id: 'self_service_flow_return_to_forbidden', reason: `Requested return_to URL "${target}" is not allowed.` });

/**
 * Parses and checks a `return_to` value. Empty means none. A relative value is resolved against the
 * default return URL; anything not on the allow list is refused, so no redirect ever leaves it.
 */
export function checkReturnTo(raw: string | undefined | null, p: ReturnToPolicy): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  let u: URL;
  try {
    u = new URL(raw, p.defaultReturnTo);
  } catch {
    throw returnToForbidden(raw);
  }
  if (!isAllowedReturnUrl(u, p)) throw returnToForbidden(u.toString());
  return u.toString();
}
