import { assertMatchesApi } from './openapi.js';

export interface BrowserResponse<T = any> {
  status: number;
  headers: Headers;
  location: string | null;
  body: T;
}

/**
 * A minimal browser for tests: a cookie jar (per host, path-agnostic), manual redirects, form and
 * JSON posts. JSON answers are checked against the API contract like every other response.
 */
export class TestBrowser {
  readonly cookies = new Map<string, string>();

  constructor(private readonly opts: { spa?: boolean } = {}) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private store(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  cookieNamed(prefix: string): string | undefined {
    for (const [k, v] of this.cookies) if (k.startsWith(prefix)) return v;
    return undefined;
  }

  async request<T = any>(method: string, url: string, init: { form?: Record<string, string>; json?: unknown; headers?: Record<string, string>; unchecked?: boolean } = {}): Promise<BrowserResponse<T>> {
    const headers: Record<string, string> = {
      accept: this.opts.spa ? 'application/json' : 'text/html,application/xhtml+xml',
      ...(this.cookies.size > 0 ? { cookie: this.cookieHeader() } : {}),
      ...(init.headers ?? {}),
    };
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    } else if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    const res = await fetch(url, { method, headers, body, redirect: 'manual' });
    this.store(res.headers);
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) {
      parsed = JSON.parse(text);
      if (!init.unchecked) assertMatchesApi({ method, url, status: res.status, body: parsed, api: 'public' });
    }
    return { status: res.status, headers: res.headers, location: res.headers.get('location'), body: parsed as T };
  }

  get<T = any>(url: string, headers?: Record<string, string>) {
    return this.request<T>('GET', url, { headers });
  }
  postForm<T = any>(url: string, form: Record<string, string>, headers?: Record<string, string>) {
    return this.request<T>('POST', url, { form, headers });
  }
  postJson<T = any>(url: string, json: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', url, { json, headers });
  }
}

/** The value of a named input node in a flow's UI. */
export function nodeValue(flow: { ui: { nodes: Array<{ attributes: { name?: string; value?: unknown } }> } }, name: string): unknown {
  return flow.ui.nodes.find((n) => n.attributes.name === name)?.attributes.value;
}

/** Message ids on a named node (or on the container when name is undefined). */
export function messageIds(flow: { ui: { nodes: Array<{ attributes: { name?: string }; messages: Array<{ id: number }> }>; messages?: Array<{ id: number }> } }, name?: string): number[] {
  if (name === undefined) return (flow.ui.messages ?? []).map((m) => m.id);
  return (flow.ui.nodes.find((n) => n.attributes.name === name)?.messages ?? []).map((m) => m.id);
}
