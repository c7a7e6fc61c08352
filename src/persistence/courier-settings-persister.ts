import { sql } from 'kysely';
import type { CourierSettingsStore, StoredCourierSettings } from '../courier/settings/store.js';
import { fromTime, type SqlDialect } from './dialects/sql-dialect.js';
import type { Db } from './tx.js';

export class SqlCourierSettingsPersister implements CourierSettingsStore {
  constructor(
    private readonly db: Db,
    private readonly dialect: SqlDialect,
  ) {}

  async version(scope: string): Promise<number> {
    const row = await this.db.selectFrom('courier_settings').select('version').where('id', '=', scope).executeTakeFirst();
    return row ? Number(row.version) : 0;
  }

  async load(scope: string): Promise<StoredCourierSettings | null> {
    const row = await this.db.selectFrom('courier_settings').selectAll().where('id', '=', scope).executeTakeFirst();
    if (!row) return null;
    return { version: Number(row.version), document: row.document, readAs: row.read_as, updatedAt: fromTime(row.updated_at) };
  }

  async save(scope: string, document: string | null, readAs: string | null, now: Date): Promise<number> {
    const t = this.dialect.toTime;
    // An update that bumps the version, or the first insert; two first writers race on the key and
    // the loser updates instead.
    for (let attempt = 0; ; attempt++) {
      const res = await this.db
        .updateTable('courier_settings')
        .set({ version: sql`version + 1`, document, read_as: readAs, updated_at: t(now) })
        .where('id', '=', scope)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) > 0) return this.version(scope);
      try {
        await this.db.insertInto('courier_settings').values({ id: scope, version: 1, document, read_as: readAs, updated_at: t(now) }).execute();
        return 1;
      } catch (err) {
        if (attempt > 0 || !this.dialect.isUniqueViolation(err)) throw err;
      }
    }
  }
}
