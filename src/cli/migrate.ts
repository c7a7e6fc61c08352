import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { Database } from '../persistence/database.js';
import { redactDsn } from '../persistence/dsn.js';
import { loadOrExit, withConfigOption } from './config-option.js';

interface MigrateOpts {
  config: string[];
  readFromEnv?: boolean;
  yes?: boolean;
}

/**
 * The DSN from the argument, else (with -e) the DSN variable, else the configuration files' `dsn`
 * (which the DSN variable also overrides), as Kratos's `-e` reads "DSN or the config file's dsn".
 * Only `dsn` matters here, so a config file need not hold the keys `serve` requires.
 */
async function resolveDsn(arg: string | undefined, opts: MigrateOpts): Promise<string> {
  if (arg) return arg;
  if (opts.readFromEnv && process.env.DSN) return process.env.DSN;
  if (opts.config.length > 0) {
    const dsn = (await loadOrExit(opts.config, { skipRequired: true })).values.dsn as string | undefined;
    if (dsn) return dsn;
    throw new Error(`no database given: ${opts.config.join(', ')} set no dsn${opts.readFromEnv ? ' and the DSN environment variable is not set' : ''}`);
  }
  if (opts.readFromEnv) throw new Error('-e/--read-from-env was given but the DSN environment variable is not set (and no -c <config> with a dsn)');
  throw new Error('no database given: pass a DSN argument, -e with the DSN variable set, or -c <config>');
}

export function registerMigrate(program: Command): void {
  const migrate = program.command('migrate').description('Database schema management');
  const sqlCmd = withConfigOption(migrate.command('sql'))
    .enablePositionalOptions()
    .description('Apply pending SQL migrations')
    .argument('[dsn]', 'database to migrate')
    .option('-e, --read-from-env', 'read the DSN from the DSN environment variable')
    .option('--yes', 'apply without asking')
    .action(async (dsnArg: string | undefined, opts: MigrateOpts) => {
      const dsn = await resolveDsn(dsnArg, opts);
      const db = new Database(dsn);
      try {
        const pending = await db.pendingMigrations();
        if (pending.length === 0) {
          process.stdout.write('The database schema is up to date.\n');
          return;
        }
        process.stdout.write(`Pending migrations on ${redactDsn(dsn)}:\n${pending.map((p) => `  ${p}`).join('\n')}\n`);
        if (!opts.yes) {
          const rl = createInterface({ input: process.stdin, output: process.stdout });
          const answer = await rl.question('Apply them? [y/N] ');
          rl.close();
          if (!/^y(es)?$/i.test(answer.trim())) {
            process.stdout.write('Nothing applied.\n');
            return;
          }
        }
        const applied = await db.migrate();
        process.stdout.write(`Applied ${applied.length} migration(s).\n`);
      } finally {
        await db.close();
      }
    });

  withConfigOption(sqlCmd.command('status'))
    .description('Show which migrations are applied')
    .argument('[dsn]', 'database to inspect')
    .option('-e, --read-from-env', 'read the DSN from the DSN environment variable')
    .action(async (dsnArg: string | undefined, opts: MigrateOpts) => {
      const db = new Database(await resolveDsn(dsnArg, opts));
      try {
        const states = await db.migrationStatus();
        for (const s of states) process.stdout.write(`${s.applied ? 'Applied' : 'Pending'}\t${s.name}${s.appliedAt ? `\t${s.appliedAt.toISOString()}` : ''}\n`);
        const pending = states.filter((s) => !s.applied).length;
        process.stdout.write(pending === 0 ? 'The database schema is up to date.\n' : `${pending} migration(s) pending.\n`);
      } finally {
        await db.close();
      }
    });
}
