import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, skipWithoutChromium, shot, startDevServer, ARTIFACTS, type DevServer } from './harness.js';

const EMAIL = 'katherine@example.com';
const PASSWORD = 'orbital mechanics by hand 1962';

/**
 * Two-step sign-up (Kratos v1.3's default) and identifier-first sign-in in a real browser (Debian's
 * Chromium) through the built-in UI of `tessera serve --dev`, both turned on by their environment
 * variables. Screenshots land in artifacts/browser/.
 */
describe('two-step sign-up and identifier-first sign-in in the built-in UI in a real browser', { skip: skipWithoutChromium() }, () => {
  let server: DevServer;
  let browser: Browser;
  let page: Page;
  let step = 0;
  const ui = (path = '') => `${server.publicUrl}ui/${path}`;
  const snap = async (name: string) => shot(page, `idfirst-${String(++step).padStart(2, '0')}-${name}`);
  const formGroups = async () => Promise.all((await page.locator('main form').all()).map((f) => f.getAttribute('data-group')));
  const atHome = () => page.waitForURL((u) => u.pathname === '/ui/' || u.pathname === '/ui');

  before(async () => {
    server = await startDevServer({ SELFSERVICE_FLOWS_LOGIN_STYLE: 'identifier_first', SELFSERVICE_FLOWS_REGISTRATION_ENABLE_LEGACY_ONE_STEP: 'false' });
    browser = await launchBrowser();
    page = await (await browser.newContext()).newPage();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('sign up: profile, back, profile, a refused password, then a good one', async (t) => {
    t.diagnostic(`screenshots in ${ARTIFACTS}`);
    await page.goto(ui('registration'));
    await snap('registration-profile');
    assert.equal(await page.locator('input[name="password"]').count(), 0, 'no password on the first screen');
    // Every visible input has its label.
    for (const input of await page.locator('input:not([type="hidden"])').all()) {
      const id = await input.getAttribute('id');
      assert.equal(await page.locator(`label[for="${id}"]`).count(), 1, `a label for ${id}`);
    }
    await page.getByLabel('E-Mail').fill(EMAIL);
    await page.getByLabel('First name').fill('Katherine');
    await page.click('button[name="method"][value="profile"]');
    await page.waitForSelector('input[name="password"]');
    await snap('registration-credentials');
    assert.match((await page.textContent('[data-testid="ui-messages"]')) ?? '', /choose a credential/i);
    assert.equal(await page.locator('input[type="hidden"][name="traits.email"]').first().getAttribute('value'), EMAIL);

    // Back to the profile, the values kept; on again.
    await page.click('button[name="screen"][value="previous"]');
    await page.waitForSelector('button[name="method"][value="profile"]');
    await snap('registration-back');
    assert.equal(await page.getByLabel('E-Mail').inputValue(), EMAIL);
    assert.equal(await page.getByLabel('First name').inputValue(), 'Katherine');
    await page.click('button[name="method"][value="profile"]');
    await page.waitForSelector('input[name="password"]');

    // A password the policy refuses: the error is on the password field, announced.
    await page.locator('input[name="password"]').fill('short');
    await page.click('button[name="method"][value="password"]');
    await page.waitForSelector('[role="alert"]');
    await snap('registration-password-error');
    const password = page.locator('input[name="password"]');
    assert.equal(await password.getAttribute('aria-invalid'), 'true');
    const describedBy = (await password.getAttribute('aria-describedby')) ?? '';
    assert.match((await page.locator(`[id="${describedBy.split(' ')[0]}"]`).textContent()) ?? '', /at least 8 characters/i);

    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.click('button[name="method"][value="password"]');
    await atHome();
    await snap('home-after-sign-up');
    assert.match((await page.textContent('main')) ?? '', new RegExp(EMAIL));
    await page.click('a#logout');
    await page.waitForLoadState();
  });

  test('sign in: the identifier, then the password; an unknown identifier gets the same screen', async () => {
    await page.goto(ui('login'));
    await snap('login-identifier');
    assert.equal(await page.locator('input[name="password"]').count(), 0, 'no password on the first screen');
    await page.getByLabel('E-Mail').fill('nobody-here@example.com');
    await page.click('button[name="method"][value="identifier_first"]');
    await page.waitForSelector('input[name="password"]');
    const unknownScreen = await formGroups();

    await page.goto(ui('login'));
    await page.getByLabel('E-Mail').fill(EMAIL);
    await page.click('button[name="method"][value="identifier_first"]');
    await page.waitForSelector('input[name="password"]');
    await snap('login-credentials');
    assert.deepEqual(await formGroups(), unknownScreen);
    assert.match((await page.textContent('[data-testid="given-identifier"]')) ?? '', new RegExp(`Signing in as ${EMAIL}`));
    // The password form posts the identifier it was given.
    assert.equal(await page.locator('form[data-group="password"] input[type="hidden"][name="identifier"]').getAttribute('value'), EMAIL);

    await page.locator('input[name="password"]').fill('not my password at all');
    await page.click('button[name="method"][value="password"]');
    await page.waitForSelector('[role="alert"]');
    await snap('login-error');
    assert.match((await page.textContent('[role="alert"]')) ?? '', /credentials are invalid/i);

    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.click('button[name="method"][value="password"]');
    await atHome();
    await snap('home-signed-in');
    assert.match((await page.textContent('main')) ?? '', new RegExp(EMAIL));
  });

  test('an empty identifier is refused with a message on the field; "Use another account" starts over', async () => {
    await page.click('a#logout');
    await page.waitForLoadState();
    await page.goto(ui('login'));
    await page.getByLabel('E-Mail').fill('someone@example.com');
    await page.click('button[name="method"][value="identifier_first"]');
    await page.waitForSelector('input[name="password"]');
    await page.click('text=Use another account');
    await page.waitForSelector('button[name="method"][value="identifier_first"]');
    assert.equal(await page.locator('input[name="password"]').count(), 0);
    // Spaces pass the browser's own check; the server refuses them.
    await page.getByLabel('E-Mail').fill('   ');
    await page.click('button[name="method"][value="identifier_first"]');
    await page.waitForSelector('[role="alert"]');
    await snap('login-identifier-error');
    const field = page.getByLabel('E-Mail');
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('input[name="password"]').count(), 0, 'still the first screen');
  });
});
