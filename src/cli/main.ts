import { Command } from 'commander';
import { VERSION } from '../lib/version.js';
import { registerServe } from './serve.js';
import { registerMigrate } from './migrate.js';
import { registerIdentities } from './identities.js';
import { registerCourier } from './courier.js';

const program = new Command()
  .name('tessera')
  .description('Identity infrastructure server speaking the Ory Kratos v1 HTTP API')
  .showHelpAfterError()
  .enablePositionalOptions()
  .exitOverride((err) => process.exit(err.exitCode));

registerServe(program);
registerMigrate(program);
registerIdentities(program);
registerCourier(program);
program
  .command('version')
  .description('Print the version')
  .action(() => {
    process.stdout.write(`Version: ${VERSION}\n`);
  });

await program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
