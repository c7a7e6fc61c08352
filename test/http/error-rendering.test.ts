import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { installErrorHandling } from '../../src/http/kit/errors.js';
import { isDatabaseUnavailable } from '../../src/errors/storage.js';

async function appThrowing(err: unknown) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)));
      cb();
    },
  });
  const app = Fastify({ loggerInstance: pino({ level: 'warn' }, sink) as FastifyBaseLogger });
  installErrorHandling(app);
  app.get('/', async () => {
    throw err;
  });
  const res = await app.inject({ method: 'GET', url: '/' });
  await app.close();
  return { res, lines };
}

test('a connection-level database failure is a 503 in the Kratos envelope, logged as such', async () => {
  const refused = Object.assign(new AggregateError([Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })]), { code: 'ECONNREFUSED' });
  for (const err of [refused, Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }), new Error('Connection terminated unexpectedly'), Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST' })]) {
    const { res, lines } = await appThrowing(err);
    assert.equal(res.statusCode, 503, (err as Error).message);
    assert.equal(res.json().error.code, 503);
    assert.equal(res.json().error.status, 'Service Unavailable');
    assert.equal(res.headers['retry-after'], '5');
    assert.equal(lines.at(-1)!.msg, 'request failed: the database is unavailable');
  }
});

test('a statement error stays a 500, logged with its class and message', async () => {
  const { res, lines } = await appThrowing(new TypeError('cannot read properties of undefined'));
  assert.equal(res.statusCode, 500);
  assert.deepEqual(Object.keys(res.json().error).sort(), ['code', 'message', 'status']);
  const line = lines.at(-1)!;
  assert.equal(line.error_class, 'TypeError');
  assert.equal(line.error_message, 'cannot read properties of undefined');
  assert.equal(isDatabaseUnavailable(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' })), false);
  assert.equal(isDatabaseUnavailable(Object.assign(new Error('syntax error'), { code: '42601' })), false);
  assert.equal(isDatabaseUnavailable(Object.assign(new Error('connection failure'), { code: '08006' })), true);
});
