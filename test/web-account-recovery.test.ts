// Getting back into an account in the dashboard, in Debian's Chromium, with a real SMTP server:
// "Forgot your password?" on the sign-in page e-mails a link (built from DEPLOYFLOW_PUBLIC_URL,
// which names this control through a host name Chromium maps to loopback), the link opened as it
// came sets a new password, the sign-in page takes it and refuses the old one, and the link does
// not work twice. An account with two-factor sign-in signs in with a recovery code instead of a
// code from the app; that recovery code works once.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { ensureDashboardBuilt, launchBrowser, SCREENSHOT_DIR } from './support/chromium.js';
import { Client, registerUser, startTestControl, type TestControl } from './support/control.js';
import { readable, startMailbox, type TestMailbox } from './support/smtp.js';
import { freePort } from './support/ports.js';

const PASSWORD = 'correct horse battery';
/** The platform's public name; Chromium resolves it to 127.0.0.1. */
const PUBLIC_HOST = 'dashboard.example.test';

describe('getting back into an account in a browser', () => {
  let mailbox: TestMailbox;
  let control: TestControl;
  let publicUrl: string;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });

  before(async () => {
    await ensureDashboardBuilt();
    mailbox = await startMailbox();
    // The public URL must name this control's port, so the port is chosen first.
    const port = await freePort();
    publicUrl = `http://${PUBLIC_HOST}:${port}`;
    control = await startTestControl({
      CONTROL_PORT: String(port),
      DEPLOYFLOW_SMTP_URL: mailbox.url,
      DEPLOYFLOW_PUBLIC_URL: publicUrl,
    });
    await registerUser(control.url); // the first account is the admin; the tests use others
    browser = await launchBrowser([`--host-resolver-rules=MAP ${PUBLIC_HOST} 127.0.0.1`]);
    page = await browser.context.newPage();
  });
  after(async () => {
    await browser?.close();
    await control?.stop();
    await mailbox.stop();
  });

  /** Fills the dashboard's sign-in form; a code when asked for one. */
  const fillSignIn = async (email: string, password: string) => {
    const form = page.getByRole('form', { name: 'Sign in' });
    await form.getByLabel('Email').fill(email);
    await form.getByLabel('Password').fill(password);
    await form.getByRole('button', { name: 'Sign in', exact: true }).click();
    return form;
  };
  const signedOut = async () => {
    await page.goto(publicUrl);
    await page.evaluate(() => localStorage.clear());
    await page.reload();
  };

  it('resets a forgotten password from the sign-in page through the e-mailed link', async () => {
    const dev = await registerUser(control.url);
    await signedOut();
    await page.getByRole('button', { name: 'Forgot your password?' }).click();
    const forgot = page.getByRole('form', { name: 'Reset your password' });
    await forgot.getByLabel('Email').fill(dev.email);
    await forgot.getByRole('button', { name: 'E-mail me a reset link' }).click();
    await forgot.getByRole('status').filter({ hasText: 'If that address has an account, a reset link is on its way.' }).waitFor();

    const deadline = Date.now() + 10_000;
    while (!mailbox.mails.some((m) => m.to.includes(dev.email)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const mail = mailbox.mails.find((m) => m.to.includes(dev.email));
    assert.ok(mail, 'the reset e-mail arrived');
    const body = readable(mail.body);
    const link = new RegExp(`${publicUrl.replace(/[.]/g, '\\.')}/reset-password#token=[A-Za-z0-9_%-]+`).exec(body)?.[0];
    assert.ok(link, `a link on the public URL: ${body.slice(-400)}`);

    // Opened as it came, the way a click in the mail client opens it.
    await page.goto(link);
    const choose = page.getByRole('form', { name: 'Choose a new password' });
    await choose.getByLabel('New password').fill('found my way back');
    await choose.getByRole('button', { name: 'Set the password' }).click();
    await choose.getByRole('status').filter({ hasText: 'Password changed' }).waitFor();
    assert.equal(new URL(page.url()).hash, '', 'the token leaves the address bar');
    assert.equal(await page.getByText('This link has no token').count(), 0, 'and the page does not then say it had none');
    await shot('reset-from-email');
    assert.equal((await dev.get('/api/v1/auth/me')).status, 401, 'the sessions from before ended');

    await choose.getByRole('link', { name: 'Sign in' }).click();
    const refused = await fillSignIn(dev.email, PASSWORD);
    await refused.getByRole('alert').filter({ hasText: 'DF_ERR_INVALID_CREDENTIALS' }).waitFor();
    await fillSignIn(dev.email, 'found my way back');
    await page.getByRole('heading', { name: 'Apps' }).waitFor();

    // The link works once.
    await signedOut();
    await page.goto(link);
    await choose.getByLabel('New password').fill('and again from the same link');
    await choose.getByRole('button', { name: 'Set the password' }).click();
    await choose.getByRole('alert').filter({ hasText: 'DF_ERR_RESET_TOKEN_INVALID' }).waitFor();
    const login = (password: string) => new Client(control.url).post('/api/v1/auth/login', { email: dev.email, password });
    assert.equal((await login('and again from the same link')).status, 401);
    assert.equal((await login('found my way back')).status, 200);
  });

  it('signs in with a recovery code instead of a code from the app, once', async () => {
    const dev = await registerUser(control.url);
    const secret = (await dev.post('/api/v1/auth/2fa/setup', { password: PASSWORD })).body.secret as string;
    const code = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({ timestamp: Date.now() });
    const confirmed = await dev.post('/api/v1/auth/2fa/confirm', { code });
    assert.equal(confirmed.status, 200);
    const recovery = (confirmed.body.recoveryCodes as string[])[3]!;

    await signedOut();
    const form = await fillSignIn(dev.email, PASSWORD);
    await form.getByLabel('Authenticator code (or a recovery code)').fill(recovery);
    await form.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Apps' }).waitFor();
    await page.getByRole('link', { name: 'Account' }).first().click();
    await page.getByTestId('second-factor-state').filter({ hasText: 'On' }).waitFor();
    await shot('signed-in-with-recovery-code');
    assert.equal((await dev.get('/api/v1/auth/2fa')).body.recoveryCodesLeft, 9, 'the recovery code is used up');

    await signedOut();
    const again = await fillSignIn(dev.email, PASSWORD);
    await again.getByLabel('Authenticator code (or a recovery code)').fill(recovery);
    await again.getByRole('button', { name: 'Sign in', exact: true }).click();
    await again.getByRole('alert').filter({ hasText: 'DF_ERR_SECOND_FACTOR_INVALID' }).waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Apps' }).count(), 0, 'not signed in');
  });
});
