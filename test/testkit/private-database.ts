import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { userInfo, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './server.js';

// A database server of its own for a test that stops, kills and restarts it: a PostgreSQL cluster
// made by initdb, or a MariaDB server made by mariadb-install-db, in a temporary directory on a free
// loopback port. The shared servers of the other tests are never touched. Both refuse to run as
// root, so as root the server runs as the system account the packages created.

const run = promisify(execFile);

export interface PrivateDatabaseServer {
  readonly kind: 'postgres' | 'mariadb';
  /** A DSN of a database created on the server for the test. */
  readonly dsn: string;
  /** Stops the server: `fast` closes connections with an error (a restart), `immediate` kills it (a crash). */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port and data directory; resolves when it accepts connections. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

/** Why a private server cannot be made here, or null when it can. */
export function privateDatabaseUnavailable(kind: 'postgres' | 'mariadb'): string | null {
  if (kind === 'postgres') return postgresBin() ? null : 'no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin';
  return existsSync('/usr/bin/mariadb-install-db') && existsSync('/usr/sbin/mariadbd') ? null : 'no MariaDB server binaries (mariadb-install-db, mariadbd)';
}

function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

const asRoot = userInfo().uid === 0;

/** Runs a server binary as `account` when we are root (they refuse root), else as ourselves. */
function command(account: string, bin: string, args: string[]): [string, string[]] {
  return asRoot ? ['/usr/sbin/runuser', ['-u', account, '--', bin, ...args]] : [bin, args];
}

function tempDirFor(account: string, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (asRoot) {
    const { uid, gid } = accountIds(account);
    chownSync(dir, uid, gid);
  }
  return dir;
}

function accountIds(account: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${account}:`)) ?? '';
  const [, , uid, gid] = line.split(':');
  if (!uid) throw new Error(`no system account ${account} to run the database server as`);
  return { uid: Number(uid), gid: Number(gid) };
}

async function waitUntil(what: string, ok: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startPrivatePostgres(): Promise<PrivateDatabaseServer> {
  const bin = postgresBin();
  if (!bin) throw new Error(privateDatabaseUnavailable('postgres')!);
  const dir = tempDirFor('postgres', 'tessera-pg-');
  const data = join(dir, 'data');
  const port = await freePort();
  const pg = (tool: string, args: string[]) => {
    const [cmd, argv] = command('postgres', join(bin, tool), args);
    return run(cmd, argv, { timeout: 60_000 });
  };
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const start = async () => {
    await pg('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  };
  await start();
  const base = `postgres://postgres@127.0.0.1:${port}`;
  await run(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-c', 'CREATE DATABASE tessera'], { timeout: 30_000 });
  let running = true;
  return {
    kind: 'postgres',
    dsn: `${base}/tessera`,
    stop: async (mode) => {
      await pg('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
      running = false;
    },
    start: async () => {
      await start();
      running = true;
    },
    destroy: async () => {
      if (running) await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startPrivateMariadb(): Promise<PrivateDatabaseServer> {
  const reason = privateDatabaseUnavailable('mariadb');
  if (reason) throw new Error(reason);
  const dir = tempDirFor('mysql', 'tessera-maria-');
  const data = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const port = await freePort();
  const [icmd, iargs] = command('mysql', '/usr/bin/mariadb-install-db', [
    '--no-defaults',
    `--datadir=${data}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    '--skip-name-resolve',
  ]);
  await run(icmd, iargs, { timeout: 120_000 });
  let child: ChildProcess | null = null;
  const spawnServer = async () => {
    const [cmd, args] = command('mysql', '/usr/sbin/mariadbd', [
      '--no-defaults',
      `--datadir=${data}`,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=32M',
      '--innodb-log-file-size=16M',
      '--innodb-flush-log-at-trx-commit=2',
      '--performance-schema=OFF',
      `--log-error=${join(dir, 'error.log')}`,
      `--pid-file=${join(dir, 'mariadbd.pid')}`,
    ]);
    const c = spawn(cmd, args, { stdio: 'ignore' });
    child = c;
    await waitUntil('MariaDB accepting connections', async () => {
      if (c.exitCode !== null) throw new Error(`mariadbd exited with ${c.exitCode}; see ${join(dir, 'error.log')}`);
      try {
        const { createConnection } = await import('mysql2/promise');
        const conn = await createConnection({ host: '127.0.0.1', port, user: 'root' });
        await conn.end();
        return true;
      } catch {
        return false;
      }
    });
  };
  await spawnServer();
  const { createConnection } = await import('mysql2/promise');
  const admin = await createConnection({ host: '127.0.0.1', port, user: 'root' });
  await admin.query('CREATE DATABASE tessera CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
  await admin.end();
  const stopChild = async (signal: NodeJS.Signals) => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    // The signal goes to mariadbd itself (runuser cannot pass on a SIGKILL).
    const pid = Number(readFileSync(join(dir, 'mariadbd.pid'), 'utf8').trim());
    process.kill(pid, signal);
    await exited;
    child = null;
  };
  return {
    kind: 'mariadb',
    dsn: `mysql://root@127.0.0.1:${port}/tessera`,
    stop: (mode) => stopChild(mode === 'fast' ? 'SIGTERM' : 'SIGKILL'),
    start: spawnServer,
    destroy: async () => {
      await stopChild('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
