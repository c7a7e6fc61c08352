import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { launchBrowser, pageWithAuthenticator, skipWithoutChromium, shot, startDevServer, ARTIFACTS, type DevServer } from './harness.js';

const EMAIL = 'katherine@example.com';
const PASSWORD = 'orbital mechanics by hand 1962';

/**
 * A security key in a real browser (Debian's Chromium with a CDP virtual authenticator) against
 * `tessera serve --dev` with WebAuthn as a second factor: register the key on the built-in
 * settings page (the page loads /.well-known/ory/webauthn.js, whose registration function runs
 * `navigator.credentials.create`), sign out, sign in with the password and be asked for the key,
 * which signs in at aal2.
 */
describe('WebAuthn security key in a real browser', { skip: skipWithoutChromium() }, () => {
  let server: DevServer;
  let browser: Browser;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  let step = 0;
  const ui = (path = '') => `${server.publicUrl}ui/${path}`;
  const snap = async (name: string) => shot(page, `webauthn-${String(++step).padStart(2, '0')}-${name}`);

  before(async () => {
    server = await startDevServer(
      {
        SELFSERVICE_METHODS_WEBAUTHN_ENABLED: 'true',
        SELFSERVICE_METHODS_WEBAUTHN_CONFIG_PASSWORDLESS: 'false',
        SELFSERVICE_METHODS_WEBAUTHN_CONFIG_RP_ID: 'localhost',
        SELFSERVICE_METHODS_WEBAUTHN_CONFIG_RP_DISPLAY_NAME: 'Tessera',
      },
      { host: 'localhost' },
    );
    browser = await launchBrowser();
    ({ page, cdp, authenticatorId } = await pageWithAuthenticator(browser, 'usb'));
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('register a key in settings, then sign in with password and key', async (t) => {
    t.diagnostic(`screenshots in ${ARTIFACTS}`);
    await page.goto(ui('registration'));
    await page.fill('input[name="traits.email"]', EMAIL);
    await page.fill('input[name="password"]', PASSWORD);
    await page.fill('input[name="traits.name.first"]', 'Katherine');
    await page.click('button[name="method"][value="password"]');
    await page.waitForLoadState();

    await page.goto(ui('settings'));
    const trigger = page.locator('button[name="webauthn_register_trigger"]');
    await trigger.waitFor();
    // The script is loaded under the page's CSP and has bound the trigger.
    await page.waitForFunction(() => typeof (globalThis as unknown as { oryWebAuthnRegistration?: unknown }).oryWebAuthnRegistration === 'function');
    await page.fill('input[name="webauthn_register_displayname"]', 'Blue key');
    await snap('settings');
    await trigger.click();
    await page.waitForSelector('button[name="webauthn_remove"]', { timeout: 30_000 });
    await snap('settings-key-added');
    assert.match((await page.textContent('button[name="webauthn_remove"]')) ?? '', /Blue key/);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1, 'the virtual authenticator holds the new credential');

    await page.goto(ui());
    await page.click('a#logout');
    await page.waitForLoadState();

    await page.goto(ui('login'));
    await page.fill('input[name="identifier"]', EMAIL);
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('button[name="method"][value="password"]');
    // The first factor leads straight to the second: the key.
    const login = page.locator('button[name="webauthn_login_trigger"]');
    await login.waitFor();
    await page.waitForFunction(() => typeof (globalThis as unknown as { oryWebAuthnLogin?: unknown }).oryWebAuthnLogin === 'function');
    await snap('login-second-factor');
    await login.click();
    await page.waitForURL((u) => u.pathname === '/ui/' || u.pathname === '/ui', { timeout: 30_000 });
    await snap('home-aal2');
    const whoami = await page.context().request.get(`${server.publicUrl}sessions/whoami`, { headers: { accept: 'application/json' } });
    assert.equal(whoami.status(), 200);
    const session = await whoami.json();
    assert.equal(session.authenticator_assurance_level, 'aal2');
    assert.ok(session.authentication_methods.some((m: { method: string }) => m.method === 'webauthn'));
    const after = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.ok(after.credentials[0]!.signCount >= 1, 'the key signed');
  });
});
