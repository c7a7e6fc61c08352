import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { freePort } from '../../testkit/server.js';
import { launchBrowser, pageWithAuthenticator, skipWithoutChromium, shot, startDevServer, ARTIFACTS, type DevServer } from './harness.js';

const EMAIL = 'grace@example.com';

/**
 * A passkey in a real browser (Debian's Chromium with a CDP virtual authenticator that keeps
 * resident keys and verifies its user) against `tessera serve --dev` with the passkey method: sign
 * up on the built-in registration page with a passkey only (the page's script runs
 * `navigator.credentials.create` with the options of the flow), sign out, and sign in again with
 * the passkey alone: no identifier is typed, the authenticator's user handle names the account.
 */
describe('Passkeys in a real browser', { skip: skipWithoutChromium() }, () => {
  let server: DevServer;
  let browser: Browser;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  let step = 0;
  const ui = (path = '') => `${server.publicUrl}ui/${path}`;
  const snap = async (name: string) => shot(page, `passkey-${String(++step).padStart(2, '0')}-${name}`);

  before(async () => {
    const port = await freePort();
    server = await startDevServer(
      {
        SERVE_PUBLIC_PORT: String(port),
        SELFSERVICE_METHODS_PASSKEY_ENABLED: 'true',
        SELFSERVICE_METHODS_PASSKEY_CONFIG_RP_ID: 'localhost',
        SELFSERVICE_METHODS_PASSKEY_CONFIG_RP_DISPLAY_NAME: 'Tessera',
        SELFSERVICE_METHODS_PASSKEY_CONFIG_RP_ORIGINS: `http://localhost:${port}`,
      },
      { host: 'localhost' },
    );
    browser = await launchBrowser();
    ({ page, cdp, authenticatorId } = await pageWithAuthenticator(browser, 'internal'));
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function assertPasskeySession(identityId: string) {
    const whoami = await page.context().request.get(`${server.publicUrl}sessions/whoami`, { headers: { accept: 'application/json' } });
    assert.equal(whoami.status(), 200);
    const session = await whoami.json();
    assert.equal(session.identity.id, identityId);
    assert.equal(session.authenticator_assurance_level, 'aal1');
    assert.deepEqual(session.authentication_methods.map((m: { method: string }) => m.method), ['passkey']);
  }

  test('sign up with a passkey, sign out, sign in with the passkey alone (autofill, then the button)', async (t) => {
    t.diagnostic(`screenshots in ${ARTIFACTS}`);
    await page.goto(ui('registration'));
    const form = page.locator('form[data-group="passkey"]');
    await form.locator('input[name="traits.email"]').fill(EMAIL);
    await form.locator('input[name="traits.name.first"]').fill('Grace');
    await page.waitForFunction(() => typeof (globalThis as unknown as { oryPasskeyRegistration?: unknown }).oryPasskeyRegistration === 'function');
    await snap('registration');
    await form.locator('button[name="passkey_register_trigger"]').click();
    await page.waitForURL((u) => u.pathname === '/ui/' || u.pathname === '/ui', { timeout: 30_000 });
    await snap('home-after-sign-up');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1, 'the authenticator holds the new passkey');
    assert.equal(credentials[0]!.isResidentCredential, true, 'a discoverable credential');
    let whoami = await page.context().request.get(`${server.publicUrl}sessions/whoami`, { headers: { accept: 'application/json' } });
    assert.equal(whoami.status(), 200);
    const signedUp = await whoami.json();
    assert.equal(signedUp.identity.traits.email, EMAIL);
    assert.deepEqual(signedUp.authentication_methods.map((m: { method: string }) => m.method), ['passkey']);

    await page.click('a#logout');
    await page.waitForLoadState();
    whoami = await page.context().request.get(`${server.publicUrl}sessions/whoami`, { headers: { accept: 'application/json' } });
    assert.equal(whoami.status(), 401);

    // Autofill (conditional UI): the login page asks for any passkey as it loads; Chromium's virtual
    // authenticator answers at once, as a user picking the passkey from the identifier's suggestions.
    await page.goto(ui('login'));
    await page.waitForURL((u) => u.pathname === '/ui/' || u.pathname === '/ui', { timeout: 30_000 });
    await snap('home-after-autofill-sign-in');
    await assertPasskeySession(signedUp.identity.id);

    await page.click('a#logout');
    await page.waitForLoadState();
    // The button: with autofill unavailable, the user clicks "Sign in with passkey".
    await page.addInitScript(() => {
      (globalThis as unknown as { PublicKeyCredential: { isConditionalMediationAvailable: () => Promise<boolean> } }).PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    });
    await page.goto(ui('login'));
    const trigger = page.locator('button[name="passkey_login_trigger"]');
    await trigger.waitFor();
    assert.equal(await page.getAttribute('form[data-group="passkey"] input[name="identifier"]', 'autocomplete'), 'username webauthn');
    await page.waitForFunction(() => typeof (globalThis as unknown as { oryPasskeyLogin?: unknown }).oryPasskeyLogin === 'function');
    await snap('login');
    await trigger.click();
    await page.waitForURL((u) => u.pathname === '/ui/' || u.pathname === '/ui', { timeout: 30_000 });
    await snap('home-after-passkey-sign-in');
    await assertPasskeySession(signedUp.identity.id);
    const after = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.ok(after.credentials[0]!.signCount >= 1, 'the passkey signed');
  });
});
