import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve as resolvePath, sep } from 'node:path';

// Secrets given by reference instead of inline, so they can be rotated by rewriting a file:
//   "..."                                  inline
//   { "file": "/run/secrets/mail.json", "pointer": "/clientSecret" }
//                                          a JSON pointer into a JSON file (the whole file,
//                                          trimmed, when there is no pointer)
//   { "$purpose": "idm.email.client.secret" }
//                                          ForgeRock IDM's form: the file of that name in a
//                                          configured secrets directory, trimmed
// A resolver remembers every file it read with a stamp (inode, size, modification time), so a
// holder of resolved values can ask cheaply whether any of them changed.

export type SecretValue = string | { file: string; pointer?: string } | { $purpose: string };

/** A reference that cannot be resolved; `where` names the configuration key. */
export class SecretRefError extends Error {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(`${where}: ${message}`);
    this.name = 'SecretRefError';
  }
}

export interface SecretResolverOptions {
  /** Where `$purpose` files live; also the only place file references may point to when `confined`. */
  secretsDirectory?: string;
  /** Relative `file` paths resolve against this (default: the working directory). */
  baseDir?: string;
  /**
   * Refuse files outside `secretsDirectory` (after following links): for references that arrive
   * over an API rather than from the operator's configuration file.
   */
  confined?: boolean;
}

export function isSecretRef(v: unknown): v is { file: string; pointer?: string } | { $purpose: string } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (typeof (v as { file?: unknown }).file === 'string' || typeof (v as { $purpose?: unknown }).$purpose === 'string');
}

function decodeToken(t: string): string {
  return t.replace(/~1/g, '/').replace(/~0/g, '~');
}

function atPointer(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let cur: unknown = doc;
  for (const token of pointer.slice(1).split('/').map(decodeToken)) {
    if (Array.isArray(cur) && /^(0|[1-9]\d*)$/.test(token)) cur = cur[Number(token)];
    else if (cur !== null && typeof cur === 'object' && !Array.isArray(cur) && Object.hasOwn(cur, token)) cur = (cur as Record<string, unknown>)[token];
    else return undefined;
  }
  return cur;
}

async function stampOf(path: string): Promise<string> {
  try {
    const s = await stat(path, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return 'missing';
  }
}

export class SecretResolver {
  /** Files read so far, with their stamps when read. */
  readonly files = new Map<string, string>();

  constructor(private readonly opts: SecretResolverOptions = {}) {}

  async resolve(value: SecretValue, where: string): Promise<string> {
    if (typeof value === 'string') return value;
    if ('$purpose' in value) {
      const dir = this.opts.secretsDirectory;
      if (!dir) throw new SecretRefError(where, `{"$purpose": ...} needs courier.secrets_directory to be set`);
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value.$purpose)) throw new SecretRefError(where, 'a $purpose is a plain file name (letters, digits, ".", "_", "-")');
      return (await this.read(join(dir, value.$purpose), where)).trim();
    }
    const path = isAbsolute(value.file) ? value.file : resolvePath(this.opts.baseDir ?? process.cwd(), value.file);
    const text = await this.read(path, where);
    return value.pointer === undefined ? text.trim() : this.pointed(text, value.pointer, path, where);
  }

  private pointed(text: string, pointer: string, path: string, where: string): string {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new SecretRefError(where, `${path} is not JSON, so the pointer ${JSON.stringify(pointer)} cannot be followed`);
    }
    const found = atPointer(doc, pointer);
    if (typeof found !== 'string') throw new SecretRefError(where, `${path} has no string at ${JSON.stringify(pointer)}`);
    return found;
  }

  private async read(path: string, where: string): Promise<string> {
    if (this.opts.confined) await this.checkConfined(path, where);
    const stamp = await stampOf(path);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new SecretRefError(where, `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    this.files.set(path, stamp);
    return text;
  }

  private async checkConfined(path: string, where: string): Promise<void> {
    const dir = this.opts.secretsDirectory;
    if (!dir) throw new SecretRefError(where, 'file references given over the API need courier.secrets_directory, and must point inside it');
    let real: string;
    let realDir: string;
    try {
      [real, realDir] = await Promise.all([realpath(path), realpath(dir)]);
    } catch (err) {
      throw new SecretRefError(where, `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const rel = relative(realDir, real);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) {
      throw new SecretRefError(where, `${path} is outside courier.secrets_directory`);
    }
  }
}

/** Whether any of the files changed since they were read (one stat each). */
export async function secretFilesChanged(files: ReadonlyMap<string, string>): Promise<boolean> {
  for (const [path, stamp] of files) {
    if ((await stampOf(path)) !== stamp) return true;
  }
  return false;
}
