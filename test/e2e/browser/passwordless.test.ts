import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, skipWithoutChromium, shot, startDevServer, ARTIFACTS, type DevServer } from './harness.js';

const EMAIL = 'grace@example.com';

/**
 * Passwordless sign-up and sign-in by emailed code in a real browser (Debian's Chromium) against
 * `tessera serve --dev` with `passwordless_enabled` turned on by its environment variable, codes
 * read from the dev mailbox. Screenshots land in artifacts/browser/.
 */
describe('passwordless codes in the built-in UI in a real browser', { skip: skipWithoutChromium() }, () => {
  let server: DevServer;
  let browser: Browser;
  let page: Page;
  let step = 0;
  const ui = (path = '') => `${server.publicUrl}ui/${path}`;
  const snap = async (name: string) => shot(page, `code-${String(++step).padStart(2, '0')}-${name}`);
  /** The form of the code method (the page also has the password form). */
  const codeForm = () => page.locator('form[data-group="code"]');

  before(async () => {
    server = await startDevServer({ SELFSERVICE_METHODS_CODE_PASSWORDLESS_ENABLED: 'true' });
    browser = await launchBrowser();
    page = await (await browser.newContext()).newPage();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** The code in the `nth` mail (1 = oldest) whose subject matches, once the courier delivered it. */
  async function codeFromMail(subject: RegExp, nth: number): Promise<string> {
    const until = Date.now() + 15_000;
    for (;;) {
      await page.goto(ui('mailbox'));
      if ((await page.locator('table a', { hasText: subject }).count()) >= nth) break;
      if (Date.now() > until) throw new Error(`mail #${nth} matching ${subject} did not arrive`);
      await page.waitForTimeout(200);
    }
    const links = page.locator('table a', { hasText: subject });
    const count = await links.count();
    // The mailbox lists the newest first.
    await links.nth(count - nth).click();
    await snap('mail');
    const text = (await page.locator('pre').first().textContent()) ?? '';
    const code = /\b(\d{6})\b/.exec(text)?.[1];
    assert.ok(code, `a six-digit code in: ${text}`);
    return code!;
  }

  test('sign up with a code, sign out, sign in with a resent code', async (t) => {
    t.diagnostic(`screenshots in ${ARTIFACTS}`);
    await page.goto(ui('registration'));
    await snap('registration');
    await codeForm().locator('input[name="traits.email"]').fill(EMAIL);
    await codeForm().locator('input[name="traits.name.first"]').fill('Grace');
    await codeForm().locator('button[name="method"][value="code"]').click();
    await page.waitForSelector('input[name="code"]');
    await snap('registration-code');
    assert.match((await page.textContent('main')) ?? '', /A code has been sent/);
    const registrationUrl = page.url();
    const signUpCode = await codeFromMail(/sign-up code/, 1);
    await page.goto(registrationUrl);
    await page.fill('input[name="code"]', signUpCode);
    await page.click('button[name="method"][value="code"]');
    await page.waitForURL((u) => u.pathname === '/ui/' || u.pathname === '/ui');
    await snap('home-after-sign-up');
    assert.match((await page.textContent('main')) ?? '', new RegExp(EMAIL));

    await page.click('a#logout');
    await page.waitForLoadState();
    await page.goto(ui('login'));
    await snap('login');
    await codeForm().locator('input[name="identifier"]').fill(EMAIL);
    await codeForm().locator('button[name="method"][value="code"]').click();
    await page.waitForSelector('input[name="code"]');
    await snap('login-code');
    const loginUrl = page.url();
    await codeFromMail(/sign-in code/, 1);
    // Resending works with the code input still empty (the button skips the form's validation).
    await page.goto(loginUrl);
    await page.click('button[name="resend"]');
    await page.waitForSelector('input[name="code"]');
    const resent = await codeFromMail(/sign-in code/, 2);
    await page.goto(loginUrl);
    await page.fill('input[name="code"]', resent);
    await page.click('button[name="method"][value="code"]');
    await page.waitForURL((u) => u.pathname === '/ui/' || u.pathname === '/ui');
    await snap('home-after-sign-in');
    assert.match((await page.textContent('main')) ?? '', new RegExp(EMAIL));
  });
});
