import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BatchedLines, createLogger, logRedactor } from '../../src/lib/logger.js';

test('the redactor replaces named fields at the top and one level down, and credential headers of a logged request', () => {
  const redact = logRedactor(['password', 'identifier', 'query'], 'X');
  const entry = {
    msg: 'x',
    identifier: 'a@example.com',
    query: 'code=123456',
    flow: { id: 'f', identifier: 'b@example.com', deeper: { identifier: 'kept two levels down' } },
    req: { method: 'GET', headers: { authorization: 'Bearer t', cookie: 'c=1', 'x-session-token': 's', accept: '*/*' } },
    list: [{ password: 'arrays are not walked' }],
    absent: undefined,
  };
  const before = structuredClone(entry);
  const out = redact(entry);
  assert.deepEqual(out, {
    msg: 'x',
    identifier: 'X',
    query: 'X',
    flow: { id: 'f', identifier: 'X', deeper: { identifier: 'kept two levels down' } },
    req: { method: 'GET', headers: { authorization: 'X', cookie: 'X', 'x-session-token': 'X', accept: '*/*' } },
    list: [{ password: 'arrays are not walked' }],
    absent: undefined,
  });
  assert.deepEqual(entry, before, "the caller's objects are left as they were");
  const clean = { msg: 'nothing to hide', status: 200, nested: { ms: 1 } };
  assert.equal(redact(clean), clean, 'an entry without sensitive fields is passed through without a copy');
});

test('the logger writes redacted lines; leak_sensitive_values keeps personal data but never passwords', () => {
  const lines: string[] = [];
  const destination = { write: (l: string) => void lines.push(l) };
  createLogger({ level: 'info', format: 'json', leakSensitiveValues: false, redactionText: '', destination }).info({ identifier: 'a@example.com', password: 'p', flow: { traits: { email: 'a@example.com' } } }, 'hello');
  createLogger({ level: 'info', format: 'json', leakSensitiveValues: true, redactionText: '<r>', destination }).info({ identifier: 'a@example.com', password: 'p' }, 'hello');
  const [redacted, leaked] = lines.map((l) => JSON.parse(l) as Record<string, any>);
  assert.match(redacted!.identifier, /^\[sensitive value redacted/);
  assert.match(redacted!.password, /^\[sensitive value redacted/);
  assert.match(redacted!.flow.traits, /^\[sensitive value redacted/);
  assert.equal(redacted!.msg, 'hello');
  assert.equal(leaked!.identifier, 'a@example.com');
  assert.equal(leaked!.password, '<r>');
});

test('lines go out together in one write, in order, within the delay; a large batch and flushSync write at once', async () => {
  const writes: string[] = [];
  const lines = new BatchedLines({ write: (t: string) => void writes.push(t) }, 20);
  lines.write('a\n');
  await new Promise((resolve) => setImmediate(resolve));
  lines.write('b\n');
  lines.write('c\n');
  assert.deepEqual(writes, [], 'nothing is written before the delay, even in a later turn');
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.deepEqual(writes, ['a\nb\nc\n']);
  lines.write('d\n');
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.deepEqual(writes, ['a\nb\nc\n', 'd\n'], 'a later batch is written on its own');
  lines.write('e\n');
  lines.flushSync();
  assert.deepEqual(writes.at(-1), 'e\n', 'flushSync writes what is pending at once');
  const big = `${'x'.repeat(40 * 1024)}\n`;
  lines.write(big);
  assert.equal(writes.length, 3, 'below 64 KB the batch waits');
  lines.write(big);
  assert.deepEqual(writes.at(-1), big + big, 'from 64 KB pending the batch is written at once');
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.equal(writes.length, 4, 'and its timer does not write again');
});

test('the process logger loses no pending line when the process exits, crashes or runs out of work', () => {
  const logger = new URL('../../src/lib/logger.ts', import.meta.url).href;
  const run = (format: string, tail: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `import { createLogger } from '${logger}'; const log = createLogger({ level: 'info', format: '${format}', leakSensitiveValues: false, redactionText: '' }); for (let i = 0; i < 3; i++) log.info({ n: i }, 'line'); ${tail}`], { encoding: 'utf8', timeout: 60_000 });
  for (const [how, tail, status] of [
    ['process.exit', 'process.exit(3);', 3],
    ['an uncaught exception', "throw new Error('boom');", 1],
    ['an uncaught exception in a later turn', "setImmediate(() => { throw new Error('boom'); });", 1],
    ['the end of its work', '', 0],
  ] as const) {
    const json = run('json', tail);
    assert.equal(json.status, status, json.stderr);
    assert.deepEqual(json.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { n: number }).n), [0, 1, 2], `JSON lines after ${how}`);
    const text = run('text', tail);
    assert.equal(text.status, status, text.stderr);
    assert.deepEqual(text.stdout.trim().split('\n').map((l) => /\bn=(\d)/.exec(l)?.[1]), ['0', '1', '2'], `text lines after ${how}`);
  }
});
