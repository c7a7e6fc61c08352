// Dev mode (`tessera serve --dev`): fill in what a fresh clone lacks so the server starts with
// nothing configured, and leave every key that a file, override or env var set alone.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Segments, SourceMap } from './paths.js';
import { getAt, isPlainObject, setAt } from './paths.js';

export const DEV_STATE_DIR = '.tessera';
export const DEV_SECRETS_FILE = 'secrets.json';

/**
 * The identity schema dev mode uses when none is configured: an email and a first/last name. The
 * email is also a code identifier, so turning on `selfservice.methods.code.passwordless_enabled`
 * works at once (codes land in the dev mailbox).
 */
export const DEV_IDENTITY_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Person',
  type: 'object',
  properties: {
    traits: {
      type: 'object',
      properties: {
        email: {
          type: 'string',
          format: 'email',
          title: 'E-Mail',
          minLength: 3,
          maxLength: 320,
          'ory.sh/kratos': {
            credentials: { password: { identifier: true }, code: { identifier: true, via: 'email' }, webauthn: { identifier: true }, passkey: { display_name: true } },
            verification: { via: 'email' },
            recovery: { via: 'email' },
          },
        },
        name: {
          type: 'object',
          properties: {
            first: { type: 'string', title: 'First name', maxLength: 256 },
            last: { type: 'string', title: 'Last name', maxLength: 256 },
          },
          additionalProperties: false,
        },
      },
      required: ['email'],
      additionalProperties: false,
    },
  },
} as const;

export function devIdentitySchemaUrl(): string {
  return 'base64://' + Buffer.from(JSON.stringify(DEV_IDENTITY_SCHEMA)).toString('base64');
}

interface DevSecrets {
  default: string[];
  cipher: string[];
}

function isStringList(v: unknown, len?: number): v is string[] {
  return Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && (len === undefined ? s.length >= 16 : s.length === len));
}

/** Reads .tessera/secrets.json, creating it (mode 0600) with fresh secrets when absent or unusable. */
export async function loadOrCreateDevSecrets(cwd: string): Promise<DevSecrets> {
  const dir = join(cwd, DEV_STATE_DIR);
  const file = join(dir, DEV_SECRETS_FILE);
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (isPlainObject(parsed) && isStringList(parsed.default) && isStringList(parsed.cipher, 32)) {
      return { default: parsed.default, cipher: parsed.cipher };
    }
  } catch {
    // Missing or unreadable: write a new one below.
  }
  const secrets: DevSecrets = {
    default: [randomBytes(24).toString('base64url')],
    cipher: [randomBytes(16).toString('hex')],
  };
  await mkdir(dir, { recursive: true });
  await writeFile(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  return secrets;
}

function fill(data: Record<string, unknown>, segments: Segments, value: unknown, sources: SourceMap): void {
  if (getAt(data, segments) !== undefined) return;
  // Never overwrite a wrongly typed parent (serve: 5): validation must still see and report it.
  for (let i = 1; i < segments.length; i++) {
    const parent = getAt(data, segments.slice(0, i));
    if (parent !== undefined && !isPlainObject(parent)) return;
  }
  setAt(data, segments, value, 'dev', sources);
}

function joinUrl(base: string, rel: string): string {
  const b = base.endsWith('/') ? base : base + '/';
  return new URL(rel.replace(/^\/+/, ''), b).toString();
}

function validUrl(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    return /^https?:\/\//i.test(v) ? new URL(v).toString() : undefined;
  } catch {
    return undefined;
  }
}

export interface DevFillOptions {
  cwd: string;
  /** Write the SQLite DSN relative to the working directory (true) or as an absolute path. */
  relativeDsn: boolean;
}

/** Fills dev-mode values into `data` (merged files, overrides and env) where they are missing. */
export async function applyDevDefaults(data: Record<string, unknown>, sources: SourceMap, opts: DevFillOptions): Promise<void> {
  const dir = join(opts.cwd, DEV_STATE_DIR);
  await mkdir(dir, { recursive: true });
  const dbPath = opts.relativeDsn ? `${DEV_STATE_DIR}/tessera.sqlite` : resolve(dir, 'tessera.sqlite');
  fill(data, ['dsn'], `sqlite://${dbPath}?_fk=true`, sources);

  const port = (api: 'public' | 'admin', def: number): number => {
    const p = getAt(data, ['serve', api, 'port']);
    return typeof p === 'number' && Number.isInteger(p) ? p : def;
  };
  // A development server listens on loopback only: the admin API has no authentication of its own.
  fill(data, ['serve', 'public', 'host'], '127.0.0.1', sources);
  fill(data, ['serve', 'admin', 'host'], '127.0.0.1', sources);
  fill(data, ['serve', 'public', 'base_url'], `http://127.0.0.1:${port('public', 4433)}/`, sources);
  fill(data, ['serve', 'admin', 'base_url'], `http://127.0.0.1:${port('admin', 4434)}/`, sources);
  const publicBase = validUrl(getAt(data, ['serve', 'public', 'base_url'])) ?? `http://127.0.0.1:${port('public', 4433)}/`;

  if (getAt(data, ['identity', 'schemas']) === undefined) {
    const id = getAt(data, ['identity', 'default_schema_id']);
    fill(data, ['identity', 'schemas'], [{ id: typeof id === 'string' ? id : 'default', url: devIdentitySchemaUrl() }], sources);
  }

  const basePathRaw = getAt(data, ['ui', 'base_path']);
  const basePath = typeof basePathRaw === 'string' && basePathRaw.startsWith('/') ? basePathRaw : '/ui';
  const uiRoot = joinUrl(publicBase, basePath.replace(/\/*$/, '/'));
  fill(data, ['ui', 'enabled'], true, sources);
  fill(data, ['selfservice', 'default_browser_return_url'], uiRoot, sources);
  for (const flow of ['login', 'registration', 'settings', 'recovery', 'verification', 'error']) {
    fill(data, ['selfservice', 'flows', flow, 'ui_url'], joinUrl(uiRoot, flow), sources);
  }
  // Signing up signs you in, as in Kratos's quickstart: the first thing a new user tries.
  fill(data, ['selfservice', 'flows', 'registration', 'after', 'password', 'hooks'], [{ hook: 'session' }], sources);
  fill(data, ['selfservice', 'flows', 'registration', 'after', 'code', 'hooks'], [{ hook: 'session' }], sources);
  fill(data, ['selfservice', 'flows', 'registration', 'after', 'passkey', 'hooks'], [{ hook: 'session' }], sources);
  fill(data, ['selfservice', 'flows', 'registration', 'after', 'webauthn', 'hooks'], [{ hook: 'session' }], sources);
  fill(data, ['selfservice', 'flows', 'recovery', 'enabled'], true, sources);
  fill(data, ['selfservice', 'flows', 'verification', 'enabled'], true, sources);

  const needDefault = getAt(data, ['secrets', 'default']) === undefined;
  const needCipher = getAt(data, ['secrets', 'cipher']) === undefined;
  if (needDefault || needCipher) {
    const secrets = await loadOrCreateDevSecrets(opts.cwd);
    if (needDefault) fill(data, ['secrets', 'default'], secrets.default, sources);
    if (needCipher) fill(data, ['secrets', 'cipher'], secrets.cipher, sources);
  }
}
