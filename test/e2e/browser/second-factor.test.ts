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
