// Checks a password hash given to the admin import API before it is stored, so that a stored hash
// is always one login can verify, at a bounded cost. Unlike Kratos, which parses only the formats
// with cost parameters at import, every format is parsed here, so a malformed hash of any kind is
// refused at import rather than failing every login afterwards.
import { parseHash } from './compare.js';
import type { HashFormat } from './compare.js';

export type ImportedHashCheck =
  | { ok: true; format: HashFormat }
  | { ok: false; problem: 'unknown_format' | 'malformed' | 'out_of_bounds'; reason: string };

export function validateImportedHash(hash: string): ImportedHashCheck {
  if (typeof hash !== 'string') {
    return { ok: false, problem: 'malformed', reason: 'The imported password hash must be a string.' };
  }
  const parsed = parseHash(hash);
  if (parsed.ok) return { ok: true, format: parsed.format };
  switch (parsed.problem) {
    case 'unknown_format':
      return { ok: false, problem: 'unknown_format', reason: 'The imported password does not match any known hash format.' };
    case 'out_of_bounds':
      return {
        ok: false,
        problem: 'out_of_bounds',
        reason:
          `The imported password hash declares cost parameters that exceed the bounds enforced by this server (${parsed.detail}). ` +
          'Re-hash the password with a more conservative configuration before importing.',
      };
    case 'malformed':
      return { ok: false, problem: 'malformed', reason: `The imported password hash could not be parsed (${parsed.detail}).` };
  }
}
