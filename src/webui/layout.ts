import type { FastifyReply } from 'fastify';
import { attr, html, type SafeHtml } from './html.js';

export interface Branding {
  name: string;
  logoUrl?: string;
  /** The UI's mount path without a trailing slash ("" when mounted at "/"). */
  base: string;
  /** Show the dev mailbox link. */
  mailbox: boolean;
}

/** A whole page: header with the project's name and logo, the content in `<main>`. */
export function page(b: Branding, title: string, content: SafeHtml, opts: { wide?: boolean } = {}): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · ${b.name}</title>
<link rel="stylesheet" href="${b.base}/static/style.css">
<link rel="icon" href="data:,">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a class="brand" href="${b.base}/">${b.logoUrl ? html`<img src="${b.logoUrl}" alt="">` : ''}<span>${b.name}</span></a>
<nav aria-label="Main"><ul><li><a href="${b.base}/">Account</a></li><li><a href="${b.base}/settings">Settings</a></li>${
    b.mailbox ? html`<li><a href="${b.base}/mailbox">Mailbox</a></li>` : ''
  }</ul></nav>
</header>
<main id="main"${attr('class', opts.wide ? 'wide' : undefined)}>
<h1>${title}</h1>
${content}
</main>
</body>
</html>
`;
}

export interface SecurityHeaderOptions {
  /** The public API's base URL: forms post there. */
  publicBaseUrl: string;
  /** Extra image origin (a configured logo on another origin). */
  imageOrigin?: string;
  /** Allow same-origin scripts (a flow carries a same-origin script node). */
  scripts?: boolean;
  /** Origins a form post may be redirected to (the social sign-in providers' issuers). */
  formRedirectOrigins?: string[];
}

export function uiCsp(o: SecurityHeaderOptions): string {
  const img = ["'self'", 'data:', ...(o.imageOrigin ? [o.imageOrigin] : [])].join(' ');
  return [
    "default-src 'none'",
    ...(o.scripts ? ["script-src 'self'"] : []),
    "style-src 'self'",
    `img-src ${img}`,
    ["form-action 'self'", o.publicBaseUrl, ...(o.formRedirectOrigins ?? [])].join(' '),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** Headers every UI response carries; a response that set its own CSP keeps it. */
export function applySecurityHeaders(reply: FastifyReply, o: SecurityHeaderOptions): void {
  if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', uiCsp(o));
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-content-type-options', 'nosniff');
}

export function sendHtml(reply: FastifyReply, body: SafeHtml, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body.value);
}
