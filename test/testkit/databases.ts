import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createConnection } from 'mysql2/promise';
import { notRun } from './outside.js';

/** A database created for one test file and dropped after it. */
export interface TestDatabase {
  name: 'sqlite' | 'postgres' | 'mysql';
  dsn: string;
  drop(): Promise<void>;
}

export type DatabaseFactory = { name: TestDatabase['name']; create(): Promise<TestDatabase> };

const randomName = () => `tessera_test_${randomBytes(6).toString('hex')}`;

function sqlite(): DatabaseFactory {
  return {
    name: 'sqlite',
    async create() {
      const dir = mkdtempSync(join(tmpdir(), 'tessera-test-'));
      return { name: 'sqlite', dsn: `sqlite://${join(dir, 'db.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  };
}

function postgres(base: string): DatabaseFactory {
  return {
    name: 'postgres',
    async create() {
      const name = randomName();
      const admin = new pg.Client({ connectionString: base });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const u = new URL(base);
      u.pathname = `/${name}`;
      return {
        name: 'postgres',
        dsn: u.toString(),
        drop: async () => {
          const c = new pg.Client({ connectionString: base });
          await c.connect();
          await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await c.end();
        },
      };
    },
  };
}

function mysql(base: string): DatabaseFactory {
  return {
    name: 'mysql',
    async create() {
      const name = randomName();
      const admin = await createConnection({ uri: base });
      await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      await admin.end();
      const u = new URL(base);
      u.pathname = `/${name}`;
      return {
        name: 'mysql',
        dsn: u.toString(),
        drop: async () => {
          const c = await createConnection({ uri: base });
          await c.query(`DROP DATABASE IF EXISTS ${name}`);
          await c.end();
        },
      };
    },
  };
}

/**
 * SQLite always; PostgreSQL and MySQL/MariaDB when TEST_POSTGRES_DSN / TEST_MYSQL_DSN name a server
 * on which the tests may create and drop databases. A missing one is reported as not run (and fails
 * the run under CI=true, see outside.ts).
 */
export function testDatabases(): DatabaseFactory[] {
  const out = [sqlite()];
  if (process.env.TEST_POSTGRES_DSN) out.push(postgres(process.env.TEST_POSTGRES_DSN));
  else notRun('PostgreSQL', 'TEST_POSTGRES_DSN is not set', 'the PostgreSQL variants');
  if (process.env.TEST_MYSQL_DSN) out.push(mysql(process.env.TEST_MYSQL_DSN));
  else notRun('MySQL', 'TEST_MYSQL_DSN is not set', 'the MySQL variants');
  return out;
}

/** SQLite only, for suites whose subject does not depend on the database flavour. */
export function sqliteDatabase(): DatabaseFactory {
  return sqlite();
}
