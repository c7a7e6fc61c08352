/**
 * HTML building for the built-in UI. Everything interpolated into the `html` tagged template is
 * escaped unless it already is `SafeHtml` (the result of another `html` call); there is no other
 * way to put markup into a page.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escapes text for use in HTML content and in double- or single-quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

/** Markup known to be safe: built by `html` from escaped parts. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = SafeHtml | string | number | boolean | null | undefined | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof SafeHtml) return part.value;
  if (Array.isArray(part)) return part.map((p: Part) => render(p)).join('');
  return escapeHtml(part);
}

/** The tagged template: `html\`<p>${userText}</p>\`` escapes `userText`; nested `html` stays as is. */
export function html(strings: TemplateStringsArray, ...parts: Part[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < parts.length; i++) out += render(parts[i]) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** An attribute written only when it has a value: ` name="value"`, or ` name` for `true`. */
export function attr(name: string, value: string | number | boolean | null | undefined): SafeHtml {
  if (value === undefined || value === null || value === false) return new SafeHtml('');
  if (value === true) return new SafeHtml(` ${escapeHtml(name)}`);
  return new SafeHtml(` ${escapeHtml(name)}="${escapeHtml(value)}"`);
}

/** Plain text with http(s) URLs turned into links (for the mailbox's text view). */
export function linkify(text: string): SafeHtml {
  const parts: SafeHtml[] = [];
  const re = /https?:\/\/[^\s<>"']+/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    // Trailing punctuation belongs to the sentence, not to the URL.
    let url = m[0];
    const trail = /[.,;:!?)\]]+$/.exec(url);
    if (trail) url = url.slice(0, -trail[0].length);
    parts.push(html`${text.slice(last, m.index)}<a href="${url}" rel="noreferrer">${url}</a>`);
    last = m.index + url.length;
    re.lastIndex = last;
  }
  parts.push(html`${text.slice(last)}`);
  return html`${parts}`;
}
