import type { Command } from 'commander';
import { loadConfig, ConfigError } from '../config/index.js';
import type { Config } from '../config/config.js';

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function withConfigOption(cmd: Command): Command {
  return cmd.option('-c, --config <file>', 'configuration file (YAML or JSON); repeat to merge several, later files win', collect, [] as string[]);
}

/** Loads the configuration or exits with the list of problems; never starts half-configured. */
export async function loadOrExit(files: string[], opts: { dev?: boolean; overrides?: Record<string, unknown>; skipRequired?: boolean } = {}): Promise<Config> {
  try {
    return await loadConfig({ files, env: process.env, dev: opts.dev ?? false, overrides: opts.overrides, skipRequired: opts.skipRequired });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`The configuration is invalid:\n${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
