import { createHash } from 'node:crypto';
import { validateHeaderName, validateHeaderValue } from 'node:http';

import type { ConfigIssue } from '../../../config/config-error.js';
import type { HookConfig, HttpAuthConfig, SelfServiceFlowName, TesseraConfig, WebHookConfig } from '../../../config/types.js';

// The `web_hook` hook's configuration (Kratos `definitions.selfServiceWebHook`) and the checks that
// run at start-up, so a hook that could never work is refused before the first sign-up needs it.

export type { HttpAuthConfig, WebHookConfig };

export const CONTENT_TYPE_JSON = 'application/json';
export const CONTENT_TYPE_FORM = 'application/x-www-form-urlencoded';

/** A web hook's configuration with Kratos's defaults applied and the deprecated keys folded in. */
export interface ResolvedWebHook {
  /** `id` when configured: a label for logs, and the key queued deliveries find their hook by. */
  id: string | undefined;
  /** Stable reference of this hook: `id:<id>`, or a digest of the parts that identify it (never of secrets). */
  ref: string;
  url: URL;
  method: string;
  /** Configured headers (Content-Type included, defaulting to JSON), then auth applied. */
  headers: Record<string, string>;
  contentType: typeof CONTENT_TYPE_JSON | typeof CONTENT_TYPE_FORM;
  /** Jsonnet template URI; undefined only for TRACE, which carries no body. */
  body: string | undefined;
  /** `response.parse`, or the deprecated `can_interrupt`. */
  parse: boolean;
  ignore: boolean;
  emitAnalyticsEvent: boolean;
}

/** A configuration problem found in one hook; `path` is relative to the hook's `config`. */
export class WebHookConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
    this.name = 'WebHookConfigError';
  }
}

/** A hook URL fit for logs, events and the delivery log: no user info, query or fragment (they may carry tokens). */
export function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** Go's textproto.CanonicalMIMEHeaderKey: `x-foo-bar` → `X-Foo-Bar`; keys with odd bytes stay as they are. */
export function canonicalHeaderKey(key: string): string {
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(key)) return key;
  return key.toLowerCase().replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

function applyAuth(headers: Record<string, string>, auth: HttpAuthConfig | undefined): void {
  if (auth === undefined) return;
  const find = (name: string) => Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  if (auth.type === 'basic_auth') {
    const old = find('authorization');
    if (old !== undefined) delete headers[old];
    headers.Authorization = 'Basic ' + Buffer.from(`${auth.config.user}:${auth.config.password}`).toString('base64');
    return;
  }
  if (auth.config.in === 'cookie') {
    const pair = `${auth.config.name}=${auth.config.value}`;
    const old = find('cookie');
    if (old !== undefined) headers[old] = `${headers[old]}; ${pair}`;
    else headers.Cookie = pair;
    return;
  }
  const old = find(auth.config.name);
  if (old !== undefined) delete headers[old];
  headers[canonicalHeaderKey(auth.config.name)] = auth.config.value;
}

/**
 * The hook's reference: `id:<id>` when it has an id, else a digest of its URL, method, header
 * names, body URI and auth kind. Secret values are left out so that rotating an API key or password
 * does not orphan deliveries queued under the old value.
 */
export function webHookRef(cfg: WebHookConfig): string {
  if (cfg.id !== undefined && cfg.id !== '') return `id:${cfg.id}`;
  const a = cfg.auth;
  const shape = {
    url: cfg.url,
    method: cfg.method.toUpperCase(),
    headers: Object.keys(cfg.headers ?? {}).map((k) => k.toLowerCase()).sort(),
    body: cfg.body ?? null,
    auth: a === undefined ? null : a.type === 'api_key' ? [a.type, a.config.in, a.config.name] : [a.type, a.config.user],
  };
  return 'sha256:' + createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 40);
}

/**
 * Checks one hook and resolves it. Throws WebHookConfigError naming the key at fault:
 * - `response.ignore` with `response.parse` or `can_interrupt` (Kratos fails every call of such a
 *   hook with a 500; the response of a call that is not waited for cannot be parsed);
 * - a URL that is not http(s), an invalid header;
 * - a Content-Type other than JSON or form (Kratos v1.3 fails every call with any other);
 * - no `body` on a method other than TRACE (Kratos v1.3 fails every such call: "got empty template path").
 */
export function resolveWebHook(cfg: WebHookConfig): ResolvedWebHook {
  const ignore = cfg.response?.ignore === true;
  const parse = runsBeforePersist(cfg);
  if (ignore && parse) {
    const other = cfg.response?.parse === true ? 'response.parse' : 'can_interrupt';
    throw new WebHookConfigError(
      'response.ignore',
      `response.ignore cannot be combined with ${other}: a hook whose answer is ignored (sent in the background) cannot change the identity or interrupt the flow. Use two hooks if you need both.`,
    );
  }
  let url: URL;
  try {
    url = new URL(cfg.url);
  } catch {
    throw new WebHookConfigError('url', `invalid URL ${JSON.stringify(cfg.url)}: expected an absolute http:// or https:// URL`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new WebHookConfigError('url', `invalid URL ${JSON.stringify(cfg.url)}: a web hook is called over http:// or https://`);
  }
  const method = cfg.method.toUpperCase();
  if (!/^[A-Z0-9!#$%&'*+.^_`|~-]+$/.test(method)) throw new WebHookConfigError('method', `invalid HTTP method ${JSON.stringify(cfg.method)}`);

  const headers: Record<string, string> = {};
  let contentType: string | undefined;
  for (const [k, v] of Object.entries(cfg.headers ?? {})) {
    try {
      validateHeaderName(k);
      validateHeaderValue(k, v);
    } catch (err) {
      throw new WebHookConfigError(`headers.${k}`, `invalid header ${JSON.stringify(k)}: ${(err as Error).message}`);
    }
    if (k.toLowerCase() === 'content-type') contentType = v;
    else headers[canonicalHeaderKey(k)] = v;
  }
  contentType ??= CONTENT_TYPE_JSON;
  if (contentType !== CONTENT_TYPE_JSON && contentType !== CONTENT_TYPE_FORM) {
    throw new WebHookConfigError(
      'headers.Content-Type',
      `unsupported Content-Type ${JSON.stringify(contentType)}: the body template's output is sent as ${CONTENT_TYPE_JSON} or ${CONTENT_TYPE_FORM}`,
    );
  }
  headers['Content-Type'] = contentType;
  applyAuth(headers, cfg.auth);
  for (const [k, v] of Object.entries(headers)) {
    try {
      validateHeaderValue(k, v);
    } catch (err) {
      throw new WebHookConfigError('auth.config', `invalid auth header or cookie: ${(err as Error).message}`);
    }
  }

  const body = cfg.body === undefined || cfg.body === '' ? undefined : cfg.body;
  if (body === undefined && method !== 'TRACE') {
    throw new WebHookConfigError(
      'body',
      `is required for method ${method}: a Jsonnet template URI (file://, base64://, http(s)://) such as base64://${Buffer.from('function(ctx) ctx').toString('base64')} to send the whole context`,
    );
  }
  return {
    id: cfg.id === '' ? undefined : cfg.id,
    ref: webHookRef(cfg),
    url,
    method,
    headers,
    contentType,
    body: method === 'TRACE' ? undefined : body,
    parse,
    ignore,
    emitAnalyticsEvent: cfg.emit_analytics_event !== false,
  };
}

/**
 * Kratos's placement in registration and settings: a hook that parses the answer (`response.parse`
 * or `can_interrupt`) runs before the change is stored, so it can alter or refuse it; the others
 * run after. Login, recovery, verification and before-hooks have one phase.
 */
export function runsBeforePersist(cfg: WebHookConfig): boolean {
  return cfg.response?.parse === true || cfg.can_interrupt === true;
}

/** Every `web_hook` entry in the configuration with its dotted path. */
export function configuredWebHooks(values: Pick<TesseraConfig, 'selfservice'>): Array<{ path: string; config: WebHookConfig }> {
  const out: Array<{ path: string; config: WebHookConfig }> = [];
  const visit = (hooks: HookConfig[] | undefined, path: string): void => {
    (hooks ?? []).forEach((h, i) => {
      if (h.hook === 'web_hook' && h.config !== undefined) out.push({ path: `${path}.hooks[${i}].config`, config: h.config });
    });
  };
  const flows = values.selfservice.flows as unknown as Record<SelfServiceFlowName, { before?: { hooks?: HookConfig[] }; after?: Record<string, unknown> }>;
  for (const [name, flow] of Object.entries(flows)) {
    if (flow === null || typeof flow !== 'object') continue;
    visit(flow.before?.hooks, `selfservice.flows.${name}.before`);
    const after = flow.after ?? {};
    visit(after.hooks as HookConfig[] | undefined, `selfservice.flows.${name}.after`);
    for (const [method, m] of Object.entries(after)) {
      if (method === 'hooks' || m === null || typeof m !== 'object' || Array.isArray(m)) continue;
      visit((m as { hooks?: HookConfig[] }).hooks, `selfservice.flows.${name}.after.${method}`);
    }
  }
  return out;
}

/**
 * Start-up check of every configured web hook. Returns the problems found (empty when all is
 * well), each with the dotted key path, in the shape ConfigError lists.
 */
export function validateWebHookConfigs(values: Pick<TesseraConfig, 'selfservice'>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const { path, config } of configuredWebHooks(values)) {
    try {
      resolveWebHook(config);
    } catch (err) {
      if (!(err instanceof WebHookConfigError)) throw err;
      issues.push({ path: `${path}.${err.key}`, source: 'config', message: err.message });
    }
  }
  return issues;
}

/** Whether any configured web hook is delivered in the background (`response.ignore`). */
export function hasBackgroundWebHooks(values: Pick<TesseraConfig, 'selfservice'>): boolean {
  return configuredWebHooks(values).some((h) => h.config.response?.ignore === true);
}
