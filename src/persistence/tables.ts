/**
 * Row shapes of Tessera's tables as Kysely sees them. Timestamps, booleans and UUIDs come back in
 * whatever form the driver uses (see dialects/sql-dialect.ts for the conversions); JSON documents
 * are stored as text on every database.
 */
export interface IdentitiesTable {
  id: string;
  schema_id: string;
  traits: string;
  state: string;
  state_changed_at: unknown | null;
  metadata_public: string | null;
  metadata_admin: string | null;
  external_id: string | null;
  organization_id: string | null;
  available_aal: string | null;
  created_at: unknown;
  updated_at: unknown;
}

export interface IdentityCredentialsTable {
  id: string;
  identity_id: string;
  type: string;
  config: string;
  version: number;
  created_at: unknown;
  updated_at: unknown;
}

export interface IdentityCredentialIdentifiersTable {
  id: string;
  identity_id: string;
  identity_credential_id: string;
  type: string;
  identifier: string;
  created_at: unknown;
  updated_at: unknown;
}

export interface IdentityVerifiableAddressesTable {
  id: string;
  identity_id: string;
  via: string;
  value: string;
  verified: unknown;
  verified_at: unknown | null;
  status: string;
  created_at: unknown;
  updated_at: unknown;
}

export interface IdentityRecoveryAddressesTable {
  id: string;
  identity_id: string;
  via: string;
  value: string;
  created_at: unknown;
  updated_at: unknown;
}

export interface Tables {
  identities: IdentitiesTable;
  identity_credentials: IdentityCredentialsTable;
  identity_credential_identifiers: IdentityCredentialIdentifiersTable;
  identity_verifiable_addresses: IdentityVerifiableAddressesTable;
  identity_recovery_addresses: IdentityRecoveryAddressesTable;
}
