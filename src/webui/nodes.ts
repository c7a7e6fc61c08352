/**
 * Renders a flow's `ui` generically from its nodes, as Ory's reference UI does: one form per
 * method group (default-group nodes, such as the CSRF token, go into every form), labelled inputs
 * with their messages, submit buttons, and safe renderings of text, image, anchor and script nodes.
 */
import type { UiText } from '../text/message.js';
import type { UiNode, UiNodeAnchorAttributes, UiNodeDivisionAttributes, UiNodeImageAttributes, UiNodeInputAttributes, UiNodeScriptAttributes, UiNodeTextAttributes } from '../ui/node.js';
import { attr, html, type SafeHtml } from './html.js';
import { messageText, type Translations } from './texts.js';

/** A flow's `ui` on the wire. */
export interface FlowUi {
  action: string;
  method: string;
  nodes: UiNode[];
  messages?: UiText[];
}

export interface RenderContext {
  translations: Translations;
  /** The public API's origin: the only origin scripts, images and links to the API may come from. */
  origin: string;
  /** Set when a script node was rendered, so the page's CSP allows same-origin scripts. */
  usedScript?: boolean;
}

const TEXT_INPUTS = new Set(['text', 'email', 'password', 'tel', 'number', 'url', 'date', 'datetime-local']);

/** A string usable in an id attribute. */
function idPart(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, '_');
}

export function messageHtml(m: UiText, ctx: RenderContext, id?: string): SafeHtml {
  const role = m.type === 'error' ? 'alert' : 'status';
  const secrets = Array.isArray(m.context?.secrets) ? (m.context!.secrets as UiText[]) : null;
  return html`<p class="msg msg-${m.type}"${attr('id', id)} role="${role}" data-message-id="${m.id}">${messageText(m, ctx.translations)}</p>${
    secrets ? html`<ul class="secrets">${secrets.map((s) => html`<li><code>${messageText(s, ctx.translations)}</code></li>`)}</ul>` : ''
  }`;
}

/** Container messages, above the forms. */
export function containerMessages(messages: UiText[] | undefined, ctx: RenderContext): SafeHtml {
  if (!messages || messages.length === 0) return html``;
  return html`<div class="messages" data-testid="ui-messages">${messages.map((m) => messageHtml(m, ctx))}</div>`;
}

function sameOrigin(url: string, origin: string): boolean {
  try {
    const u = new URL(url, origin);
    return u.origin === origin && (u.protocol === 'http:' || u.protocol === 'https:');
  } catch {
    return false;
  }
}

function safeHref(href: string, origin: string): string | null {
  try {
    const u = new URL(href, origin);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}

/** The `window` functions of `/.well-known/ory/webauthn.js` a trigger may name. */
const KNOWN_TRIGGERS = new Set(['oryWebAuthnRegistration', 'oryWebAuthnLogin', 'oryPasskeyLogin', 'oryPasskeyRegistration', 'oryPasskeySettingsRegistration', 'oryPasskeyLoginAutocompleteInit']);

function inputNode(node: UiNode<UiNodeInputAttributes>, formId: string, ctx: RenderContext): SafeHtml {
  const a = node.attributes;
  const id = `${formId}-${idPart(a.name)}`;
  const label = messageText(node.meta?.label ?? a.label, ctx.translations) || a.name;
  const value = a.value === undefined || a.value === null ? undefined : typeof a.value === 'object' ? JSON.stringify(a.value) : String(a.value);
  const msgs = node.messages ?? [];
  const msgIds = msgs.map((_, i) => `${id}-message-${i}`);
  const describedBy = msgIds.length > 0 ? msgIds.join(' ') : undefined;
  const hasError = msgs.some((m) => m.type === 'error');
  const messages = msgs.map((m, i) => messageHtml(m, ctx, msgIds[i]));

  if (a.type === 'hidden') {
    // A trigger to run when the page loads (the passkey autofill): the flow's script runs it by name.
    const onload = a.onloadTrigger && KNOWN_TRIGGERS.has(a.onloadTrigger) ? a.onloadTrigger : undefined;
    return html`<input type="hidden" name="${a.name}"${attr('value', value)}${attr('data-ory-trigger', onload)}${attr('data-ory-on', onload ? 'load' : undefined)}>`;
  }
  if (a.type === 'submit' || a.type === 'button') {
    if (a.type === 'button' && (a.onclick || a.onclickTrigger)) {
      // A WebAuthn trigger: the flow's own script binds it by name (this UI's CSP allows no inline
      // handlers). Raw `onclick` code is never rendered.
      if (!a.onclickTrigger || !KNOWN_TRIGGERS.has(a.onclickTrigger)) return html``;
      return html`<div class="field field-button">${messages}<button type="button" class="button" id="${id}" name="${a.name}"${attr('value', value)} data-ory-trigger="${a.onclickTrigger}"${attr('disabled', a.disabled)}${attr('aria-describedby', describedBy)}>${label}</button></div>`;
    }
    // Only a `method` button answers the form; others (resend a code, back, a provider) must not be
    // held up by its empty required inputs.
    const skipValidation = a.type === 'submit' && a.name !== 'method' ? true : undefined;
    return html`<div class="field field-button">${messages}<button type="submit" class="button" id="${id}" name="${a.name}"${attr('value', value)}${attr('formnovalidate', skipValidation)}${attr('disabled', a.disabled)}${attr('aria-describedby', describedBy)}>${label}</button></div>`;
  }
  if (a.type === 'checkbox') {
    const checked = a.value === true || a.value === 'true';
    return html`<div class="field field-checkbox"><input type="checkbox" id="${id}" name="${a.name}" value="true"${attr('checked', checked)}${attr('required', a.required)}${attr('disabled', a.disabled)}${attr('aria-describedby', describedBy)}${attr('aria-invalid', hasError ? 'true' : undefined)}><label for="${id}">${label}</label>${messages}</div>`;
  }
  const type = TEXT_INPUTS.has(a.type) ? a.type : 'text';
  return html`<div class="field"><label for="${id}">${label}</label><input type="${type}" id="${id}" name="${a.name}"${attr('value', type === 'password' ? undefined : value)}${attr('required', a.required)}${attr('autocomplete', a.autocomplete)}${attr('pattern', a.pattern)}${attr('maxlength', a.maxlength)}${attr('disabled', a.disabled)}${attr('aria-describedby', describedBy)}${attr('aria-invalid', hasError ? 'true' : undefined)}>${messages}</div>`;
}

function textNode(node: UiNode<UiNodeTextAttributes>, ctx: RenderContext): SafeHtml {
  const a = node.attributes;
  const label = node.meta?.label ? html`<p class="node-label">${messageText(node.meta.label, ctx.translations)}</p>` : '';
  return html`<div class="node-text" id="${idPart(a.id)}">${label}${messageHtml(a.text, ctx)}${(node.messages ?? []).map((m) => messageHtml(m, ctx))}</div>`;
}

function imageNode(node: UiNode<UiNodeImageAttributes>, ctx: RenderContext): SafeHtml {
  const a = node.attributes;
  const ok = /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/.test(a.src) || sameOrigin(a.src, ctx.origin);
  if (!ok) return html``;
  const alt = messageText(node.meta?.label, ctx.translations);
  return html`<figure class="node-img"><img id="${idPart(a.id)}" src="${a.src}" alt="${alt}"${attr('width', a.width || undefined)}${attr('height', a.height || undefined)}>${alt ? html`<figcaption>${alt}</figcaption>` : ''}</figure>`;
}

function anchorNode(node: UiNode<UiNodeAnchorAttributes>, ctx: RenderContext): SafeHtml {
  const a = node.attributes;
  const href = safeHref(a.href, ctx.origin);
  if (!href) return html``;
  return html`<p class="node-a"><a id="${idPart(a.id)}" href="${href}">${messageText(a.title, ctx.translations)}</a></p>`;
}

function scriptNode(node: UiNode<UiNodeScriptAttributes>, ctx: RenderContext): SafeHtml {
  const a = node.attributes;
  if (!a.src || !sameOrigin(a.src, ctx.origin)) return html``;
  ctx.usedScript = true;
  return html`<script id="${idPart(a.id)}" src="${a.src}"${attr('async', a.async)}${attr('integrity', a.integrity || undefined)}${attr('crossorigin', a.crossorigin || undefined)}${attr('referrerpolicy', a.referrerpolicy || undefined)}${attr('type', a.type || undefined)}></script>`;
}

function divisionNode(node: UiNode<UiNodeDivisionAttributes>): SafeHtml {
  const a = node.attributes;
  const data = Object.entries(a.data ?? {})
    .filter(([k]) => /^[a-z0-9-]+$/.test(k))
    .map(([k, v]) => attr(`data-${k}`, v));
  return html`<div id="${idPart(a.id)}"${attr('class', a.class)}${data}></div>`;
}

export function renderNode(node: UiNode, formId: string, ctx: RenderContext): SafeHtml {
  switch (node.attributes.node_type) {
    case 'input':
      return inputNode(node as UiNode<UiNodeInputAttributes>, formId, ctx);
    case 'text':
      return textNode(node as UiNode<UiNodeTextAttributes>, ctx);
    case 'img':
      return imageNode(node as UiNode<UiNodeImageAttributes>, ctx);
    case 'a':
      return anchorNode(node as UiNode<UiNodeAnchorAttributes>, ctx);
    case 'script':
      return scriptNode(node as UiNode<UiNodeScriptAttributes>, ctx);
    case 'div':
      return divisionNode(node as UiNode<UiNodeDivisionAttributes>);
    default:
      return html``;
  }
}

/** Headings of the forms when a flow offers several methods (settings, mostly). */
const GROUP_TITLES: Record<string, string> = {
  profile: 'Profile',
  password: 'Password',
  oidc: 'Sign in with another account',
  code: 'One-time code',
  link: 'Email link',
  totp: 'Authenticator app',
  lookup_secret: 'Backup recovery codes',
  webauthn: 'Hardware keys',
  passkey: 'Passkeys',
  identifier_first: 'Sign in',
};

/** The groups a flow's nodes fall into, in order of first appearance, `default` excluded. */
export function methodGroups(nodes: UiNode[]): string[] {
  const out: string[] = [];
  for (const n of nodes) if (n.group !== 'default' && !out.includes(n.group)) out.push(n.group);
  return out;
}

/**
 * A group of buttons only, none of which submits the method with the flow's shared inputs (social
 * sign-in's providers): its form needs no visible default inputs. A method button alone (the code
 * method's "Send code") submits the identifier or traits of the default group, so it keeps them.
 */
function onlyButtons(nodes: UiNode[], group: string): boolean {
  return nodes.every((n) => {
    if (n.group !== group) return true;
    const a = n.attributes as UiNodeInputAttributes;
    return n.attributes.node_type === 'input' && a.type === 'submit' && a.name !== 'method';
  });
}

const hidden = (n: UiNode) => n.attributes.node_type === 'input' && (n.attributes as UiNodeInputAttributes).type === 'hidden';

/**
 * The flow's forms. With one method group (or none) everything is one form; with several, each
 * group gets its own form carrying the default-group nodes too (the CSRF token, the identifier).
 * A group of buttons only (the "Sign in with …" providers) carries just the hidden ones, so a
 * provider button does not ask for the identifier the password form needs. A group of hidden
 * inputs only (the identifier an identifier-first sign-in was given) is no form of its own: every
 * form carries it, as the default group's hidden inputs.
 */
export function renderForms(ui: FlowUi, ctx: RenderContext, prefix: string): SafeHtml {
  // Script nodes (the WebAuthn script both security keys and passkeys use) belong to no form: each is loaded once, after the forms.
  const scripts = ui.nodes.filter((n) => n.type === 'script');
  const after = html`${scripts.map((n) => renderNode(n, prefix, ctx))}`;
  return html`${renderFormsOf({ ...ui, nodes: ui.nodes.filter((n) => n.type !== 'script') }, ctx, prefix)}${after}`;
}

function renderFormsOf(ui: FlowUi, ctx: RenderContext, prefix: string): SafeHtml {
  const all = methodGroups(ui.nodes);
  const carried = new Set(all.filter((g) => ui.nodes.every((n) => n.group !== g || hidden(n))));
  const groups = all.filter((g) => !carried.has(g));
  const form = (group: string, nodes: UiNode[], titled: boolean) => {
    const formId = `${prefix}-${idPart(group)}`;
    const title = titled ? (GROUP_TITLES[group] ?? group) : undefined;
    return html`${title ? html`<h2 id="${formId}-title">${title}</h2>` : ''}<form class="flow-form" id="${formId}" data-group="${group}" action="${ui.action}" method="${(ui.method || 'POST').toUpperCase()}"${title ? html` aria-labelledby="${formId}-title"` : ''}>${nodes.map((n) => renderNode(n, formId, ctx))}</form>`;
  };
  if (groups.length <= 1) return form(groups[0] ?? 'default', ui.nodes, false);
  return html`${groups.map((g, i) =>
    html`${i > 0 ? html`<hr class="divider">` : ''}${form(
      g,
      ui.nodes.filter((n) => n.group === g || carried.has(n.group) || (n.group === 'default' && (!onlyButtons(ui.nodes, g) || hidden(n)))),
      true,
    )}`,
  )}`;
}
