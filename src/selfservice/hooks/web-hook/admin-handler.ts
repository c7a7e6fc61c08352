import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { badRequest, notFound } from '../../../errors/kratos-error.js';
import { isUuid } from '../../../lib/ids.js';
import { linkHeader, readPageQuery, type PageTokens } from '../../../lib/pagination.js';
import { WEB_HOOK_DELIVERY_STATUSES } from './delivery-queue.js';
import type { WebHookDelivery, WebHookDeliveryAttempt, WebHookDeliveryQueue, WebHookDeliveryStatus } from './delivery-queue.js';

const DEFAULT_PAGE_SIZE = 250;
const MAX_PAGE_SIZE = 1000;

export interface WebHookAdminDeps {
  queue: WebHookDeliveryQueue;
  pageTokens: PageTokens;
}

/**
 * The admin API's view of a delivery. The body (which may carry identity data) is shown only on
 * the single-delivery view; credentials are never stored, so never shown.
 */
export function deliveryToJson(d: WebHookDelivery, detail?: { attempts: WebHookDeliveryAttempt[] }): Record<string, unknown> {
  return {
    id: d.id,
    status: d.status,
    hook_id: d.hookId,
    hook_ref: d.hookRef,
    url: d.url,
    method: d.method,
    attempt_count: d.attemptCount,
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    next_attempt_at: d.status === 'queued' || d.status === 'processing' ? d.nextAttemptAt.toISOString() : null,
    delivered_at: d.deliveredAt?.toISOString() ?? null,
    created_at: d.createdAt.toISOString(),
    updated_at: d.updatedAt.toISOString(),
    ...(detail
      ? {
          body: d.body,
          attempts: detail.attempts.map((a) => ({
            id: a.id,
            attempt: a.attempt,
            status_code: a.statusCode,
            error: a.error,
            duration_ms: a.durationMs,
            created_at: a.createdAt.toISOString(),
          })),
        }
      : {}),
  };
}

type Query = Record<string, string | undefined>;

/** `GET /admin/web-hooks/deliveries` (paged, `status` filter) and `GET /admin/web-hooks/deliveries/{id}`. */
export function registerWebHookAdminRoutes(app: FastifyInstance, deps: WebHookAdminDeps): void {
  app.get('/admin/web-hooks/deliveries', async (req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
    const q = req.query;
    if (q.status !== undefined && !WEB_HOOK_DELIVERY_STATUSES.includes(q.status as WebHookDeliveryStatus)) {
      throw badRequest(`Invalid value \`${q.status}\` for parameter \`status\`: expected one of ${WEB_HOOK_DELIVERY_STATUSES.join(', ')}.`);
    }
    const { pageSize, afterKey: afterId } = readPageQuery(q, deps.pageTokens, { defaultSize: DEFAULT_PAGE_SIZE, maxSize: MAX_PAGE_SIZE, validKey: isUuid }, badRequest);
    const res = await deps.queue.list({ status: q.status as WebHookDeliveryStatus | undefined, afterId, limit: pageSize });
    const last = res.deliveries.at(-1);
    reply.header('link', linkHeader(new URL(req.url, 'http://x'), pageSize, res.hasMore && last ? deps.pageTokens.encode(last.id) : null));
    return res.deliveries.map((d) => deliveryToJson(d));
  });

  app.get('/admin/web-hooks/deliveries/:id', async (req: FastifyRequest<{ Params: { id: string } }>) => {
    if (!isUuid(req.params.id)) throw badRequest('The delivery id must be a UUID.');
    const d = await deps.queue.get(req.params.id.toLowerCase());
    if (!d) throw notFound('Unable to locate the resource');
    return deliveryToJson(d, d);
  });
}
