import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import { freePort } from '../../testkit/server.js';
import { notRun } from '../../testkit/outside.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
export const ARTIFACTS = join(root, 'artifacts', 'browser');

/** Debian's Chromium, as the machine's packages install it; never a downloaded browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `false` when Chromium is there; otherwise the recorded reason the browser suites did not run. */
export function skipWithoutChromium(): string | false {
  if (existsSync(CHROMIUM)) return false;
  return notRun('Chromium', `${CHROMIUM} not found; install Debian's chromium or set CHROMIUM_PATH`);
}

export interface DevServer {
  publicUrl: string;
  adminUrl: string;
  dir: string;
  stop(): Promise<void>;
}

/**
 * `tessera serve --dev` exactly as `npm start` runs it, in a fresh working directory (its own
 * `.tessera/` SQLite file and secrets), on free ports.
 */
export async function startDevServer(env: Record<string, string> = {}, opts: { host?: string } = {}): Promise<DevServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-dev-'));
  // A test may fix the public port (a provider must know the callback URL before the server starts).
  const [pub, admin] = [env.SERVE_PUBLIC_PORT ? Number(env.SERVE_PUBLIC_PORT) : await freePort(), await freePort()];
  // Another loopback name for the public URL (WebAuthn needs `localhost`: an IP address is no RP id).
  const host = opts.host ?? '127.0.0.1';
  if (opts.host) env = { SERVE_PUBLIC_BASE_URL: `http://${host}:${pub}/`, ...env };
  const child: ChildProcess = spawn(process.execPath, [join(root, 'bin/tessera.js'), 'serve', '--dev'], {
    cwd: dir,
    // The suites written for one-step sign-up keep it; two-step ones pass `..._ENABLE_LEGACY_ONE_STEP: 'false'`.
    env: { PATH: process.env.PATH ?? '', SERVE_PUBLIC_PORT: String(pub), SERVE_ADMIN_PORT: String(admin), LOG_LEVEL: 'error', SELFSERVICE_FLOWS_REGISTRATION_ENABLE_LEGACY_ONE_STEP: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const publicUrl = `http://${host}:${pub}/`;
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${publicUrl}health/ready`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null || Date.now() > until) throw new Error(`dev server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    publicUrl,
    adminUrl: `http://127.0.0.1:${admin}/`,
    dir,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Saves a screenshot of the page under artifacts/browser/ and returns its path. */
export async function shot(page: Page, name: string): Promise<string> {
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A page with a DevTools virtual authenticator (resident keys, user verification, presence simulated). */
export interface AuthenticatorPage {
  page: Page;
  cdp: CDPSession;
  authenticatorId: string;
}

/**
 * A new page in `browser` with a virtual authenticator attached: `usb` for a roaming security key,
 * `internal` for a platform authenticator (passkeys). The WebAuthn script alerts when a ceremony
 * fails: such a dialog is written to stderr (and dismissed), so the test's failure says why.
 */
export async function pageWithAuthenticator(browser: Browser, transport: 'usb' | 'internal'): Promise<AuthenticatorPage> {
  const page = await (await browser.newContext()).newPage();
  page.on('dialog', (d) => {
    process.stderr.write(`unexpected dialog: ${d.message()}\n`);
    void d.dismiss();
  });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const added = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport, hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { page, cdp, authenticatorId: added.authenticatorId };
}
