#!/usr/bin/env node
// Compiles the two engine packages (packages/*/dist, with type declarations, through tsc) and then
// Tessera (src/ -> dist/, with source maps), and copies the files the server reads next to its
// modules (the built-in courier templates). bin/tessera.js runs dist/.
//
// Tessera itself is compiled file by file with TypeScript's transpiler, without type checking: a
// full `tsc` emit takes most of a minute on a small machine, and this runs on every fresh `npm ci`
// (`prepare`). Types are checked by `npm run typecheck` (CI runs it). verbatimModuleSyntax in
// tsconfig.json is what makes per-file compilation exact (type-only imports are marked as such).
//   node scripts/build.mjs             clean build
//   node scripts/build.mjs --if-stale  only when a source is newer than the last build (npm's
//                                      `prepare` and `npm test` call this; a no-op costs a few ms)
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

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
    ...['tsconfig.json', 'package.json', ...packages.flatMap((p) => [`${p}/tsconfig.build.json`, `${p}/package.json`])].map((f) => join(root, f)),
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

function resolveTypeScript(path) {
  try {
    return createRequire(join(root, 'package.json')).resolve(path);
  } catch {
    console.error('cannot build: TypeScript is not installed (it is a dev dependency; run `npm install` in the checkout)');
    process.exit(1);
  }
}

function tsc(project) {
  const r = spawnSync(process.execPath, [resolveTypeScript('typescript/bin/tsc'), '-p', project], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`build failed: tsc -p ${project}`);
    process.exit(r.status ?? 1);
  }
}

async function transpileTessera() {
  const ts = (await import(pathToFileURL(resolveTypeScript('typescript')).href)).default;
  const { config, error } = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
  // package.json says "type": "module", which a single-file transpile cannot see: say ES modules outright.
  const compilerOptions = { ...options, module: ts.ModuleKind.ES2022, moduleResolution: ts.ModuleResolutionKind.Bundler, noEmit: false, sourceMap: true, declaration: false };
  let count = 0;
  for (const f of files(join(root, 'src'))) {
    if (!f.endsWith('.ts') || f.endsWith('.d.ts')) continue;
    const rel = relative(join(root, 'src'), f);
    const out = join(root, 'dist', rel.replace(/\.ts$/, '.js'));
    const source = readFileSync(f, 'utf8');
    // dist/ holds src/ only; a relative import into packages/*/src would point at TypeScript there.
    const intoPackages = /from\s+'(?:\.\.\/)+packages\/|import\(\s*'(?:\.\.\/)+packages\//.exec(source);
    if (intoPackages) {
      console.error(`${rel}: imports packages/ by relative path; import '@tessera/gotemplate' or '@tessera/jsonnet' by name`);
      process.exit(1);
    }
    const { outputText, sourceMapText, diagnostics } = ts.transpileModule(source, { compilerOptions, fileName: f, reportDiagnostics: true });
    if (diagnostics?.length) {
      for (const d of diagnostics) console.error(`${rel}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      process.exit(1);
    }
    mkdirSync(dirname(out), { recursive: true });
    const map = JSON.parse(sourceMapText);
    map.sources = [relative(dirname(out), f)];
    writeFileSync(out, outputText.replace(/\/\/# sourceMappingURL=.*$/m, `//# sourceMappingURL=${basename(out)}.map`));
    writeFileSync(`${out}.map`, JSON.stringify(map));
    count++;
  }
  return count;
}

export async function build({ clean }) {
  const started = Date.now();
  if (clean) for (const d of ['dist', ...packages.map((p) => `${p}/dist`)]) rmSync(join(root, d), { recursive: true, force: true });
  // Tessera's sources import the packages by name, so their declarations must exist first.
  for (const p of packages) if (clean || packageStale(p)) tsc(`${p}/tsconfig.build.json`);
  await transpileTessera();
  // Files read at run time relative to a module (templates) go beside the compiled module.
  for (const f of files(join(root, 'src'))) {
    if (f.endsWith('.ts') || f.endsWith('.md')) continue;
    const to = join(root, 'dist', relative(join(root, 'src'), f));
    mkdirSync(dirname(to), { recursive: true });
    cpSync(f, to);
  }
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  console.error(`built dist/ and ${packages.map((p) => `${p}/dist`).join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
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
