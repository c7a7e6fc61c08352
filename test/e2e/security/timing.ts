// A generous statistical comparison of two kinds of request, measured in interleaved pairs so that
// load on the machine affects both alike. Not a timing assertion: it only asks whether the
// difference between the two medians stays within the spread a shared test machine shows anyway.

export interface TimingComparison {
  comparable: boolean;
  medianA: number;
  medianB: number;
  /** Median of the paired differences a − b. */
  medianDiff: number;
  bound: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Runs `pair` `rounds` times (after a few warm-up rounds) and compares the two times it returns.
 * Comparable: the median paired difference is under half the overall median, or under 2 ms.
 */
export async function compareTimings(rounds: number, pair: (round: number) => Promise<[number, number]>): Promise<TimingComparison> {
  for (let i = 0; i < 5; i++) await pair(rounds + i);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const [x, y] = await pair(i);
    a.push(x);
    b.push(y);
  }
  const medianDiff = median(a.map((x, i) => x - b[i]!));
  const bound = Math.max(2, 0.5 * median([...a, ...b]));
  return { comparable: Math.abs(medianDiff) <= bound, medianA: median(a), medianB: median(b), medianDiff, bound };
}
