// The baseline a session check is compared with: a bare Fastify app (no logging, no hooks, no
// plugins) that looks ONE session row up by the digest of the presented token in Tessera's database
// and answers it as JSON. Routes, by database:
//   SQLite      GET /better-sqlite3  a prepared statement, called directly (the baseline)
//               GET /kysely          the same query through Kysely's SqliteDialect
//   PostgreSQL  GET /pg              a named prepared statement through a `pg` pool (the baseline)
//   both        GET /whoami-sql      a diagnostic, not a baseline: the statement whoami runs on every
//                                    request (the session's mutable columns and its identity's
//                                    version), answered as the row the database returns: what the
//                                    statement costs without Tessera's hooks, logging and answer
// Usage: node --import tsx bench/lib/baseline-server.ts <dsn> <port>
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { Kysely, SqliteDialect } from 'kysely';
import pg from 'pg';
import { Database as TesseraDatabase } from '../../src/persistence/database.js';
import { compileSessionStampQuery } from '../../src/persistence/session-persister.js';

const [dsn, portArg] = process.argv.slice(2);
if (!dsn || !portArg) {
  process.stderr.write('usage: baseline-server.ts <dsn> <port>\n');
  process.exit(2);
}

const digest = (token: string) => createHash('sha256').update(token).digest('hex');
const tokenOf = (headers: Record<string, string | string[] | undefined>) => {
  const t = headers['x-session-token'];
  return typeof t === 'string' && t !== '' ? t : null;
};
const unauthorized = { error: { code: 401, status: 'Unauthorized' } };

// Only to compile whoami's statement in the database's dialect; closed at once.
const compiler = new TesseraDatabase(dsn);
const whoamiSql = compileSessionStampQuery(compiler.db).sql;
await compiler.close();

const app = Fastify({ logger: false });
const closers: Array<() => Promise<void> | void> = [];

if (dsn.startsWith('sqlite://')) {
  const file = dsn.slice('sqlite://'.length);
  const open = () => {
    const db = new Database(file);
    db.pragma('busy_timeout = 5000');
    return db;
  };
  const direct = open();
  const byTokenHash = direct.prepare('select * from sessions where token_hash = ?');
  const whoamiStatement = direct.prepare(whoamiSql);
  interface SessionsTable {
    sessions: { id: string; token_hash: string } & Record<string, unknown>;
  }
  const kysely = new Kysely<SessionsTable>({ dialect: new SqliteDialect({ database: async () => open() }) });
  closers.push(
    () => kysely.destroy(),
    () => void direct.close(),
  );

  app.get('/better-sqlite3', async (req, reply) => {
    const token = tokenOf(req.headers);
    const row = token ? byTokenHash.get(digest(token)) : undefined;
    if (!row) return reply.code(401).send(unauthorized);
    return row;
  });
  app.get('/kysely', async (req, reply) => {
    const token = tokenOf(req.headers);
    const row = token ? await kysely.selectFrom('sessions').selectAll().where('token_hash', '=', digest(token)).executeTakeFirst() : undefined;
    if (!row) return reply.code(401).send(unauthorized);
    return row;
  });
  app.get('/whoami-sql', async (req, reply) => {
    const token = tokenOf(req.headers);
    const row = token ? whoamiStatement.get(digest(token)) : undefined;
    if (!row) return reply.code(401).send(unauthorized);
    return row;
  });
} else {
  const pool = new pg.Pool({ connectionString: dsn, max: 10 });
  closers.push(() => pool.end());
  const one = async (name: string, text: string, token: string | null) => (token ? (await pool.query({ name, text, values: [digest(token)] })).rows[0] : undefined);
  app.get('/pg', async (req, reply) => {
    const row = await one('bench_session', 'select * from sessions where token_hash = $1', tokenOf(req.headers));
    if (!row) return reply.code(401).send(unauthorized);
    return row;
  });
  app.get('/whoami-sql', async (req, reply) => {
    const row = await one('bench_whoami', whoamiSql, tokenOf(req.headers));
    if (!row) return reply.code(401).send(unauthorized);
    return row;
  });
}

app.get('/health/alive', async () => ({ status: 'ok' }));

await app.listen({ host: '127.0.0.1', port: Number(portArg) });

const stop = async () => {
  await app.close();
  for (const close of closers) await close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
