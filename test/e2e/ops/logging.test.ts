import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/index.js';
import { createLogger, createRegistry } from '../../../src/registry/registry.js';
import { startServers } from '../../../src/http/server.js';
import { DEFAULT_REDACTION_TEXT, jsonLineToText } from '../../../src/lib/logger.js';
import { assertFetchMatchesApi } from '../../testkit/openapi.js';
import { fixture, freePort } from '../../testkit/server.js';

/** A server on dsn: memory whose log lines are collected; runs one request with a query string. */
async function logsOf(log: Record<string, unknown>, requestLog: { public?: boolean; admin?: boolean } = {}): Promise<string[]> {
  const lines: string[] = [];
  const [pub, adm] = [await freePort(), await freePort()];
  const config = await loadConfig({
    env: {},
    overrides: {
      dsn: 'memory',
      serve: {
        public: { host: '127.0.0.1', port: pub, request_log: { disable_for_health: requestLog.public ?? false } },
        admin: { host: '127.0.0.1', port: adm, request_log: { disable_for_health: requestLog.admin ?? false } },
      },
      identity: { schemas: [{ id: 'default', url: `file://${fixture('default.schema.json')}` }] },
      selfservice: { default_browser_return_url: 'http://127.0.0.1:4455/' },
      secrets: { default: ['test-secret-please-change-0123456789'] },
      log,
    },
  });
  const r = createRegistry(config, { logger: createLogger(config, { write: (l: string) => lines.push(l) }) });
  await r.database.migrate();
  const servers = await startServers(r);
  try {
    const res = await fetch(`http://127.0.0.1:${pub}/self-service/login/flows?id=6a1e4c55-1c4b-4b9e-9d3f-3e2f8d0c1a2b&token=secret-in-query`, { headers: { accept: 'application/json' } });
    await assertFetchMatchesApi('GET', res, 'public');
    for (const port of [pub, adm]) {
      for (const check of ['alive', 'ready']) await assertFetchMatchesApi('GET', await fetch(`http://127.0.0.1:${port}/health/${check}`), port === pub ? 'public' : 'admin');
    }
    r.logger.debug('a debug line');
  } finally {
    await servers.close();
    await r.close();
  }
  return lines;
}

describe('log.* settings', () => {
  test('log.format json (default): one JSON object a line; the query string is redacted with the default text', async () => {
    const lines = await logsOf({ level: 'info' });
    const request = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.msg === 'request');
    assert.ok(request, lines.join(''));
    assert.equal(request.url, '/self-service/login/flows');
    assert.equal(request.status, 404);
    assert.equal(request.query, DEFAULT_REDACTION_TEXT);
    assert.ok(!lines.join('').includes('secret-in-query'));
    assert.ok(!lines.join('').includes('a debug line'), 'log.level info hides debug lines');
  });

  test('log.format text: logfmt-style lines with time, level and msg first; redaction_text is used; log.level debug shows debug lines', async () => {
    const lines = await logsOf({ level: 'debug', format: 'text', redaction_text: '<hidden>' });
    assert.ok(lines.length > 0);
    for (const l of lines) assert.match(l, /^time="?\d{4}-\d\d-\d\dT[^ ]+ level=(trace|debug|info|warning|error|fatal) msg=/);
    const request = lines.find((l) => / msg=request /.test(l));
    assert.ok(request, lines.join(''));
    assert.match(request, / url=\/self-service\/login\/flows /);
    assert.match(request, / query=<hidden> /);
    assert.match(request, / status=404 /);
    assert.ok(lines.some((l) => / level=debug msg="a debug line"/.test(l)));
    assert.ok(!lines.join('').includes('secret-in-query'));
  });

  test('log.leak_sensitive_values: the query string is logged as sent', async () => {
    const lines = await logsOf({ leak_sensitive_values: true });
    const request = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.msg === 'request');
    assert.match(String(request?.query), /token=secret-in-query/);
  });

  test('serve.<api>.request_log.disable_for_health leaves out /health/* request lines of that API only', async () => {
    const health = (lines: string[], api: string) =>
      lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.msg === 'request' && e.api === api && String(e.url).startsWith('/health/'));
    const quiet = await logsOf({}, { public: true });
    assert.equal(health(quiet, 'public').length, 0);
    assert.equal(health(quiet, 'admin').length, 2);
    const loud = await logsOf({});
    assert.equal(health(loud, 'public').length, 2);
  });

  test('text lines quote values that need it and encode nested values as JSON', () => {
    const line = jsonLineToText(JSON.stringify({ level: 40, time: 0, msg: 'a "quoted" message', plain: 'x', spaced: 'a b', n: 3, nested: { a: [1] }, pid: 1, hostname: 'h' }));
    assert.equal(line, 'time=1970-01-01T00:00:00.000Z level=warning msg="a \\"quoted\\" message" plain=x spaced="a b" n=3 nested="{\\"a\\":[1]}"\n');
    assert.equal(jsonLineToText('not json\n'), 'not json\n');
  });
});
