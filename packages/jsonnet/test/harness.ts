/** Table-driven conformance helpers: each case is a program with its exact output or error. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateSnippet, type EvaluateOptions } from '../src/index.js';

export interface Case {
  /** the program */
  code: string;
  /** exact JSON text `jsonnet` prints (without the final newline) */
  out?: string;
  /** exact first line of the error message */
  err?: string;
  opts?: EvaluateOptions;
}

export function runCases(title: string, cases: Case[]): void {
  test(`${title} (${cases.length} programs)`, () => {
    const failures: string[] = [];
    for (const c of cases) {
      let got: string;
      try {
        got = evaluateSnippet(c.code, { trace: () => {}, ...c.opts });
      } catch (e) {
        const first = (e as Error).message.split('\n')[0];
        if (c.err === undefined) failures.push(`${c.code}\n  expected output ${JSON.stringify(c.out)}\n  got error ${first}`);
        else if (first !== c.err) failures.push(`${c.code}\n  expected error ${c.err}\n  got error    ${first}`);
        continue;
      }
      if (c.out === undefined) failures.push(`${c.code}\n  expected error ${c.err}\n  got output ${JSON.stringify(got)}`);
      else if (got !== c.out + '\n') failures.push(`${c.code}\n  expected ${JSON.stringify(c.out)}\n  got      ${JSON.stringify(got)}`);
    }
    assert.equal(failures.length, 0, `${failures.length} of ${cases.length} failed:\n\n${failures.join('\n\n')}`);
  });
}
