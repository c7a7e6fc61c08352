// Upper bounds on the cost parameters a stored or imported hash may declare. Verifying a hash
// runs the algorithm with the parameters written in the hash itself, so without these bounds an
// admin import (or a tampered row) could make every login attempt allocate gigabytes or burn the
// CPU for minutes. The numbers follow Kratos (hash/hash_limits.go) where Kratos has a bound; the
// ones marked "Tessera" are bounds Kratos does not enforce.
export const HASH_LIMITS = {
  /** Longest hash string accepted at all (Tessera). No real format comes near it. */
  maxHashLength: 1024,
  bcryptMinCost: 4,
  bcryptMaxCost: 15,
  /** argon2 m= is in KiB: 1 GiB. */
  argon2MaxMemoryKiB: 1 << 20,
  argon2MaxIterations: 10,
  argon2MaxParallelism: 16,
  pbkdf2MaxIterations: 10_000_000,
  /** scrypt N (written as `ln=` in Kratos's format, but it is N itself). */
  scryptMaxN: 1 << 17,
  scryptMaxR: 8,
  scryptMaxP: 10,
  /** Firebase scrypt writes log2(N) as `ln=`. */
  firebaseScryptMaxLogN: 17,
  /**
   * SHA-crypt rounds (Tessera). The algorithm itself allows 999,999,999; common generators use
   * 5,000 (glibc) to 1,000,000 (go-crypt's SHA-256 default), so 1,000,000 admits them all.
   */
  shaCryptMaxRounds: 1_000_000,
} as const;
