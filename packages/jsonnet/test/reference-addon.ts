// The reference Jsonnet implementation (jsonnet 0.20, C++, through the @hanazuki/node-jsonnet addon).
// It is not a dependency: building it needs cmake and a C++ compiler, which a plain install must not
// require. The golden-file generator installs it on demand into a cache folder outside the project's
// dependency tree; the benchmark uses it when it is there.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REFERENCE_ADDON = '@hanazuki/node-jsonnet@2.1.0';

export interface NativeJsonnet {
  extCode(k: string, v: string): NativeJsonnet;
  tlaCode(k: string, v: string): NativeJsonnet;
  evaluateSnippet(code: string): Promise<string>;
}
export type NativeJsonnetClass = new () => NativeJsonnet;

const root = fileURLToPath(new URL('../../../', import.meta.url));
/** Where the on-demand install goes: ignored by git, never part of `npm ci`. */
export const ADDON_PREFIX = join(root, 'node_modules', '.cache', 'jsonnet-reference');

function tryLoad(from: string): NativeJsonnetClass | undefined {
  try {
    return (createRequire(from)('@hanazuki/node-jsonnet') as { Jsonnet: NativeJsonnetClass }).Jsonnet;
  } catch {
    return undefined;
  }
}

/** The addon if it is installed (in the project or in the cache folder), else undefined. */
export function findReferenceAddon(): NativeJsonnetClass | undefined {
  return tryLoad(import.meta.url) ?? tryLoad(join(ADDON_PREFIX, 'package.json'));
}

/** The addon, installing it into the cache folder first when it is missing (needs cmake and a C++ compiler). */
export function loadReferenceAddon(): NativeJsonnetClass {
  const found = findReferenceAddon();
  if (found) return found;
  mkdirSync(ADDON_PREFIX, { recursive: true });
  if (!existsSync(join(ADDON_PREFIX, 'package.json'))) execFileSync('npm', ['init', '-y'], { cwd: ADDON_PREFIX, stdio: 'ignore' });
  console.error(`installing ${REFERENCE_ADDON} into ${ADDON_PREFIX} (builds jsonnet with cmake and a C++ compiler)`);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', REFERENCE_ADDON], { cwd: ADDON_PREFIX, stdio: 'inherit' });
  const loaded = tryLoad(join(ADDON_PREFIX, 'package.json'));
  if (!loaded) throw new Error(`${REFERENCE_ADDON} installed but cannot be loaded from ${ADDON_PREFIX}`);
  return loaded;
}
