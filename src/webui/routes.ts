/**
 * Tessera's built-in self-service UI: server-rendered pages under `ui.base_path` that talk to the
 * public API exactly as a separate UI would (the browser's cookies, the documented endpoints), and
 * in dev mode the mailbox of emails the courier kept instead of sending.
 */
import { createHmac } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import { authorizationOrigins } from '../config/oidc-provider-types.js';
import { isUuid } from '../lib/ids.js';
import { safeEqual } from '../lib/safe-compare.js';
import type { DevMailboxPersister } from '../persistence/dev-mailbox-persister.js';
import type { UiText } from '../text/message.js';
import { forwardCookies, PublicApiClient, type ApiAnswer } from './api.js';
import { html, linkify, type SafeHtml } from './html.js';
import { applySecurityHeaders, page, sendHtml, uiCsp, type Branding, type SecurityHeaderOptions } from './layout.js';
import { containerMessages, renderForms, type FlowUi, type RenderContext } from './nodes.js';
import { STYLE_CSS } from './static/style.js';
import { ENGLISH, UI_TEXT, type Translations } from './texts.js';

export type UiFlowKind = 'login' | 'registration' | 'settings' | 'recovery' | 'verification';
const FLOWS: readonly UiFlowKind[] = ['login', 'registration', 'settings', 'recovery', 'verification'];

/** Query parameters a flow page passes on when it starts a flow. */
const INIT_PARAMS = ['return_to', 'refresh', 'aal', 'login_challenge', 'organization', 'via'];

export interface WebUiDeps {
  config: Config;
  /** The dev mailbox; the mailbox routes exist only when it is given. */
  mailbox?: DevMailboxPersister;
  translations?: Translations;
}

interface FlowJson {
  id: string;
  state?: string;
  refresh?: boolean;
  return_to?: string;
  ui: FlowUi;
}

type Query = Record<string, string | undefined>;

/** Registers the UI's routes on the public app (in their own encapsulated context). */
export async function registerWebUi(app: FastifyInstance, deps: WebUiDeps): Promise<void> {
  const { config } = deps;
  const translations = deps.translations ?? ENGLISH;
  const api = new PublicApiClient(app);
  const publicBase = config.publicBaseUrl();
  const origin = publicBase.origin;
  const base = config.uiBasePath() === '/' ? '' : config.uiBasePath();
  const logo = config.values.ui.logo_url;
  const logoUrl = logo ? config.resolvePublic(logo) : undefined;
  const branding: Branding = { name: config.values.ui.name, logoUrl: logoUrl?.toString(), base, mailbox: deps.mailbox !== undefined };
  const headerOpts: SecurityHeaderOptions = {
    publicBaseUrl: publicBase.toString(),
    imageOrigin: logoUrl && logoUrl.origin !== origin ? logoUrl.origin : undefined,
    // Browsers check form-action on the redirects after a post too: a provider button posts to the API, which sends the browser to the provider.
    formRedirectOrigins: config.values.selfservice.methods.oidc.enabled
      ? [...new Set(config.values.selfservice.methods.oidc.config.providers.flatMap(authorizationOrigins))]
      : [],
  };
  const publicUrl = (path: string) => new URL(path.replace(/^\//, ''), publicBase).toString();
  const uiPath = (p: string) => `${base}${p}`;
  const revokeKey = config.secretsDefault()[0]!;
  const revokeToken = (sessionId: string) => createHmac('sha256', revokeKey).update(`webui-revoke\0${sessionId}`).digest('base64url');

  await app.register(async (ui) => {
    ui.addHook('onSend', (_req, reply, payload, done) => {
      applySecurityHeaders(reply, headerOpts);
      done(null, payload);
    });

    ui.get(uiPath('/static/style.css'), async (_req, reply) => {
      reply.header('cache-control', 'public, max-age=3600');
      return reply.type('text/css; charset=utf-8').send(STYLE_CSS);
    });

    ui.get(uiPath('/'), async (req: FastifyRequest<{ Querystring: Query }>, reply) => home(req, reply));
    for (const kind of FLOWS) {
      ui.get(uiPath(`/${kind}`), async (req: FastifyRequest<{ Querystring: Query }>, reply) => flowPage(kind, req, reply));
    }
    ui.get(uiPath('/error'), async (req: FastifyRequest<{ Querystring: Query }>, reply) => errorPage(req, reply));
    ui.post(uiPath('/sessions/revoke'), async (req: FastifyRequest<{ Body: Record<string, unknown> | undefined }>, reply) => revoke(req, reply));

    // Anything else under the UI's path is a page that does not exist, with the same headers.
    // (Not when mounted at "/": the API's own 404s must stay JSON.)
    if (base !== '') ui.get(uiPath('/*'), async (_req, reply) => notFoundPage(reply));

    if (deps.mailbox) {
      const mailbox = deps.mailbox;
      ui.get(uiPath('/mailbox'), async (_req, reply) => {
        const messages = await mailbox.list(200);
        const body =
          messages.length === 0
            ? html`<p>No emails yet. Messages the courier sends in dev mode show up here.</p>`
            : html`<table><caption class="muted">Newest first</caption><thead><tr><th scope="col">Received</th><th scope="col">To</th><th scope="col">Subject</th></tr></thead><tbody>${messages.map(
                (m) =>
                  html`<tr data-mail-id="${m.id}"><td><time datetime="${m.created_at.toISOString()}">${m.created_at.toISOString().replace('T', ' ').slice(0, 19)}</time></td><td>${m.recipient}</td><td><a href="${uiPath(`/mailbox/${m.id}`)}">${m.subject || '(no subject)'}</a></td></tr>`,
              )}</tbody></table>`;
        return sendHtml(reply, page(branding, UI_TEXT.mailbox, body, { wide: true }));
      });
      ui.get(uiPath('/mailbox/:id'), async (req: FastifyRequest<{ Params: { id: string } }>, reply) => {
        const m = isUuid(req.params.id) ? await mailbox.get(req.params.id.toLowerCase()) : null;
        if (!m) return notFoundPage(reply);
        const body = html`<dl class="props"><dt>To</dt><dd>${m.recipient}</dd><dt>Subject</dt><dd>${m.subject}</dd><dt>Received</dt><dd><time datetime="${m.created_at.toISOString()}">${m.created_at.toISOString()}</time></dd></dl>
<h2>Text</h2><pre id="mail-text">${linkify(m.text)}</pre>
<ul class="links">${m.html ? html`<li><a href="${uiPath(`/mailbox/${m.id}/html`)}">Open the HTML version</a></li>` : ''}<li><a href="${uiPath('/mailbox')}">Back to the mailbox</a></li></ul>`;
        return sendHtml(reply, page(branding, m.subject || '(no subject)', body, { wide: true }));
      });
      ui.get(uiPath('/mailbox/:id/html'), async (req: FastifyRequest<{ Params: { id: string } }>, reply) => {
        const m = isUuid(req.params.id) ? await mailbox.get(req.params.id.toLowerCase()) : null;
        if (!m || !m.html) return notFoundPage(reply);
        // The mail's own markup, as a mail client shows it: no scripts, nothing loaded from elsewhere.
        reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'");
        return reply.type('text/html; charset=utf-8').send(m.html);
      });
    }
  });

  function redirect(reply: FastifyReply, to: string): FastifyReply {
    return reply.redirect(to, 303);
  }

  function renderContext(): RenderContext {
    return { translations, origin };
  }

  function send(reply: FastifyReply, title: string, content: SafeHtml, ctx?: RenderContext, status = 200, wide = false): FastifyReply {
    if (ctx?.usedScript) reply.header('content-security-policy', uiCsp({ ...headerOpts, scripts: true }));
    return sendHtml(reply, page(branding, title, content, { wide }), status);
  }

  function notFoundPage(reply: FastifyReply): FastifyReply {
    return send(reply, 'Not found', html`<p>There is nothing here.</p><p><a href="${uiPath('/')}">Go to your account</a></p>`, undefined, 404);
  }

  function initUrl(kind: UiFlowKind, q: Query): string {
    const u = new URL(`self-service/${kind}/browser`, publicBase);
    for (const p of INIT_PARAMS) {
      const v = q[p];
      if (typeof v === 'string' && v !== '') u.searchParams.set(p, v);
    }
    return u.toString();
  }

  function errorOf(a: ApiAnswer): { id?: string; code?: number; status?: string; message?: string; reason?: string; details?: Record<string, unknown> } {
    const e = (a.body && typeof a.body === 'object' ? (a.body as { error?: unknown }).error : undefined) as Record<string, unknown> | undefined;
    return (e ?? {}) as ReturnType<typeof errorOf>;
  }

  function errorBody(e: ReturnType<typeof errorOf>, again?: string): SafeHtml {
    return html`<div class="messages"><p class="msg msg-error" role="alert">${e.message ?? 'An error occurred.'}</p>${e.reason ? html`<p class="msg msg-info">${e.reason}</p>` : ''}</div>
<ul class="links">${again ? html`<li><a href="${again}">Try again</a></li>` : ''}<li><a href="${uiPath('/')}">Go to your account</a></li></ul>`;
  }

  async function flowPage(kind: UiFlowKind, req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) {
    const q = req.query;
    const flowId = q.flow;
    if (typeof flowId !== 'string' || flowId === '') return redirect(reply, initUrl(kind, q));
    const ans = await api.get<FlowJson>(req, `/self-service/${kind}/flows?id=${encodeURIComponent(flowId)}`);
    forwardCookies(reply, [ans]);
    if (ans.status !== 200) {
      const e = errorOf(ans);
      const to = e.details?.redirect_to;
      if (typeof to === 'string' && /^https?:\/\//.test(to)) return redirect(reply, to);
      // A missing CSRF cookie would send the browser round in circles: say so instead.
      if (e.id === 'security_csrf_violation') return send(reply, UI_TEXT.error, errorBody(e, initUrl(kind, q)), undefined, 403);
      if (ans.status === 404 || ans.status === 410 || ans.status === 400 || ans.status === 401 || ans.status === 403) return redirect(reply, initUrl(kind, q));
      return send(reply, UI_TEXT.error, errorBody(e, initUrl(kind, q)), undefined, ans.status >= 500 ? 502 : ans.status);
    }
    const flow = ans.body;
    const ctx = renderContext();
    const title = kind === 'login' && flow.refresh ? UI_TEXT.loginRefresh : UI_TEXT[kind];
    const forms = renderForms(flow.ui, ctx, `${kind}`);
    const rt = flow.return_to ? `?return_to=${encodeURIComponent(flow.return_to)}` : '';
    const links: SafeHtml[] = [];
    // A form past its first screen (identifier-first) names who signs in, and offers to start over.
    const given = kind === 'login' && !flow.refresh ? givenIdentifier(flow.ui) : undefined;
    const intro = given === undefined ? html`` : html`<p class="given-identifier" data-testid="given-identifier">Signing in as <strong>${given}</strong></p>`;
    if (given !== undefined) links.push(html`<li><a href="${uiPath('/login') + rt}">Use another account</a></li>`);
    if (kind === 'login') {
      if (config.flowEnabled('registration')) links.push(html`<li><a href="${uiPath('/registration') + rt}">Create an account</a></li>`);
      if (config.flowEnabled('recovery')) links.push(html`<li><a href="${uiPath('/recovery') + rt}">Forgot your password?</a></li>`);
    } else if (kind === 'registration') {
      links.push(html`<li><a href="${uiPath('/login') + rt}">Sign in instead</a></li>`);
    } else if (kind === 'recovery' || kind === 'verification') {
      links.push(html`<li><a href="${uiPath('/login')}">Back to sign in</a></li>`);
    } else {
      links.push(html`<li><a href="${uiPath('/')}">Back to your account</a></li>`);
    }
    const content = html`<div data-flow="${kind}" data-flow-id="${flow.id}"${flow.state ? html` data-state="${flow.state}"` : ''}>${intro}${containerMessages(flow.ui.messages, ctx)}${forms}</div><ul class="links">${links}</ul>`;
    return send(reply, title, content, ctx);
  }

  async function errorPage(req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) {
    const id = req.query.id;
    if (typeof id !== 'string' || !isUuid(id)) return send(reply, UI_TEXT.error, errorBody({ message: 'An error occurred, but its details are not available.' }), undefined, 404);
    const ans = await api.get(req, `/self-service/errors?id=${encodeURIComponent(id)}`);
    if (ans.status !== 200) return send(reply, UI_TEXT.error, errorBody({ message: 'This error could not be found. It may have expired.' }), undefined, 404);
    const e = (ans.body as { error?: Record<string, unknown> }).error ?? {};
    const content = html`<div class="messages" data-error-id="${String(e.id ?? '')}"><p class="msg msg-error" role="alert">${String(e.message ?? 'An error occurred.')}</p>${
      e.reason ? html`<p class="msg msg-info">${String(e.reason)}</p>` : ''
    }</div><dl class="props">${e.code ? html`<dt>Code</dt><dd>${String(e.code)}</dd>` : ''}${e.status ? html`<dt>Status</dt><dd>${String(e.status)}</dd>` : ''}</dl><ul class="links"><li><a href="${uiPath('/')}">Go to your account</a></li><li><a href="${uiPath('/login')}">Sign in</a></li></ul>`;
    return send(reply, UI_TEXT.error, content);
  }

  async function home(req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) {
    const who = await api.get(req, '/sessions/whoami');
    if (who.status !== 200) {
      const content = html`<p>You are not signed in.</p><ul class="links"><li><a class="button" href="${uiPath('/login')}">${UI_TEXT.login}</a></li>${
        config.flowEnabled('registration') ? html`<li><a class="button secondary" href="${uiPath('/registration')}">${UI_TEXT.registration}</a></li>` : ''
      }${config.flowEnabled('recovery') ? html`<li><a href="${uiPath('/recovery')}">Recover your account</a></li>` : ''}</ul>`;
      return send(reply, UI_TEXT.home, content);
    }
    const session = who.body as SessionJson;
    const [others, logout] = await Promise.all([api.get<SessionJson[]>(req, '/sessions'), api.get<{ logout_url: string }>(req, '/self-service/logout/browser')]);
    forwardCookies(reply, [who]);
    const identity = session.identity ?? {};
    const schema = identity.schema_id ? await api.get(req, `/schemas/${encodeURIComponent(identity.schema_id)}`) : null;
    const titles = schema?.status === 200 ? traitTitles(schema.body) : new Map<string, string>();
    const traits = flatten(identity.traits ?? {}).map(([k, v]): [string, string, string] => [titles.get(k) ?? k, v, k]);
    const addresses = identity.verifiable_addresses ?? [];
    const notice = NOTICES[req.query.notice ?? ''];
    const list = others.status === 200 && Array.isArray(others.body) ? others.body : [];
    const token = revokeToken(session.id);
    const content = html`${notice ? html`<div class="messages"><p class="msg msg-${notice.type}" role="${notice.type === 'error' ? 'alert' : 'status'}">${notice.text}</p></div>` : ''}
<p>You are signed in.</p>
<dl class="props" id="identity">${traits.map(([title, v, path]) => html`<dt>${title}</dt><dd data-trait="${path}">${v}</dd>`)}<dt>Identity id</dt><dd><code>${identity.id ?? ''}</code></dd>${
      session.authenticated_at ? html`<dt>Signed in at</dt><dd><time datetime="${session.authenticated_at}">${session.authenticated_at}</time></dd>` : ''
    }</dl>
${addresses.length > 0 ? html`<h2>Email addresses</h2><ul>${addresses.map((a) => html`<li>${a.value} \u2014 ${a.verified ? html`<span class="msg-success">verified</span>` : html`<span>not verified</span> (<a href="${uiPath('/verification')}">verify</a>)`}</li>`)}</ul>` : ''}
<ul class="links"><li><a href="${uiPath('/settings')}">Change your settings</a></li>${logout.status === 200 && logout.body?.logout_url ? html`<li><a id="logout" href="${logout.body.logout_url}">Sign out</a></li>` : ''}</ul>
<h2>Other sessions</h2>
${
  list.length === 0
    ? html`<p class="muted">You are not signed in anywhere else.</p>`
    : html`<table id="sessions"><thead><tr><th scope="col">Signed in</th><th scope="col">Device</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead><tbody>${list.map((s) => {
        const d = s.devices?.[0];
        return html`<tr data-session-id="${s.id}"><td>${s.authenticated_at ?? ''}</td><td>${d ? `${d.user_agent ?? 'Unknown device'}${d.ip_address ? ` (${d.ip_address})` : ''}` : 'Unknown device'}</td><td><form class="inline" method="POST" action="${uiPath('/sessions/revoke')}"><input type="hidden" name="csrf_token" value="${token}"><input type="hidden" name="session_id" value="${s.id}"><button type="submit" class="secondary" aria-label="Revoke the session signed in at ${s.authenticated_at ?? ''}">Revoke</button></form></td></tr>`;
      })}</tbody></table>`
}`;
    return send(reply, UI_TEXT.home, content, undefined, 200, true);
  }

  async function revoke(req: FastifyRequest<{ Body: Record<string, unknown> | undefined }>, reply: FastifyReply) {
    const reqOrigin = req.headers.origin;
    const body = req.body ?? {};
    const sessionId = typeof body.session_id === 'string' ? body.session_id : '';
    const token = typeof body.csrf_token === 'string' ? body.csrf_token : '';
    const who = await api.get<SessionJson>(req, '/sessions/whoami');
    if (who.status !== 200) return redirect(reply, uiPath('/login'));
    // The token is bound to the signed-in session. A browser that names the request's origin must
    // name ours; under `Referrer-Policy: no-referrer` browsers send "null" for their own posts.
    const site = req.headers['sec-fetch-site'];
    const foreign = (reqOrigin !== undefined && reqOrigin !== origin && reqOrigin !== 'null') || site === 'cross-site' || site === 'same-site';
    if (foreign || !safeEqual(token, revokeToken(who.body.id))) {
      return send(reply, UI_TEXT.error, errorBody({ message: 'The request was not sent from this page. Please try again.' }, uiPath('/')), undefined, 403);
    }
    if (!isUuid(sessionId)) return redirect(reply, uiPath('/?notice=revoke_failed'));
    const ans = await api.call(req, 'DELETE', `/sessions/${encodeURIComponent(sessionId)}`);
    return redirect(reply, uiPath(ans.status === 204 ? '/?notice=revoked' : '/?notice=revoke_failed'));
  }
}

const NOTICES: Record<string, { type: UiText['type']; text: string }> = {
  revoked: { type: 'success', text: 'The session was revoked.' },
  revoke_failed: { type: 'error', text: 'The session could not be revoked.' },
};

interface SessionJson {
  id: string;
  authenticated_at?: string;
  identity?: { id?: string; schema_id?: string; traits?: Record<string, unknown>; verifiable_addresses?: Array<{ value: string; verified: boolean }> };
  devices?: Array<{ ip_address?: string; user_agent?: string }>;
}

/** The `title` of each trait in an identity schema, by dotted path ("name.first" → "First name"). */
function traitTitles(schema: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (node: unknown, prefix: string) => {
    if (!node || typeof node !== 'object') return;
    const props = (node as { properties?: Record<string, unknown> }).properties;
    if (!props || typeof props !== 'object') return;
    for (const [k, child] of Object.entries(props)) {
      const path = prefix ? `${prefix}.${k}` : k;
      const title = (child as { title?: unknown } | null)?.title;
      if (typeof title === 'string' && title !== '') out.set(path, title);
      walk(child, path);
    }
  };
  walk((schema as { properties?: { traits?: unknown } } | null)?.properties?.traits, '');
  return out;
}

/** Traits as `path → text` pairs, in schema order. */
function flatten(v: unknown, prefix = ''): Array<[string, string]> {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => flatten(x, prefix ? `${prefix}.${k}` : k));
  }
  if (v === undefined || v === null) return [];
  return [[prefix, Array.isArray(v) ? v.map(String).join(', ') : String(v)]];
}

export { FLOWS as UI_FLOWS };

/** The identifier a login form carries hidden once it was given (identifier-first's next screen). */
function givenIdentifier(ui: FlowUi): string | undefined {
  const n = ui.nodes.find((x) => x.attributes.node_type === 'input' && (x.attributes as { name?: string }).name === 'identifier');
  const a = n?.attributes as { type?: string; value?: unknown } | undefined;
  return a?.type === 'hidden' && typeof a.value === 'string' && a.value !== '' ? a.value : undefined;
}
