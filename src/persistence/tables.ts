import type { Generated } from 'kysely';

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
  /** Incremented by every write to the identity or its children (migration 0015). */
  version: Generated<number>;
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

export interface SessionsTable {
  id: string;
  identity_id: string;
  token_hash: string;
  logout_token_hash: string;
  active: unknown;
  expires_at: unknown;
  authenticated_at: unknown;
  issued_at: unknown;
  aal: string;
  authentication_methods: string;
  created_at: unknown;
  updated_at: unknown;
}

export interface SessionDevicesTable {
  id: string;
  session_id: string;
  identity_id: string;
  ip_address: string | null;
  user_agent: string | null;
  location: string | null;
  created_at: unknown;
  updated_at: unknown;
}

export interface SelfServiceFlowsTable {
  id: string;
  kind: string;
  type: string;
  state: string;
  identity_id: string | null;
  expires_at: unknown;
  issued_at: unknown;
  request_url: string;
  return_to: string | null;
  active: string | null;
  csrf_token: string;
  ui: string;
  data: string;
  created_at: unknown;
  updated_at: unknown;
}

export interface SelfServiceErrorsTable {
  id: string;
  error: string;
  csrf_token: string;
  seen_at: unknown | null;
  created_at: unknown;
  updated_at: unknown;
}

export interface CourierMessagesTable {
  id: string;
  type: string;
  status: string;
  channel: string;
  recipient: string;
  subject: string;
  body: string;
  /** The HTML part rendered at enqueue; null when the worker must render the message itself. */
  body_html: string | null;
  template_type: string;
  template_data: string;
  send_count: number;
  next_attempt_at: unknown;
  lease_until: unknown | null;
  leased_by: string | null;
  created_at: unknown;
  updated_at: unknown;
}

export interface CourierMessageDispatchesTable {
  id: string;
  message_id: string;
  status: string;
  error: string | null;
  created_at: unknown;
  updated_at: unknown;
}

export interface SelfServiceCodesTable {
  id: string;
  kind: string;
  flow_id: string | null;
  identity_id: string | null;
  address: string | null;
  digest: string;
  attempts: number;
  expires_at: unknown;
  used_at: unknown | null;
  created_at: unknown;
  updated_at: unknown;
}

/** Dev mode only: emails the dev mailbox channel kept instead of sending. */
export interface DevMailboxMessagesTable {
  id: string;
  message_id: string;
  recipient: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  created_at: unknown;
}

export interface WebHookDeliveriesTable {
  id: string;
  hook_ref: string;
  hook_id: string | null;
  url: string;
  method: string;
  body: string | null;
  status: string;
  attempt_count: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: unknown;
  lease_until: unknown | null;
  leased_by: string | null;
  delivered_at: unknown | null;
  created_at: unknown;
  updated_at: unknown;
}

export interface WebHookDeliveryAttemptsTable {
  id: string;
  delivery_id: string;
  attempt: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  created_at: unknown;
}

/** Runtime courier settings (admin API), one row per scope; see migration 0009. */
export interface CourierSettingsTable {
  id: string;
  version: number | string | bigint;
  document: string | null;
  read_as: string | null;
  updated_at: unknown;
}

/** Brute-force limiter counters (src/security/throttle.ts); keys are digests. */
export interface TesseraThrottleTable {
  key: string;
  scope: string;
  failures: number;
  window_start: unknown;
  last_failure_at: unknown | null;
  blocked_until: unknown | null;
  updated_at: unknown;
}

export interface IdentitySecondFactorUsesTable {
  identity_id: string;
  credential_type: string;
  use_key: string;
  used_at: unknown;
}

export interface Tables {
  identity_second_factor_uses: IdentitySecondFactorUsesTable;
  web_hook_deliveries: WebHookDeliveriesTable;
  web_hook_delivery_attempts: WebHookDeliveryAttemptsTable;
  courier_settings: CourierSettingsTable;
  tessera_throttle: TesseraThrottleTable;
  dev_mailbox_messages: DevMailboxMessagesTable;
  selfservice_codes: SelfServiceCodesTable;
  courier_messages: CourierMessagesTable;
  courier_message_dispatches: CourierMessageDispatchesTable;
  selfservice_flows: SelfServiceFlowsTable;
  selfservice_errors: SelfServiceErrorsTable;
  sessions: SessionsTable;
  session_devices: SessionDevicesTable;
  identities: IdentitiesTable;
  identity_credentials: IdentityCredentialsTable;
  identity_credential_identifiers: IdentityCredentialIdentifiersTable;
  identity_verifiable_addresses: IdentityVerifiableAddressesTable;
  identity_recovery_addresses: IdentityRecoveryAddressesTable;
}
