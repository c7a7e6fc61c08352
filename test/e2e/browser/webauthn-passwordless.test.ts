import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { launchBrowser, pageWithAuthenticator, skipWithoutChromium, shot, startDevServer, ARTIFACTS, type DevServer } from './harness.js';

const EMAIL = 'hedy@example.com';

/**
 * Passwordless security keys (`webauthn.config.passwordless: true`) in a real browser (Chromium's
 * virtual authenticator: a roaming USB key with resident keys and user verification) against
 * `tessera serve --dev`: sign up with traits and a key on the built-in page, sign out, then sign
 * in by typing the e-mail address and touching the key.
 */
describe('Passwordless security keys in a real browser', { skip: skipWithoutChromium() }, () => {
  let server: DevServer;
  let browser: Browser;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  let step = 0;
  const ui = (path = '') => `${server.publicUrl}ui/${path}`;
  const snap = async (name: string) => shot(page, `webauthn-passwordless-${String(++step).padStart(2, '0')}-${name}`);
  const home = (u: URL) => u.pathname === '/ui/' || u.pathname === '/ui';

  before(async () => {
    server = await startDevServer(
      {
        SELFSERVICE_METHODS_WEBAUTHN_ENABLED: 'true',
        SELFSERVICE_METHODS_WEBAUTHN_CONFIG_PASSWORDLESS: 'true',
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

  test('sign up with a key, sign out, sign in with e-mail address and key', async (t) => {
    t.diagnostic(`screenshots in ${ARTIFACTS}`);
    await page.goto(ui('registration'));
    const form = page.locator('form[data-group="webauthn"]');
    await form.locator('input[name="traits.email"]').fill(EMAIL);
    await form.locator('input[name="webauthn_register_displayname"]').fill('USB key');
    await page.waitForFunction(() => typeof (globalThis as unknown as { oryWebAuthnRegistration?: unknown }).oryWebAuthnRegistration === 'function');
    await snap('registration');
    await form.locator('button[name="webauthn_register_trigger"]').click();
    await page.waitForURL(home, { timeout: 30_000 });
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1);
    assert.equal(credentials[0]!.isResidentCredential, true);

    await page.click('a#logout');
    await page.waitForLoadState();
    await page.goto(ui('login'));
    const login = page.locator('form[data-group="webauthn"]');
    await login.locator('input[name="identifier"]').fill(EMAIL);
    await snap('login-identifier');
    await login.locator('button[name="method"][value="webauthn"]').click();
    const trigger = page.locator('button[name="webauthn_login_trigger"]');
    await trigger.waitFor();
    await page.waitForFunction(() => typeof (globalThis as unknown as { oryWebAuthnLogin?: unknown }).oryWebAuthnLogin === 'function');
    await snap('login-key');
    await trigger.click();
    await page.waitForURL(home, { timeout: 30_000 });
    const whoami = await page.context().request.get(`${server.publicUrl}sessions/whoami`, { headers: { accept: 'application/json' } });
    assert.equal(whoami.status(), 200);
    const session = await whoami.json();
    assert.equal(session.identity.traits.email, EMAIL);
    assert.equal(session.authenticator_assurance_level, 'aal1');
    assert.deepEqual(session.authentication_methods.map((m: { method: string }) => m.method), ['webauthn']);
  });
});
