import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, skipWithoutChromium, shot, startDevServer, type DevServer } from './harness.js';
import { freePort } from '../../testkit/server.js';
import { startOidcProvider, type TestOidcProvider } from '../../testkit/oidc-provider.js';

const MAPPER = `local claims = std.extVar('claims');
{ identity: { traits: { email: claims.email, name: { first: claims.given_name } },
  verified_addresses: if claims.email_verified then [{ via: 'email', value: claims.email }] else [] } }`;

/**
 * Social sign-in through the built-in UI in Debian's Chromium against `tessera serve --dev`, with
 * a real OpenID provider on loopback: sign up with the provider, sign out, sign in again with it.
 */
describe('social sign-in in the built-in UI', { skip: skipWithoutChromium() }, () => {
  let server: DevServer;
  let op: TestOidcProvider;
  let browser: Browser;
  let page: Page;

  before(async () => {
    op = await startOidcProvider();
    const port = await freePort();
    op.register([`http://127.0.0.1:${port}/self-service/methods/oidc/callback/local`]);
    server = await startDevServer({
      SERVE_PUBLIC_PORT: String(port),
      SELFSERVICE_METHODS_OIDC_ENABLED: 'true',
      SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS: JSON.stringify([
        {
          id: 'local',
          provider: 'generic',
          label: 'Local Provider',
          client_id: op.clientId,
          client_secret: op.clientSecret,
          issuer_url: op.issuer,
          mapper_url: `base64://${Buffer.from(MAPPER).toString('base64')}`,
          scope: ['email', 'profile'],
        },
      ]),
      SELFSERVICE_FLOWS_REGISTRATION_AFTER_OIDC_HOOKS: JSON.stringify([{ hook: 'session' }]),
    });
    browser = await launchBrowser();
    page = await (await browser.newContext()).newPage();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await op?.close();
  });

  const ui = (path = '') => `${server.publicUrl}ui/${path}`;

  test('sign up with the provider, sign out, sign in with it again', async () => {
    op.accounts.set('grace', { email: 'grace@example.com', email_verified: true, given_name: 'Grace' });
    op.signInAs('grace');
    await page.goto(ui('registration'));
    const signUp = page.locator('button[name="provider"][value="local"]');
    assert.match((await signUp.textContent()) ?? '', /Sign up with Local Provider/);
    await shot(page, 'oidc-01-registration');
    await signUp.click();
    await page.waitForURL((u) => u.pathname === '/ui/' || u.pathname === '/ui');
    await shot(page, 'oidc-02-signed-up');
    assert.match((await page.textContent('main')) ?? '', /grace@example\.com/);

    await page.click('a#logout');
    await page.waitForLoadState();
    await page.goto(ui());
    assert.match((await page.textContent('main')) ?? '', /not signed in/i);

    await page.goto(ui('login'));
    const signIn = page.locator('button[name="provider"][value="local"]');
    assert.match((await signIn.textContent()) ?? '', /Sign in with Local Provider/);
    await signIn.click();
    await page.waitForURL((u) => u.pathname === '/ui/' || u.pathname === '/ui');
    await shot(page, 'oidc-03-signed-in');
    assert.match((await page.textContent('main')) ?? '', /grace@example\.com/);
  });
});
