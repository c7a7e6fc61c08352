// The courier's TemplateRenderer: resolves each template file of a type (configured URI, then
// `template_override_path`, then the built-in set), parses it once, and renders it per message.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { newHTMLTemplate, newTemplate, sprigHermeticFuncMap, type FuncMap, type Template } from '@tessera/gotemplate';
import type { CourierConfig } from '../../config/types.js';
import type { TemplateData, TemplateType } from '../message.js';
import { TEMPLATE_TYPES } from '../message.js';
import { fetchRemoteText, redactUrl, RemoteFetchError, type FetchLike } from './remote-fetch.js';
import { TemplateError, type RenderedEmail, type RenderedSms, type TemplateRenderer } from './renderer.js';
import { configKeyFor, configuredUri, isHtmlFile, TEMPLATE_LAYOUTS, type TemplateFileName, type TemplateLayout } from './template-files.js';

export interface TemplateRendererConfig {
  /** `courier.template_override_path`: a directory laid out like the built-in set. */
  overridePath?: string;
  /** `courier.templates`: per-file URIs (`http(s)://`, `file://`, `base64://`). */
  templates?: CourierConfig['templates'];
}

/** The pino-compatible subset the renderer logs through. */
export interface TemplateLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
}

export interface TemplateRendererOptions {
  /** Used instead of node:http for `http(s)://` templates (its DNS answers are still checked). */
  fetch?: FetchLike;
  /** Fetch remote templates from loopback/private/link-local addresses too (default false). */
  allowPrivateNetworks?: boolean;
  /** URLs fetched even when they resolve to a non-public address (`clients.http.private_ip_exception_urls`). */
  privateIpExceptionUrls?: readonly string[];
  logger?: TemplateLogger;
  /** Largest template accepted from a URL or file (default 1 MiB). */
  maxTemplateBytes?: number;
  /** Timeout of one remote fetch, redirects included (default 10 s). */
  fetchTimeoutMs?: number;
  /** How long a fetched remote template is reused before it is fetched again (default 5 minutes). */
  remoteCacheTtlMs?: number;
  /** After a failed refetch, how long the stale copy keeps serving before the next attempt (default 30 s). */
  remoteRetryAfterMs?: number;
  /** The built-in template root (default: `builtin/` beside this file). */
  builtinPath?: string;
}

const EMAIL_FILES = ['email.subject.gotmpl', 'email.body.gotmpl', 'email.body.plaintext.gotmpl'] as const;
const SMS_FILE = 'sms.body.gotmpl';
const SUPPORTED_SCHEMES = ['http://', 'https://', 'file://', 'base64://'];

type Resolved = { kind: 'static'; template: Template; source: string } | { kind: 'remote'; url: string; source: string };

interface RemoteEntry {
  template: Template;
  freshUntil: number;
}

/**
 * The built-in templates: beside this file in the sources; in the build, this module is bundled into
 * dist/cli or dist/chunks and the templates are copied to dist/courier/templates/builtin/.
 */
const BUILTIN_ROOT = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './builtin/' : '../courier/templates/builtin/', import.meta.url));

/**
 * Builds a TemplateRenderer. Configuration problems (an html body without a plaintext body or the
 * reverse, an unsupported URI scheme, an undecodable or unparsable `base64://` template) throw a
 * TemplateError here, at start.
 */
export function createTemplateRenderer(cfg: TemplateRendererConfig, opts: TemplateRendererOptions = {}): TemplateRenderer {
  const builtinRoot = opts.builtinPath ?? BUILTIN_ROOT;
  const overrideRoot = cfg.overridePath === undefined || cfg.overridePath === '' ? undefined : cfg.overridePath;
  const funcs: FuncMap = sprigHermeticFuncMap();
  const maxBytes = opts.maxTemplateBytes ?? 1024 * 1024;
  const ttl = opts.remoteCacheTtlMs ?? 5 * 60_000;
  const retryAfter = opts.remoteRetryAfterMs ?? 30_000;
  const fetchOpts = {
    allowPrivateNetworks: opts.allowPrivateNetworks ?? false,
    privateIpExceptionUrls: opts.privateIpExceptionUrls ?? [],
    maxBytes,
    timeoutMs: opts.fetchTimeoutMs ?? 10_000,
    maxRedirects: 5,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  };

  /** type/file → where that file comes from (resolved once). */
  const resolved = new Map<string, Resolved>();
  /** html|text + source → parsed set, shared by every type using the same source. */
  const parsed = new Map<string, Template>();
  const remote = new Map<string, RemoteEntry>();
  const inflight = new Map<string, Promise<Template>>();

  validateConfig(cfg.templates);

  function fail(type: TemplateType, file: string, message: string, cause?: unknown): TemplateError {
    return new TemplateError(message, { templateType: type, file, ...(cause === undefined ? {} : { cause }) });
  }

  function newSet(file: TemplateFileName): Template {
    return (isHtmlFile(file) ? newHTMLTemplate(file) : newTemplate(file)).funcs(funcs);
  }

  function parseText(file: TemplateFileName, text: string): Template {
    return newSet(file).parse(text);
  }

  /** A directory set: `file` plus its siblings `<stem>*` (e.g. `email.body.de.gotmpl`), as Kratos's glob loads them. */
  function parseDir(dir: string, file: TemplateFileName): Template {
    const stem = file.slice(0, -'.gotmpl'.length);
    const files = readdirSync(dir)
      .filter((n) => n.startsWith(stem))
      .sort()
      .map((n) => join(dir, n))
      .filter((p) => statSync(p).isFile());
    for (const p of files) {
      if (statSync(p).size > maxBytes) throw new Error(`${p} is larger than ${maxBytes} bytes`);
    }
    return newSet(file).parseFiles(...files);
  }

  function cachedParse(file: TemplateFileName, source: string, build: () => Template): Template {
    const key = `${isHtmlFile(file) ? 'html' : 'text'}\0${file}\0${source}`;
    let t = parsed.get(key);
    if (!t) {
      t = build();
      parsed.set(key, t);
    }
    return t;
  }

  function loadUri(type: TemplateType, file: TemplateFileName, uri: string): Resolved {
    if (uri.startsWith('http://') || uri.startsWith('https://')) return { kind: 'remote', url: uri, source: redactUrl(uri) };
    const source = describeUri(uri);
    try {
      if (uri.startsWith('base64://')) {
        return { kind: 'static', source, template: cachedParse(file, uri, () => parseText(file, decodeBase64(uri))) };
      }
      if (uri.startsWith('file://')) {
        const path = filePathOf(uri);
        return {
          kind: 'static',
          source,
          template: cachedParse(file, uri, () => {
            if (statSync(path).size > maxBytes) throw new Error(`${path} is larger than ${maxBytes} bytes`);
            return parseText(file, readFileSync(path, 'utf8'));
          }),
        };
      }
    } catch (e) {
      throw fail(type, file, `courier template ${type} (${file}) from ${source}: ${(e as Error).message}`, e);
    }
    throw fail(type, file, `courier template ${type} (${file}): unsupported URI ${source}`);
  }

  function resolve(type: TemplateType, layout: TemplateLayout, file: TemplateFileName): Resolved {
    const key = `${type}\0${file}`;
    const hit = resolved.get(key);
    if (hit) return hit;
    let r: Resolved | undefined;
    const uri = configuredUri(cfg.templates, layout, file);
    if (uri !== undefined) {
      r = loadUri(type, file, uri);
    } else {
      for (const root of overrideRoot === undefined ? [builtinRoot] : [overrideRoot, builtinRoot]) {
        const dir = join(root, layout.dir);
        if (!existsSync(join(dir, file))) continue;
        const source = join(layout.dir, file) + (root === builtinRoot ? ' (built-in)' : ` in ${root}`);
        try {
          r = { kind: 'static', source, template: cachedParse(file, join(dir, file), () => parseDir(dir, file)) };
        } catch (e) {
          throw fail(type, file, `courier template ${type}: ${source}: ${(e as Error).message}`, e);
        }
        break;
      }
    }
    if (!r) throw fail(type, file, `courier template ${type} has no ${file}`);
    resolved.set(key, r);
    return r;
  }

  async function loadRemote(type: TemplateType, file: TemplateFileName, url: string): Promise<Template> {
    const key = `${isHtmlFile(file) ? 'html' : 'text'}\0${file}\0${url}`;
    const entry = remote.get(key);
    const now = Date.now();
    if (entry && entry.freshUntil > now) return entry.template;
    let pending = inflight.get(key);
    if (!pending) {
      pending = (async () => {
        try {
          const text = await fetchRemoteText(url, fetchOpts);
          const template = parseText(file, text);
          remote.set(key, { template, freshUntil: Date.now() + ttl });
          return template;
        } finally {
          inflight.delete(key);
        }
      })();
      inflight.set(key, pending);
    }
    try {
      return await pending;
    } catch (e) {
      if (entry) {
        entry.freshUntil = Date.now() + retryAfter;
        opts.logger?.warn({ template_type: type, file, url: redactUrl(url), err: (e as Error).message }, 'refreshing a remote courier template failed; using the copy fetched before');
        return entry.template;
      }
      const why = e instanceof RemoteFetchError ? e.message : `parsing failed: ${(e as Error).message}`;
      throw fail(type, file, `courier template ${type} (${file}) from ${redactUrl(url)}: ${why}`, e);
    }
  }

  async function render(type: TemplateType, layout: TemplateLayout, file: TemplateFileName, data: TemplateData): Promise<string> {
    const r = resolve(type, layout, file);
    const template = r.kind === 'static' ? r.template : await loadRemote(type, file, r.url);
    try {
      return template.execute(data);
    } catch (e) {
      throw fail(type, file, `rendering courier template ${type} (${r.source}) failed: ${(e as Error).message}`, e);
    }
  }

  function layoutOf(type: TemplateType): TemplateLayout {
    const layout = TEMPLATE_LAYOUTS[type];
    if (!layout) throw new TemplateError(`unknown courier template type ${JSON.stringify(type)}`);
    return layout;
  }

  function validateConfig(templates: CourierConfig['templates']): void {
    if (!templates) return;
    const seen = new Set<string>();
    for (const type of TEMPLATE_TYPES) {
      const layout = TEMPLATE_LAYOUTS[type];
      const html = configuredUri(templates, layout, 'email.body.gotmpl');
      const plain = configuredUri(templates, layout, 'email.body.plaintext.gotmpl');
      if ((html === undefined) !== (plain === undefined)) {
        const missing = html === undefined ? 'email.body.gotmpl' : 'email.body.plaintext.gotmpl';
        const setKey = configKeyFor(layout, html === undefined ? 'email.body.plaintext.gotmpl' : 'email.body.gotmpl');
        const missingKey = configKeyFor(layout, missing);
        throw fail(type, missing, `courier template ${type}: invalid configuration: ${setKey} is set but ${missingKey} is not; set both the html and the plaintext body`);
      }
      for (const file of [...EMAIL_FILES, SMS_FILE] as const) {
        const uri = configuredUri(templates, layout, file);
        if (uri === undefined || seen.has(`${type}\0${file}`)) continue;
        seen.add(`${type}\0${file}`);
        if (!SUPPORTED_SCHEMES.some((s) => uri.startsWith(s))) {
          throw fail(type, file, `courier template ${type}: invalid configuration: ${configKeyFor(layout, file)}: unsupported URI ${describeUri(uri)} (use http://, https://, file:// or base64://)`);
        }
        // Inline templates are parsed now, so a broken one stops the start rather than a delivery.
        if (uri.startsWith('base64://')) resolve(type, layout, file);
      }
    }
  }

  return {
    async renderEmail(type: TemplateType, data: TemplateData): Promise<RenderedEmail> {
      const layout = layoutOf(type);
      if (!layout.email) throw new TemplateError(`courier template type ${type} has no email template`, { templateType: type });
      const [subject, html, text] = await Promise.all(EMAIL_FILES.map((f) => render(type, layout, f, data)));
      return { subject: subject.trim(), html, text };
    },
    async renderSms(type: TemplateType, data: TemplateData): Promise<RenderedSms> {
      const layout = layoutOf(type);
      if (!layout.sms) throw new TemplateError(`courier template type ${type} has no SMS template`, { templateType: type, file: SMS_FILE });
      return { body: (await render(type, layout, SMS_FILE, data)).trim() };
    },
  };
}

/** `file://path` (relative to the working directory) or `file:///abs/path`, as Kratos's fetcher reads them. */
function filePathOf(uri: string): string {
  const rest = uri.slice('file://'.length);
  if (existsSync(rest)) return rest;
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest;
  }
}

function decodeBase64(uri: string): string {
  const payload = uri.slice('base64://'.length).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(payload)) throw new Error('the base64:// payload is not valid base64');
  return Buffer.from(payload.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
}

/** A URI as shown in messages: inline base64 templates are shortened. */
function describeUri(uri: string): string {
  if (uri.startsWith('base64://') && uri.length > 48) return `${uri.slice(0, 40)}… (${uri.length} characters)`;
  if (uri.startsWith('http://') || uri.startsWith('https://')) return redactUrl(uri);
  return uri;
}
