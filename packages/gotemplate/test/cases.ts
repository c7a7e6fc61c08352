// Table-driven helpers for the conformance suite.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Template, sprigFuncMap } from '../src/index.js';
import type { FuncMap, TemplateOptions } from '../src/index.js';

export type Expect = string | { error: string } | { parseError: string };
/** [template, data, expected output or error substring] */
export type Case = [string, unknown, Expect];

export interface RunOptions extends TemplateOptions {
  funcs?: FuncMap;
  sprig?: boolean;
  option?: string[];
}

export function render(src: string, data: unknown, opts: RunOptions = {}): string {
  const t = new Template('t', opts);
  if (opts.sprig) t.funcs(sprigFuncMap());
  if (opts.funcs) t.funcs(opts.funcs);
  if (opts.option) t.option(...opts.option);
  return t.parse(src).execute(data);
}

export function runCases(group: string, cases: Case[], opts: RunOptions = {}) {
  cases.forEach(([src, data, want], i) => {
    test(`${group} #${i + 1}: ${src.length > 60 ? src.slice(0, 57) + '...' : src}`, () => {
      if (typeof want === 'string') {
        assert.equal(render(src, data, opts), want);
        return;
      }
      const sub = 'error' in want ? want.error : want.parseError;
      let out: string | undefined;
      try {
        out = render(src, data, opts);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        assert.ok(msg.includes(sub), `error ${JSON.stringify(msg)} should contain ${JSON.stringify(sub)}`);
        if ('parseError' in want) assert.equal((e as Error).name, 'ParseError');
        return;
      }
      assert.fail(`expected an error containing ${JSON.stringify(sub)}, got output ${JSON.stringify(out)}`);
    });
  });
}

export const err = (s: string) => ({ error: s });
export const perr = (s: string) => ({ parseError: s });
