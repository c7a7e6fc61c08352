#!/usr/bin/env node
// Compiles the two engine packages (packages/*/dist, with type declarations, through tsc) and then
// bundles Tessera (src/ -> dist/cli/main.js plus chunks in dist/chunks/, with source maps) with
// esbuild, and copies the files the server reads at run time (the built-in courier templates) to
// dist/. bin/tessera.js runs dist/.
//
// The bundle is not type-checked: `npm run typecheck` does that (CI runs it). It holds Tessera and
// its pure-JavaScript dependencies, so start-up loads a handful of files instead of ~1,500 (see
// docs/benchmarks.md, "Footprint"); native addons and the Jsonnet engine stay package imports. The
// configuration schema's validator is compiled ahead of time (config-validator.mjs).
//   node scripts/build.mjs             clean build
//   node scripts/build.mjs --if-stale  only when a source is newer than the last build (npm's
//                                      `prepare` and `npm test` call this; a no-op costs a few ms)
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { configValidatorCodeCache, configValidatorSource, draft07MetaValidatorCodeCache, draft07MetaValidatorSource } from './config-validator.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const packages = ['packages/gotemplate', 'packages/jsonnet'];
const stamp = join(root, 'dist', '.built');

function* files(dir) {
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else yield p;
  }
}

function newestInput() {
  let newest = 0;
  const inputs = [
    ...[join(root, 'src'), ...packages.map((p) => join(root, p, 'src'))].flatMap((d) => [...files(d)]),
    ...['tsconfig.json', 'package.json', 'scripts/build.mjs', 'scripts/config-validator.mjs', ...packages.flatMap((p) => [`${p}/tsconfig.build.json`, `${p}/package.json`])].map((f) => join(root, f)),
  ];
  for (const f of inputs) newest = Math.max(newest, statSync(f).mtimeMs);
  return newest;
}

/** Whether a package's dist/ is missing or older than one of its sources. */
function packageStale(p) {
  const built = join(root, p, 'dist', 'index.js');
  if (!existsSync(built)) return true;
  const inputs = [...files(join(root, p, 'src')), join(root, p, 'tsconfig.build.json'), join(root, p, 'package.json')];
  return inputs.some((f) => statSync(f).mtimeMs > statSync(built).mtimeMs);
}

/** Whether dist/ and the packages' dist/ are missing or older than a source. */
export function isStale() {
  if (!existsSync(stamp) || packages.some((p) => !existsSync(join(root, p, 'dist', 'index.js')))) return true;
  return newestInput() > statSync(stamp).mtimeMs;
}

function resolveTool(path) {
  try {
    return createRequire(join(root, 'package.json')).resolve(path);
  } catch {
    console.error(`cannot build: ${path.split('/')[0]} is not installed (a dev dependency; run \`npm install\` in the checkout)`);
    process.exit(1);
  }
}

function tsc(project) {
  const r = spawnSync(process.execPath, [resolveTool('typescript/bin/tsc'), '-p', project], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`build failed: tsc -p ${project}`);
    process.exit(r.status ?? 1);
  }
}

/** The packages left out of the bundle: native addons (their binaries sit in node_modules) and the Jsonnet engine (it starts worker threads from its own files). The Go template engine, plain JavaScript read at every start, is bundled. */
const EXTERNAL = ['better-sqlite3', '@node-rs/*', '@tessera/jsonnet', 'pg-native'];

/**
 * Bundles Tessera (src/cli/main.ts) with its JavaScript dependencies into dist/cli/main.js, with
 * code splitting: what is imported dynamically (OpenTelemetry, Jsonnet, JWT signing, ...) goes into
 * chunks under dist/chunks/, loaded on first use. One file instead of some 1,500 is what makes
 * start-up fast. Every output file sits two levels under the package root (dist/cli, dist/chunks),
 * which the few paths computed from import.meta.url rely on (lib/version.ts, the built-in templates).
 */
async function bundleTessera() {
  const esbuild = (await import(pathToFileURL(resolveTool('esbuild')).href)).default;
  const intoPackages = {
    name: 'no-relative-packages',
    setup(b) {
      // dist/ must import the engines by package name, never their TypeScript sources by path.
      b.onResolve({ filter: /(?:\.\.\/)+packages\// }, (args) => ({
        errors: [{ text: `${relative(root, args.importer)} imports packages/ by relative path; import '@tessera/gotemplate' or '@tessera/jsonnet' by name` }],
      }));
    },
  };
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { 'cli/main': 'src/cli/main.ts' },
    outdir: 'dist',
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    sourcesContent: false,
    // Whitespace and comments out, names kept (stack traces stay readable; the source maps give lines).
    // And ASCII only: V8 keeps a module's source in memory for its lifetime, as one byte per
    // character only if every character is Latin-1, else two.
    minifyWhitespace: true,
    minifySyntax: true,
    charset: 'ascii',
    legalComments: 'external',
    metafile: true,
    logLevel: 'warning',
    external: EXTERNAL,
    plugins: [intoPackages],
    // Bundled CommonJS dependencies call require(); an ES module has none of its own.
    banner: { js: "import { createRequire as __tesseraCreateRequire } from 'node:module'; const require = __tesseraCreateRequire(import.meta.url);" },
  });
  // esbuild escapes what it can; a regular expression or a tagged template literal it must leave as
  // written, and one such character beyond Latin-1 doubles the memory the whole chunk's source takes.
  for (const out of Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'))) {
    const text = readFileSync(join(root, out), 'utf8');
    const at = text.search(/[^\x00-\xff]/);
    if (at >= 0) {
      console.error(`${out}: character beyond Latin-1 in ${JSON.stringify(text.slice(Math.max(0, at - 60), at + 20))}; write it as a \\u escape in the source`);
      process.exit(1);
    }
  }
  // The configuration schema's validator, compiled ahead of time (see config-validator.mjs).
  // And draft-07's meta-schema validator, which identity schemas are checked against. Each with V8's
  // code cache beside it (`.cache`), made by this Node after a warm-up run.
  const validators = [
    ['config/config-validator.js', configValidatorSource, configValidatorCodeCache],
    ['schema/draft-07-meta-validator.js', draft07MetaValidatorSource, draft07MetaValidatorCodeCache],
  ];
  for (const [file, source, cache] of validators) {
    const out = join(root, 'dist', file);
    mkdirSync(dirname(out), { recursive: true });
    const text = await source(root, esbuild);
    writeFileSync(out, text);
    writeFileSync(`${out}.cache`, await cache(root, esbuild, text));
  }
  // What went where (for looking into the bundle's size), outside dist/ so it is not packed.
  const cache = join(root, 'node_modules', '.cache', 'tessera-build');
  mkdirSync(cache, { recursive: true });
  writeFileSync(join(cache, 'metafile.json'), JSON.stringify(result.metafile));
  return Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js')).length;
}

export async function build({ clean }) {
  const started = Date.now();
  if (clean) for (const d of ['dist', ...packages.map((p) => `${p}/dist`)]) rmSync(join(root, d), { recursive: true, force: true });
  // Tessera's sources import the packages by name, so their declarations must exist first.
  for (const p of packages) if (clean || packageStale(p)) tsc(`${p}/tsconfig.build.json`);
  // Chunk names carry a content hash: start from an empty dist/ so no stale chunk stays behind.
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  const outputs = await bundleTessera();
  // Files read at run time (templates) keep their place under src/, in dist/; the modules reading
  // them find them there from dist/cli or dist/chunks.
  for (const f of files(join(root, 'src'))) {
    if (f.endsWith('.ts') || f.endsWith('.md')) continue;
    const to = join(root, 'dist', relative(join(root, 'src'), f));
    mkdirSync(dirname(to), { recursive: true });
    cpSync(f, to);
  }
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  console.error(`built dist/ (${outputs} files) and ${packages.map((p) => `${p}/dist`).join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ifStale = process.argv.includes('--if-stale');
  let haveTypeScript = true;
  try {
    createRequire(join(root, 'package.json')).resolve('typescript');
  } catch {
    haveTypeScript = false;
  }
  if (ifStale && !haveTypeScript) {
    // `npm ci --omit=dev` in a checkout still runs `prepare`; the install itself must not fail.
    if (isStale()) console.error('not building: TypeScript (a dev dependency) is not installed; `npm install` with dev dependencies, then `npm run build`');
  } else if (!ifStale || isStale()) {
    await build({ clean: !ifStale });
  }
}
