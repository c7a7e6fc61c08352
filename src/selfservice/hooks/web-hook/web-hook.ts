import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';

import type { JsonValue } from '@tessera/jsonnet';
import { JsonnetBodyTemplate } from '../../../courier/channels/jsonnet-body.js';
import type { JsonnetBodyOptions } from '../../../courier/channels/jsonnet-body.js';
import { OutboundRequestError } from '../../../courier/channels/outbound-request.js';
import type { OutboundResponse } from '../../../courier/channels/outbound-request.js';
import { internal, KratosError } from '../../../errors/kratos-error.js';
import { canonicalHeaderKey, CONTENT_TYPE_FORM, displayUrl, WebHookConfigError } from './config.js';
import type { ResolvedWebHook, WebHookConfig } from './config.js';
import type { WebHookCatalog } from './catalog.js';
import type { WebHookDeliveryQueue } from './delivery-queue.js';
import type { WebHookSender } from './sender.js';

// Runs one `web_hook` hook as Kratos v1.3 does (selfservice/hook/web_hook.go), with three changes
// that only make it safer: a bounded deadline per attempt, a durable queue instead of a detached
// goroutine for `response.ignore`, and optional Standard Webhooks signatures.

/** What the flow hands the hook. JSON values are sent as they are (the wire shapes). */
export interface WebHookContext {
  /** The flow's JSON, `transient_payload` included. */
  flow: Record<string, unknown>;
  /** The identity's JSON with its real id (after hooks). */
  identity?: Record<string, unknown>;
  /** The session's JSON (login, recovery, registration post-persist, settings). */
  session?: Record<string, unknown>;
  /** The browser's or app's request that led here. */
  request: {
    /** Node's `req.headers` (lower-case names); only allow-listed ones reach the template. */
    headers: Record<string, string | string[] | undefined>;
    method: string;
    /** The full URL, scheme and host included. */
    url: string;
    cookies: Record<string, string>;
  };
}

export interface WebHookMessage {
  id: number;
  text: string;
  /** Kratos keeps "error"; any other type becomes "info". */
  type: 'error' | 'info';
  context?: Record<string, unknown>;
}

/** Messages for one place in the form: `#/traits/email` for a field, `` or `#/` for the whole form. */
export interface WebHookFieldMessages {
  instancePtr: string;
  messages: WebHookMessage[];
}

/** Identity fields a `parse` hook replaced (whole values, never merged), in the identity's JSON shape. */
export interface WebHookIdentityPatch {
  traits?: unknown;
  schema_id?: string;
  state?: string;
  verifiable_addresses?: unknown[];
  recovery_addresses?: unknown[];
  metadata_public?: unknown;
  metadata_admin?: unknown;
}

export type WebHookResult =
  /** The call succeeded; nothing to change. */
  | { kind: 'ok' }
  /** The body template said `error "cancel"`: no call was made. */
  | { kind: 'canceled' }
  /** `response.ignore`: stored for background delivery. */
  | { kind: 'queued'; deliveryId: string }
  /** `parse` and a 200 with `identity`: apply these fields to the identity before it is stored. */
  | { kind: 'identity'; patch: WebHookIdentityPatch }
  /** `parse` and a status >= 400 with messages: show the form again with these. */
  | { kind: 'interrupt'; messages: WebHookFieldMessages[] };

/** Span-event style notifications (Kratos's WebhookDelivered / WebhookSucceeded / WebhookFailed) for `emit_analytics_event` hooks. */
export type WebHookEvent =
  | { name: 'WebhookDelivered'; hookId: string | undefined; url: string; attempt: number; statusCode: number }
  | { name: 'WebhookSucceeded'; hookId: string | undefined; url: string }
  | { name: 'WebhookFailed'; hookId: string | undefined; url: string; reason: string };

export interface WebHookRunnerDeps {
  catalog: WebHookCatalog;
  sender: WebHookSender;
  queue: WebHookDeliveryQueue;
  logger: Logger;
  /** `clients.web_hook.header_allowlist` (Kratos v1.3's fixed list by default). */
  headerAllowlist: readonly string[];
  /** How body templates are fetched (private-address guard, size and time limits). */
  templates: Omit<JsonnetBodyOptions, 'pool'>;
  /** Called after a delivery is queued, so a local worker can pick it up at once. */
  onQueued?: () => void;
  onEvent?: (e: WebHookEvent) => void;
  now?: () => Date;
  /** Wait before the second attempt; doubles for the third (default 1 s, as Kratos's client). */
  retryBaseMs?: number;
}

const ATTEMPTS = 3;
export const REASON_UNREACHABLE = 'A third-party upstream service could not be reached. Please try again later.';
export const REASON_IMPROPER = 'A third-party upstream service responded improperly. Please try again later.';

function upstreamTimeout(cause: unknown): KratosError {
  return new KratosError(504, { reason: REASON_UNREACHABLE, message: 'The upstream service timed out or could not be reached', cause });
}

function badGateway(detail: string, cause?: unknown): KratosError {
  return new KratosError(502, { reason: REASON_IMPROPER, message: 'The upstream service returned an invalid response', cause: cause ?? new Error(detail) });
}

class CancelRequested extends Error {}

/** Whether a template failure is `error "cancel"`. */
function isCancel(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    // By name: the interpreter is loaded lazily with the first template (jsonnet-body.ts).
    if (e.name === 'RuntimeError' && (e as Error & { rawMessage?: unknown }).rawMessage === 'cancel') return true;
  }
  return false;
}

/** The guard refused the address, or the URL cannot be requested: trying again cannot help. */
export function isRefusedAddress(err: OutboundRequestError): boolean {
  // The guard's error also carries a Node-style code for callers that only see `.code`.
  const code = (err as { code: string }).code;
  return code === 'private_address' || code === 'ERR_TESSERA_PRIVATE_ADDRESS' || code === 'invalid_url';
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class WebHookRunner {
  private readonly templates = new Map<string, JsonnetBodyTemplate>();
  private readonly allow: ReadonlySet<string>;
  private readonly now: () => Date;

  constructor(private readonly deps: WebHookRunnerDeps) {
    this.allow = new Set(deps.headerAllowlist.map(canonicalHeaderKey));
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Runs one hook. Throws KratosError: 504 when the peer cannot be reached in time, 502 when it
   * answers improperly, 500 for a broken body template or configuration. Which phase a hook runs in
   * (pre- or post-persist) is the executor's call: Kratos runs `parse` hooks before the identity or
   * settings change is stored and the others after.
   */
  async run(cfg: WebHookConfig, ctx: WebHookContext): Promise<WebHookResult> {
    let hook: ResolvedWebHook;
    try {
      hook = this.deps.catalog.resolve(cfg);
    } catch (err) {
      if (err instanceof WebHookConfigError) throw internal('A web hook is misconfigured.', { cause: err });
      throw err;
    }
    const log = this.deps.logger.child({ web_hook: hook.id ?? hook.ref, url: displayUrl(hook.url) });
    let body: string | undefined;
    try {
      body = hook.body === undefined ? undefined : await this.render(hook, this.templateContext(ctx));
    } catch (err) {
      if (err instanceof CancelRequested) {
        log.debug('web hook canceled by its body template');
        return { kind: 'canceled' };
      }
      log.error({ err }, 'web hook body template failed');
      this.event(hook, { name: 'WebhookFailed', reason: 'body template failed' });
      throw internal('The web hook body template failed.', { cause: err });
    }

    if (hook.ignore) {
      const d = await this.deps.queue.enqueue(
        { hookRef: hook.ref, hookId: hook.id ?? null, url: displayUrl(hook.url), method: hook.method, body: body ?? null },
        this.now(),
      );
      log.info({ delivery_id: d.id }, 'web hook queued for background delivery');
      this.deps.onQueued?.();
      return { kind: 'queued', deliveryId: d.id };
    }

    const started = Date.now();
    try {
      const res = await this.call(hook, body, log);
      const result = this.interpret(hook, res);
      log.info({ status: res.status, duration_ms: Date.now() - started }, 'web hook call succeeded');
      this.event(hook, { name: 'WebhookSucceeded' });
      return result;
    } catch (err) {
      log.error({ duration_ms: Date.now() - started, err: err instanceof KratosError ? (err.cause ?? err) : err }, 'web hook call failed');
      this.event(hook, { name: 'WebhookFailed', reason: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  /** Kratos's `ctx`: the flow, the filtered request headers, method, URL, cookies, identity and session. */
  templateContext(ctx: WebHookContext): Record<string, unknown> {
    const headers: Record<string, string[]> = {};
    for (const [name, value] of Object.entries(ctx.request.headers)) {
      if (value === undefined) continue;
      const key = canonicalHeaderKey(name);
      if (!this.allow.has(key)) continue;
      (headers[key] ??= []).push(...(Array.isArray(value) ? value : [value]));
    }
    return {
      flow: ctx.flow,
      request_headers: headers,
      request_method: ctx.request.method,
      request_url: ctx.request.url,
      request_cookies: ctx.request.cookies,
      ...(ctx.identity !== undefined ? { identity: ctx.identity } : {}),
      ...(ctx.session !== undefined ? { session: ctx.session } : {}),
    };
  }

  private template(uri: string): JsonnetBodyTemplate {
    let t = this.templates.get(uri);
    if (t === undefined) {
      t = new JsonnetBodyTemplate(uri, this.deps.templates);
      this.templates.set(uri, t);
    }
    return t;
  }

  private async render(hook: ResolvedWebHook, ctx: Record<string, unknown>): Promise<string> {
    let value: JsonValue;
    try {
      value = await this.template(hook.body!).render(ctx);
    } catch (err) {
      if (isCancel(err)) throw new CancelRequested();
      throw err;
    }
    if (hook.contentType !== CONTENT_TYPE_FORM) return JSON.stringify(value);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('a form-encoded web hook body template must produce an object');
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(value)) {
      if (v !== null && typeof v === 'object') throw new Error(`form-encoded web hook body: field ${JSON.stringify(k)} must be a string, number or boolean`);
      params.append(k, v === null ? '' : String(v));
    }
    return params.toString();
  }

  /** Up to three attempts on network errors, 429 and 5xx (not 501), as Kratos's retrying client. A timeout ends the call. */
  private async call(hook: ResolvedWebHook, body: string | undefined, log: Logger): Promise<OutboundResponse> {
    const messageId = randomUUID();
    const base = this.deps.retryBaseMs ?? 1000;
    for (let attempt = 1; ; attempt++) {
      let res: OutboundResponse;
      try {
        res = await this.deps.sender.send(hook, messageId, body);
      } catch (err) {
        if (!(err instanceof OutboundRequestError)) throw err;
        if (err.code === 'timeout') throw upstreamTimeout(err);
        if (isRefusedAddress(err)) throw internal('A web hook is misconfigured.', { cause: err });
        if (attempt >= ATTEMPTS) throw upstreamTimeout(err);
        log.warn({ attempt, reason: err.code }, 'web hook attempt failed, retrying');
        await sleep(base * 2 ** (attempt - 1));
        continue;
      }
      this.event(hook, { name: 'WebhookDelivered', attempt, statusCode: res.status });
      const retryable = res.status === 429 || (res.status >= 500 && res.status !== 501);
      if (!retryable || attempt >= ATTEMPTS) return res;
      log.warn({ attempt, status: res.status }, 'web hook attempt failed, retrying');
      await sleep(base * 2 ** (attempt - 1));
    }
  }

  private interpret(hook: ResolvedWebHook, res: OutboundResponse): WebHookResult {
    if (res.status >= 400) {
      if (hook.parse) return { kind: 'interrupt', messages: parseMessages(res) };
      throw badGateway(`web hook failed with status code ${res.status}`);
    }
    if (!hook.parse || res.status !== 200) return { kind: 'ok' };
    const patch = parseIdentity(res);
    return patch === null ? { kind: 'ok' } : { kind: 'identity', patch };
  }

  private event(hook: ResolvedWebHook, e: { name: 'WebhookSucceeded' } | { name: 'WebhookFailed'; reason: string } | { name: 'WebhookDelivered'; attempt: number; statusCode: number }): void {
    if (!hook.emitAnalyticsEvent || this.deps.onEvent === undefined) return;
    this.deps.onEvent({ ...e, hookId: hook.id, url: displayUrl(hook.url) } as WebHookEvent);
  }
}

function parseJson(res: OutboundResponse): unknown {
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch (err) {
    throw badGateway(`web hook answered status ${res.status} with a body that is not JSON`, err);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `{"messages":[{"instance_ptr","messages":[{"id","text","type","context"}]}]}` from a refusing hook. */
export function parseMessages(res: OutboundResponse): WebHookFieldMessages[] {
  const doc = parseJson(res);
  if (!isObject(doc) || (doc.messages !== undefined && doc.messages !== null && !Array.isArray(doc.messages))) {
    throw badGateway(`web hook answered status ${res.status} without a messages list`);
  }
  const out: WebHookFieldMessages[] = [];
  for (const entry of (doc.messages as unknown[] | null | undefined) ?? []) {
    if (!isObject(entry)) throw badGateway('web hook messages entry is not an object');
    const ptr = entry.instance_ptr ?? '';
    const list = entry.messages ?? [];
    if (typeof ptr !== 'string' || !Array.isArray(list)) throw badGateway('web hook messages entry has an invalid instance_ptr or messages');
    const messages: WebHookMessage[] = [];
    for (const m of list) {
      if (!isObject(m)) throw badGateway('web hook message is not an object');
      const id = m.id ?? 0;
      if (typeof id !== 'number' || !Number.isInteger(id)) throw badGateway('web hook message id is not an integer');
      if (m.text !== undefined && typeof m.text !== 'string') throw badGateway('web hook message text is not a string');
      if (m.context !== undefined && m.context !== null && !isObject(m.context)) throw badGateway('web hook message context is not an object');
      messages.push({
        id,
        text: (m.text as string | undefined) ?? '',
        type: m.type === 'error' ? 'error' : 'info',
        ...(isObject(m.context) ? { context: m.context } : {}),
      });
    }
    out.push({ instancePtr: ptr, messages });
  }
  // Kratos answers this with a 500 ("got no validation errors"); it is the peer that misbehaved, so a 502.
  if (out.length === 0) throw badGateway(`web hook answered status ${res.status} with no messages`);
  return out;
}

/** The identity fields a 200 answer replaces; null when it carries no `identity`. */
export function parseIdentity(res: OutboundResponse): WebHookIdentityPatch | null {
  const doc = parseJson(res);
  if (!isObject(doc)) throw badGateway('web hook answer is not a JSON object');
  const id = doc.identity;
  if (id === undefined || id === null) return null;
  if (!isObject(id)) throw badGateway('web hook answer has an identity that is not an object');
  const patch: WebHookIdentityPatch = {};
  const str = (k: 'schema_id' | 'state') => {
    const v = id[k];
    if (v === undefined || v === null || v === '') return;
    if (typeof v !== 'string') throw badGateway(`web hook answer has an identity ${k} that is not a string`);
    patch[k] = v;
  };
  const list = (k: 'verifiable_addresses' | 'recovery_addresses') => {
    const v = id[k];
    if (v === undefined || v === null) return;
    if (!Array.isArray(v)) throw badGateway(`web hook answer has identity ${k} that is not a list`);
    if (v.length > 0) patch[k] = v;
  };
  if (id.traits !== undefined && id.traits !== null) patch.traits = id.traits;
  str('schema_id');
  str('state');
  list('verifiable_addresses');
  list('recovery_addresses');
  if (id.metadata_public !== undefined && id.metadata_public !== null) patch.metadata_public = id.metadata_public;
  if (id.metadata_admin !== undefined && id.metadata_admin !== null) patch.metadata_admin = id.metadata_admin;
  return patch;
}
