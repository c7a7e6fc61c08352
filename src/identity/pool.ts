import type { CredentialsType, Identity } from './identity.js';

export interface ListIdentitiesParams {
  /** Keyset pagination: identities with an id greater than this. */
  afterId?: string;
  /** Offset pagination (legacy `page`/`per_page`). */
  offset?: number;
  limit: number;
  ids?: string[];
  credentialsIdentifier?: string;
  credentialsIdentifierSimilar?: string;
  organizationId?: string;
  /** Load credentials (identifiers and config). */
  withCredentials: boolean;
}

export interface ListIdentitiesResult {
  identities: Identity[];
  /** Set when more identities follow the last one returned. */
  hasMore: boolean;
}

/**
 * Storage of identities. Every method that writes more than one row does so in one transaction.
 * Writes that would duplicate an identifier, address or external id throw UniqueViolationError.
 */
export interface IdentityPool {
  createIdentity(identity: Identity): Promise<void>;
  /** Replaces the identity row, its credentials and its addresses with the given state. */
  updateIdentity(identity: Identity): Promise<void>;
  getIdentity(id: string, opts?: { withCredentials?: boolean }): Promise<Identity | null>;
  getIdentityByExternalId(externalId: string, opts?: { withCredentials?: boolean }): Promise<Identity | null>;
  /** The identity owning a credential identifier of the given type, with its credentials. */
  findByCredentialsIdentifier(type: CredentialsType, identifier: string): Promise<Identity | null>;
  /**
   * The identity owning `identifier` under any credential type (a password identifier, say): the
   * code method's fallback for identities without a code credential.
   */
  findByAnyCredentialsIdentifier(identifier: string): Promise<Identity | null>;
  /** Whether the identity has at least one verified address: one cheap query. */
  hasVerifiedAddress(identityId: string): Promise<boolean>;
  /** The identity's credentials of the given types (config only, no identifiers): one cheap query. */
  getCredentialConfigs(identityId: string, types: readonly CredentialsType[]): Promise<Partial<Record<CredentialsType, Record<string, unknown>>>>;
  listIdentities(params: ListIdentitiesParams): Promise<ListIdentitiesResult>;
  countIdentities(): Promise<number>;
  deleteIdentity(id: string): Promise<boolean>;
}
