// The dashboard's Edge tab in Debian's Chromium against a real control: the plugin chain is built
// with a form per plugin (add, edit, reorder, remove), a refused config shows the API's message on
// its plugin's field and saves nothing, basic-auth passwords are kept when the chain is edited
// again, and balancing and the HTTPS redirect are set from the same tab.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { ensureDashboardBuilt, launchBrowser, SCREENSHOT_DIR } from './support/chromium.js';
import { registerUser, startTestControl, type TestControl } from './support/control.js';

const APP = 'edgy-web';

describe('the Edge tab', () => {
  let control: TestControl;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let owner: Awaited<ReturnType<typeof registerUser>>;
  const chain = () => page.getByRole('region', { name: 'Plugin chain' });
  const plugin = (n: number, name: string) => chain().getByRole('listitem', { name: `Plugin ${n}: ${name}` });
  const stored = async () => (await owner.get(`/api/v1/apps/${APP}`)).body as { plugins: { name: string; config: Record<string, unknown> }[]; balance: string; httpsRedirect: boolean };

  before(async () => {
    await ensureDashboardBuilt();
    control = await startTestControl();
    owner = await registerUser(control.url);
    assert.equal((await owner.post('/api/v1/apps', { name: APP })).status, 201);
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.goto(control.url);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Apps' }).waitFor();
    await page.goto(`${control.url}/apps/${APP}/edge`);
    await chain().waitFor();
  });

  after(async () => {
    await page?.screenshot({ path: path.join(SCREENSHOT_DIR, 'web-edge.png'), fullPage: true }).catch(() => undefined);
    await browser?.close();
    await control?.stop();
  });

  it('shows a refused config on its field and saves nothing, then saves the fixed chain', async () => {
    await chain().getByLabel('Add a plugin').selectOption('rate-limit');
    await chain().getByRole('button', { name: 'Add', exact: true }).click();
    await plugin(1, 'rate-limit').getByLabel('Requests per period and address').fill('0');
    await chain().getByRole('button', { name: 'Save the chain' }).click();
    await plugin(1, 'rate-limit').getByRole('alert').filter({ hasText: 'plugins[0].config.rate' }).waitFor();
    assert.deepEqual((await stored()).plugins, []);
    await plugin(1, 'rate-limit').getByLabel('Requests per period and address').fill('25');
    await chain().getByRole('button', { name: 'Save the chain' }).click();
    await chain().getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    assert.deepEqual((await stored()).plugins, [{ name: 'rate-limit', config: { rate: 25, periodSeconds: 1 } }]);
  });

  it('adds basic-auth, moves it first, and keeps its password when the chain is saved again', async () => {
    await chain().getByLabel('Add a plugin').selectOption('basic-auth');
    await chain().getByRole('button', { name: 'Add', exact: true }).click();
    const auth = plugin(2, 'basic-auth');
    await auth.getByLabel('User name').fill('ada');
    await auth.getByLabel('Password').fill('a long password');
    await auth.getByRole('button', { name: 'Add user' }).click();
    await auth.getByRole('button', { name: 'Move basic-auth up' }).click();
    await chain().getByRole('button', { name: 'Save the chain' }).click();
    await chain().getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    const first = await stored();
    assert.deepEqual(first.plugins.map((p) => p.name), ['basic-auth', 'rate-limit']);
    assert.deepEqual(first.plugins[0]!.config, { users: { ada: null } });
    await plugin(1, 'basic-auth').getByText('password kept').waitFor();
    // Edit another plugin and save: the stored hash of ada's password is kept, not lost.
    await plugin(2, 'rate-limit').getByLabel('Period (s)').fill('60');
    await chain().getByRole('button', { name: 'Save the chain' }).click();
    await chain().getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    const table = control.service.deps.store.apps.get(APP);
    const users = (await table)!.plugins[0]!.config.users as Record<string, string>;
    assert.match(users.ada!, /^scrypt\$/);
    assert.equal((await stored()).plugins[1]!.config.periodSeconds, 60);
    await plugin(2, 'rate-limit').getByRole('button', { name: 'Remove' }).click();
    await chain().getByRole('button', { name: 'Save the chain' }).click();
    await chain().getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    assert.deepEqual((await stored()).plugins.map((p) => p.name), ['basic-auth']);
  });

  it('sets least-connections and the HTTPS redirect', async () => {
    const routing = page.getByRole('form', { name: 'Balancing and HTTPS redirect' });
    await routing.getByLabel('Balancing').selectOption('least-connections');
    await routing.getByLabel('Redirect plain HTTP to HTTPS').check();
    await routing.getByRole('button', { name: 'Save' }).click();
    await routing.getByRole('status').waitFor();
    const app = await stored();
    assert.equal(app.balance, 'least-connections');
    assert.equal(app.httpsRedirect, true);
  });
});
