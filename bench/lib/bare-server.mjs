// The footprint baseline: a bare Fastify app with better-sqlite3 on the same SQLite file, plain
// JavaScript (no TypeScript loader), answering /health/ready with a query and the session lookup
// whoami starts with. What any Node identity server on this stack costs at least.
// Usage: node bench/lib/bare-server.mjs <sqlite file> <port>
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import Fastify from 'fastify';

const [file, port] = process.argv.slice(2);
const db = new Database(file);
const ping = db.prepare('select 1 as ok');
const byTokenHash = db.prepare('select * from sessions where token_hash = ?');
const app = Fastify();
app.get('/health/ready', async () => (ping.get() ? { status: 'ok' } : { status: 'down' }));
app.get('/sessions/whoami', async (req, reply) => {
  const token = String(req.headers['x-session-token'] ?? '');
  const row = byTokenHash.get(createHash('sha256').update(token).digest('hex'));
  return row ?? reply.code(401).send({ error: { code: 401 } });
});
await app.listen({ host: '127.0.0.1', port: Number(port) });
