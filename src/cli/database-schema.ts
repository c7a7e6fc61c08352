import type { Registry } from '../registry/registry.js';
import { isInMemory } from '../persistence/dsn.js';

/**
 * Brings the database schema up to date where that is the process's own business, else stops with
 * the fix: dev mode and an in-memory SQLite database (`dsn: memory`, which starts empty on every
 * start, as in Kratos) are migrated here; anything else must be migrated with `tessera migrate sql`.
 */
export async function ensureDatabaseSchema(r: Registry): Promise<void> {
  const pending = await r.database.pendingMigrations();
  if (pending.length === 0) return;
  if (isInMemory(r.database.dsn)) {
    r.logger.info('the DSN is an in-memory SQLite database: applying migrations on every start; its data is lost when the process ends');
  }
  if (r.config.dev || isInMemory(r.database.dsn)) {
    const applied = await r.database.migrate();
    r.logger.info({ applied }, 'applied database migrations');
    return;
  }
  process.stderr.write(
    `The database schema is behind: ${pending.length} migration(s) not applied (${pending.join(', ')}).\n` +
      `Run \`tessera migrate sql -e --yes\` (with DSN set) or \`tessera migrate sql -c <config> --yes\` first.\n`,
  );
  await r.close();
  process.exit(1);
}
