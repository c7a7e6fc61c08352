import { badRequest, conflict, KratosError } from '../errors/kratos-error.js';
import { UniqueViolationError } from '../errors/storage.js';
import { newId } from '../lib/ids.js';
import type { Hasher } from '../hash/hasher.js';
import { validateImportedHash } from '../hash/import.js';
import type { SchemaRegistry } from '../schema/registry.js';
import { UnknownSchemaError } from '../schema/errors.js';
import { mergeAddresses, mergeRecoveryAddresses } from '../schema/addresses.js';
import type { Credentials, CredentialsType, Identity, IdentityState, RecoveryAddress, VerifiableAddress } from './identity.js';
import type { IdentityPool } from './pool.js';
import { importedBytes, importedLookupCodes, importedTotpUrl, importedWebAuthnKeys, type ImportFactorCredentials } from './import-credentials.js';
import { passkeyIdentifierOf } from './passkey-identifier.js';

/** Credentials as an admin may import them (the `identityWithCredentials` shape). */
export interface ImportCredentials extends ImportFactorCredentials {
  password?: { config?: { password?: string; hashed_password?: string; use_password_migration_hook?: boolean } };
}

export interface IdentityDraft {
  schema_id: string;
  traits: Record<string, unknown>;
  state: IdentityState;
  metadata_public?: unknown;
  metadata_admin?: unknown;
  external_id?: string | null;
  organization_id?: string | null;
  verifiable_addresses?: Array<Partial<VerifiableAddress> & { value: string; via: VerifiableAddress['via'] }>;
  recovery_addresses?: Array<Partial<RecoveryAddress> & { value: string; via: RecoveryAddress['via'] }>;
  credentials?: ImportCredentials;
}

export const CONFLICT_REASON = 'This identity conflicts with another identity that already exists.';

export interface IdentityManagerDeps {
  pool: IdentityPool;
  schemas: SchemaRegistry;
  hasher: Hasher;
  /** How imported backup codes are stored (a keyed digest and a sealed copy bound to the identity, as the lookup_secret method stores them). */
  storeLookupCode?: (code: string, identityId: string) => { code: string; sealed: string };
  now?: () => Date;
}

/**
 * The one place identities are built and changed: validates traits against the identity's schema,
 * derives credential identifiers and addresses from the schema's extension, hashes passwords, and
 * stores everything in one transaction. Admin API and self-service flows both go through here.
 */
export class IdentityManager {
  private readonly now: () => Date;

  constructor(private readonly deps: IdentityManagerDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Builds a new identity from a draft without storing it (validation and hashing included). */
  async build(draft: IdentityDraft): Promise<Identity> {
    const now = this.now();
    const identity: Identity = {
      id: newId(),
      schema_id: draft.schema_id,
      state: draft.state,
      state_changed_at: now,
      traits: draft.traits,
      metadata_public: draft.metadata_public ?? null,
      metadata_admin: draft.metadata_admin ?? null,
      external_id: draft.external_id ?? null,
      organization_id: draft.organization_id ?? null,
      credentials: {},
      verifiable_addresses: (draft.verifiable_addresses ?? []).map((a) => ({
        id: newId(),
        value: a.value.toLowerCase(),
        via: a.via,
        verified: a.verified ?? false,
        verified_at: a.verified_at ?? (a.verified ? now : null),
        status: a.status ?? (a.verified ? 'completed' : 'pending'),
        created_at: now,
        updated_at: now,
      })),
      recovery_addresses: (draft.recovery_addresses ?? []).map((a) => ({ id: newId(), value: a.value.toLowerCase(), via: a.via, created_at: now, updated_at: now })),
      created_at: now,
      updated_at: now,
    };
    await this.applySchema(identity);
    await this.importCredentials(identity, draft.credentials);
    return identity;
  }

  async create(draft: IdentityDraft): Promise<Identity> {
    return this.insert(await this.build(draft));
  }

  /**
   * Stores an identity `build` made, after re-validating it: hooks may have changed it in between
   * (a registration web hook replacing traits or metadata).
   */
  async insert(identity: Identity): Promise<Identity> {
    await this.applySchema(identity);
    await this.store(() => this.deps.pool.createIdentity(identity));
    return identity;
  }

  /**
   * Re-validates and stores a changed identity. `credentials` replaces imported credentials when given;
   * otherwise existing credentials stay and only their identifiers follow the traits.
   */
  async update(identity: Identity, credentials?: ImportCredentials): Promise<Identity> {
    identity.updated_at = this.now();
    await this.applySchema(identity);
    if (credentials) await this.importCredentials(identity, credentials);
    await this.store(() => this.deps.pool.updateIdentity(identity));
    return identity;
  }

  /** Sets the identity's state, keeping state_changed_at truthful. */
  setState(identity: Identity, state: IdentityState): void {
    if (identity.state !== state) {
      identity.state = state;
      identity.state_changed_at = this.now();
    }
  }

  private async store(write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (err) {
      if (err instanceof UniqueViolationError) throw conflict(CONFLICT_REASON, { cause: err });
      throw err;
    }
  }

  /** Validates traits and derives identifiers and addresses from the schema's `ory.sh/kratos` extension. */
  private async applySchema(identity: Identity): Promise<void> {
    let schema;
    try {
      schema = await this.deps.schemas.get(identity.schema_id);
    } catch (err) {
      if (err instanceof UnknownSchemaError) throw badRequest(`Identity schema "${identity.schema_id}" does not exist.`, { cause: err });
      throw err;
    }
    const result = schema.validateTraits(identity.traits);
    if (!result.ok) {
      const fields = result.errors.map((e) => ({ pointer: e.pointer, message: e.message.text, id: e.message.id }));
      throw new KratosError(400, {
        reason: fields.map((f) => `${f.pointer}: ${f.message}`).join('; '),
        message: 'The request was malformed or contained invalid parameters',
        details: { validation_errors: fields },
      });
    }
    const now = this.now();
    identity.verifiable_addresses = mergeAddresses(identity.verifiable_addresses, result.verifiableAddresses, now, newId) as VerifiableAddress[];
    identity.recovery_addresses = mergeRecoveryAddresses(identity.recovery_addresses, result.recoveryAddresses, now, newId) as RecoveryAddress[];
    this.setIdentifiers(identity, 'password', result.credentials.password.identifiers);
    this.setIdentifiers(identity, 'webauthn', result.credentials.webauthn.identifiers);
    this.setIdentifiers(
      identity,
      'code',
      result.credentials.code.identifiers.map((a) => a.value),
      { addresses: result.credentials.code.identifiers.map((a) => ({ channel: a.via, address: a.value })) },
    );
  }

  /** Kratos keeps a credential row per identifier-bearing type, even before a secret is set, so identifiers stay unique. */
  private setIdentifiers(identity: Identity, type: CredentialsType, identifiers: string[], config?: Record<string, unknown>): void {
    const existing = identity.credentials[type];
    if (identifiers.length === 0) {
      if (existing && Object.keys(existing.config).length === 0) delete identity.credentials[type];
      else if (existing) {
        existing.identifiers = [];
        // The derived part of the config follows the identifiers (a code credential lists no addresses any more).
        if (config) existing.config = { ...existing.config, ...config };
      }
      return;
    }
    const now = this.now();
    const cred: Credentials = existing ?? { id: newId(), type, identifiers: [], config: {}, version: 0, created_at: now, updated_at: now };
    cred.identifiers = [...new Set(identifiers)];
    if (config) cred.config = { ...cred.config, ...config };
    cred.updated_at = now;
    identity.credentials[type] = cred;
  }

  private async importCredentials(identity: Identity, creds: ImportCredentials | undefined): Promise<void> {
    this.importFactors(identity, creds);
    const pw = creds?.password?.config;
    if (!pw) return;
    let config: Record<string, unknown>;
    if (typeof pw.hashed_password === 'string' && pw.hashed_password !== '') {
      const check = validateImportedHash(pw.hashed_password);
      if (!check.ok) throw badRequest(`Unable to import the hashed password: ${check.reason}`);
      config = { hashed_password: pw.hashed_password };
    } else if (typeof pw.password === 'string' && pw.password !== '') {
      config = { hashed_password: await this.deps.hasher.hash(pw.password) };
    } else if (pw.use_password_migration_hook === true) {
      config = { use_password_migration_hook: true };
    } else {
      return;
    }
    const now = this.now();
    const existing = identity.credentials.password;
    identity.credentials.password = {
      id: existing?.id ?? newId(),
      type: 'password',
      identifiers: existing?.identifiers ?? [],
      config,
      version: 0,
      created_at: existing?.created_at ?? now,
      updated_at: now,
    };
  }

  /** Imported TOTP, backup codes, security keys and passkeys (Kratos's shapes), set as their methods store them. */
  private importFactors(identity: Identity, creds: ImportFactorCredentials | undefined): void {
    if (!creds) return;
    const now = this.now();
    const set = (type: CredentialsType, identifiers: string[], config: Record<string, unknown>) => {
      const existing = identity.credentials[type];
      identity.credentials[type] = { id: existing?.id ?? newId(), type, identifiers, config, version: 0, created_at: existing?.created_at ?? now, updated_at: now };
    };
    if (creds.totp) set('totp', [identity.id], { totp_url: importedTotpUrl(creds.totp.config?.totp_url) });
    if (creds.lookup_secret) {
      const store = this.deps.storeLookupCode;
      if (!store) throw badRequest('Backup codes cannot be imported: the lookup_secret method is not configured.');
      const codes = importedLookupCodes(creds.lookup_secret.config?.codes).map((c) => ({ ...store(c.code, identity.id), used_at: c.used_at }));
      set('lookup_secret', [identity.id], { recovery_codes: codes });
    }
    if (creds.webauthn) {
      const keys = importedWebAuthnKeys(creds.webauthn.config, undefined, 'webauthn', now);
      const handle = importedBytes(creds.webauthn.config?.user_handle);
      const existing = identity.credentials.webauthn;
      const previous = Array.isArray(existing?.config.credentials) ? (existing.config.credentials as Array<Record<string, unknown>>) : [];
      const ids = new Set(keys.map((k) => k.id));
      set('webauthn', existing?.identifiers ?? [], {
        credentials: [...previous.filter((k) => !ids.has(k.id)), ...keys],
        // As Kratos makes it for security keys when none is given: the identity id's 16 bytes.
        user_handle: (handle && handle.length > 0 ? handle : Buffer.from(identity.id.replace(/-/g, ''), 'hex')).toString('base64'),
      });
    }
    if (creds.passkey) {
      const handle = importedBytes(creds.passkey.config?.user_handle);
      // The authenticator returns this handle with every assertion: without it no sign-in could find the passkey.
      if (!handle || handle.length === 0) throw badRequest('Passkey credential import requires a non-empty user_handle. It must match the WebAuthn user handle stored on the authenticator.');
      const keys = importedWebAuthnKeys(creds.passkey.config, true, 'passkey', now);
      const existing = identity.credentials.passkey;
      const previous = Array.isArray(existing?.config.credentials) ? (existing.config.credentials as Array<Record<string, unknown>>) : [];
      const ids = new Set(keys.map((k) => k.id));
      set('passkey', [...new Set([...(existing?.identifiers ?? []), passkeyIdentifierOf(handle)])], {
        credentials: [...previous.filter((k) => !ids.has(k.id)), ...keys],
        user_handle: handle.toString('base64'),
      });
    }
  }
}
