import { createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CookieSerializeOptions } from '@fastify/cookie';
import { safeEqual } from '../../lib/safe-compare.js';

/**
 * Cookie values Tessera issues are signed with the first `secrets.cookie` entry and accepted with any
 * of them, so secrets can be rotated without logging everybody out.
 */
export class CookieSigner {
  constructor(private readonly secrets: readonly string[]) {
    if (secrets.length === 0) throw new Error('cookie signing needs at least one secret');
  }

  private mac(value: string, secret: string): string {
    return createHmac('sha256', secret).update(value).digest('base64url');
  }

  sign(value: string): string {
    return `${value}.${this.mac(value, this.secrets[0]!)}`;
  }

  /** The signed value, or null when the signature is missing or wrong. */
  unsign(signed: string | undefined): string | null {
    if (!signed) return null;
    const dot = signed.lastIndexOf('.');
    if (dot <= 0) return null;
    const value = signed.slice(0, dot);
    const mac = signed.slice(dot + 1);
    return this.secrets.some((s) => safeEqual(this.mac(value, s), mac)) ? value : null;
  }
}

export interface CookieAttributes {
  domain?: string;
  path: string;
  sameSite: 'lax' | 'strict' | 'none';
  secure: boolean;
  /** Seconds; undefined for a browser-session cookie. */
  maxAge?: number;
}

export function setCookie(reply: FastifyReply, name: string, value: string, a: CookieAttributes): void {
  const opts: CookieSerializeOptions = { httpOnly: true, path: a.path, sameSite: a.sameSite, secure: a.secure };
  if (a.domain) opts.domain = a.domain;
  if (a.maxAge !== undefined) opts.maxAge = a.maxAge;
  reply.setCookie(name, value, opts);
}

export function clearCookie(reply: FastifyReply, name: string, a: CookieAttributes): void {
  reply.clearCookie(name, { path: a.path, domain: a.domain, httpOnly: true, secure: a.secure, sameSite: a.sameSite });
}

export function readCookie(req: FastifyRequest, name: string): string | undefined {
  return req.cookies?.[name];
}
