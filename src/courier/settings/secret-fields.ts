import type { Cipher } from '../../lib/cipher.js';
import { isSecretRef } from '../../lib/secret-ref.js';

// Which values of the email settings are secrets, and what happens to them: encrypted at rest
// (`{"$encrypted": "<hex>"}` in place of the value), redacted in answers, and a redacted value sent
// back unchanged means "keep the current one". References to files are not secrets and stay as
// they are.

export const REDACTED = '[redacted]';
const SECRET_HEADER = /auth|token|key|secret|cookie|signature/i;

type Path = ReadonlyArray<string | number>;
type Json = unknown;

function keyAt(path: Path, fromEnd: number): string | number | undefined {
  return path[path.length - 1 - fromEnd];
}

function uriPassword(uri: string): string {
  try {
    return decodeURIComponent(new URL(uri).password);
  } catch {
    return '';
  }
}

/** Whether the string at `path` is (or, for a URI, holds) a secret. */
export function isSecretPath(path: Path, value: string): boolean {
  const key = keyAt(path, 0);
  const parent = keyAt(path, 1);
  if (key === 'password' || key === 'client_secret') return true;
  if (key === 'client_id') return parent === 'msgraph_config';
  if (key === 'value') return parent === 'config';
  if (key === 'connection_uri') return uriPassword(value) !== '';
  if (parent === 'headers' && typeof key === 'string') return SECRET_HEADER.test(key);
  return false;
}

function maskUri(uri: string): string {
  try {
    const u = new URL(uri);
    if (u.password === '') return uri;
    u.password = REDACTED;
    return u.toString().replace(encodeURIComponent(REDACTED), REDACTED);
  } catch {
    return REDACTED;
  }
}

function redactValue(path: Path, value: string): string {
  return keyAt(path, 0) === 'connection_uri' ? maskUri(value) : REDACTED;
}

const isEncrypted = (v: Json): v is { $encrypted: string } =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { $encrypted?: unknown }).$encrypted === 'string' && Object.keys(v).length === 1;

function map(node: Json, path: Path, fn: (value: Json, path: Path) => Json | undefined): Json {
  const replaced = fn(node, path);
  if (replaced !== undefined) return replaced;
  if (Array.isArray(node)) return node.map((v, i) => map(v, [...path, i], fn));
  if (node !== null && typeof node === 'object' && !isSecretRef(node)) {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(node)) out[k] = map(v, [...path, k], fn);
    return out;
  }
  return node;
}

/** Paths of inline secrets (dotted, for messages). */
export function inlineSecretPaths(doc: Json): string[] {
  const found: string[] = [];
  map(doc, [], (v, path) => {
    if (typeof v === 'string' && isSecretPath(path, v) && v !== '') found.push(path.join('.'));
    return undefined;
  });
  return found;
}

export function encryptSecrets<T>(doc: T, cipher: Cipher): T {
  return map(doc, [], (v, path) => (typeof v === 'string' && v !== '' && isSecretPath(path, v) ? { $encrypted: cipher.encrypt(v) } : undefined)) as T;
}

/** Throws CipherError when a value cannot be decrypted with any key of `secrets.cipher`. */
export function decryptSecrets<T>(doc: T, cipher: Cipher): T {
  return map(doc, [], (v) => (isEncrypted(v) ? cipher.decrypt(v.$encrypted) : undefined)) as T;
}

export function redactSecrets<T>(doc: T): T {
  return map(doc, [], (v, path) => (typeof v === 'string' && isSecretPath(path, v) ? redactValue(path, v) : undefined)) as T;
}

function at(doc: Json, path: Path): Json {
  let cur: Json = doc;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, Json>)[k];
  }
  return cur;
}

/**
 * A secret sent back as the GET answer showed it (redacted) keeps the value `current` has at the
 * same place; any other value replaces it.
 */
export function keepRedactedSecrets<T>(incoming: T, current: Json): T {
  return map(incoming, [], (v, path) => {
    if (typeof v !== 'string' || !v.includes(REDACTED)) return undefined;
    const was = at(current, path);
    return typeof was === 'string' && isSecretPath(path, was) && redactValue(path, was) === v ? was : undefined;
  }) as T;
}
