/** Import resolvers: where `import`, `importstr` and `importbin` find their files. */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';

export interface ImportResult {
  /** Canonical name of the file (used in error messages, for caching and for nested imports). */
  foundAt: string;
  content: Uint8Array | string;
}

/** Finds an imported file. `importedFrom` is the importing file's name (or a snippet name). */
export interface Importer {
  resolve(importedFrom: string, path: string): ImportResult | null;
}

/** No imports at all (the default): every import fails with "couldn't open import". */
export const noImports: Importer = { resolve: () => null };

/** Files held in memory, keyed by name; relative paths resolve against the importing file's folder. */
export class MemoryImporter implements Importer {
  constructor(private readonly files: Record<string, string | Uint8Array>) {}
  resolve(importedFrom: string, path: string): ImportResult | null {
    const candidates: string[] = [];
    if (path.startsWith('/')) candidates.push(normalize(path));
    else {
      const dir = importedFrom.includes('/') ? importedFrom.slice(0, importedFrom.lastIndexOf('/') + 1) : '';
      candidates.push(normalize(dir + path), normalize(path));
    }
    for (const c of candidates) {
      const hit = this.files[c];
      if (hit !== undefined) return { foundAt: c, content: hit };
    }
    return null;
  }
}

function normalize(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '.' || part === '') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return (p.startsWith('/') ? '/' : '') + out.join('/');
}

export interface FileImporterOptions {
  /** Directories whose files may be read. Paths that leave them (by `..` or a symlink) are refused. */
  roots: string[];
  /** Library search paths (like `jsonnet -J`), tried in order after the importing file's folder. */
  libraryPaths?: string[];
  /** Largest file that may be imported, in bytes (default 16 MiB). */
  maxFileSize?: number;
}

/**
 * Reads imports from disk, confined to configured directories: relative imports resolve against the
 * importing file's folder and then the library paths; the real path (symlinks resolved) of every
 * file read must lie inside one of the roots. No network access of any kind.
 */
export class FileImporter implements Importer {
  private readonly roots: string[];
  private readonly libraryPaths: string[];
  private readonly maxFileSize: number;

  constructor(options: FileImporterOptions) {
    this.roots = options.roots.map((r) => {
      try {
        return realpathSync(resolve(r));
      } catch {
        return resolve(r);
      }
    });
    this.libraryPaths = (options.libraryPaths ?? []).map((p) => resolve(p));
    this.maxFileSize = options.maxFileSize ?? 16 * 1024 * 1024;
  }

  private inside(real: string): boolean {
    return this.roots.some((r) => real === r || real.startsWith(r.endsWith(sep) ? r : r + sep));
  }

  resolve(importedFrom: string, path: string): ImportResult | null {
    if (path.includes('\0')) return null;
    const candidates: string[] = [];
    if (isAbsolute(path)) candidates.push(path);
    else {
      if (isAbsolute(importedFrom)) candidates.push(join(dirname(importedFrom), path));
      else candidates.push(resolve(dirname(importedFrom), path));
      for (const lp of this.libraryPaths) candidates.push(join(lp, path));
    }
    for (const c of candidates) {
      let real: string;
      try {
        real = realpathSync(c);
      } catch {
        continue;
      }
      if (!this.inside(real)) continue;
      try {
        const st = statSync(real);
        if (!st.isFile() || st.size > this.maxFileSize) continue;
        return { foundAt: resolve(c), content: readFileSync(real) };
      } catch {
        continue;
      }
    }
    return null;
  }
}
