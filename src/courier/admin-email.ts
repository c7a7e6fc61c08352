import type { TemplateData } from './message.js';
import type { RenderedEmail, TemplateRenderer } from './templates/renderer.js';

// Email sent through the admin API. One queued message per recipient (To, Cc and Bcc alike), so
// each has its own envelope, retries, per-recipient limit and status; every copy shows the same To
// and Cc headers (Bcc never appears). What the headers show and the optional sender live in the
// message's template data under `AdminEmail`; a message with a `subject` there is sent as written
// (no template), otherwise its template type is rendered as usual.

export interface AdminEmailAddressing {
  /** The To header (every To recipient). */
  to: string[];
  /** The Cc header. */
  cc: string[];
  /** The sender, when the request chose one within what the configuration allows. */
  from?: { address: string; name?: string };
}

export interface AdminEmailContent {
  subject: string;
  text: string;
  html?: string;
}

export type AdminEmailData = AdminEmailAddressing & Partial<AdminEmailContent>;

const KEY = 'AdminEmail';

export function withAdminEmail(data: Record<string, unknown>, admin: AdminEmailData): Record<string, unknown> {
  return { ...data, [KEY]: admin };
}

function adminData(data: TemplateData | Record<string, unknown>): AdminEmailData | null {
  const v = data[KEY];
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const a = v as Partial<AdminEmailData>;
  return Array.isArray(a.to) && Array.isArray(a.cc) ? (a as AdminEmailData) : null;
}

/** The headers and sender an admin-sent message asks for; null for every other message. */
export function adminEmailAddressing(data: TemplateData): AdminEmailAddressing | null {
  const a = adminData(data);
  return a ? { to: a.to, cc: a.cc, ...(a.from ? { from: a.from } : {}) } : null;
}

/** Renders admin-written messages as written and everything else through the templates. */
export function withAdminEmailContent(renderer: TemplateRenderer): TemplateRenderer {
  return {
    renderSms: (type, data) => renderer.renderSms(type, data),
    async renderEmail(type, data): Promise<RenderedEmail> {
      const a = adminData(data);
      if (a && typeof a.subject === 'string' && typeof a.text === 'string') return { subject: a.subject, text: a.text, html: a.html ?? '' };
      return renderer.renderEmail(type, data);
    },
  };
}
