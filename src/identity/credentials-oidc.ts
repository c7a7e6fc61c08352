import { CipherError, type Cipher } from '../lib/cipher.js';
import type { Credentials } from './identity.js';

const TOKENS = ['initial_id_token', 'initial_access_token', 'initial_refresh_token'] as const;

/**
 * An `oidc` credential's config as the admin API reveals it with `include_credential=oidc`: the
 * provider tokens decrypted, as Kratos shows them. A token no configured key opens (a removed
 * `secrets.cipher` entry) is shown empty rather than as ciphertext.
 */
export function revealOidcConfig(c: Credentials, cipher: Cipher): Record<string, unknown> {
  const providers = c.config.providers;
  if (!Array.isArray(providers)) return c.config;
  return {
    ...c.config,
    providers: providers.map((p: Record<string, unknown>) => {
      const out = { ...p };
      for (const t of TOKENS) {
        if (typeof out[t] !== 'string') continue;
        try {
          out[t] = cipher.decrypt(out[t] as string);
        } catch (err) {
          if (!(err instanceof CipherError)) throw err;
          out[t] = '';
        }
      }
      return out;
    }),
  };
}
