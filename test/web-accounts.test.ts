// Account flows in the dashboard, in Debian's Chromium: a shareable /register link, turning on
// two-factor sign-in from the Account page (QR code and key, a code from the key, recovery codes
// shown once), signing in again with a code, changing the password on the Account page, an admin
// disabling, enabling and making a reset link on the Users page, and a reset link opened in the browser.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { ensureDashboardBuilt, launchBrowser, SCREENSHOT_DIR } from './support/chromium.js';
import { Client, registerUser, startTestControl, type TestControl } from './support/control.js';

const PASSWORD = 'correct horse battery';

describe('account flows in a browser', () => {
  let control: TestControl;
  let admin: Awaited<ReturnType<typeof registerUser>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  const email = `browser-${Date.now()}@example.test`;
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });

  before(async () => {
    await ensureDashboardBuilt();
    control = await startTestControl();
    admin = await registerUser(control.url);
    browser = await launchBrowser();
    page = await browser.context.newPage();
  });
  after(async () => {
    await browser.close();
    await control.stop();
  });

  it('registers through /register, turns on two-factor sign-in and signs in with a code', async () => {
    await page.goto(`${control.url}/register`);
    const form = page.getByRole('form', { name: 'Register' });
    await form.getByLabel('Email').fill(email);
    await form.getByLabel('Password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Register' }).click();
    await page.getByRole('link', { name: 'Account' }).first().click();

    const setup = page.getByRole('form', { name: 'Set up two-factor sign-in' });
    await setup.getByLabel('Password').fill(PASSWORD);
    await setup.getByRole('button', { name: 'Set up' }).click();
    await page.getByAltText('QR code of the two-factor secret').waitFor();
    const secret = (await page.getByTestId('second-factor-secret').textContent())!.trim();
    const totp = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 });
    const confirm = page.getByRole('form', { name: 'Confirm two-factor sign-in' });
    await confirm.getByLabel('Code from the app').fill(totp.generate({ timestamp: Date.now() - 30_000 }));
    await confirm.getByRole('button', { name: 'Turn on' }).click();
    assert.equal((await page.getByTestId('recovery-codes').textContent())!.trim().split('\n').length, 10);
    await page.getByTestId('second-factor-state').filter({ hasText: 'On' }).waitFor();
    await shot('account-two-factor');

    await page.evaluate(() => localStorage.clear());
    await page.goto(control.url);
    const signIn = page.getByRole('form', { name: 'Sign in' });
    await signIn.getByLabel('Email').fill(email);
    await signIn.getByLabel('Password').fill(PASSWORD);
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await signIn.getByLabel('Authenticator code (or a recovery code)').fill(totp.generate({ timestamp: Date.now() }));
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Account' }).first().waitFor();
  });

  /** Signs `who` in on the dashboard's own sign-in form, with a clean session. */
  const signIn = async (who: string, password = PASSWORD): Promise<void> => {
    await page.goto(control.url);
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    const form = page.getByRole('form', { name: 'Sign in' });
    await form.getByLabel('Email').fill(who);
    await form.getByLabel('Password').fill(password);
    await form.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Apps' }).waitFor();
  };

  it('changes the password on the Account page: a wrong current one is refused, then other sessions end', async (t) => {
    const dev = await registerUser(control.url);
    // The same account open in another browser: its session is one of those that end.
    const elsewhere = await launchBrowser();
    t.after(() => elsewhere.close());
    const otherPage = await elsewhere.context.newPage();
    await otherPage.goto(control.url);
    const otherForm = otherPage.getByRole('form', { name: 'Sign in' });
    await otherForm.getByLabel('Email').fill(dev.email);
    await otherForm.getByLabel('Password').fill(PASSWORD);
    await otherForm.getByRole('button', { name: 'Sign in', exact: true }).click();
    await otherPage.getByRole('heading', { name: 'Apps' }).waitFor();
    await signIn(dev.email);
    await page.getByRole('link', { name: 'Account' }).first().click();
    const form = page.getByRole('form', { name: 'Change password' });
    await form.getByLabel('Current password').fill('not my password');
    await form.getByLabel('New password').fill('changed in the browser');
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByRole('alert').filter({ hasText: 'DF_ERR_INVALID_CREDENTIALS' }).waitFor();
    assert.equal((await dev.get('/api/v1/auth/me')).status, 200, 'nothing changed');
    await form.getByLabel('Current password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByRole('status').filter({ hasText: 'Password changed' }).waitFor();
    await shot('account-password');
    assert.equal((await dev.get('/api/v1/auth/me')).status, 401, 'the other session ended');
    const login = (password: string) => new Client(control.url).post('/api/v1/auth/login', { email: dev.email, password });
    assert.equal((await login(PASSWORD)).status, 401);
    assert.equal((await login('changed in the browser')).status, 200);
    // The browser's own session goes on with the new tokens.
    await page.getByRole('link', { name: 'Apps' }).first().click();
    await page.getByRole('heading', { name: 'Apps' }).waitFor();
    assert.equal(await page.getByRole('form', { name: 'Sign in' }).count(), 0);
    // The other browser is sent back to the sign-in form (its socket was ended, its refresh refused).
    await otherPage
      .getByRole('link', { name: 'Account' })
      .first()
      .click()
      .catch(() => undefined);
    await otherPage.getByRole('form', { name: 'Sign in' }).waitFor();
  });

  it('disables and enables a user and makes a reset link from the Users page', async () => {
    const dev = await registerUser(control.url);
    const apiToken = (await dev.post('/api/v1/tokens', { name: 'ci' })).body.token as string;
    await signIn(admin.email);
    await page.getByRole('link', { name: 'Users' }).first().click();
    const row = page.getByRole('row').filter({ hasText: dev.email });
    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByText('disabled', { exact: true }).waitFor();
    await shot('users-disabled');
    assert.equal((await dev.get('/api/v1/auth/me')).status, 401, 'the session is refused');
    assert.equal((await new Client(control.url, apiToken).get('/api/v1/apps')).status, 401, 'the API token is refused');
    assert.equal(await row.getByRole('button', { name: 'Reset link' }).count(), 0, 'no reset link for a disabled account');

    await row.getByRole('button', { name: 'Enable' }).click();
    await row.getByRole('button', { name: 'Disable' }).waitFor();
    assert.equal((await new Client(control.url, apiToken).get('/api/v1/apps')).status, 200);
    await row.getByRole('button', { name: 'Reset link' }).click();
    const link = (await page.getByTestId('reset-link').innerText()).trim();
    assert.match(link, /\/reset-password#token=dfx_/);
    const token = decodeURIComponent(link.split('#token=')[1]!);
    assert.equal(
      (await new Client(control.url).post('/api/v1/auth/password-reset', { token, newPassword: 'from the users page' })).status,
      200,
    );
    assert.equal(
      (await new Client(control.url).post('/api/v1/auth/login', { email: dev.email, password: 'from the users page' })).status,
      200,
    );
  });

  it('sets a new password from a reset link an admin made', async () => {
    const dev = await registerUser(control.url);
    const { url } = (await admin.post(`/api/v1/users/${dev.userId}/password-reset-link`)).body as { url: string };
    await page.evaluate(() => localStorage.clear());
    // The link is built from the public URL; the test's control answers on its own address.
    await page.goto(`${control.url}/reset-password#${url.split('#')[1]}`);
    const form = page.getByRole('form', { name: 'Choose a new password' });
    await form.getByLabel('New password').fill('chosen in the browser');
    await form.getByRole('button', { name: 'Set the password' }).click();
    await page.getByRole('status').filter({ hasText: 'Password changed' }).waitFor();
    assert.equal(
      (await new Client(control.url).post('/api/v1/auth/login', { email: dev.email, password: 'chosen in the browser' })).status,
      200,
    );
  });
});
