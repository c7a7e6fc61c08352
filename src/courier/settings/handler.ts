import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest } from '../../errors/kratos-error.js';
import { readAdminSend } from '../admin-send.js';
import type { Courier } from '../courier.js';
import { messageToJson } from '../handler.js';
import type { QueuedMessage } from '../queue.js';
import { addUtf8JsonParser } from '../../http/kit/storable-input.js';
import { redactedView, type EmailSettingsService, type EmailSettingsView } from './email-settings.js';

// Admin API for the outbound email service (admin port only):
//   GET|PUT|PATCH|DELETE /admin/courier/email/settings   the email channel settings
//   POST /admin/courier/email/settings/test               connect and authenticate, send nothing
//   POST /admin/courier/email/send                        queue an email
// and, for tools written against ForgeRock IDM, the same under IDM's names:
//   GET|PUT|PATCH|DELETE /admin/config/external.email, POST /admin/external/email?_action=send|testConnection

export interface EmailAdminDeps {
  settings: EmailSettingsService;
  courier: Courier;
}

function answer(view: EmailSettingsView, read?: { readAs: string; notes: string[] }): Record<string, unknown> {
  const out = redactedView(view);
  if (read) {
    out.read_as = read.readAs;
    out.notes = read.notes;
  }
  return out;
}

export function registerEmailAdminRoutes(parent: FastifyInstance, deps: EmailAdminDeps): void {
  void parent.register(async (app) => routes(app, deps));
}

function routes(app: FastifyInstance, deps: EmailAdminDeps): void {
  const s = deps.settings;
  // PATCH bodies are JSON Patch documents, sent as such.
  addUtf8JsonParser(app, 'application/json-patch+json');

  const get = async () => answer(await s.view());
  const put = async (req: FastifyRequest) => {
    const r = await s.put(req.body);
    return answer(r.view, { readAs: r.view.readAs ?? 'tessera', notes: r.notes });
  };
  const patch = async (req: FastifyRequest) => {
    const r = await s.patch(req.body);
    return answer(r.view, { readAs: 'tessera', notes: r.notes });
  };
  const del = async () => answer(await s.delete());
  const test = async (req: FastifyRequest<{ Querystring: { channel?: string } }>) => s.testConnection(req.body, req.query.channel || 'email');
  const send = async (req: FastifyRequest, reply: FastifyReply) => {
    const { courier } = await s.effective();
    const plan = readAdminSend(req.body, courier);
    // Every copy is checked before any is queued; each copy then stands alone (its own status,
    // retries and limit), so they are queued one by one rather than in one long transaction.
    const messages: QueuedMessage[] = [];
    for (const to of plan.recipients) messages.push(await deps.courier.queueEmail(to, plan.templateType, plan.data, { ignoreLimit: plan.ignoreLimit }));
    reply.code(202);
    return {
      ...(plan.readAs === 'idm' ? { status: 'OK' } : {}),
      messages: messages.map((m) => ({ ...messageToJson(m), ...(m.status === 'abandoned' ? { suppressed: true } : {}) })),
    };
  };

  for (const path of ['/admin/courier/email/settings', '/admin/config/external.email']) {
    app.get(path, get);
    app.put(path, put);
    app.patch(path, patch);
    app.delete(path, del);
  }
  app.post('/admin/courier/email/settings/test', test);
  app.post('/admin/courier/email/send', send);
  app.post('/admin/external/email', async (req: FastifyRequest<{ Querystring: { _action?: string; channel?: string } }>, reply: FastifyReply) => {
    if (req.query._action === 'send') return send(req, reply);
    if (req.query._action === 'testConnection') return test(req);
    throw badRequest('_action must be "send" or "testConnection".');
  });
}

