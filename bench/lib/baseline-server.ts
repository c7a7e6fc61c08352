// The baseline a session check is compared with: a bare Fastify app (no logging, no hooks, no
// plugins) that looks ONE session row up by the digest of the presented token in Tessera's SQLite
// file and answers it as JSON. Two routes, one per way of reaching SQLite:
//   GET /better-sqlite3  a prepared statement, called directly
//   GET /kysely          the same query through Kysely's SqliteDialect, as Tessera issues queries
//   GET /five-queries    a diagnostic, not a baseline: the five queries whoami issues (session,
//                        its devices, identity, verifiable and recovery addresses) as prepared
//                        statements, answered as one nested JSON object: what the query count costs
//                        without Kysely and without Tessera's mapping
// Usage: node --import tsx bench/lib/baseline-server.ts <sqlite file> <port>
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { Kysely, SqliteDialect } from 'kysely';

const [file, portArg] = process.argv.slice(2);
if (!file || !portArg) {
  process.stderr.write('usage: baseline-server.ts <sqlite file> <port>\n');
  process.exit(2);
}

const open = () => {
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  return db;
};

const direct = open();
const byTokenHash = direct.prepare('select * from sessions where token_hash = ?');
const devicesOf = direct.prepare('select * from session_devices where session_id = ? order by created_at');
const identityById = direct.prepare('select * from identities where id = ?');
const verifiableOf = direct.prepare('select * from identity_verifiable_addresses where identity_id = ? order by id');
const recoveryOf = direct.prepare('select * from identity_recovery_addresses where identity_id = ? order by id');

interface SessionsTable {
  sessions: { id: string; token_hash: string } & Record<string, unknown>;
}
const kysely = new Kysely<SessionsTable>({ dialect: new SqliteDialect({ database: async () => open() }) });

const digest = (token: string) => createHash('sha256').update(token).digest('hex');
const tokenOf = (headers: Record<string, string | string[] | undefined>) => {
  const t = headers['x-session-token'];
  return typeof t === 'string' && t !== '' ? t : null;
};

const app = Fastify({ logger: false });

app.get('/better-sqlite3', async (req, reply) => {
  const token = tokenOf(req.headers);
  const row = token ? byTokenHash.get(digest(token)) : undefined;
  if (!row) return reply.code(401).send({ error: { code: 401, status: 'Unauthorized' } });
  return row;
});

app.get('/kysely', async (req, reply) => {
  const token = tokenOf(req.headers);
  const row = token ? await kysely.selectFrom('sessions').selectAll().where('token_hash', '=', digest(token)).executeTakeFirst() : undefined;
  if (!row) return reply.code(401).send({ error: { code: 401, status: 'Unauthorized' } });
  return row;
});

app.get('/five-queries', async (req, reply) => {
  const token = tokenOf(req.headers);
  const session = (token ? byTokenHash.get(digest(token)) : undefined) as { id: string; identity_id: string } | undefined;
  const identity = session ? (identityById.get(session.identity_id) as Record<string, unknown> | undefined) : undefined;
  if (!session || !identity) return reply.code(401).send({ error: { code: 401, status: 'Unauthorized' } });
  return {
    ...session,
    devices: devicesOf.all(session.id),
    identity: { ...identity, verifiable_addresses: verifiableOf.all(session.identity_id), recovery_addresses: recoveryOf.all(session.identity_id) },
  };
});

app.get('/health/alive', async () => ({ status: 'ok' }));

await app.listen({ host: '127.0.0.1', port: Number(portArg) });

const stop = async () => {
  await app.close();
  await kysely.destroy();
  direct.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
