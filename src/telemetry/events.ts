import type { Attributes } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AuthFlow, Metrics } from './metrics.js';
import type { Tracing } from './tracing.js';

/** The parts of a flow an event records (never its UI nodes or values). */
export interface FlowRef {
  id: string;
  type: string;
}
export interface SessionRef {
  id: string;
  identity_id: string;
  aal?: string;
  expires_at?: Date;
}
export interface IdentityRef {
  id: string;
}
/** Who caused an event: the signed-in user, an admin API call, or the system (hooks, imports). */
export type Actor = 'self' | 'admin' | 'system';

interface Base {
  req?: FastifyRequest;
}

/**
 * Security events, each in three places at once from one call: one audit log line (`audit: true`,
 * `event: <name>`), one span event on the request's trace (Kratos's event names and attributes), and
 * Tessera's counters. Flow and API handlers call one method per event, in one line. Nothing here
 * records a secret: no passwords, codes, tokens, cookies or identifiers typed into failed forms.
 */
export class SecurityEvents {
  private readonly audit: Logger;

  constructor(private readonly deps: { logger: Logger; metrics: Metrics; tracing: Tracing }) {
    // Audit lines are written at info even when log.level is set higher, unless logging is off.
    this.audit = deps.logger.level === 'silent' ? deps.logger.child({ audit: true }) : deps.logger.child({ audit: true }, { level: 'info' });
  }

  loginSucceeded(e: Base & { identity: IdentityRef; session: SessionRef; method: string; flow: FlowRef; refresh?: boolean; provider?: string }): void {
    this.deps.metrics.authEvent('login', e.method, 'success');
    this.spanEvent(e.req, 'SessionIssued', { IdentityID: e.identity.id, SessionID: e.session.id, SessionAAL: e.session.aal ?? 'aal1' });
    this.spanEvent(e.req, 'LoginSucceeded', {
      IdentityID: e.identity.id,
      SessionID: e.session.id,
      SelfServiceFlowType: e.flow.type,
      LoginRequestedAAL: e.session.aal ?? 'aal1',
      LoginRequestedPrivilegedSession: e.refresh ?? false,
      SelfServiceMethodUsed: e.method,
      SelfServiceSSOProviderUsed: e.provider ?? '',
    });
    this.log(e.req, 'LoginSucceeded', { identity_id: e.identity.id, session_id: e.session.id, method: e.method, flow_id: e.flow.id, flow_type: e.flow.type, refresh: e.refresh ?? false, provider: e.provider });
  }

  /** `reason` is the UI message id shown (e.g. 4000006), never the submitted values. */
  loginFailed(e: Base & { method: string; flow: FlowRef; reason?: number | string; refresh?: boolean }): void {
    this.deps.metrics.authEvent('login', e.method, 'failure');
    this.spanEvent(e.req, 'LoginFailed', { SelfServiceFlowType: e.flow.type, LoginRequestedAAL: 'aal1', LoginRequestedPrivilegedSession: e.refresh ?? false, SelfServiceMethodUsed: e.method });
    this.log(e.req, 'LoginFailed', { method: e.method, flow_id: e.flow.id, flow_type: e.flow.type, reason: e.reason });
  }

  registrationSucceeded(e: Base & { identity: IdentityRef; method: string; flow: FlowRef; session?: SessionRef | null; provider?: string }): void {
    this.deps.metrics.authEvent('registration', e.method, 'success');
    if (e.session) this.spanEvent(e.req, 'SessionIssued', { IdentityID: e.identity.id, SessionID: e.session.id, SessionAAL: e.session.aal ?? 'aal1' });
    this.spanEvent(e.req, 'IdentityCreated', { IdentityID: e.identity.id });
    this.spanEvent(e.req, 'RegistrationSucceeded', { IdentityID: e.identity.id, SelfServiceFlowType: e.flow.type, SelfServiceMethodUsed: e.method, SelfServiceSSOProviderUsed: e.provider ?? '' });
    this.log(e.req, 'RegistrationSucceeded', { identity_id: e.identity.id, session_id: e.session?.id, method: e.method, flow_id: e.flow.id, flow_type: e.flow.type, provider: e.provider });
  }

  registrationFailed(e: Base & { method: string; flow: FlowRef; reason?: number | string }): void {
    this.flowFailed('registration', 'RegistrationFailed', e);
  }

  /** A settings submission saved: a password change is logged as `PasswordChanged`, a profile one as `ProfileUpdated`. */
  settingsSucceeded(e: Base & { identity: IdentityRef; method: string; flow: FlowRef }): void {
    this.deps.metrics.authEvent('settings', e.method, 'success');
    this.spanEvent(e.req, 'SettingsSucceeded', { IdentityID: e.identity.id, SelfServiceFlowType: e.flow.type, SelfServiceMethodUsed: e.method });
    const name = e.method === 'password' ? 'PasswordChanged' : e.method === 'profile' ? 'ProfileUpdated' : 'SettingsSucceeded';
    this.log(e.req, name, { identity_id: e.identity.id, method: e.method, flow_id: e.flow.id, flow_type: e.flow.type, actor: 'self' });
  }

  settingsFailed(e: Base & { method: string; flow: FlowRef; reason?: number | string }): void {
    this.flowFailed('settings', 'SettingsFailed', e);
  }

  /** An account recovered: the code or link was used and a privileged session issued. */
  recoverySucceeded(e: Base & { identity: IdentityRef; method: string; flow: FlowRef; session?: SessionRef | null }): void {
    this.deps.metrics.authEvent('recovery', e.method, 'success');
    if (e.session) this.spanEvent(e.req, 'SessionIssued', { IdentityID: e.identity.id, SessionID: e.session.id, SessionAAL: e.session.aal ?? 'aal1' });
    this.spanEvent(e.req, 'RecoverySucceeded', { IdentityID: e.identity.id, SelfServiceFlowType: e.flow.type, SelfServiceMethodUsed: e.method });
    this.log(e.req, 'RecoverySucceeded', { identity_id: e.identity.id, session_id: e.session?.id, method: e.method, flow_id: e.flow.id, flow_type: e.flow.type });
  }

  /** An administrator created a recovery code or link for an identity (`POST /admin/recovery/...`). */
  recoveryIssued(e: Base & { identity: IdentityRef; method: string; flow: FlowRef }): void {
    this.log(e.req, 'RecoveryIssued', { identity_id: e.identity.id, method: e.method, flow_id: e.flow.id, actor: 'admin' });
  }

  recoveryFailed(e: Base & { method: string; flow: FlowRef; reason?: number | string }): void {
    this.flowFailed('recovery', 'RecoveryFailed', e);
  }

  verificationSucceeded(e: Base & { identity: IdentityRef; method: string; flow: FlowRef }): void {
    this.deps.metrics.authEvent('verification', e.method, 'success');
    this.spanEvent(e.req, 'VerificationSucceeded', { IdentityID: e.identity.id, SelfServiceFlowType: e.flow.type, SelfServiceMethodUsed: e.method });
    this.log(e.req, 'VerificationSucceeded', { identity_id: e.identity.id, method: e.method, flow_id: e.flow.id, flow_type: e.flow.type });
  }

  verificationFailed(e: Base & { method: string; flow: FlowRef; reason?: number | string }): void {
    this.flowFailed('verification', 'VerificationFailed', e);
  }

  /** A code or link checked: `identity` is the one whose address it verified, or null when it was refused. */
  verificationChecked(e: Base & { identity: IdentityRef | null; method: string; flow: FlowRef }): void {
    if (e.identity) this.verificationSucceeded({ ...e, identity: e.identity });
    else this.verificationFailed(e);
  }

  /** A whoami answered with an active session: a span event only (far too frequent for the audit log). */
  sessionChecked(e: Base & { session: SessionRef }): void {
    this.spanEvent(e.req, 'SessionChecked', { IdentityID: e.session.identity_id, SessionID: e.session.id });
  }

  sessionRevoked(e: Base & { session: SessionRef; actor: Actor }): void {
    this.spanEvent(e.req, 'SessionRevoked', { IdentityID: e.session.identity_id, SessionID: e.session.id });
    this.log(e.req, 'SessionRevoked', { identity_id: e.session.identity_id, session_id: e.session.id, actor: e.actor });
  }

  /** Several sessions of one identity revoked at once (all others, or all by an admin). */
  sessionsRevoked(e: Base & { identityId: string; count: number; actor: Actor; exceptSessionId?: string }): void {
    this.spanEvent(e.req, 'SessionRevoked', { IdentityID: e.identityId });
    this.log(e.req, 'SessionRevoked', { identity_id: e.identityId, count: e.count, except_session_id: e.exceptSessionId, actor: e.actor });
  }

  sessionExtended(e: Base & { session: SessionRef & { expires_at: Date }; actor: Actor }): void {
    this.spanEvent(e.req, 'SessionLifespanExtended', { IdentityID: e.session.identity_id, SessionID: e.session.id, SessionExpiresAt: e.session.expires_at.toISOString() });
    this.log(e.req, 'SessionLifespanExtended', { identity_id: e.session.identity_id, session_id: e.session.id, expires_at: e.session.expires_at.toISOString(), actor: e.actor });
  }

  sessionTokenizedAsJwt(e: Base & { session: SessionRef; template: string; ttlSeconds: number }): void {
    this.spanEvent(e.req, 'SessionTokenizedAsJWT', { IdentityID: e.session.identity_id, SessionID: e.session.id, TokenizedSessionTTL: `${e.ttlSeconds}s` });
  }

  /** A credential (a second factor, a passkey, a linked social account, ...) added to an identity. */
  credentialAdded(e: Base & { identity: IdentityRef; type: string; actor: Actor; provider?: string }): void {
    this.spanEvent(e.req, 'IdentityUpdated', { IdentityID: e.identity.id });
    this.log(e.req, 'CredentialAdded', { identity_id: e.identity.id, credential_type: e.type, provider: e.provider, actor: e.actor });
  }

  credentialRemoved(e: Base & { identity: IdentityRef; type: string; actor: Actor; provider?: string }): void {
    this.spanEvent(e.req, 'IdentityUpdated', { IdentityID: e.identity.id });
    this.log(e.req, 'CredentialRemoved', { identity_id: e.identity.id, credential_type: e.type, provider: e.provider, actor: e.actor });
  }

  identityCreated(e: Base & { identity: IdentityRef; actor: Actor }): void {
    this.spanEvent(e.req, 'IdentityCreated', { IdentityID: e.identity.id });
    this.log(e.req, 'IdentityCreated', { identity_id: e.identity.id, actor: e.actor });
  }

  /** `change` names what an admin changed (`traits`, `state`, `credentials`, ...), never the values. */
  identityUpdated(e: Base & { identity: IdentityRef; actor: Actor; change: string[] }): void {
    this.spanEvent(e.req, 'IdentityUpdated', { IdentityID: e.identity.id });
    this.log(e.req, 'IdentityUpdated', { identity_id: e.identity.id, actor: e.actor, change: e.change });
  }

  identityDeleted(e: Base & { identity: IdentityRef; actor: Actor }): void {
    this.spanEvent(e.req, 'IdentityDeleted', { IdentityID: e.identity.id });
    this.log(e.req, 'IdentityDeleted', { identity_id: e.identity.id, actor: e.actor });
  }

  /**
   * One web hook delivery attempt. Kratos also puts the request and response bodies on its span
   * event; Tessera does not, as they carry traits and possibly secrets.
   */
  webhookDelivered(e: Base & { hook: string; url: string; status: number | null; attempt: number; ok: boolean }): void {
    this.deps.metrics.webhookDelivery(e.hook, e.ok ? 'success' : 'failure');
    const url = redactUrl(e.url);
    this.spanEvent(e.req, 'WebhookDelivered', { WebhookURL: url, WebhookResponseStatusCode: e.status ?? 0, WebhookAttemptNumber: e.attempt });
    this.spanEvent(e.req, e.ok ? 'WebhookSucceeded' : 'WebhookFailed', {});
  }

  private flowFailed(flow: AuthFlow, event: string, e: Base & { method: string; flow: FlowRef; reason?: number | string }): void {
    this.deps.metrics.authEvent(flow, e.method, 'failure');
    this.spanEvent(e.req, event, { SelfServiceFlowType: e.flow.type, SelfServiceMethodUsed: e.method });
    this.log(e.req, event, { method: e.method, flow_id: e.flow.id, flow_type: e.flow.type, reason: e.reason });
  }

  private spanEvent(req: FastifyRequest | undefined, name: string, attributes: Attributes): void {
    const t = this.deps.tracing;
    if (!t.enabled) return;
    const span = (req && t.spanFor(req)) ?? t.active();
    if (!span) return;
    const client = req?.ip;
    // Kratos's attribute names, plus OpenTelemetry's user.id / session.id for tools that know those.
    const extra: Attributes = {};
    if (client) extra.ClientIP = client;
    if (typeof attributes.IdentityID === 'string') extra['user.id'] = attributes.IdentityID;
    if (typeof attributes.SessionID === 'string') extra['session.id'] = attributes.SessionID;
    span.addEvent(name, { ...attributes, ...extra });
  }

  private log(req: FastifyRequest | undefined, event: string, fields: Record<string, unknown>): void {
    const line: Record<string, unknown> = { event };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) line[k] = v;
    if (req) {
      line.client_ip = req.ip;
      const fwd = req.headers['x-forwarded-for'];
      if (typeof fwd === 'string') line.forwarded_for = fwd.slice(0, 256);
      const ua = req.headers['user-agent'];
      if (typeof ua === 'string') line.user_agent = ua.slice(0, 256);
      line.request_id = req.id;
    }
    this.audit.info(line, `audit: ${event}`);
  }
}

/** A URL without credentials or query (web hook URLs may carry API keys in either). */
function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '';
  }
}
