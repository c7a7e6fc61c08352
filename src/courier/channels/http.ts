import { validateHeaderName, validateHeaderValue } from 'node:http';

import type { JsonnetWorkerPool, JsonValue } from '@tessera/jsonnet';
import type { HttpAuthConfig } from '../../config/types.js';
import type { Channel } from '../channel.js';
import { DeliveryError } from '../message.js';
import type { MessageType, OutgoingMessage, TemplateData } from '../message.js';
import { JsonnetBodyTemplate } from './jsonnet-body.js';
import {
  bodyExcerpt,
  createNodeRequester,
  exceptionSet,
  OutboundRequestError,
  privateGuardExempt,
  redactUrl,
  requesterFromFetch,
} from './outbound-request.js';
import type { OutboundRequester } from './outbound-request.js';

// An email or SMS channel that POSTs (or PUTs, ...) one request per message to an HTTP API, the
// body built by a Jsonnet template from the message (`courier.http.request_config`,
// `courier.channels[].request_config`, legacy `courier.sms.request_config`).

export interface HttpChannelRequestConfig {
  /** Absolute http(s) URL. */
  url: string;
  /** Default POST. */
  method?: string;
  headers?: Record<string, string>;
  /** Jsonnet template URI: file://, base64://, http(s)://. Default: Kratos's default body (recipient, template_type, to, codes, URLs, subject, body). */
  body?: string;
  auth?: HttpAuthConfig;
}

export interface HttpChannelConfig {
  id: string;
  type: MessageType;
  request_config: HttpChannelRequestConfig;
  /** SMS only: the sender name or number, given to the template as `ctx.from` (legacy `courier.sms.from`). */
  from?: string;
}

/** What channels log through; pino's logger fits. Message bodies are never logged. */
export interface ChannelLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface HttpChannelOptions {
  /** Sends requests with this fetch instead of node:http (the private-address check then resolves names up front). */
  fetch?: typeof fetch;
  /** Deadline for one request, connect to last byte (default 10 s, as Kratos's connection timeout). */
  timeoutMs?: number;
  /** Allow loopback, private and link-local destinations (`clients.http.disallow_private_ip_ranges: false`). Default false. */
  allowPrivateNetworks?: boolean;
  /** URLs reached even when private (`clients.http.private_ip_exception_urls`; exact match). */
  privateIpExceptionUrls?: readonly string[];
  logger?: ChannelLogger;
  /** Base of relative file:// template paths (default: the working directory). */
  cwd?: string;
  /** Evaluate body templates on this pool's threads instead of the event loop's. */
  jsonnetPool?: JsonnetWorkerPool;
}

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const EXCERPT_BYTES = 512;
const DEFAULT_TIMEOUT_MS = 10_000;

/** The body Kratos sends when `request_config.body` is not set (same fields; our own program). */
const DEFAULT_BODY = `function(ctx)
  local data = if std.objectHas(ctx, 'template_data') && std.isObject(ctx.template_data) then ctx.template_data else {};
  local pick(k) = if std.objectHas(data, k) then data[k] else null;
  {
    recipient: ctx.recipient,
    template_type: ctx.template_type,
    to: pick('to'),
    recovery_code: pick('recovery_code'),
    recovery_url: pick('recovery_url'),
    verification_url: pick('verification_url'),
    verification_code: pick('verification_code'),
    subject: ctx.subject,
    body: ctx.body,
  }
`;
const DEFAULT_BODY_URI = 'base64://' + Buffer.from(DEFAULT_BODY).toString('base64');

/** Go-style field name to its JSON tag in Kratos's template models: `RecoveryURL` → `recovery_url`. */
export function snakeCaseKey(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** Template data as Kratos serialises its template models (`to`, `recovery_code`, `identity`, ...). */
export function templateDataForJsonnet(data: TemplateData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) if (v !== undefined) out[snakeCaseKey(k)] = v;
  return out;
}

/**
 * The `ctx` a body template sees. Kratos v1.3 binds `recipient, subject, body, template_type,
 * template_data, message_type`; HTML email adds `html_body` (as later Kratos versions do); SMS
 * channels also get `to` and, when configured, `from` (the v1.0 SMS body's fields).
 */
export function httpChannelContext(message: OutgoingMessage, from?: string): Record<string, unknown> {
  const ctx: Record<string, unknown> = {
    recipient: message.recipient,
    subject: message.subject,
    body: message.bodyText,
    template_type: message.templateType,
    template_data: templateDataForJsonnet(message.templateData),
    message_type: message.type,
  };
  if (message.type === 'email' && message.bodyHtml !== undefined) ctx.html_body = message.bodyHtml;
  if (message.type === 'sms') {
    ctx.to = message.recipient;
    if (from !== undefined) ctx.from = from;
  }
  return ctx;
}

function scalarToString(v: JsonValue): string | null {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

/** A form body from the template's result: a flat object of scalars (an array of scalars repeats its key). */
function formBody(value: JsonValue): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new DeliveryError('request body template must produce an object for a form-encoded body', { permanent: true });
  }
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(value)) {
    const items = Array.isArray(v) ? v : [v];
    for (const item of items) {
      const s = scalarToString(item);
      if (s === null) {
        throw new DeliveryError(`request body template: field "${k}" is not a string, number or boolean; a form-encoded body is flat`, { permanent: true });
      }
      params.append(k, s);
    }
  }
  return params.toString();
}

function validateUrl(raw: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${what}: "${raw}" is not an absolute URL`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new Error(`${what}: "${raw}" is not an http(s) URL`);
  }
  return url;
}

export function createHttpChannel(cfg: HttpChannelConfig, opts: HttpChannelOptions = {}): Channel {
  const rc = cfg.request_config;
  const url = validateUrl(rc.url, `courier channel "${cfg.id}" request_config.url`);
  const method = (rc.method ?? 'POST').toUpperCase();
  const exceptions = exceptionSet(opts.privateIpExceptionUrls);
  const allowPrivateNetworks = opts.allowPrivateNetworks ?? false;
  const sendAllowPrivate = privateGuardExempt(url, allowPrivateNetworks, exceptions);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const server = redactUrl(url.origin);

  const node = opts.fetch === undefined ? createNodeRequester() : null;
  const requester: OutboundRequester = node !== null ? node.request : requesterFromFetch(opts.fetch!);

  // Headers as configured; Content-Type defaults to JSON, as in Kratos.
  const headers: Record<string, string> = {};
  let contentType: string | undefined;
  for (const [k, v] of Object.entries(rc.headers ?? {})) {
    if (k.toLowerCase() === 'content-type') contentType = v;
    else headers[k] = v;
  }
  contentType ??= JSON_TYPE;
  headers['Content-Type'] = contentType;
  const isForm = contentType.split(';')[0]!.trim().toLowerCase() === FORM;

  const auth = rc.auth;
  if (auth !== undefined) {
    if (auth.type === 'basic_auth') {
      headers.Authorization = 'Basic ' + Buffer.from(`${auth.config.user}:${auth.config.password}`).toString('base64');
    } else if (auth.type === 'api_key') {
      if (auth.config.in === 'cookie') {
        const existing = Object.keys(headers).find((k) => k.toLowerCase() === 'cookie');
        const pair = `${auth.config.name}=${auth.config.value}`;
        if (existing !== undefined) headers[existing] = `${headers[existing]}; ${pair}`;
        else headers.Cookie = pair;
      } else {
        const existing = Object.keys(headers).find((k) => k.toLowerCase() === auth.config.name.toLowerCase());
        if (existing !== undefined) delete headers[existing];
        headers[auth.config.name] = auth.config.value;
      }
    } else {
      throw new Error(`courier channel "${cfg.id}": unsupported auth type ${(auth as { type: string }).type}`);
    }
  }
  for (const [k, v] of Object.entries(headers)) {
    try {
      validateHeaderName(k);
      validateHeaderValue(k, v);
    } catch (err) {
      throw new Error(`courier channel "${cfg.id}" request_config: invalid header ${JSON.stringify(k)}: ${(err as Error).message}`);
    }
  }

  const template = new JsonnetBodyTemplate(rc.body ?? DEFAULT_BODY_URI, {
    requester,
    allowPrivateNetworks,
    privateIpExceptions: exceptions,
    fetchTimeoutMs: timeoutMs,
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    ...(opts.jsonnetPool !== undefined ? { pool: opts.jsonnetPool } : {}),
  });
  // TRACE is the one method that never carries a body (as in Kratos).
  const sendsBody = method !== 'TRACE';

  return {
    id: cfg.id,
    type: cfg.type,

    async send(message: OutgoingMessage): Promise<void> {
      let body: string | undefined;
      if (sendsBody) {
        const value = await template.render(httpChannelContext(message, cfg.from));
        body = isForm ? formBody(value) : JSON.stringify(value);
      }
      let res;
      try {
        res = await requester({
          url,
          method,
          headers,
          ...(body !== undefined ? { body } : {}),
          timeoutMs,
          allowPrivateNetworks: sendAllowPrivate,
          maxResponseBytes: EXCERPT_BYTES,
          onOverflow: 'truncate',
        });
      } catch (err) {
        if (err instanceof OutboundRequestError) {
          opts.logger?.warn({ channel: cfg.id, message_id: message.id, http_server: server, reason: err.code }, 'courier HTTP request failed');
          // No answer at all (refused, DNS, TLS, time-out): the server is away, not this message's fault.
          throw new DeliveryError(`courier channel "${cfg.id}": ${err.message}`, { unreachable: true, cause: err });
        }
        throw err;
      }
      if (res.status >= 200 && res.status <= 299) {
        opts.logger?.debug({ channel: cfg.id, message_id: message.id, status: res.status }, 'courier HTTP request accepted');
        return;
      }
      const excerpt = bodyExcerpt(res.body, res.truncated, EXCERPT_BYTES);
      opts.logger?.warn({ channel: cfg.id, message_id: message.id, http_server: server, status: res.status }, 'courier HTTP request refused');
      throw new DeliveryError(
        `courier channel "${cfg.id}": upstream server replied with status code ${res.status}` + (excerpt === '' ? '' : `: ${excerpt}`),
      );
    },

    async close(): Promise<void> {
      node?.close();
    },
  };
}

/** Legacy Kratos v1.x `courier.sms`: `{enabled, from, request_config}`. */
export interface LegacySmsConfig {
  enabled: boolean;
  from?: string;
  request_config?: HttpChannelRequestConfig;
}

/**
 * The channel `courier.sms` describes, as the `sms` channel with `from` given to the template, or
 * null when it is disabled or has no request_config.
 */
export function legacySmsChannelConfig(sms: LegacySmsConfig | undefined): HttpChannelConfig | null {
  if (sms === undefined || !sms.enabled || sms.request_config === undefined) return null;
  return { id: 'sms', type: 'sms', request_config: sms.request_config, ...(sms.from !== undefined ? { from: sms.from } : {}) };
}
