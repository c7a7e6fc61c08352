import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PollLoop } from '../../src/lib/poll-loop.js';

test('a loop whose rounds fail (the database is away) reports once, keeps trying and resumes', async () => {
  let calls = 0;
  const errors: unknown[] = [];
  let resumed!: () => void;
  const done = new Promise<void>((r) => (resumed = r));
  const loop = new PollLoop(
    async () => {
      calls += 1;
      if (calls <= 2) throw new Error('connect ECONNREFUSED');
      resumed();
      return 0;
    },
    10,
    (err) => errors.push(err),
  );
  loop.start();
  await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error('the loop did not resume')), 20_000))]);
  await loop.stop();
  assert.equal(errors.length, 1, 'one report for the whole outage');
  assert.ok(calls >= 3);
});
