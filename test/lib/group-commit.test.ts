import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommit } from '../../src/lib/group-commit.js';

test('items handed in during one event-loop turn are committed together, later ones by the next commit', { timeout: 10_000 }, async () => {
  const groups: number[][] = [];
  let release: (() => void) | null = null;
  const gc = new GroupCommit<number>(
    async (items) => {
      groups.push(items);
      // The second commit is held open, as a database round trip would be.
      if (groups.length === 2) await new Promise<void>((r) => (release = r));
    },
    () => assert.fail('no commit fails here'),
  );
  // An in-process database commits before the next I/O event: the first five still share one commit.
  const first = [1, 2, 3, 4, 5].map((n) => gc.add(n));
  await Promise.all(first);
  assert.deepEqual(groups, [[1, 2, 3, 4, 5]]);
  const second = gc.add(6);
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  const during = [7, 8].map((n) => gc.add(n));
  assert.deepEqual(groups, [[1, 2, 3, 4, 5], [6]], 'a commit under way takes no more items');
  release!();
  await Promise.all([second, ...during]);
  assert.deepEqual(groups, [[1, 2, 3, 4, 5], [6], [7, 8]]);
});

test('a failed commit is reported with its items, and their add calls still resolve', { timeout: 10_000 }, async () => {
  const reported: number[][] = [];
  const gc = new GroupCommit<number>(
    async () => {
      throw new Error('database away');
    },
    (_err, items) => void reported.push(items),
  );
  await Promise.all([gc.add(1), gc.add(2)]);
  assert.deepEqual(reported, [[1, 2]]);
});
