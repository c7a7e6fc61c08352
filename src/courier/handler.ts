import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../errors/kratos-error.js';
import { isUuid } from '../lib/ids.js';
import { linkHeader, readPageQuery, type PageTokens } from '../lib/pagination.js';
import type { MessageStatus } from './message.js';
import type { CourierQueue, MessageDispatch, QueuedMessage } from './queue.js';

const STATUSES: readonly MessageStatus[] = ['queued', 'processing', 'sent', 'abandoned'];
const DEFAULT_PAGE_SIZE = 250;
const MAX_PAGE_SIZE = 1000;

/** The admin API's view of a message. Bodies carry codes and links: this is only served on the admin port. */
export function messageToJson(m: QueuedMessage, dispatches?: MessageDispatch[]): Record<string, unknown> {
  return {
    id: m.id,
    status: m.status,
    type: m.type === 'sms' ? 'phone' : 'email',
    recipient: m.recipient,
    body: m.body,
    subject: m.subject,
    template_type: m.template_type,
    send_count: m.send_count,
    channel: m.channel,
    ...(dispatches
      ? {
          dispatches: dispatches.map((d) => ({
            id: d.id,
            message_id: d.message_id,
            status: d.status,
            ...(d.error ? { error: d.error } : {}),
            created_at: d.created_at.toISOString(),
            updated_at: d.updated_at.toISOString(),
          })),
        }
      : {}),
    created_at: m.created_at.toISOString(),
    updated_at: m.updated_at.toISOString(),
  };
}

type Query = Record<string, string | undefined>;

export function registerCourierAdminRoutes(app: FastifyInstance, deps: { queue: CourierQueue; pageTokens: PageTokens }): void {
  app.get('/admin/courier/messages', async (req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
    const q = req.query;
    for (const k of ['status', 'recipient'] as const) if (q[k] !== undefined && typeof q[k] !== 'string') throw badRequest(`The \`${k}\` parameter must be given once.`);
    if (q.status !== undefined && !STATUSES.includes(q.status as MessageStatus)) throw badRequest(`Invalid value \`${q.status}\` for parameter \`status\`.`);
    const { pageSize, afterKey: afterId } = readPageQuery(q, deps.pageTokens, { defaultSize: DEFAULT_PAGE_SIZE, maxSize: MAX_PAGE_SIZE, validKey: isUuid }, badRequest);
    const res = await deps.queue.listMessages({ status: q.status as MessageStatus | undefined, recipient: q.recipient || undefined, afterId, limit: pageSize });
    const last = res.messages.at(-1);
    reply.header('link', linkHeader(new URL(req.url, 'http://x'), pageSize, res.hasMore && last ? deps.pageTokens.encode(last.id) : null));
    return res.messages.map((m) => messageToJson(m));
  });

  app.get('/admin/courier/messages/:id', async (req: FastifyRequest<{ Params: { id: string } }>) => {
    // Kratos answers a malformed id with 400 and an unknown one with 404.
    if (!isUuid(req.params.id)) throw badRequest('The message id must be a UUID.');
    const m = await deps.queue.getMessage(req.params.id.toLowerCase());
    if (!m) throw notFound('Unable to locate the resource');
    return messageToJson(m, m.dispatches);
  });
}
