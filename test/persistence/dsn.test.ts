import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDsn, redactDsn, DsnError, isInMemory } from '../../src/persistence/dsn.js';

test('memory and sqlite DSNs', () => {
  assert.equal(parseDsn('memory').dialect, 'sqlite');
  assert.equal(parseDsn('memory').file, ':memory:');
  const f = parseDsn('sqlite:///tmp/x/db.sqlite?_fk=true');
  assert.equal(f.dialect, 'sqlite');
  assert.equal(f.file, '/tmp/x/db.sqlite');
});

test('every in-memory SQLite form Kratos accepts is recognised, and files are not', () => {
  for (const dsn of ['memory', 'sqlite://:memory:', 'sqlite://:memory:?_fk=true', 'sqlite://file::memory:?_fk=true', 'sqlite://file::memory:?_fk=true&cache=shared', 'file::memory:?cache=shared', 'sqlite://foo.db?mode=memory&_fk=true']) {
    assert.ok(isInMemory(parseDsn(dsn)), dsn);
  }
  for (const dsn of ['sqlite:///tmp/x/db.sqlite?_fk=true', 'sqlite://./memory.db', 'postgres://h/db']) assert.ok(!isInMemory(parseDsn(dsn)), dsn);
});

test('cockroach maps to the PostgreSQL dialect and pool parameters are read and stripped', () => {
  const d = parseDsn('cockroach://root@localhost:26257/defaultdb?sslmode=disable&max_conns=7&max_idle_conns=3&connect_timeout=5');
  assert.equal(d.dialect, 'postgres');
  assert.equal(d.pool.maxConnections, 7);
  assert.equal(d.pool.maxIdleConnections, 3);
  assert.equal(d.pool.connectTimeout, 5000);
  assert.match(d.url, /^postgres:\/\//);
  assert.doesNotMatch(d.url, /max_conns|connect_timeout/);
  assert.match(d.url, /sslmode=disable/);
});

test('mysql DSN', () => {
  const d = parseDsn('mysql://root:secret@127.0.0.1:3306/test?max_conns=2&connect_timeout=2s');
  assert.equal(d.dialect, 'mysql');
  assert.equal(d.pool.maxConnections, 2);
  assert.equal(d.pool.connectTimeout, 2000);
});

test('bad DSNs are refused with a reason', () => {
  assert.throws(() => parseDsn('oracle://x'), DsnError);
  assert.throws(() => parseDsn('no-scheme'), DsnError);
  assert.throws(() => parseDsn('postgres://h/db?max_conns=abc'), /max_conns/);
  assert.throws(() => parseDsn('postgres://h/db?max_conns=0'), /at least 1/);
});

test('passwords are redacted for logs', () => {
  assert.equal(redactDsn('postgres://u:hunter2@h:5432/db'), 'postgres://u:***@h:5432/db');
  assert.doesNotMatch(redactDsn('mysql://root:p%40ss@h/db'), /p%40ss/);
});
