// `npm pack` gives a package that installs and runs: the tarball holds the compiled server, the CLI
// and the two engine packages (bundled: they are not on the registry), and no tests, benches,
// sources or images; installed into an empty folder with `npm install <tarball>`, its `tessera
// serve --dev` answers /health/ready and serves a flow.
//
// Time bound: better-sqlite3's install script downloads a prebuilt binary, or compiles SQLite for
// minutes where it cannot (as on this project's CI machines). That step belongs to better-sqlite3 and
// is covered by the fresh-clone check (scripts/fresh-clone-check.sh); here the install runs without
// scripts and the binary the checkout's own install produced for the same version and Node is put
// in place, so the test measures Tessera's packaging.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../testkit/server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(args: string[], cwd: string): string {
  const res = spawnSync(npm, args, { cwd, encoding: 'utf8', timeout: 240_000, env: { ...process.env, npm_config_update_notifier: 'false' } });
  assert.equal(res.status, 0, `npm ${args.join(' ')} failed:\n${res.stdout}\n${res.stderr}`);
  return res.stdout;
}

describe('the npm package', () => {
  let dir: string;
  let tarball: string;
  let files: string[];
  let server: ChildProcess | undefined;
  let output = '';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-pack-'));
    const [packed] = JSON.parse(run(['pack', '--json', '--pack-destination', dir], root)) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(dir, packed!.filename);
    files = packed!.files.map((f) => f.path);
  });
  after(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('holds the compiled server and the bundled engines, and no tests, benches, sources or images', () => {
    assert.ok(files.includes('bin/tessera.js'));
    assert.ok(files.includes('dist/cli/main.js'));
    assert.ok(files.includes('dist/courier/templates/builtin/recovery_code/valid/email.body.gotmpl'));
    for (const pkg of ['gotemplate', 'jsonnet']) assert.ok(files.includes(`node_modules/@tessera/${pkg}/dist/index.js`), `bundles @tessera/${pkg}`);
    const unwanted = files.filter((f) => /(^|\/)(test|bench|docs|src|scripts)\//.test(f) || /\.(ts|png|jpe?g|gif|svg)$/.test(f.replace(/\.d\.ts$/, '.d')));
    assert.deepEqual(unwanted, []);
  });

  test('installs into an empty folder and `tessera serve --dev` becomes ready', async () => {
    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'tessera-pack-check', private: true }));
    run(['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], app);

    const native = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
    const version = (p: string) => (JSON.parse(readFileSync(join(p, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string }).version;
    if (existsSync(join(root, native)) && version(root) === version(app)) {
      mkdirSync(dirname(join(app, native)), { recursive: true });
      copyFileSync(join(root, native), join(app, native));
    } else {
      run(['rebuild', 'better-sqlite3'], app);
    }
    assert.ok(!existsSync(join(app, 'node_modules/tsx')), 'tsx is a dev dependency and is not installed');

    const [pub, admin] = [await freePort(), await freePort()];
    server = spawn(join(app, 'node_modules/.bin/tessera'), ['serve', '--dev'], {
      cwd: app,
      env: { PATH: process.env.PATH ?? '', SERVE_PUBLIC_PORT: String(pub), SERVE_ADMIN_PORT: String(admin), LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (d) => (output += d));
    server.stderr!.on('data', (d) => (output += d));
    const until = Date.now() + 60_000;
    for (;;) {
      const ready = await fetch(`http://127.0.0.1:${pub}/health/ready`).then((r) => r.ok, () => false);
      if (ready) break;
      assert.ok(server.exitCode === null, `serve exited:\n${output}`);
      assert.ok(Date.now() < until, `serve did not become ready within 60 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const flow = await fetch(`http://127.0.0.1:${pub}/self-service/registration/api`);
    assert.equal(flow.status, 200);
    const body = (await flow.json()) as { ui: { nodes: Array<{ attributes: { name?: string } }> } };
    // Two-step registration (the default): the first screen asks for the traits.
    assert.ok(body.ui.nodes.some((n) => n.attributes.name === 'traits.email'));
    const ui = await fetch(`http://127.0.0.1:${pub}/ui/login`, { redirect: 'manual' });
    assert.ok(ui.status < 500, `the built-in UI answers (${ui.status})`);
  });
});
