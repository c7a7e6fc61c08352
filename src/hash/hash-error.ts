/** Why a hash could not be used: it is not well formed, or it declares costs above HASH_LIMITS. */
export type HashProblem = 'malformed' | 'out_of_bounds';

/** Thrown by the format parsers; callers turn it into `false` (login) or a 400 reason (import). */
export class HashParseError extends Error {
  readonly problem: HashProblem;

  constructor(problem: HashProblem, message: string) {
    super(message);
    this.name = 'HashParseError';
    this.problem = problem;
  }
}

export function malformed(message: string): HashParseError {
  return new HashParseError('malformed', message);
}

export function outOfBounds(message: string): HashParseError {
  return new HashParseError('out_of_bounds', message);
}
