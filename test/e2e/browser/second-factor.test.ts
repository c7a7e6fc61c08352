import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Secret, TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, skipWithoutChromium, shot, startDevServer, ARTIFACTS, type DevServer } from './harness.js';

const EMAIL = 'grace@example.com';
const PASSWORD = 'compiling cobol since 1959 ok';

const code = (secret: string, offsetSteps = 0) =>
  new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: Date.now() + offsetSteps * 30_000 });

/**
 * TOTP in a real browser (Debian's Chromium) against `tessera serve --dev` with the method
 * enabled: link an authenticator app on the settings page (the QR code must render under the UI's
 * CSP), sign out, sign in with the password and be asked for the code, step up to aal2.
 */
describe('second factor in a real browser', { skip: skipWithoutChromium() }, () => {
  let server: DevServer;
  let browser: Browser;
  let page: Page;
  let step = 0;
  const ui = (path = '') => `${server.publicUrl}ui/${path}`;
  const snap = async (name: string) => shot(page, `mfa-${String(++step).padStart(2, '0')}-${name}`);

  before(async () => {
    server = await startDevServer({ SELFSERVICE_METHODS_TOTP_ENABLED: 'true', SELFSERVICE_METHODS_TOTP_CONFIG_ISSUER: 'Tessera' });
    browser = await launchBrowser();
    page = await (await browser.newContext()).newPage();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('link TOTP in settings, then sign in with password and code', async (t) => {
    t.diagnostic(`screenshots in ${ARTIFACTS}`);
    await page.goto(ui('registration'));
    await page.fill('input[name="traits.email"]', EMAIL);
    await page.fill('input[name="password"]', PASSWORD);
    await page.fill('input[name="traits.name.first"]', 'Grace');
    await page.click('button[name="method"][value="password"]');
    await page.waitForLoadState();

    await page.goto(ui('settings'));
    const qr = page.locator('img#totp_qr');
    await qr.waitFor();
    assert.ok(await qr.evaluate((img) => { const i = img as unknown as { complete: boolean; naturalWidth: number }; return i.complete && i.naturalWidth >= 200; }), 'the QR code image decodes under the CSP');
    await snap('settings-totp');
    const secret = ((await page.textContent('#totp_secret_key [data-message-id="1050006"]')) ?? '').trim();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    await page.fill('input[name="totp_code"]', code(secret));
    await page.click('button[name="method"][value="totp"]');
    await page.waitForSelector('button[name="totp_unlink"]');
    await snap('settings-totp-linked');

    await page.goto(ui());
    await page.click('a#logout');
    await page.waitForLoadState();

    await page.goto(ui('login'));
    await page.fill('input[name="identifier"]', EMAIL);
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('button[name="method"][value="password"]');
    // The first factor leads straight to the second.
    await page.waitForSelector('input[name="totp_code"]');
    assert.equal(await page.locator('input[name="password"]').count(), 0);
    await snap('login-second-factor');
    await page.fill('input[name="totp_code"]', code(secret, 1));
    await page.click('button[name="method"][value="totp"]');
    await page.waitForURL((u) => u.pathname === '/ui/' || u.pathname === '/ui');
    await snap('home-aal2');
    assert.match((await page.textContent('main')) ?? '', new RegExp(EMAIL));
    // The page's CSP allows no fetch: ask with the browser's cookies from outside the page.
    const whoami = await page.context().request.get(`${server.publicUrl}sessions/whoami`, { headers: { accept: 'application/json' } });
    assert.equal(whoami.status(), 200);
    assert.equal((await whoami.json()).authenticator_assurance_level, 'aal2');
  });
});

/**
 * A one-time code as the second factor in a real browser against `tessera serve --dev` with
 * `code.mfa_enabled` turned on by its environment variable: sign up with a password, sign out, sign
 * in with the password and be asked to pick an address; the code from the dev mailbox gives aal2.
 */
describe('a one-time code as the second factor in a real browser', { skip: skipWithoutChromium() }, () => {
  let server: DevServer;
  let browser: Browser;
  let page: Page;
  let step = 0;
  const ui = (path = '') => `${server.publicUrl}ui/${path}`;
  const snap = async (name: string) => shot(page, `code-mfa-${String(++step).padStart(2, '0')}-${name}`);
  const whoami = async () => page.context().request.get(`${server.publicUrl}sessions/whoami`, { headers: { accept: 'application/json' } });

  before(async () => {
    server = await startDevServer({ SELFSERVICE_METHODS_CODE_MFA_ENABLED: 'true' });
    browser = await launchBrowser();
    page = await (await browser.newContext()).newPage();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** The code in the newest mail whose subject matches, once the courier delivered `count` of them. */
  async function codeFromMail(subject: RegExp, count: number): Promise<string> {
    const until = Date.now() + 15_000;
    for (;;) {
      await page.goto(ui('mailbox'));
      if ((await page.locator('table a', { hasText: subject }).count()) >= count) break;
      if (Date.now() > until) throw new Error(`mail #${count} matching ${subject} did not arrive`);
      await page.waitForTimeout(200);
    }
    // The mailbox lists the newest first.
    await page.locator('table a', { hasText: subject }).first().click();
    const text = (await page.locator('pre').first().textContent()) ?? '';
    const code = /\b(\d{6})\b/.exec(text)?.[1];
    assert.ok(code, `a six-digit code in: ${text}`);
    return code!;
  }

  test('sign in with a password, pick the email address, enter the code: aal2', async (t) => {
    t.diagnostic(`screenshots in ${ARTIFACTS}`);
    await page.goto(ui('registration'));
    await page.fill('input[name="traits.email"]', EMAIL);
    await page.fill('input[name="password"]', PASSWORD);
    await page.fill('input[name="traits.name.first"]', 'Grace');
    await page.click('button[name="method"][value="password"]');
    await page.waitForLoadState();
    assert.equal((await whoami()).status(), 403, 'the new aal1 session lacks the code whoami requires');

    await page.context().clearCookies();
    await page.goto(ui('login'));
    await page.fill('input[name="identifier"]', EMAIL);
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('button[name="method"][value="password"]');
    // The first factor leads straight to the choice of address.
    const choice = page.locator(`button[name="address"][value="${EMAIL}"]`);
    await choice.waitFor();
    assert.equal(await page.locator('input[name="password"]').count(), 0);
    assert.match((await choice.textContent()) ?? '', new RegExp(`Send code to ${EMAIL}`));
    assert.match((await page.textContent('main')) ?? '', /Please complete the second authentication challenge/);
    await snap('choose-address');
    await choice.click();
    await page.waitForSelector('input[name="code"]');
    await snap('enter-code');
    const loginUrl = page.url();
    const code = await codeFromMail(/sign-in code/, 1);
    await page.goto(loginUrl);
    await page.fill('input[name="code"]', code);
    await page.click('button[name="method"][value="code"]');
    await page.waitForURL((u) => u.pathname === '/ui/' || u.pathname === '/ui');
    await snap('home-aal2');
    const me = await whoami();
    assert.equal(me.status(), 200);
    const body = await me.json();
    assert.equal(body.authenticator_assurance_level, 'aal2');
    assert.deepEqual(body.authentication_methods.map((m: { method: string; aal: string }) => `${m.method}:${m.aal}`), ['password:aal1', 'code:aal2']);
  });
});
