import jsonPatch from 'fast-json-patch';
import type { CourierConfig } from '../../config/types.js';
import { validateConfig } from '../../config/validate.js';
import { formatPath, isPlainObject } from '../../config/paths.js';
import { badRequest, KratosError } from '../../errors/kratos-error.js';
import { CipherError, type Cipher } from '../../lib/cipher.js';
import { SecretRefError, SecretResolver, isSecretRef } from '../../lib/secret-ref.js';
import { IdmEmailError, looksLikeIdmEmail, translateIdmEmail } from './idm-email.js';
import { decryptSecrets, encryptSecrets, inlineSecretPaths, keepRedactedSecrets, redactSecrets } from './secret-fields.js';
import type { CourierSettingsStore } from './store.js';
import type { Channel } from '../channel.js';
import { explainTestFailure, type ConnectionTestResult } from './connection-test.js';

// The email channel settings an admin can change at run time: the `courier` keys that describe
// the channels (`delivery_strategy`, `smtp`, `http`, `channels`). The configuration file stays the
// default; what the admin API stored takes precedence (its `delivery_strategy`, `smtp` and `http`
// replace the file's, its `channels` replace the file's entries of the same id and add others) and
// can be deleted to return to the file. Stored documents are validated exactly as the file is, by
// the same schema, and their secrets are encrypted under `secrets.cipher`.

export const EMAIL_SETTINGS_SCOPE = 'email';
export const EMAIL_SETTINGS_KEYS = ['delivery_strategy', 'smtp', 'http', 'channels'] as const;

export type EmailSettingsDocument = Record<string, unknown>;

export type ReadAs = 'tessera' | 'idm';

/** What is in force, as the admin API shows it (secrets redacted by the caller). */
export interface EmailSettingsView {
  source: 'file' | 'database';
  version: number;
  updatedAt?: Date;
  readAs?: ReadAs;
  /** The email settings in force (the `courier` keys above), secrets in the clear. */
  settings: EmailSettingsDocument;
}

export interface EmailSettingsDeps {
  store: CourierSettingsStore;
  cipher: Cipher;
  /** The configuration file's `courier`, defaults applied. */
  fileCourier: CourierConfig;
  /** Builds the channels of a courier configuration (resolving its secret references); throws what is wrong. */
  build(courier: CourierConfig): Promise<Map<string, Channel>>;
  now?: () => Date;
}

/** A stored document that cannot be used (a cipher key was removed): delivery keeps what it had. */
export class StoredSettingsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoredSettingsError';
  }
}

function pick(courier: CourierConfig): EmailSettingsDocument {
  const out: EmailSettingsDocument = {};
  for (const k of EMAIL_SETTINGS_KEYS) if (courier[k] !== undefined) out[k] = structuredClone(courier[k]);
  return out;
}

/**
 * The file's courier with the stored settings in place of its email settings (not validated): the
 * stored `delivery_strategy`, `smtp`, `http` and `channels` replace the file's (absent ones take
 * their defaults), except that the file's SMS channel (`channels[id=sms]`) stays unless the stored
 * settings name one too.
 */
export function mergeEmailSettings(file: CourierConfig, stored: EmailSettingsDocument | null): Record<string, unknown> {
  const merged = structuredClone(file) as unknown as Record<string, unknown>;
  if (!stored) return merged;
  for (const k of EMAIL_SETTINGS_KEYS) delete merged[k];
  for (const [k, v] of Object.entries(stored)) merged[k] = structuredClone(v);
  const storedChannels = Array.isArray(stored.channels) ? stored.channels : [];
  const named = new Set(storedChannels.map((c) => (isPlainObject(c) ? c.id : undefined)));
  const sms = file.channels.filter((c) => c.id === 'sms' && !named.has('sms'));
  if (sms.length > 0 || stored.channels !== undefined) merged.channels = [...structuredClone(sms), ...storedChannels.map((c) => structuredClone(c))];
  return merged;
}

function fieldError(field: string, message: string, cause?: unknown): KratosError {
  return badRequest(`${field}: ${message}`, { details: { field }, cause });
}

/**
 * Validates stored settings over the file's courier as `loadConfig` validates the file: the schema
 * (defaults filled in), the cross-key rules, then building the channels. Throws a 400 naming the
 * first field at fault (every problem is in `details.issues`).
 */
export async function effectiveCourier(file: CourierConfig, stored: EmailSettingsDocument | null, tryBuild?: (c: CourierConfig) => Promise<void>): Promise<CourierConfig> {
  if (stored) {
    for (const key of Object.keys(stored)) {
      if (!(EMAIL_SETTINGS_KEYS as readonly string[]).includes(key)) {
        throw fieldError(`courier.${key}`, `not an email channel setting that can be changed at run time (allowed: ${EMAIL_SETTINGS_KEYS.join(', ')})`);
      }
    }
  }
  const root = { courier: mergeEmailSettings(file, stored) };
  const issues = validateConfig(root, { keepValidator: true });
  if (issues.length > 0) {
    const list = issues.map((i) => ({ field: formatPath(i.segments), message: i.message }));
    throw badRequest(list.map((i) => `${i.field}: ${i.message}`).join('; '), { details: { field: list[0]!.field, issues: list } });
  }
  const courier = root.courier as unknown as CourierConfig;
  if (courier.delivery_strategy === 'http' && courier.http === undefined) {
    throw fieldError('courier.http.request_config', 'is required when courier.delivery_strategy is "http"');
  }
  if (tryBuild) {
    try {
      await tryBuild(courier);
    } catch (err) {
      if (err instanceof KratosError) throw err;
      const key = (err as { key?: unknown }).key;
      const field = err instanceof SecretRefError ? err.where : typeof key === 'string' ? `courier.smtp.${key}` : 'courier';
      const text = err instanceof Error ? err.message.replace(/^courier\.smtp\.[\w.]+: /, '') : String(err);
      throw fieldError(field, text, err);
    }
  }
  return courier;
}

export class EmailSettingsService {
  private readonly now: () => Date;

  constructor(private readonly deps: EmailSettingsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The stored version; 0 when none was ever stored. */
  version(): Promise<number> {
    return this.deps.store.version(EMAIL_SETTINGS_SCOPE);
  }

  /** The stored document decrypted, or null (use the file). Throws StoredSettingsError when it cannot be decrypted. */
  async stored(): Promise<{ version: number; document: EmailSettingsDocument | null; readAs?: ReadAs; updatedAt?: Date }> {
    const row = await this.deps.store.load(EMAIL_SETTINGS_SCOPE);
    if (!row || row.document === null) return { version: row?.version ?? 0, document: null };
    let document: EmailSettingsDocument;
    try {
      document = decryptSecrets(JSON.parse(row.document) as EmailSettingsDocument, this.deps.cipher);
    } catch (err) {
      if (err instanceof CipherError) throw new StoredSettingsError(`the stored email settings cannot be decrypted: ${err.message}`, { cause: err });
      throw err;
    }
    return { version: row.version, document, readAs: (row.readAs as ReadAs | null) ?? undefined, updatedAt: row.updatedAt };
  }

  /** The courier configuration in force: the file's with the stored settings over it. */
  async effective(): Promise<{ version: number; courier: CourierConfig }> {
    const s = await this.stored();
    if (!s.document) return { version: s.version, courier: this.deps.fileCourier };
    // Stored settings were valid when written; they are checked again because the file may have changed since.
    return { version: s.version, courier: await effectiveCourier(this.deps.fileCourier, s.document) };
  }

  async view(): Promise<EmailSettingsView> {
    let s: Awaited<ReturnType<EmailSettingsService['stored']>>;
    try {
      s = await this.stored();
    } catch (err) {
      if (err instanceof StoredSettingsError) throw new KratosError(500, { reason: `${err.message}. Put the key back into secrets.cipher, or PUT or DELETE the settings.` });
      throw err;
    }
    if (!s.document) return { source: 'file', version: s.version, settings: pick(this.deps.fileCourier) };
    const courier = await effectiveCourier(this.deps.fileCourier, s.document);
    return { source: 'database', version: s.version, updatedAt: s.updatedAt, readAs: s.readAs, settings: pick(courier) };
  }

  /** Reads a request body (Tessera's or IDM's shape) as a settings document. */
  read(body: unknown): { document: EmailSettingsDocument; readAs: ReadAs; notes: string[] } {
    if (!isPlainObject(body)) throw badRequest('The request body must be a JSON object.');
    if (looksLikeIdmEmail(body, EMAIL_SETTINGS_KEYS)) {
      try {
        const t = translateIdmEmail(body);
        return { document: t.settings, readAs: 'idm', notes: t.notes };
      } catch (err) {
        if (err instanceof IdmEmailError) throw fieldError(err.field, err.message.startsWith(err.field) ? err.message.slice(err.field.length).replace(/^[:\s]+/, '') : err.message, err);
        throw err;
      }
    }
    return { document: body, readAs: 'tessera', notes: [] };
  }

  /** Validates and stores; the running configuration is untouched unless everything is right. */
  async put(body: unknown): Promise<{ view: EmailSettingsView; notes: string[] }> {
    const { document: given, readAs, notes } = this.read(body);
    const current = await this.currentDocument();
    const document = keepRedactedSecrets(given, current);
    await this.checkSecrets(document);
    await effectiveCourier(this.deps.fileCourier, document, (c) => this.tryBuild(c));
    const stored = JSON.stringify(encryptSecrets(document, this.deps.cipher));
    await this.deps.store.save(EMAIL_SETTINGS_SCOPE, stored, readAs, this.now());
    return { view: await this.view(), notes };
  }

  /** Applies a JSON Patch (RFC 6902) to the settings in force, then stores them as PUT would. */
  async patch(ops: unknown): Promise<{ view: EmailSettingsView; notes: string[] }> {
    if (!Array.isArray(ops)) throw badRequest('The request body must be a JSON Patch: an array of operations.');
    const current = await this.currentDocument();
    const error = jsonPatch.validate(ops as jsonPatch.Operation[], current);
    if (error) throw fieldError(String((error as { operation?: { path?: unknown } }).operation?.path ?? 'patch'), `the JSON Patch cannot be applied: ${error.message.split('\n')[0]}`);
    let patched: EmailSettingsDocument;
    try {
      patched = jsonPatch.applyPatch(structuredClone(current), ops as jsonPatch.Operation[], true, false).newDocument;
    } catch (err) {
      throw badRequest(`The JSON Patch cannot be applied: ${err instanceof Error ? err.message.split('\n')[0] : 'invalid patch'}`);
    }
    return this.put(patched);
  }

  /**
   * Connects and authenticates through the email channel (or `channelId`) without sending: with
   * the settings given (either shape; secrets shown redacted keep the current ones) or those in force.
   */
  async testConnection(body: unknown, channelId = 'email'): Promise<ConnectionTestResult> {
    let courier: CourierConfig;
    if (body === undefined || body === null || (isPlainObject(body) && Object.keys(body).length === 0)) {
      courier = (await this.effective()).courier;
    } else {
      const { document: given } = this.read(body);
      const document = keepRedactedSecrets(given, await this.currentDocument());
      await this.checkSecrets(document);
      courier = await effectiveCourier(this.deps.fileCourier, document);
    }
    let channels: Map<string, Channel>;
    try {
      channels = await this.deps.build(courier);
    } catch (err) {
      return { ok: false, channel: channelId, error: err instanceof Error ? err.message : String(err), hint: 'The settings cannot be used as they are; fix the field the error names.' };
    }
    try {
      const ch = channels.get(channelId);
      if (!ch) return { ok: false, channel: channelId, error: `no channel "${channelId}" is configured`, hint: 'Configure courier.smtp.connection_uri or a courier.channels entry with this id.' };
      if (!ch.verify) return { ok: false, channel: channelId, error: `channel "${channelId}" cannot be tested without sending a message`, hint: 'HTTP channels have no connection to test; send a test message instead.' };
      try {
        await ch.verify();
        return { ok: true, channel: channelId };
      } catch (err) {
        return { ok: false, channel: channelId, ...explainTestFailure(err) };
      }
    } finally {
      await Promise.all([...channels.values()].map((c) => c.close()));
    }
  }

  private async tryBuild(courier: CourierConfig): Promise<void> {
    const channels = await this.deps.build(courier);
    await Promise.all([...channels.values()].map((c) => c.close()));
  }

  /** Back to the configuration file. */
  async delete(): Promise<EmailSettingsView> {
    await this.deps.store.save(EMAIL_SETTINGS_SCOPE, null, null, this.now());
    return this.view();
  }

  /** The settings a PATCH applies to and a redacted secret refers to: the stored ones, else the file's. */
  private async currentDocument(): Promise<EmailSettingsDocument> {
    try {
      const s = await this.stored();
      return s.document ?? pick(this.deps.fileCourier);
    } catch (err) {
      if (err instanceof StoredSettingsError) return pick(this.deps.fileCourier);
      throw err;
    }
  }

  private async checkSecrets(document: EmailSettingsDocument): Promise<void> {
    const inline = inlineSecretPaths(document);
    if (inline.length > 0 && !this.deps.cipher.encrypts) {
      throw fieldError(
        `courier.${inline[0]}`,
        'secrets are only stored encrypted: set ciphers.algorithm (aes or xchacha20-poly1305) and secrets.cipher, or give the secret as a file reference ({"file": ..., "pointer": ...} or {"$purpose": ...})',
      );
    }
    // File references that arrive over the API may only point into courier.secrets_directory.
    const resolver = new SecretResolver({ secretsDirectory: this.deps.fileCourier.secrets_directory, confined: true });
    const walk = async (node: unknown, path: string[]): Promise<void> => {
      if (isSecretRef(node)) {
        await resolver.resolve(node, `courier.${path.join('.')}`).catch((err: unknown) => {
          if (err instanceof SecretRefError) throw fieldError(err.where, err.message.slice(err.where.length + 2), err);
          throw err;
        });
        return;
      }
      if (Array.isArray(node)) for (const [i, v] of node.entries()) await walk(v, [...path, String(i)]);
      else if (isPlainObject(node)) for (const [k, v] of Object.entries(node)) await walk(v, [...path, k]);
    };
    await walk(document, []);
  }
}

export function redactedView(view: EmailSettingsView): Record<string, unknown> {
  return {
    source: view.source,
    version: view.version,
    ...(view.updatedAt ? { updated_at: view.updatedAt.toISOString() } : {}),
    ...(view.readAs ? { read_as: view.readAs } : {}),
    courier: redactSecrets(view.settings),
  };
}
