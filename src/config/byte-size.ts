// Byte sizes as Kratos writes them in `hashers.argon2.memory` ("128MB", "1GB").
// Units are binary multiples, as in the Go library Kratos uses: 1KB = 1024 B.

const UNITS: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  TB: 1024 ** 4,
  PB: 1024 ** 5,
  EB: 1024 ** 6,
};

const BYTE_SIZE = /^([0-9]+(?:\.[0-9]+)?)\s*([kmgtpe]?b)$/i;

/** Parses "128MB" → 134217728. Throws on anything else. */
export function parseByteSize(input: string): number {
  const m = typeof input === 'string' ? BYTE_SIZE.exec(input.trim()) : null;
  if (!m) throw new Error(`invalid byte size ${JSON.stringify(input)}: expected a number and a unit (B, KB, MB, GB, TB, PB, EB), e.g. 128MB`);
  const unit = UNITS[(m[2] as string).toUpperCase()] as number;
  return Math.round(Number(m[1]) * unit);
}

export function isByteSize(input: unknown): boolean {
  return typeof input === 'string' && BYTE_SIZE.test(input.trim());
}
