/** The identity model, as stored and as rendered on the wire (see the `identity` schema of the API). */

export const CREDENTIAL_TYPES = ['password', 'oidc', 'totp', 'lookup_secret', 'webauthn', 'code', 'passkey', 'profile', 'saml'] as const;
export type CredentialsType = (typeof CREDENTIAL_TYPES)[number];
export const isCredentialsType = (v: string): v is CredentialsType => (CREDENTIAL_TYPES as readonly string[]).includes(v);

export type IdentityState = 'active' | 'inactive';
export const isIdentityState = (v: unknown): v is IdentityState => v === 'active' || v === 'inactive';

export interface Credentials {
  id: string;
  type: CredentialsType;
  identifiers: string[];
  config: Record<string, unknown>;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export type AddressVia = 'email' | 'sms';
export type VerifiableStatus = 'pending' | 'sent' | 'completed';

export interface VerifiableAddress {
  id: string;
  value: string;
  via: AddressVia;
  verified: boolean;
  verified_at: Date | null;
  status: VerifiableStatus;
  created_at: Date;
  updated_at: Date;
}

export interface RecoveryAddress {
  id: string;
  value: string;
  via: AddressVia;
  created_at: Date;
  updated_at: Date;
}

export interface Identity {
  id: string;
  schema_id: string;
  state: IdentityState;
  state_changed_at: Date | null;
  traits: Record<string, unknown>;
  metadata_public: unknown;
  metadata_admin: unknown;
  external_id: string | null;
  organization_id: string | null;
  credentials: Partial<Record<CredentialsType, Credentials>>;
  verifiable_addresses: VerifiableAddress[];
  recovery_addresses: RecoveryAddress[];
  created_at: Date;
  updated_at: Date;
}

export interface IdentityJsonOptions {
  /** The public URL the identity's schema is served at. */
  schemaUrl: string;
  /** Admin views include metadata_admin. */
  admin: boolean;
  /** Include the credentials map (identifiers, version, timestamps). */
  credentials: boolean;
  /** Credential types whose `config` is revealed. Never contains secrets for other types. */
  declassify?: readonly CredentialsType[];
  /** How a declassified credential's config is shown (default: as stored); `oidc` tokens are decrypted. */
  revealConfig?: (c: Credentials) => Record<string, unknown>;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function addressJson(a: VerifiableAddress) {
  return {
    id: a.id,
    value: a.value,
    verified: a.verified,
    via: a.via,
    status: a.status,
    ...(a.verified_at ? { verified_at: iso(a.verified_at) } : {}),
    created_at: iso(a.created_at),
    updated_at: iso(a.updated_at),
  };
}

/** Renders an identity for the wire. Password hashes only ever leave with `declassify: ['password']` on the admin API. */
export function identityToJson(i: Identity, o: IdentityJsonOptions): Record<string, unknown> {
  const out: Record<string, unknown> = { id: i.id };
  if (o.credentials) {
    const creds: Record<string, unknown> = {};
    for (const c of Object.values(i.credentials)) {
      if (!c) continue;
      creds[c.type] = {
        type: c.type,
        identifiers: c.identifiers,
        ...(o.declassify?.includes(c.type) ? { config: o.revealConfig ? o.revealConfig(c) : c.config } : {}),
        version: c.version,
        created_at: iso(c.created_at),
        updated_at: iso(c.updated_at),
      };
    }
    if (Object.keys(creds).length > 0) out.credentials = creds;
  }
  out.schema_id = i.schema_id;
  out.schema_url = o.schemaUrl;
  out.state = i.state;
  if (i.state_changed_at) out.state_changed_at = iso(i.state_changed_at);
  out.traits = i.traits;
  if (i.verifiable_addresses.length > 0) out.verifiable_addresses = i.verifiable_addresses.map(addressJson);
  if (i.recovery_addresses.length > 0) {
    out.recovery_addresses = i.recovery_addresses.map((a) => ({ id: a.id, value: a.value, via: a.via, created_at: iso(a.created_at), updated_at: iso(a.updated_at) }));
  }
  out.metadata_public = i.metadata_public ?? null;
  if (o.admin && i.metadata_admin !== null && i.metadata_admin !== undefined) out.metadata_admin = i.metadata_admin;
  if (i.external_id) out.external_id = i.external_id;
  out.created_at = iso(i.created_at);
  out.updated_at = iso(i.updated_at);
  out.organization_id = i.organization_id ?? null;
  return out;
}
