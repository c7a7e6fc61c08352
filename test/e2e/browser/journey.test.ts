import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, shot, skipWithoutChromium, startDevServer, ARTIFACTS, type DevServer } from './harness.js';

const EMAIL = 'ada@example.com';
const FIRST_PASSWORD = 'correct horse battery staple 1815';
const SECOND_PASSWORD = 'analytical engine punch cards 1843';
const RECOVERED_PASSWORD = 'notes on the sketch of the engine';

/**
 * The whole account life cycle in a real browser (Debian's Chromium) against `tessera serve --dev`
 * as `npm start` runs it: sign up, verify through the dev mailbox, sign out and in, change the
 * password, recover with an emailed code, revoke a session; plus inline errors, a CSRF failure and
 * an expired flow. Screenshots of every page land in artifacts/browser/.
 */
describe('the built-in UI in a real browser', { skip: skipWithoutChromium() }, () => {
  let server: DevServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let step = 0;
  const ui = (path = '') => `${server.publicUrl}ui/${path}`;
  const snap = async (name: string) => shot(page, `${String(++step).padStart(2, '0')}-${name}`);
  const submit = (value: string) => page.click(`button[name="method"][value="${value}"]`);

  before(async () => {
    server = await startDevServer();
    browser = await launchBrowser();
    context = await browser.newContext();
    page = await context.newPage();
  });
  after(async (t) => {
    void t;
    await browser?.close();
    await server?.stop();
  });

  /** Opens the newest mail whose subject matches, waiting for the courier to deliver it. */
  async function readMail(subject: RegExp, seen = 0): Promise<string> {
    const until = Date.now() + 15_000;
    for (;;) {
      await page.goto(ui('mailbox'));
      const links = page.locator('table a', { hasText: subject });
      if ((await links.count()) > seen) break;
      if (Date.now() > until) throw new Error(`no mail matching ${subject} arrived`);
      await page.waitForTimeout(200);
    }
    await snap('mailbox');
    const link = page.locator('table a', { hasText: subject }).first();
    await link.click();
    await snap('mail');
    return (await page.locator('pre').first().textContent()) ?? '';
  }

  async function signIn(password: string, ctx: Page = page): Promise<void> {
    await ctx.goto(ui('login'));
    await ctx.fill('input[name="identifier"]', EMAIL);
    await ctx.fill('input[name="password"]', password);
    await ctx.click('button[name="method"][value="password"]');
    await ctx.waitForURL((u) => u.pathname === '/ui/' || u.pathname === '/ui');
  }

  async function signOut(): Promise<void> {
    await page.goto(ui());
    await page.click('a#logout');
    await page.waitForLoadState();
    await page.goto(ui());
    assert.match((await page.textContent('main')) ?? '', /not signed in/i);
  }

  test('sign up, verify, sign in and out, change the password, recover, revoke a session', async (t) => {
    t.diagnostic(`screenshots in ${ARTIFACTS}`);
    try {
      // Sign up.
      await page.goto(ui('registration'));
      await snap('registration');
      assert.ok(await page.locator('label[for]').count(), 'inputs have labels');
      await page.fill('input[name="traits.email"]', EMAIL);
      await page.fill('input[name="password"]', FIRST_PASSWORD);
      await page.fill('input[name="traits.name.first"]', 'Ada');
      await submit('password');
      await page.waitForLoadState();
      await page.goto(ui());
      await snap('home-after-sign-up');
      assert.match((await page.textContent('main')) ?? '', new RegExp(EMAIL));

      // Verify the address: open the email sign-up sent in the dev mailbox and follow its link.
      const verificationMail = await readMail(/verif/i);
      const link = new RegExp(`${server.publicUrl}self-service/verification\\?[^\\s]+`).exec(verificationMail)?.[0];
      assert.ok(link, 'the verification email carries a link to the flow');
      await page.goto(link!);
      await page.waitForSelector('input[name="code"]');
      await snap('verification-code');
      await submit('code');
      await page.waitForLoadState();
      await snap('verification-done');
      await page.goto(ui());
      assert.match((await page.textContent('main')) ?? '', /verified/);

      // Sign out, then in.
      await signOut();
      await snap('signed-out');
      await page.goto(ui('login'));
      await snap('login');
      // A wrong password: the page shows the error inline and announces it.
      await page.fill('input[name="identifier"]', EMAIL);
      await page.fill('input[name="password"]', 'not my password at all');
      await submit('password');
      await page.waitForSelector('[role="alert"]');
      await snap('login-error');
      assert.match((await page.textContent('[role="alert"]')) ?? '', /credentials are invalid/i);
      await signIn(FIRST_PASSWORD);
      await snap('home-signed-in');

      // Change the password in settings.
      await page.goto(ui('settings'));
      await snap('settings');
      await page.fill('input[name="password"]', SECOND_PASSWORD);
      await submit('password');
      await page.waitForLoadState();
      await snap('settings-saved');
      assert.match((await page.textContent('main')) ?? '', /saved/i);
      await signOut();

      // Recover the account with an emailed code, then set a new password.
      await page.goto(ui('recovery'));
      await snap('recovery');
      await page.fill('input[name="email"]', EMAIL);
      await submit('code');
      await page.waitForSelector('input[name="code"]');
      const recoveryPage = page.url();
      const recoveryMail = await readMail(/recover/i);
      const recoveryCode = /\b(\d{6})\b/.exec(recoveryMail)?.[1];
      assert.ok(recoveryCode, 'the recovery email carries a code');
      await page.goto(recoveryPage);
      await page.fill('input[name="code"]', recoveryCode!);
      await snap('recovery-code');
      await submit('code');
      await page.waitForURL(/\/ui\/settings/);
      await snap('settings-after-recovery');
      await page.fill('input[name="password"]', RECOVERED_PASSWORD);
      await submit('password');
      await page.waitForLoadState();
      await signOut();

      // The new password works; the old ones do not.
      await signIn(RECOVERED_PASSWORD);

      // A second device signs in; the first revokes it.
      const other = await (await browser.newContext()).newPage();
      await signIn(RECOVERED_PASSWORD, other);
      await page.goto(ui());
      await snap('home-two-sessions');
      const revoke = page.locator('tr[data-session-id] button[type="submit"]');
      assert.equal(await revoke.count(), 1);
      await revoke.click();
      await page.waitForLoadState();
      await other.goto(ui());
      assert.match((await other.textContent('main')) ?? '', /not signed in/i);
      await other.context().close();
    } catch (err) {
      const path = await shot(page, 'failure');
      t.diagnostic(`failed on ${page.url()}; screenshot: ${path}`);
      throw err;
    }
  });

  test('a CSRF failure ends on the error page', async (t) => {
    const fresh = await browser.newContext();
    const p = await fresh.newPage();
    try {
      await p.goto(ui('login'));
      // Drop the anti-CSRF cookie, as a forged cross-site post would arrive without it.
      const cookies = (await fresh.cookies()).filter((c) => !c.name.startsWith('csrf_token_'));
      await fresh.clearCookies();
      await fresh.addCookies(cookies);
      await p.fill('input[name="identifier"]', EMAIL);
      await p.fill('input[name="password"]', RECOVERED_PASSWORD);
      await p.click('button[name="method"][value="password"]');
      await p.waitForURL(/\/ui\/error/);
      await shot(p, 'csrf-error');
      assert.match((await p.textContent('main')) ?? '', /Cross-Site-Request-Forgery|CSRF/i);
    } catch (err) {
      t.diagnostic(`failed on ${p.url()}; screenshot: ${await shot(p, 'csrf-failure')}`);
      throw err;
    } finally {
      await fresh.close();
    }
  });

  test('an expired flow starts over with a message', async (t) => {
    const fresh = await browser.newContext();
    const p = await fresh.newPage();
    try {
      await p.goto(ui('login'));
      const flowId = new URL(p.url()).searchParams.get('flow')!;
      const db = new Database(join(server.dir, '.tessera', 'tessera.sqlite'));
      db.prepare('update selfservice_flows set expires_at = ? where id = ?').run(new Date(Date.now() - 60_000).toISOString(), flowId);
      db.close();
      await p.fill('input[name="identifier"]', EMAIL);
      await p.fill('input[name="password"]', RECOVERED_PASSWORD);
      await p.click('button[name="method"][value="password"]');
      await p.waitForURL((u) => u.pathname.endsWith('/ui/login') && u.searchParams.get('flow') !== flowId);
      await shot(p, 'expired-flow');
      assert.match((await p.textContent('main')) ?? '', /expired/i);
    } catch (err) {
      t.diagnostic(`failed on ${p.url()}; screenshot: ${await shot(p, 'expired-failure')}`);
      throw err;
    } finally {
      await fresh.close();
    }
  });
});
