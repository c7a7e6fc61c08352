import addressparser from 'nodemailer/lib/addressparser';
import type { CourierConfig } from '../config/types.js';
import { badRequest } from '../errors/kratos-error.js';
import { addressProblem } from './address.js';
import { withAdminEmail, type AdminEmailData } from './admin-email.js';
import { TEMPLATE_TYPES, type TemplateType } from './message.js';

// The admin API's "send an email": Tessera's body
//   { to, cc?, bcc?, from?, subject, text?, html? }   or   { to, ..., template_type, template_data }
// or ForgeRock IDM's (`external/email?_action=send`)
//   { from?, to, cc?, bcc?, subject, type: "text/plain" | "text/html", body }
// read into one queued message per recipient. Addresses are checked as the courier checks them;
// a subject is one line (a line break is refused, so no header can ever be added through it).

export const MAX_RECIPIENTS = 100;
const MAX_SUBJECT = 998;
const CONTROL = /[\p{Cc}\u2028\u2029]/u;

export interface AdminSendPlan {
  recipients: string[];
  templateType: TemplateType;
  /** Template data for each copy (without `To`, which the courier sets per recipient). */
  data: Record<string, unknown>;
  ignoreLimit: boolean;
  readAs: 'tessera' | 'idm';
}

type Obj = Record<string, unknown>;

function addresses(value: unknown, field: string, required: boolean): string[] {
  if (value === undefined || value === null || value === '') {
    if (required) throw badRequest(`${field}: at least one address is required`, { details: { field } });
    return [];
  }
  const items = typeof value === 'string' ? [value] : Array.isArray(value) ? value : null;
  if (items === null || items.some((v) => typeof v !== 'string')) throw badRequest(`${field}: must be an address or a list of addresses`, { details: { field } });
  const out: string[] = [];
  for (const item of items as string[]) {
    if (CONTROL.test(item)) throw badRequest(`${field}: an address may not hold line breaks or control characters`, { details: { field } });
    // "a@x, Name <b@y>": the list form IDM sends; a display name is dropped, only the address counts.
    const parsed = addressparser(item, { flatten: true });
    if (parsed.length === 0) throw badRequest(`${field}: ${JSON.stringify(item)} holds no address`, { details: { field } });
    for (const p of parsed) {
      const address = (p.address ?? '').trim();
      const problem = addressProblem(address);
      if (problem) throw badRequest(`${field}: ${JSON.stringify(address || item)} ${problem}`, { details: { field } });
      out.push(address);
    }
  }
  if (required && out.length === 0) throw badRequest(`${field}: at least one address is required`, { details: { field } });
  return out;
}

function oneLine(value: unknown, field: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest(`${field}: must be a string`, { details: { field } });
  if (CONTROL.test(value)) throw badRequest(`${field}: must be one line (line breaks and control characters are refused, so nothing can be added to the headers)`, { details: { field } });
  if (value.length > max) throw badRequest(`${field}: must be at most ${max} characters`, { details: { field } });
  return value;
}

function body(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest(`${field}: must be a string`, { details: { field } });
  return value;
}

/** The sender a request asks for, which must be in the domain the email channel sends from. */
function sender(value: unknown, allowedFrom: string | undefined): AdminEmailData['from'] {
  if (value === undefined || value === null || value === '') return undefined;
  let address: string;
  let name: string | undefined;
  if (typeof value === 'string') {
    if (CONTROL.test(value)) throw badRequest('from: may not hold line breaks or control characters', { details: { field: 'from' } });
    const parsed = addressparser(value, { flatten: true });
    if (parsed.length !== 1) throw badRequest('from: must be one address, optionally with a name ("Name <address>")', { details: { field: 'from' } });
    address = parsed[0]!.address ?? '';
    name = parsed[0]!.name || undefined;
  } else if (typeof value === 'object' && !Array.isArray(value) && typeof (value as Obj).address === 'string') {
    address = (value as Obj).address as string;
    name = oneLine((value as Obj).name, 'from.name', 200);
  } else {
    throw badRequest('from: must be an address or {address, name}', { details: { field: 'from' } });
  }
  const problem = addressProblem(address);
  if (problem) throw badRequest(`from: ${JSON.stringify(address)} ${problem}`, { details: { field: 'from' } });
  if (!allowedFrom) throw badRequest('from: the email channel has no sender address configured to check it against; leave from out', { details: { field: 'from' } });
  const domainOf = (a: string) => a.slice(a.lastIndexOf('@') + 1).toLowerCase();
  if (domainOf(address) !== domainOf(allowedFrom)) {
    throw badRequest(`from: must be an address at ${domainOf(allowedFrom)}, the domain the email channel sends from`, { details: { field: 'from' } });
  }
  return name ? { address, name } : { address };
}

/** A plain-text part for an HTML-only message: the text without tags. */
function textFromHtml(html: string): string {
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>|<\/(p|div|h[1-6]|li|tr)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The address the email channel sends from, which bounds what `from` may be. */
export function channelFromAddress(courier: CourierConfig): string | undefined {
  const email = courier.channels.find((c) => c.id === 'email');
  if (email?.type === 'msgraph') return email.msgraph_config?.from;
  if (email?.type === 'smtp') return email.smtp_config?.from_address ?? courier.smtp.from_address;
  if (email?.type === 'http' || courier.delivery_strategy === 'http') return undefined;
  return courier.smtp.from_address;
}

const isIdmBody = (b: Obj) => 'body' in b || (typeof b.type === 'string' && b.type.includes('/'));

export function readAdminSend(raw: unknown, courier: CourierConfig): AdminSendPlan {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw badRequest('The request body must be a JSON object.');
  const b = raw as Obj;
  const idm = isIdmBody(b);
  const known = idm ? ['from', 'to', 'cc', 'bcc', 'subject', 'type', 'body', 'override_rate_limit'] : ['from', 'to', 'cc', 'bcc', 'subject', 'text', 'html', 'template_type', 'template_data', 'override_rate_limit'];
  for (const k of Object.keys(b)) if (!known.includes(k)) throw badRequest(`${k}: unknown field (allowed: ${known.join(', ')})`, { details: { field: k } });

  const to = addresses(b.to, 'to', true);
  const cc = addresses(b.cc, 'cc', false);
  const bcc = addresses(b.bcc, 'bcc', false);
  const seen = new Set<string>();
  const recipients = [...to, ...cc, ...bcc].filter((a) => {
    const k = a.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  if (recipients.length > MAX_RECIPIENTS) throw badRequest(`to, cc and bcc: at most ${MAX_RECIPIENTS} recipients per request`, { details: { field: 'to' } });
  const from = sender(b.from, channelFromAddress(courier));
  const ignore = b.override_rate_limit;
  if (ignore !== undefined && typeof ignore !== 'boolean') throw badRequest('override_rate_limit: must be a boolean', { details: { field: 'override_rate_limit' } });
  const subject = oneLine(b.subject, 'subject', MAX_SUBJECT);
  const addressing = { to, cc, ...(from ? { from } : {}) };

  let text: string | undefined;
  let html: string | undefined;
  if (idm) {
    const type = b.type ?? 'text/plain';
    if (type !== 'text/plain' && type !== 'text/html') throw badRequest('type: must be "text/plain" or "text/html"', { details: { field: 'type' } });
    const content = body(b.body, 'body') ?? '';
    if (type === 'text/html') html = content;
    else text = content;
  } else if (b.template_type !== undefined) {
    if (typeof b.template_type !== 'string' || !(TEMPLATE_TYPES as readonly string[]).includes(b.template_type) || b.template_type === 'otp') {
      throw badRequest(`template_type: must be one of ${TEMPLATE_TYPES.filter((t) => t !== 'otp').join(', ')}`, { details: { field: 'template_type' } });
    }
    if (b.text !== undefined || b.html !== undefined || subject !== undefined) {
      throw badRequest('template_type: give either a template (template_type, template_data) or the content (subject, text, html), not both', { details: { field: 'template_type' } });
    }
    const data = b.template_data ?? {};
    if (data === null || typeof data !== 'object' || Array.isArray(data)) throw badRequest('template_data: must be an object', { details: { field: 'template_data' } });
    if ('To' in data || 'AdminEmail' in data) throw badRequest('template_data: To is set per recipient by Tessera', { details: { field: 'template_data' } });
    return { recipients, templateType: b.template_type as TemplateType, data: withAdminEmail(data as Obj, addressing), ignoreLimit: ignore === true, readAs: 'tessera' };
  } else {
    text = body(b.text, 'text');
    html = body(b.html, 'html');
  }
  if (subject === undefined) throw badRequest('subject: is required', { details: { field: 'subject' } });
  if (text === undefined && html === undefined) throw badRequest('text: give text, html or both (or a template_type)', { details: { field: 'text' } });
  const content = { subject, text: text ?? textFromHtml(html ?? ''), ...(html !== undefined ? { html } : {}) };
  // Stored as Kratos's free-form `stub` message (Subject/Body/HTMLBody), sent as written.
  const data = withAdminEmail({ Subject: content.subject, Body: content.text, ...(html !== undefined ? { HTMLBody: html } : {}) }, { ...addressing, ...content });
  return { recipients, templateType: 'stub', data, ignoreLimit: ignore === true, readAs: idm ? 'idm' : 'tessera' };
}
