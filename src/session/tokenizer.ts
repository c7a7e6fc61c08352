/**
 * `GET /sessions/whoami?tokenize_as=<template>`: the session as a signed JWT, as Kratos's session
 * tokenizer issues it. A template (`session.whoami.tokenizer.templates.<name>`) names a JWKS whose
 * first key signs (its `alg` decides the algorithm, its `kid` goes into the header), a lifetime, and
 * optionally a Jsonnet claims mapper that sees the session and the standard claims as
 * `std.extVar('session')` / `std.extVar('claims')` and returns `{ claims: {...} }`.
 *
 * Standard claims: jti (random), iss (the public base URL), iat, nbf, exp (now + ttl), sid (session
 * id), sub (identity id, or its external_id with `subject_source: external_id`); the mapper may add
 * or override any claim except `sub`.
 */
import { randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import type { Program } from '@tessera/jsonnet';
import { badRequest } from '../errors/kratos-error.js';
import type { TokenizerTemplateConfig } from '../config/types.js';
import { parseDuration } from '../lib/duration.js';
import type { Session } from './session.js';

/** Reads the text behind a `file://`, `base64://` or `http(s)://` URL. */
export type SourceLoader = (url: string) => Promise<string>;

export interface SessionTokenizerDeps {
  templates: () => Record<string, TokenizerTemplateConfig>;
  /** The `iss` claim: the public base URL. */
  issuer: () => string;
  load: SourceLoader;
  now?: () => Date;
}

/** Signing algorithms a JWK may name (those Kratos's JWT library signs with). */
const ALGORITHMS = new Set(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']);

/** How long a fetched remote claims mapper is kept before it is fetched again (as Kratos caches it). */
const MAPPER_CACHE_MS = 60 * 60 * 1000;
const MAPPER_LIMITS = { timeoutMs: 1000, maxSteps: 1_000_000 };

interface SigningKey {
  alg: string;
  kid: string | undefined;
  key: Awaited<ReturnType<typeof import('jose').importJWK>>;
}

// The JOSE and Jsonnet libraries are loaded on first use: most deployments configure no template.
const jose = () => import('jose');
const jsonnet = () => import('@tessera/jsonnet');

/** A template whose JWKS or mapper cannot be used: a configuration problem, reported at start. */
export class TokenizerTemplateError extends Error {}

export class SessionTokenizer {
  private readonly keys = new Map<string, Promise<SigningKey>>();
  private readonly mappers = new Map<string, { program: Promise<Program>; loadedAt: number }>();
  private readonly now: () => Date;

  constructor(private readonly deps: SessionTokenizerDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Loads every configured template's signing key and (file/base64) claims mapper; returns one
   * message per unusable template, naming it.
   */
  async problems(): Promise<string[]> {
    const out: string[] = [];
    for (const [name, tpl] of Object.entries(this.deps.templates())) {
      try {
        await this.signingKey(tpl);
        if (tpl.claims_mapper_url && !/^https?:\/\//i.test(tpl.claims_mapper_url)) await this.mapper(tpl.claims_mapper_url);
      } catch (err) {
        out.push(`session.whoami.tokenizer.templates.${name}: ${(err as Error).message}`);
      }
    }
    return out;
  }

  /**
   * The session as a JWT made with template `name`. `sessionJson` is the session as whoami renders
   * it (the claims mapper's `session`). Throws a 400 KratosError for an unknown template or a
   * mapper that fails, as Kratos answers.
   */
  async tokenize(name: string, session: Session, sessionJson: Record<string, unknown>): Promise<string> {
    const templates = this.deps.templates();
    const tpl = Object.hasOwn(templates, name) ? templates[name] : undefined;
    if (!tpl) throw badRequest(`Unable to find tokenizer template "${name}".`);
    let signing: SigningKey;
    try {
      signing = await this.signingKey(tpl);
    } catch (err) {
      throw badRequest('Could not find a suitable key for tokenization in the JWKS url.', { cause: err });
    }

    const now = Math.floor(this.now().getTime() / 1000);
    let claims: Record<string, unknown> = {
      jti: randomUUID(),
      iss: this.deps.issuer(),
      exp: now + Math.floor(parseDuration(tpl.ttl) / 1000),
      sid: session.id,
      nbf: now,
      iat: now,
      sub: subjectOf(session, tpl),
    };
    if (tpl.claims_mapper_url) {
      let mapped: unknown;
      try {
        const program = await this.mapper(tpl.claims_mapper_url);
        mapped = program.evaluateToValue({ extValues: { session: sessionJson, claims }, limits: MAPPER_LIMITS, trace: () => {} });
      } catch (err) {
        if (err instanceof (await jsonnet()).JsonnetError || err instanceof TokenizerTemplateError) throw badRequest('Unable to execute tokenizer JsonNet.', { cause: err });
        throw err;
      }
      const mappedClaims = isObject(mapped) ? mapped.claims : undefined;
      if (!isObject(mappedClaims)) throw badRequest('Expected tokenizer JsonNet to return a claims object but it did not.');
      claims = { ...claims, ...mappedClaims, sub: claims.sub };
    }

    const { SignJWT } = await jose();
    return new SignJWT(claims).setProtectedHeader({ alg: signing.alg, typ: 'JWT', ...(signing.kid ? { kid: signing.kid } : {}) }).sign(signing.key);
  }

  private signingKey(tpl: TokenizerTemplateConfig): Promise<SigningKey> {
    let pending = this.keys.get(tpl.jwks_url);
    if (!pending) {
      pending = this.loadSigningKey(tpl.jwks_url);
      this.keys.set(tpl.jwks_url, pending);
      pending.catch(() => this.keys.delete(tpl.jwks_url));
    }
    return pending;
  }

  private async loadSigningKey(url: string): Promise<SigningKey> {
    let set: unknown;
    try {
      set = JSON.parse(await this.deps.load(url));
    } catch (err) {
      throw new TokenizerTemplateError(`jwks_url: ${err instanceof SyntaxError ? 'is not JSON' : (err as Error).message}`);
    }
    const jwk = isObject(set) && Array.isArray(set.keys) ? (set.keys[0] as JWK | undefined) : undefined;
    if (!isObject(jwk)) throw new TokenizerTemplateError('jwks_url: the JSON Web Key Set has no keys');
    if (typeof jwk.alg !== 'string' || !ALGORITHMS.has(jwk.alg)) {
      throw new TokenizerTemplateError(`jwks_url: the first key must name a signing algorithm in "alg" (${[...ALGORITHMS].join(', ')}), got ${JSON.stringify(jwk.alg ?? null)}`);
    }
    const isPrivate = jwk.kty === 'oct' ? typeof jwk.k === 'string' : typeof jwk.d === 'string';
    if (!isPrivate) throw new TokenizerTemplateError('jwks_url: the first key has no private part; a signing key is needed');
    try {
      const { importJWK } = await jose();
      return { alg: jwk.alg, kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, key: await importJWK(jwk, jwk.alg) };
    } catch (err) {
      throw new TokenizerTemplateError(`jwks_url: the first key cannot be used with ${jwk.alg}: ${(err as Error).message}`);
    }
  }

  private mapper(url: string): Promise<Program> {
    const cached = this.mappers.get(url);
    if (cached && Date.now() - cached.loadedAt < MAPPER_CACHE_MS) return cached.program;
    const program = Promise.all([this.deps.load(url), jsonnet()]).then(
      ([source, { compile }]) => {
        try {
          return compile(source, 'claims_mapper.jsonnet');
        } catch (err) {
          throw new TokenizerTemplateError(`claims_mapper_url: ${(err as Error).message.trim()}`);
        }
      },
      (err: unknown) => {
        throw new TokenizerTemplateError(`claims_mapper_url: ${(err as Error).message}`);
      },
    );
    this.mappers.set(url, { program, loadedAt: Date.now() });
    program.catch(() => {
      if (this.mappers.get(url)?.program === program) this.mappers.delete(url);
    });
    return program;
  }
}

function subjectOf(session: Session, tpl: TokenizerTemplateConfig): string {
  if (tpl.subject_source !== 'external_id') return session.identity_id;
  const external = session.identity?.external_id;
  if (!external) throw badRequest("The session's identity does not have an external ID set, but it is required for the subject claim.");
  return external;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
