// Drives Kratos's reference UI (kratos-selfservice-ui-node, unmodified) in Chromium against a
// running Tessera: sign up, enrol TOTP in settings, sign out, sign in with the password and step up
// to aal2 with a TOTP code. How to start both is in README.md beside this file.
import { chromium } from 'playwright-core';
import { Secret, TOTP } from 'otpauth';

const UI = process.env.REFERENCE_UI_URL ?? 'http://127.0.0.1:4455';
const PUBLIC = process.env.TESSERA_PUBLIC_URL ?? 'http://127.0.0.1:4433';
const email = `ref${Date.now()}@example.com`;
const password = 'Tessera-ref-UI-password-42';
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const page = await browser.newPage();
const step = async (name, fn) => { try { await fn(); console.log('ok  ', name, '->', page.url()); } catch (e) { console.log('FAIL', name, page.url(), e.message); await page.screenshot({ path: `reference-ui-${name.replace(/\W+/g, '_')}.png` }); throw e; } };
await step('registration', async () => {
  await page.goto(`${UI}/registration`);
  await page.fill('input[name="traits.email"]', email);
  await page.fill('input[name="password"]', password);
  await page.click('button[name="method"][value="password"]');
  await page.waitForURL((u) => !u.pathname.startsWith('/registration'), { timeout: 15000 });
});
let secret;
await step('settings: enrol TOTP', async () => {
  await page.goto(`${UI}/settings`);
  const html = await page.content();
  const m = html.match(/\b([A-Z2-7]{16,})\b/);
  if (!m) throw new Error('no TOTP secret text on the settings page');
  secret = m[1];
  const code = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate();
  await page.fill('input[name="totp_code"]', code);
  await page.click('button[name="method"][value="totp"]');
  await page.waitForLoadState('networkidle');
  const after = await page.content();
  if (!/totp_unlink/.test(after)) throw new Error('after enrolment the settings page shows no unlink button');
});
await step('logout', async () => {
  // The UI's welcome page links to the logout URL Tessera's logout flow gives.
  const flow = await (await page.request.get(`${PUBLIC}/self-service/logout/browser`)).json();
  await page.goto(flow.logout_url);
  await page.waitForLoadState('networkidle');
  const r = await page.request.get(`${PUBLIC}/sessions/whoami`);
  if (r.status() !== 401) throw new Error(`whoami after logout: ${r.status()}`);
});
await step('login with password', async () => {
  await page.goto(`${UI}/login`);
  await page.fill('input[name="identifier"]', email);
  await page.fill('input[name="password"]', password);
  await page.click('button[name="method"][value="password"]');
  await page.waitForURL((u) => u.searchParams.get('aal') === 'aal2' || u.pathname === '/login', { timeout: 15000 });
  await page.waitForSelector('input[name="totp_code"]', { timeout: 15000 });
});
await step('second factor with TOTP', async () => {
  // A code of the next step: the one used at enrolment is spent.
  const totp = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
  let code = totp.generate({ timestamp: Date.now() + 30_000 });
  await page.fill('input[name="totp_code"]', code);
  await page.click('button[name="method"][value="totp"]');
  await page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 15000 });
  const r = await page.request.get(`${PUBLIC}/sessions/whoami`);
  const body = await r.json();
  if (r.status() !== 200 || body.authenticator_assurance_level !== 'aal2') throw new Error(`whoami: ${r.status()} ${JSON.stringify(body).slice(0, 300)}`);
  console.log('     session methods:', body.authentication_methods.map((m) => `${m.method}/${m.aal}`).join(', '));
});
await browser.close();
