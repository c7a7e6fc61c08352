import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KratosError } from '../../errors/kratos-error.js';

// Text that no database here can store must be refused before it reaches a handler: PostgreSQL
// refuses NUL in text and `\u0000` in jsonb, and both PostgreSQL and MySQL refuse byte sequences
// that are not UTF-8 (a lone surrogate has no UTF-8 form). Failing in SQL turned such input into a
// 500 after part of the work was done, or into a queued message that could never be stored as
// sent. One check at the edge covers every field of every route, on every database alike.

// With the u flag a surrogate pair reads as one code point, so only unpaired halves match.
const LONE_SURROGATE = /\p{Cs}/u;

/** Why a decoded string cannot be stored, or null when it can. */
export function unstorableReason(s: string): string | null {
  if (s.includes('\u0000')) return 'contains a NUL character (U+0000)';
  if (LONE_SURROGATE.test(s)) return 'contains an unpaired UTF-16 surrogate, which is not valid Unicode';
  return null;
}

/** The first string (key or value) in a parsed value that cannot be stored, with its location. */
function findUnstorable(value: unknown, where: string, depth = 0): { where: string; reason: string } | null {
  if (typeof value === 'string') {
    const reason = unstorableReason(value);
    return reason ? { where, reason } : null;
  }
  // Deeper than any identity schema goes; the body limit bounds the work either way.
  if (value === null || typeof value !== 'object' || depth > 64) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorable(value[i], `${where}[${i}]`, depth + 1);
      if (found) return found;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    const keyReason = unstorableReason(k);
    if (keyReason) return { where: `${where} (a field name)`, reason: keyReason };
    const found = findUnstorable(v, `${where}.${k}`, depth + 1);
    if (found) return found;
  }
  return null;
}

/**
 * Whether every percent-escape in a URL-encoded string decodes to UTF-8. The query parsers replace
 * what does not with U+FFFD silently; the client meant something else, so it is refused instead.
 */
function percentEncodingIsUtf8(s: string): boolean {
  if (!s.includes('%')) return true;
  for (const part of s.split(/[&=]/)) {
    try {
      decodeURIComponent(part.replace(/\+/g, ' '));
    } catch {
      return false;
    }
  }
  return true;
}

function refuse(what: string, reason: string): KratosError {
  return new KratosError(400, { reason: `The request ${what} ${reason}.` });
}

/**
 * Installs the check: JSON and form bodies must be UTF-8 (checked on the raw bytes), query strings
 * must percent-decode to UTF-8, and no parsed string (body, query, path parameter) may hold NUL or
 * a lone surrogate. Register before the routes and after @fastify/formbody.
 */
export function installStorableInputCheck(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  addUtf8JsonParser(app, 'application/json');
  if (app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.removeContentTypeParser('application/x-www-form-urlencoded');
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_req, body, done) => {
      const buf = body as Buffer;
      const text = buf.toString('utf8');
      if (!isUtf8(buf) || !percentEncodingIsUtf8(text)) return done(refuse('body', 'is not valid UTF-8'), undefined);
      done(null, formFields(text));
    });
  }
  app.addHook('preValidation', (req: FastifyRequest, _reply, done) => {
    const q = req.url.indexOf('?');
    if (q !== -1 && !percentEncodingIsUtf8(req.url.slice(q + 1))) return done(refuse('query string', 'is not valid UTF-8'));
    // Without a query string or a body (most GETs, every session check) only path parameters are left.
    const found = (q === -1 ? null : findUnstorable(req.query, 'query')) ?? findUnstorable(req.params, 'path') ?? (req.body === undefined ? null : findUnstorable(req.body, 'body'));
    if (found) return done(refuse(`field ${found.where}`, found.reason));
    done();
  });
}

/** Parses a JSON media type (`application/json-patch+json`, ...) as Fastify does, after checking its bytes are UTF-8. */
export function addUtf8JsonParser(app: FastifyInstance, contentType: string): void {
  const json = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser(contentType, { parseAs: 'buffer' }, (req, body, done) => {
    const buf = body as Buffer;
    if (!isUtf8(buf)) return done(refuse('body', 'is not valid UTF-8'), undefined);
    json(req, buf.toString('utf8'), done);
  });
}

/** Repeated form fields become arrays, as @fastify/formbody's parser made them. */
function formFields(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [k, v] of new URLSearchParams(text)) {
    const cur = out[k];
    out[k] = cur === undefined ? v : Array.isArray(cur) ? [...cur, v] : [cur, v];
  }
  return out;
}
