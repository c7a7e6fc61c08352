import { KratosError } from '../../errors/kratos-error.js';

/** 410 for a submission to (or read of) an expired flow, pointing at a fresh one. */
export function flowExpiredError(expiredAt: Date, newFlowId: string | null, now: Date = new Date(), redirectTo?: string): KratosError {
  const agoMs = Math.max(0, now.getTime() - expiredAt.getTime());
  return new KratosError(410, {
    id: 'self_service_flow_expired',
    message: 'self-service flow expired',
    reason: `The self-service flow expired ${(agoMs / 60000).toFixed(2)} minutes ago, initialize a new one.`,
    details: redirectTo ? { redirect_to: redirectTo } : undefined,
    extra: {
      ...(newFlowId ? { use_flow_id: newFlowId } : {}),
      expired_at: expiredAt.toISOString(),
      // Go's time.Duration in nanoseconds, as Kratos serialises it.
      since: agoMs * 1_000_000,
    },
  });
}

/** 422 telling a SPA or native client to send the browser somewhere (it cannot follow a 303 itself). */
export function browserLocationChangeRequired(to: string): KratosError {
  return new KratosError(422, {
    id: 'browser_location_change_required',
    message: 'browser location change required',
    reason: 'In order to complete this flow please redirect the browser to: ' + to,
    extra: { redirect_browser_to: to },
  });
}

/** 400 for starting or submitting a login (without refresh) or registration while signed in. */
export const sessionAlreadyAvailable = (flow: 'login' | 'registration' = 'login') =>
  new KratosError(400, {
    id: 'session_already_available',
    message: 'you are already logged in',
    reason:
      flow === 'login'
        ? 'A valid session was detected and thus login is not possible. Did you forget to set `?refresh=true`?'
        : 'A valid session was detected and thus registration is not possible.',
  });

export const flowNotFound = () => new KratosError(404, { reason: 'The flow could not be found. It may have been deleted or never existed.' });

export const flowDisabled = (flow: string) =>
  new KratosError(400, { id: 'self_service_flow_disabled', reason: `${flow[0]!.toUpperCase()}${flow.slice(1)} is not allowed because it was disabled.` });

/** A browser flow submitted by an API client, or the reverse. */
export const flowTypeMismatch = (expected: 'browser' | 'api') =>
  new KratosError(400, {
    reason:
      expected === 'api'
        ? 'The flow was initialised as an API flow but was submitted by a browser (an Origin header or cookies were sent). Use the browser endpoints for browser clients.'
        : 'The flow was initialised as a browser flow and must be submitted by the browser that started it.',
  });

/** A flow is completed once; a replay (or a concurrent duplicate submission) is refused. */
export const flowAlreadyCompleted = () => new KratosError(400, { reason: 'The flow has already been completed. Start a new flow.' });
