/** What the admin API stored for a scope (`email`): the encrypted document, or null once deleted. */
export interface StoredCourierSettings {
  /** Grows with every write (deletes included); 0 when nothing was ever stored. */
  version: number;
  /** JSON with secrets encrypted; null: use the configuration file. */
  document: string | null;
  /** How the body was read (`tessera` or `idm`). */
  readAs: string | null;
  updatedAt: Date;
}

/** Where runtime courier settings live: one small row per scope, cheap to poll for its version. */
export interface CourierSettingsStore {
  /** The current version (0 when none), read cheaply: every courier worker asks this every second or so. */
  version(scope: string): Promise<number>;
  load(scope: string): Promise<StoredCourierSettings | null>;
  /** Writes (or with null, deletes) the document and bumps the version; returns the new version. */
  save(scope: string, document: string | null, readAs: string | null, now: Date): Promise<number>;
}
