import { readFile } from 'node:fs/promises';

import type { Channel } from '../channel.js';
import { adminEmailAddressing } from '../admin-email.js';
import { DeliveryError } from '../message.js';
import type { OutgoingMessage } from '../message.js';
import type { ChannelLogger } from './http.js';
import { bodyExcerpt, createNodeRequester, exceptionSet, OutboundRequestError, privateGuardExempt, requesterFromFetch } from './outbound-request.js';
import type { OutboundRequester, OutboundResponse } from './outbound-request.js';

// Email through Microsoft Graph's `sendMail` (a Tessera channel type, `msgraph`; Kratos has none):
// an app registration's client credentials buy an access token at the token endpoint, and each
// message is one POST to `.../users/{sender}/sendMail`. The token is shared by all sends and
// renewed shortly before it expires, or at once when Graph answers 401.

export interface MsGraphChannelConfig {
  id: string;
  /** `https://graph.microsoft.com/v1.0/users/{sender id or UPN}/sendMail`. */
  mail_endpoint: string;
  /** Sender address shown in `from` (must be one the sender mailbox may send as); default: the mailbox itself. */
  from?: string;
  client_id: string;
  /** The client secret; or give `client_secret_path`. */
  client_secret?: string;
  /** A file holding the client secret, read each time a token is fetched (rotation needs no restart). */
  client_secret_path?: string;
  /** `https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token`. */
  token_endpoint: string;
  /** Usually `["https://graph.microsoft.com/.default"]`. */
  scope: string[];
  /** Joins `scope` in the token request (default a space). */
  scope_delimiter?: string;
}

export interface MsGraphChannelOptions {
  /** Sends requests with this fetch instead of node:http. */
  fetch?: typeof fetch;
  /** Deadline for each request, connect to last byte (default 10 s). */
  timeoutMs?: number;
  /** Allow loopback, private and link-local destinations (default false). */
  allowPrivateNetworks?: boolean;
  /** URLs reached even when private (`clients.http.private_ip_exception_urls`; exact match). */
  privateIpExceptionUrls?: readonly string[];
  logger?: ChannelLogger;
  /** Clock in ms (tests). */
  now?: () => number;
  /** A token is renewed this long before it expires (default 60 s; at most half its lifetime). */
  refreshMarginMs?: number;
}

interface CachedToken {
  value: string;
  /** Renew at or after this time. */
  renewAt: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MARGIN_MS = 60_000;
const EXCERPT_BYTES = 512;
const TOKEN_RESPONSE_MAX = 64 * 1024;

function requireUrl(raw: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${what}: "${raw}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${what}: "${raw}" is not an http(s) URL`);
  return url;
}

/** The Graph `sendMail` payload for one message: HTML when the message has it, plain text otherwise. */
export function graphSendMailPayload(message: OutgoingMessage, from?: string): Record<string, unknown> {
  const html = message.bodyHtml !== undefined && message.bodyHtml !== '';
  return {
    message: {
      subject: message.subject,
      body: html ? { contentType: 'HTML', content: message.bodyHtml } : { contentType: 'Text', content: message.bodyText },
      toRecipients: [{ emailAddress: { address: message.recipient } }],
      ...(from !== undefined ? { from: { emailAddress: { address: from } } } : {}),
      internetMessageHeaders: [{ name: 'X-Tessera-Message-Id', value: message.id }],
    },
    saveToSentItems: false,
  };
}

export function createMsGraphChannel(cfg: MsGraphChannelConfig, opts: MsGraphChannelOptions = {}): Channel {
  const what = `courier channel "${cfg.id}"`;
  const mailUrl = requireUrl(cfg.mail_endpoint, `${what} msgraph_config.mail_endpoint`);
  const tokenUrl = requireUrl(cfg.token_endpoint, `${what} msgraph_config.token_endpoint`);
  if (cfg.client_secret === undefined && cfg.client_secret_path === undefined) {
    throw new Error(`${what}: msgraph_config needs client_secret or client_secret_path`);
  }
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const allowPrivateNetworks = opts.allowPrivateNetworks ?? false;
  const exceptions = exceptionSet(opts.privateIpExceptionUrls);
  const now = opts.now ?? Date.now;
  const marginMs = opts.refreshMarginMs ?? DEFAULT_MARGIN_MS;
  const node = opts.fetch === undefined ? createNodeRequester() : null;
  const requester: OutboundRequester = node !== null ? node.request : requesterFromFetch(opts.fetch!);

  let token: CachedToken | null = null;
  let pending: Promise<string> | null = null;

  const call = async (url: URL, headers: Record<string, string>, body: string, max: number, onOverflow: 'error' | 'truncate', label: string): Promise<OutboundResponse> => {
    try {
      return await requester({
        url,
        method: 'POST',
        headers,
        body,
        timeoutMs,
        allowPrivateNetworks: privateGuardExempt(url, allowPrivateNetworks, exceptions),
        maxResponseBytes: max,
        onOverflow,
      });
    } catch (err) {
      if (err instanceof OutboundRequestError) {
        opts.logger?.warn({ channel: cfg.id, endpoint: url.origin, reason: err.code }, `${label} failed`);
        throw new DeliveryError(`${what}: ${label}: ${err.message}`, { cause: err });
      }
      throw err;
    }
  };

  const clientSecret = async (): Promise<string> => {
    if (cfg.client_secret_path === undefined) return cfg.client_secret!;
    try {
      return (await readFile(cfg.client_secret_path, 'utf8')).trim();
    } catch (err) {
      throw new DeliveryError(`${what}: could not read client_secret_path: ${(err as Error).message}`, { cause: err });
    }
  };

  const fetchToken = async (): Promise<string> => {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: cfg.client_id,
      client_secret: await clientSecret(),
      scope: cfg.scope.join(cfg.scope_delimiter ?? ' '),
    });
    const res = await call(
      tokenUrl,
      { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      form.toString(),
      TOKEN_RESPONSE_MAX,
      'error',
      'token request',
    );
    if (res.status < 200 || res.status > 299) {
      throw new DeliveryError(`${what}: token endpoint replied with status code ${res.status}: ${bodyExcerpt(res.body, res.truncated, EXCERPT_BYTES)}`);
    }
    let parsed: { access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(res.body.toString('utf8')) as typeof parsed;
    } catch {
      throw new DeliveryError(`${what}: token endpoint answered with something other than JSON`);
    }
    if (typeof parsed.access_token !== 'string' || parsed.access_token === '') {
      throw new DeliveryError(`${what}: token endpoint answer has no access_token`);
    }
    // expires_in is a number of seconds (some servers send it as a string); without it, an hour.
    const expiresIn = Number(parsed.expires_in ?? 3600);
    const lifetimeMs = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : 0;
    token = { value: parsed.access_token, renewAt: now() + lifetimeMs - Math.min(marginMs, lifetimeMs / 2) };
    return parsed.access_token;
  };

  /** The current token, fetching one when there is none or it is due; concurrent callers share one request. */
  const getToken = (): Promise<string> => {
    if (token !== null && now() < token.renewAt) return Promise.resolve(token.value);
    if (pending === null) {
      pending = fetchToken().finally(() => {
        pending = null;
      });
    }
    return pending;
  };

  const sendWith = (accessToken: string, body: string): Promise<OutboundResponse> =>
    call(
      mailUrl,
      { 'Content-Type': 'application/json', Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
      body,
      EXCERPT_BYTES,
      'truncate',
      'sendMail request',
    );

  return {
    id: cfg.id,
    type: 'email',

    async send(message: OutgoingMessage): Promise<void> {
      // An admin-sent message may name its sender (checked against this channel's domain when queued).
      const body = JSON.stringify(graphSendMailPayload(message, adminEmailAddressing(message.templateData)?.from?.address ?? cfg.from));
      let used = await getToken();
      let res = await sendWith(used, body);
      if (res.status === 401) {
        // The token was revoked or the secret rotated: drop it (unless a newer one arrived meanwhile) and try once more.
        if (token !== null && token.value === used) token = null;
        used = await getToken();
        res = await sendWith(used, body);
      }
      if (res.status >= 200 && res.status <= 299) {
        opts.logger?.debug({ channel: cfg.id, message_id: message.id, status: res.status }, 'Graph accepted the message');
        return;
      }
      opts.logger?.warn({ channel: cfg.id, message_id: message.id, status: res.status }, 'Graph refused the message');
      const excerpt = bodyExcerpt(res.body, res.truncated, EXCERPT_BYTES);
      throw new DeliveryError(`${what}: sendMail replied with status code ${res.status}` + (excerpt === '' ? '' : `: ${excerpt}`));
    },

    async verify(): Promise<void> {
      await fetchToken();
    },

    async close(): Promise<void> {
      node?.close();
    },
  };
}
