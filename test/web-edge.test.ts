// The dashboard's Edge tab in Debian's Chromium against a real control (with Redis and Docker):
// the plugin chain is built with a form per plugin (add, edit, reorder, remove), a refused config
// shows the API's message on its plugin's field and saves nothing, basic-auth passwords are kept
// when the chain is edited again, balancing and the HTTPS redirect are set from the same tab; and
// scale to zero set from the tab puts a deployed app to sleep, the tab shows it asleep, a request
// through a real gateway wakes it, the tab shows the wake (count, time, cold start) and, asleep
// again, the Metrics tab shows the sleep, the wake and its cold start.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { createLogger } from '../common/log/logger.js';
import type { RunningService } from '../common/service.js';
import { sleepState } from '../control/edge/state.js';
import { startGateway } from '../gateway/index.js';
import { gatewayConfig, request } from '../gateway/testing/harness.js';
import { startOpsStack, type OpsStack } from './ops-fixtures.js';
import { ensureDashboardBuilt, launchBrowser, SCREENSHOT_DIR } from './support/chromium.js';

const APP = 'edgy-web';
const SLEEPY = 'edgy-sleep';

describe('the Edge tab', () => {
  let s: OpsStack;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  const chain = () => page.getByRole('region', { name: 'Plugin chain' });
  const plugin = (n: number, name: string) => chain().getByRole('listitem', { name: `Plugin ${n}: ${name}` });
  const stored = async () =>
    (await s.owner.get(`/api/v1/apps/${APP}`)).body as {
      plugins: { name: string; config: Record<string, unknown> }[];
      balance: string;
      httpsRedirect: boolean;
    };

  before(async () => {
    await ensureDashboardBuilt();
    s = await startOpsStack();
    assert.equal((await s.owner.post('/api/v1/apps', { name: APP })).status, 201);
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.goto(s.control.url);
    await page.getByLabel('Email').fill(s.owner.email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Apps' }).waitFor();
    await page.goto(`${s.control.url}/apps/${APP}/edge`);
    await chain().waitFor();
  });

  after(async () => {
    await page?.screenshot({ path: path.join(SCREENSHOT_DIR, 'web-edge.png'), fullPage: true }).catch(() => undefined);
    await browser?.close();
    await s?.cleanup([APP, SLEEPY]);
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
    assert.deepEqual(
      first.plugins.map((p) => p.name),
      ['basic-auth', 'rate-limit'],
    );
    assert.deepEqual(first.plugins[0]!.config, { users: { ada: null } });
    await plugin(1, 'basic-auth').getByText('password kept').waitFor();
    // Edit another plugin and save: the stored hash of ada's password is kept, not lost.
    await plugin(2, 'rate-limit').getByLabel('Period (s)').fill('60');
    await chain().getByRole('button', { name: 'Save the chain' }).click();
    await chain().getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    const table = s.control.service.deps.store.apps.get(APP);
    const users = (await table)!.plugins[0]!.config.users as Record<string, string>;
    assert.match(users.ada!, /^scrypt\$/);
    assert.equal((await stored()).plugins[1]!.config.periodSeconds, 60);
    await plugin(2, 'rate-limit').getByRole('button', { name: 'Remove' }).click();
    await chain().getByRole('button', { name: 'Save the chain' }).click();
    await chain().getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    assert.deepEqual(
      (await stored()).plugins.map((p) => p.name),
      ['basic-auth'],
    );
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

  it('sets scale to zero, shows the app asleep, and a request wakes it: the Metrics tab shows the wake and its cold start', async () => {
    await s.deploy(SLEEPY, 'v1');
    const config = await gatewayConfig(s.redis.url, {
      DEPLOYFLOW_DOMAIN: 'paas.test',
      GATEWAY_WAKE_TIMEOUT_MS: '20000',
      GATEWAY_ACCESS_LOG: 'off',
    });
    const gateway: RunningService = await startGateway(config, createLogger('gateway', 'silent'));
    try {
      await page.goto(`${s.control.url}/apps/${SLEEPY}/edge`);
      const form = page.getByRole('form', { name: 'Scale to zero' });
      await form.getByLabel('Sleep when idle').check();
      await form.getByLabel('Idle seconds before sleeping').fill('2');
      await form.getByRole('button', { name: 'Save' }).click();
      await form.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
      assert.deepEqual((await s.owner.get(`/api/v1/apps/${SLEEPY}`)).body.scaleToZero, { idleSeconds: 2 });

      // Idle for 2 s, the app sleeps; the tab (which reads the status every 5 s) says so.
      const state = form.getByLabel('Sleep state');
      await state
        .getByRole('definition')
        .filter({ hasText: /^sleeping$/ })
        .waitFor({ timeout: 60_000 });
      assert.equal((await s.route(SLEEPY))?.sleeping, true, 'the route table agrees');

      const woken = await request(config.gatewayHttpPort, `${SLEEPY}.paas.test`, '/');
      assert.equal(woken.status, 200);
      assert.match(woken.body, /^v1 /);
      const after = await sleepState(s.control.service.deps.store, SLEEPY);
      assert.equal(after.wakes, 1);
      assert.ok(after.lastColdStartMs !== null && after.wokeAt !== null);

      // The tab (next status read) shows the wake: the count, when (in the browser's locale) and
      // the cold start; these stay when the app, idle again for 2 s, goes back to sleep.
      const value = (term: string) => state.locator('dt', { hasText: new RegExp(`^${term}$`) }).locator('xpath=following-sibling::dd[1]');
      await value('Wakes').filter({ hasText: /^1$/ }).waitFor({ timeout: 15_000 });
      const wokeAt = await page.evaluate((t) => new Date(t).toLocaleString(), after.wokeAt);
      assert.equal(await value('Woke at').textContent(), wokeAt);
      assert.equal(await value('Last cold start').textContent(), `${after.lastColdStartMs} ms`);
      assert.equal(await value('Last wake error').textContent(), '—');
      await value('State')
        .filter({ hasText: /^sleeping$/ })
        .waitFor({ timeout: 60_000 });

      // Asleep again (nothing wakes it while no request comes), the Metrics tab says so first.
      await page.getByRole('navigation', { name: 'App sections' }).getByRole('link', { name: 'Metrics' }).click();
      const cold = page.getByTestId('cold-starts');
      await cold.waitFor();
      const figures = `1 wake from sleep · last cold start ${after.lastColdStartMs} ms · average ${after.lastColdStartMs} ms`;
      assert.equal((await cold.textContent())?.trim(), `Asleep now (scale to zero) · ${figures}`);
    } finally {
      await gateway.stop();
    }
  });
});
