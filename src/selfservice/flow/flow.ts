import type { UiContainerJson } from './ui-json.js';

export type FlowKind = 'login' | 'registration' | 'settings' | 'recovery' | 'verification';
export type FlowType = 'browser' | 'api';

/**
 * A self-service flow as stored. Fields shared by all kinds are columns; what a kind adds lives in
 * `data` (login: refresh, requested_aal; settings: the identity; ...). The CSRF token is the raw
 * cookie token the flow was created for and is never serialised to clients.
 */
export interface Flow<D extends Record<string, unknown> = Record<string, unknown>> {
  id: string;
  kind: FlowKind;
  type: FlowType;
  state: string;
  identity_id: string | null;
  expires_at: Date;
  issued_at: Date;
  request_url: string;
  return_to: string | null;
  active: string | null;
  csrf_token: string;
  ui: UiContainerJson;
  data: D;
  created_at: Date;
  updated_at: Date;
}

export function isExpired(flow: Flow, now: Date = new Date()): boolean {
  return flow.expires_at.getTime() <= now.getTime();
}

export interface FlowPool {
  createFlow(flow: Flow): Promise<void>;
  getFlow(id: string, kind: FlowKind): Promise<Flow | null>;
  updateFlow(flow: Flow): Promise<void>;
  /** Compare-and-set of the state; true when this call made the change. */
  transitionState(id: string, kind: FlowKind, from: string, to: string): Promise<boolean>;
  /** Saves the whole flow if its stored state is still `from` (compare-and-set); true when this call saved it. */
  updateFlowIfState(flow: Flow, from: string): Promise<boolean>;
}

export interface StoredError {
  id: string;
  error: Record<string, unknown>;
  csrf_token: string;
  created_at: Date;
  updated_at: Date;
}

export interface ErrorPool {
  createError(e: StoredError): Promise<void>;
  getError(id: string): Promise<StoredError | null>;
}
