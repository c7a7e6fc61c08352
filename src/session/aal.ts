import type { Aal, AuthenticationMethod } from './session.js';

/**
 * The assurance level a set of completed methods gives, as Kratos computes it: a first factor and a
 * second factor make aal2; first factors alone (however many) make aal1; nothing is aal0.
 */
export function assuranceLevel(methods: readonly AuthenticationMethod[]): Aal {
  if (methods.length === 0) return 'aal0';
  const first = methods.some((m) => m.aal === 'aal1');
  const second = methods.some((m) => m.aal === 'aal2' || m.aal === 'aal3');
  return first && second ? 'aal2' : 'aal1';
}
