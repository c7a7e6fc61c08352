// Go-style durations ("1h30m", "500ms", "1.5h", "0s"), as Kratos configuration uses them.
// The grammar follows Go's time.ParseDuration: an optional sign, then one or more
// <decimal number><unit> pairs; a bare "0" is also accepted. Units: ns, us, µs, μs, ms, s, m, h.

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 micro sign
  'μs': 1e-3, // U+03BC greek small letter mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PAIR = /([0-9]*(?:\.[0-9]*)?)([a-z\u00B5\u03BC]+)/y; // µ (micro sign) and μ (Greek mu), escaped: see scripts/build.mjs on ASCII

export class DurationError extends Error {
  constructor(readonly input: string, reason: string) {
    super(`invalid duration ${JSON.stringify(input)}: ${reason}`);
    this.name = 'DurationError';
  }
}

/** Parses a Go duration string and returns milliseconds (fractional for sub-millisecond units). */
export function parseDuration(input: string): number {
  if (typeof input !== 'string') throw new DurationError(String(input), 'not a string');
  let s = input;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new DurationError(input, 'empty');
  let total = 0;
  PAIR.lastIndex = 0;
  while (PAIR.lastIndex < s.length) {
    const start = PAIR.lastIndex;
    const m = PAIR.exec(s);
    if (!m || m.index !== start) {
      throw new DurationError(input, `unexpected ${JSON.stringify(s.slice(start))}; expected a number followed by a unit (ns, us, ms, s, m, h)`);
    }
    const [, num, unit] = m as unknown as [string, string, string];
    if (num === '' || num === '.') throw new DurationError(input, `missing number before unit ${JSON.stringify(unit)}`);
    const factor = UNIT_MS[unit];
    if (factor === undefined) throw new DurationError(input, `unknown unit ${JSON.stringify(unit)}; use ns, us, ms, s, m or h`);
    total += Number(num) * factor;
  }
  if (!Number.isFinite(total)) throw new DurationError(input, 'out of range');
  return sign * total;
}

/** True when `input` is a valid Go duration that is not negative. */
export function isDuration(input: unknown): boolean {
  if (typeof input !== 'string') return false;
  try {
    return parseDuration(input) >= 0;
  } catch {
    return false;
  }
}

/**
 * Formats milliseconds as a compact Go duration that parseDuration reads back:
 * 5_400_000 → "1h30m", 500 → "500ms", 0 → "0s", 1.5 → "1ms500us".
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`cannot format ${ms} as a duration`);
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  let whole = Math.floor(abs);
  let subNs = Math.round((abs - whole) * 1e6);
  if (subNs >= 1_000_000) {
    whole += 1;
    subNs -= 1_000_000;
  }
  const parts: string[] = [];
  const split = (value: number, units: Array<[string, number]>): void => {
    let rest = value;
    for (const [unit, size] of units) {
      const n = Math.floor(rest / size);
      if (n > 0) {
        parts.push(`${n}${unit}`);
        rest -= n * size;
      }
    }
  };
  split(whole, [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]]);
  split(subNs, [['us', 1000], ['ns', 1]]);
  if (parts.length === 0) return '0s';
  return sign + parts.join('');
}
