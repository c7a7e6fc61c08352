import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialects/sql-dialect.js';

export const name = '0001-identities';

export async function up(db: Kysely<unknown>, d: SqlDialect): Promise<void> {
  const t = d.types;
  await db.schema
    .createTable('identities')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('schema_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('traits', t.text, (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('state_changed_at', t.timestamp)
    .addColumn('metadata_public', t.text)
    .addColumn('metadata_admin', t.text)
    .addColumn('external_id', 'varchar(255)', (c) => c.unique())
    .addColumn('organization_id', t.uuid)
    .addColumn('available_aal', 'varchar(8)')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('identity_credentials')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('identity_id', t.uuid, (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('type', 'varchar(32)', (c) => c.notNull())
    .addColumn('config', t.text, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .addUniqueConstraint('identity_credentials_identity_type_uq', ['identity_id', 'type'])
    .execute();

  await db.schema
    .createTable('identity_credential_identifiers')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('identity_id', t.uuid, (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('identity_credential_id', t.uuid, (c) => c.notNull().references('identity_credentials.id').onDelete('cascade'))
    .addColumn('type', 'varchar(32)', (c) => c.notNull())
    .addColumn('identifier', 'varchar(255)', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .addUniqueConstraint('identity_credential_identifiers_type_identifier_uq', ['type', 'identifier'])
    .execute();
  await db.schema
    .createIndex('identity_credential_identifiers_identity_idx')
    .on('identity_credential_identifiers')
    .column('identity_id')
    .execute();

  await db.schema
    .createTable('identity_verifiable_addresses')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('identity_id', t.uuid, (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('via', 'varchar(16)', (c) => c.notNull())
    .addColumn('value', 'varchar(400)', (c) => c.notNull())
    .addColumn('verified', t.boolean, (c) => c.notNull())
    .addColumn('verified_at', t.timestamp)
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .addUniqueConstraint('identity_verifiable_addresses_via_value_uq', ['via', 'value'])
    .execute();
  await db.schema.createIndex('identity_verifiable_addresses_identity_idx').on('identity_verifiable_addresses').column('identity_id').execute();

  await db.schema
    .createTable('identity_recovery_addresses')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('identity_id', t.uuid, (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('via', 'varchar(16)', (c) => c.notNull())
    .addColumn('value', 'varchar(400)', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .addUniqueConstraint('identity_recovery_addresses_via_value_uq', ['via', 'value'])
    .execute();
  await db.schema.createIndex('identity_recovery_addresses_identity_idx').on('identity_recovery_addresses').column('identity_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['identity_recovery_addresses', 'identity_verifiable_addresses', 'identity_credential_identifiers', 'identity_credentials', 'identities']) {
    await db.schema.dropTable(table).execute();
  }
}
