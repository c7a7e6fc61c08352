import type { Flow } from './flow.js';

/**
 * A credential a sign-up could not use because its identifier already belongs to an account
 * (Kratos's DuplicateCredentialsData). It waits in the login flow the user is sent to; once they
 * sign in to that very account, the method that set it aside adds it ("account linking").
 */
export interface PendingLink {
  /** The method whose credential waits (its `linkCredential` adds it). */
  method: string;
  /** The account that owns the duplicate identifier: only signing in to it links. */
  identity_id: string;
  duplicate_identifier: string;
  /** The method's own description of the credential (secrets in it encrypted). */
  credential: Record<string, unknown>;
}

const KEY = 'link_credentials';

export function pendingLink(flow: Flow): PendingLink | null {
  const v = flow.data[KEY];
  return v && typeof v === 'object' ? (v as PendingLink) : null;
}

export function setPendingLink(flow: Flow, link: PendingLink): void {
  flow.data = { ...flow.data, [KEY]: link };
}
