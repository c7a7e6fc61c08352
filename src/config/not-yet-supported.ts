// Keys the configuration schema accepts (so Kratos configurations load) whose behaviour Tessera
// does not have yet. A key set to a value that would need that behaviour stops start-up with its
// path; a key Kratos itself treats as a hint only gives a warning. Nothing is ignored silently.
import { CLAIMS_SOURCE_PROVIDER_TYPES, ID_TOKEN_PROVIDER_TYPES, OIDC_PROVIDER_TYPES } from './oidc-provider-types.js';
import type { TesseraConfig } from './types.js';

export interface NotYetSupported {
  segments: Array<string | number>;
  message: string;
}

const NOT_YET = 'is not supported by Tessera yet';

/** Settings that need behaviour Tessera lacks: each refuses start-up. */
export function notYetSupported(v: TesseraConfig): NotYetSupported[] {
  const out: NotYetSupported[] = [];
  const m = v.selfservice.methods;
  const refuse = (segments: Array<string | number>, what: string) => out.push({ segments, message: `${what} ${NOT_YET}; remove it or set it to its default` });
  refuseOidcParts(v, (segments, what) => out.push({ segments, message: `${what} ${NOT_YET}; remove it or disable the oidc method` }));
  if (m.password.config.migrate_hook.enabled) refuse(['selfservice', 'methods', 'password', 'config', 'migrate_hook', 'enabled'], 'the password migration hook');
  const f = v.selfservice.flows;
  if (f.registration.login_hints) refuse(['selfservice', 'flows', 'registration', 'login_hints'], 'login hints on duplicate registrations');
  return out;
}

/**
 * Social sign-in has the generic OpenID Connect provider (discovery, or configured endpoints) and
 * every named type of Kratos v1.3 (oidc-provider-types.ts). With the method on, provider keys
 * that need more, or that a type cannot use, are refused; with it
 * off, providers do nothing in Kratos either, so a Kratos file listing them still loads.
 */
function refuseOidcParts(v: TesseraConfig, refuse: (segments: Array<string | number>, what: string) => void): void {
  if (!v.selfservice.methods.oidc.enabled) return;
  const base = ['selfservice', 'methods', 'oidc', 'config', 'providers'];
  v.selfservice.methods.oidc.config.providers.forEach((p, i) => {
    const at = (...rest: string[]) => [...base, i, ...rest];
    if (!OIDC_PROVIDER_TYPES.includes(p.provider)) {
      refuse(at('provider'), `the ${JSON.stringify(p.provider)} social sign-in provider (use "generic" with the provider's issuer_url)`);
      return;
    }
    if (p.provider === 'generic' && p.issuer_url === undefined) refuse(at('issuer_url'), 'a generic provider without issuer_url (the issuer its ID tokens must name)');
    if ((p.auth_url === undefined) !== (p.token_url === undefined) && p.provider === 'generic') {
      refuse(at(p.auth_url === undefined ? 'token_url' : 'auth_url'), 'a generic provider with only one of auth_url and token_url (set both, or neither for discovery)');
    }
    if (p.provider === 'generic' && p.auth_url !== undefined && p.token_url !== undefined && p.claims_source === 'userinfo') {
      refuse(at('claims_source'), 'claims_source "userinfo" for a generic provider with auth_url and token_url (the user info endpoint comes from discovery)');
    }
    if ((p.provider === 'auth0' || p.provider === 'salesforce') && p.issuer_url === undefined) refuse(at('issuer_url'), `a ${p.provider} provider without issuer_url (the instance's address)`);
    if ((p.additional_id_token_audiences ?? []).length > 0 && !ID_TOKEN_PROVIDER_TYPES.includes(p.provider)) {
      refuse(at('additional_id_token_audiences'), `sign-in with an ID token a native app submits for provider type ${JSON.stringify(p.provider)} (Apple and Google have it)`);
    }
    if (p.claims_source === 'userinfo' && !CLAIMS_SOURCE_PROVIDER_TYPES.includes(p.provider)) {
      refuse(at('claims_source'), `claims_source "userinfo" for provider type ${JSON.stringify(p.provider)} (it reads the user from its own API)`);
    }
    if (p.organization_id !== undefined) refuse(at('organization_id'), 'organizations');
  });
}

/** Settings Kratos treats as hints, where Tessera behaves as documented instead: each gives a warning. */
export function notYetSupportedWarnings(v: TesseraConfig, explicitlySet: (segments: string[]) => boolean): string[] {
  const out: string[] = [];
  return out;
}
