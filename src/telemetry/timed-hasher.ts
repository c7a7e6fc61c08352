import type { Hasher } from '../hash/hasher.js';
import type { Metrics } from './metrics.js';

/** The configured hasher, with the time of each new hash recorded in `tessera_password_hashing_seconds`. */
export function timedHasher(hasher: Hasher, metrics: Metrics): Hasher {
  return {
    algorithm: hasher.algorithm,
    understands: (hash) => hasher.understands(hash),
    hash: async (password) => {
      const started = performance.now();
      try {
        return await hasher.hash(password);
      } finally {
        metrics.passwordHashed(hasher.algorithm, (performance.now() - started) / 1000);
      }
    },
  };
}
