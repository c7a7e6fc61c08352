// Things some suites need that a fresh clone does not have: Kratos's reference data beside the
// checkout, Debian's Chromium, a PostgreSQL or MySQL server. Without one, the suite that needs it
// says plainly that it did not run and why, and the run still passes; under CI=true (how .ci/run
// runs) each of them is mandatory and a missing one fails the run.
//
// Each report is also appended to the file named by TESSERA_TEST_NOT_RUN, which scripts/test.mjs
// reads to print a summary at the end of `npm test`.
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export type OutsideThing = 'Kratos reference data' | 'Chromium' | 'PostgreSQL' | 'MySQL';

const root = fileURLToPath(new URL('../../', import.meta.url));
const reported = new Set<string>();

/** Whether missing outside things fail the run (CI=true, as GitHub Actions and .ci/run set it). */
export function outsideThingsRequired(): boolean {
  return /^(1|true)$/i.test(process.env.CI ?? '');
}

/** The test file this process runs (node:test runs each file in its own process). */
function suiteName(): string {
  const file = process.argv[1] ?? 'unknown';
  return file.startsWith(root) ? relative(root, file) : file;
}

/**
 * Call when `thing` is missing. Under CI=true this throws, so the suite fails; otherwise it prints
 * and records that `what` (default: the whole suite) did not run, and returns the reason, ready for
 * node:test's `skip` option.
 */
export function notRun(thing: OutsideThing, why: string, what = 'suite'): string {
  const reason = `${thing} not available (${why})`;
  if (outsideThingsRequired()) throw new Error(`${reason}; CI=true requires it`);
  const suite = suiteName();
  const key = `${thing}\0${suite}\0${what}`;
  if (!reported.has(key)) {
    reported.add(key);
    process.stderr.write(`# NOT RUN: ${suite}: ${what === 'suite' ? 'the suite' : what} did not run: ${reason}\n`);
    const log = process.env.TESSERA_TEST_NOT_RUN;
    if (log) appendFileSync(log, JSON.stringify({ thing, why, suite, what }) + '\n');
  }
  return reason;
}
