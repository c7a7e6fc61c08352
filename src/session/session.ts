import type { CredentialsType, Identity } from '../identity/identity.js';

export type Aal = 'aal0' | 'aal1' | 'aal2' | 'aal3';

/** What a session records a sign-in with: a credential type, or a recovery (which proves an address, not a credential). */
export type SessionMethod = CredentialsType | 'code_recovery' | 'link_recovery';

export interface AuthenticationMethod {
  method: SessionMethod;
  aal: Aal;
  completed_at: Date;
  provider?: string;
}

export interface SessionDevice {
  id: string;
  ip_address: string | null;
  user_agent: string | null;
  location: string | null;
}

export interface Session {
  id: string;
  identity_id: string;
  /** Whether the session was revoked (false) — not whether it is usable; see isSessionActive. */
  active: boolean;
  expires_at: Date;
  authenticated_at: Date;
  issued_at: Date;
  aal: Aal;
  authentication_methods: AuthenticationMethod[];
  devices: SessionDevice[];
  created_at: Date;
  updated_at: Date;
  /** Loaded with the session when asked for. */
  identity?: Identity;
}

/** A session together with the bearer secrets issued for it. Secrets exist only here, never in storage. */
export interface IssuedSession {
  session: Session;
  token: string;
  logoutToken: string;
}

/** Usable: not revoked, not expired, and its identity is active. */
export function isSessionActive(s: Session, now: Date = new Date()): boolean {
  return s.active && s.expires_at.getTime() > now.getTime() && (s.identity === undefined || s.identity.state === 'active');
}

export function sessionToJson(s: Session, identityJson: Record<string, unknown> | undefined, now: Date = new Date()): Record<string, unknown> {
  return {
    id: s.id,
    active: isSessionActive(s, now),
    expires_at: s.expires_at.toISOString(),
    authenticated_at: s.authenticated_at.toISOString(),
    authenticator_assurance_level: s.aal,
    authentication_methods: s.authentication_methods.map((m) => ({
      method: m.method,
      aal: m.aal,
      completed_at: m.completed_at.toISOString(),
      ...(m.provider ? { provider: m.provider } : {}),
    })),
    issued_at: s.issued_at.toISOString(),
    ...(identityJson ? { identity: identityJson } : {}),
    devices: s.devices.map((d) => ({
      id: d.id,
      ...(d.ip_address !== null ? { ip_address: d.ip_address } : {}),
      ...(d.user_agent !== null ? { user_agent: d.user_agent } : {}),
      ...(d.location !== null ? { location: d.location } : {}),
    })),
  };
}
