import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testDatabases, type TestDatabase } from '../testkit/databases.js';
import { fixture } from '../testkit/server.js';
import { TestMailbox } from '../testkit/mailbox.js';
import { Database } from '../../src/persistence/database.js';
import { SqlCourierPersister } from '../../src/persistence/courier-persister.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'bin/tessera.js');
const TOTAL = 300;

// The persistence-dependent part (claims, leases) is what this exercises; one real database suffices
// per run, with PostgreSQL preferred when configured because it is the multi-worker production case.
const factory = testDatabases().find((f) => f.name === 'postgres') ?? testDatabases()[0]!;

describe(`a courier worker killed mid-batch loses nothing (${factory.name})`, () => {
  let dir: string;
  let tdb: TestDatabase;
  let db: Database;
  let mailbox: TestMailbox;
  const children: ChildProcess[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-crash-'));
    tdb = await factory.create();
    db = new Database(tdb.dsn);
    await db.migrate();
    mailbox = await new TestMailbox().start();
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await db?.close();
    await tdb?.drop();
    await mailbox?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function watch(config: string): ChildProcess {
    const child = spawn(process.execPath, [bin, 'courier', 'watch', '-c', config], { cwd: root, env: { PATH: process.env.PATH ?? '' }, stdio: 'ignore' });
    children.push(child);
    return child;
  }

  test('every message is delivered after SIGKILL and a restart', async () => {
    const queue = new SqlCourierPersister(db.db, db.dialect);
    const ids: string[] = [];
    for (let i = 0; i < TOTAL; i++) {
      ids.push((await queue.enqueue({ type: 'email', channel: 'email', recipient: `crash${i}@example.com`, template_type: 'stub', template_data: { To: `crash${i}@example.com`, Subject: `m${i}`, Body: 'x' } }, new Date())).id);
    }
    const config = join(dir, 'tessera.yml');
    writeFileSync(
      config,
      [
        `dsn: ${tdb.dsn}`,
        'identity: { default_schema_id: default, schemas: [{ id: default, url: "file://' + fixture('default.schema.json') + '" }] }',
        'selfservice: { default_browser_return_url: "http://127.0.0.1:4455/" }',
        'secrets: { default: ["a-test-secret-of-enough-length"] }',
        'log: { level: error }',
        `courier: { smtp: { connection_uri: "${mailbox.connectionUri}" }, worker: { pull_count: 20, pull_wait: 50ms, concurrency: 4 } }`,
      ].join('\n'),
    );

    const first = watch(config);
    const until = Date.now() + 30_000;
    while (mailbox.received.length < 40 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.ok(mailbox.received.length >= 40, 'the first worker got going');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const beforeRestart = mailbox.received.length;
    assert.ok(beforeRestart < TOTAL, 'killed before the queue was drained');

    // Messages the dead worker held come back once their lease runs out; make that now for the test.
    await db.db.updateTable('courier_messages').set({ lease_until: db.dialect.toTime(new Date(Date.now() - 1000)) }).where('status', '=', 'processing').execute();
    const second = watch(config);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const pending = await db.db.selectFrom('courier_messages').select((eb) => eb.fn.countAll().as('n')).where('status', '!=', 'sent').executeTakeFirstOrThrow();
      if (Number(pending.n) === 0) break;
      assert.ok(Date.now() < deadline, `${pending.n} messages still not sent`);
      await new Promise((r) => setTimeout(r, 100));
    }
    second.kill('SIGTERM');
    const code = await new Promise((r) => second.once('exit', r));
    assert.equal(code, 0, 'a graceful stop exits cleanly');

    const delivered = new Set(mailbox.received.map((m) => m.to));
    for (let i = 0; i < TOTAL; i++) assert.ok(delivered.has(`crash${i}@example.com`), `crash${i} delivered`);
    // At most the messages in flight at the kill may arrive twice; they share a Message-ID for de-duplication.
    const byId = new Map<string, number>();
    for (const m of mailbox.received) byId.set(m.messageId, (byId.get(m.messageId) ?? 0) + 1);
    assert.equal(byId.size, TOTAL);
    assert.ok(mailbox.received.length - TOTAL <= 4 * 2, `duplicates only for messages in flight (${mailbox.received.length - TOTAL})`);
  });
});
