// The dashboard as a person uses it, in Debian's Chromium: register, create an app, push with
// the git CLI while the build log arrives live, open the app, see metrics charts, edit an env
// var, redeploy and roll back, and see the notification; a failed deploy's code beside its message;
// text from logs is shown as text; a stranger cannot join the app's rooms.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import type { BrowserContext, Page } from 'playwright-core';
import { purgeApp } from '../builder/index.js';
import { readRouteTable } from '../common/routes/index.js';
import { createLogger } from '../common/log/logger.js';
import { gitAccess } from '../control/git-bridge/access.js';
import { pushHandler } from '../control/git-bridge/push.js';
import { startGitService, type RunningGitService } from '../git/index.js';
import { ensureNodeBaseImage } from './support/base-image.js';
import { ensureDashboardBuilt, launchBrowser, SCREENSHOT_DIR } from './support/chromium.js';
import { registerUser, startTestControl, type TestControl } from './support/control.js';
import { freePort } from './support/ports.js';
import { connectSocket } from './support/realtime.js';
import { startRedis, type TestRedis } from './support/redis.js';
import { detectedApp, writeTree } from './builder-fixtures.js';
import { run } from './git-fixtures.js';

const APP = 'web-e2e';

describe('dashboard in a browser', () => {
  const docker = new Docker();
  let redis: TestRedis;
  let probe: Redis;
  let control: TestControl;
  let git: RunningGitService;
  let work: string;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let context: BrowserContext;
  let page: Page;
  let token = '';
  const g = (args: string[]) =>
    run('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.invalid', '-c', 'credential.helper=', ...args], {
      cwd: work,
      env: { GIT_TERMINAL_PROMPT: '0' },
    });
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });

  before(async () => {
    await ensureDashboardBuilt();
    const base = await ensureNodeBaseImage(docker);
    redis = await startRedis();
    probe = new Redis(redis.url);
    control = await startTestControl({
      REDIS_URL: redis.url,
      DEPLOYFLOW_IMAGE_NODE: base,
      DEPLOYFLOW_DOMAIN: 'paas.test',
      GIT_HTTP_PORT: '0',
      GIT_SSH_PORT: '0',
      DEPLOYFLOW_HEALTH_TIMEOUT_SECONDS: '15',
      DEPLOYFLOW_DRAIN_SECONDS: '1',
      DEPLOYFLOW_METRICS_INTERVAL_SECONDS: '1',
      // An ACME CA that is not there (loopback, nothing listening): the dashboard must show why.
      DEPLOYFLOW_ACME_DIRECTORY: `https://127.0.0.1:${await freePort()}/dir`,
    });
    const deps = control.service.deps;
    git = await startGitService({
      config: control.config,
      log: createLogger('git', 'silent'),
      access: gitAccess(deps),
      onPush: pushHandler(deps),
    });
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'df-web-'));
    await g(['init', '-q', '-b', 'main']);
    await writeTree(work, detectedApp('from-e2e'));
    await g(['add', '-A']);
    await g(['commit', '-qm', 'first']);
    browser = await launchBrowser();
    context = browser.context;
    page = await context.newPage();
  });
  after(async () => {
    await browser?.close();
    await purgeApp(docker, APP).catch(() => undefined);
    probe?.disconnect();
    await git?.stop();
    await control?.stop();
    await redis?.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('registers, creates an app and an API token', async () => {
    await page.goto(control.url);
    await page.getByRole('button', { name: 'No account? Register' }).click();
    await page.getByLabel('Email').fill('dev@example.test');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Register', exact: true }).click();
    await page.getByRole('heading', { name: 'Apps' }).waitFor();
    await page.getByRole('button', { name: 'New app' }).click();
    await page.getByLabel('App name').fill(APP);
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: APP }).waitFor();
    assert.match(await page.locator('.command code').first().innerText(), new RegExp(`^git remote add deployflow http.*/${APP}\\.git$`));
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByLabel('Token name').fill('laptop');
    await page.getByRole('button', { name: 'Create token' }).click();
    token = await page.getByTestId('new-token').innerText();
    assert.match(token, /^dfp_/);
  });

  it('shows the build log live while git push runs, and the app answers', async () => {
    await page.goto(`${control.url}/apps/${APP}/deployments`);
    await page.getByText('No deployments yet').waitFor();
    let pushDone = false;
    const push = g(['push', `http://anyone:${token}@127.0.0.1:${git.httpPort}/${APP}.git`, 'main']).finally(() => {
      pushDone = true;
    });
    // Lines must show up while the push is still running: that is "live".
    await page
      .getByText(/Detected Node\.js app|Building image/)
      .first()
      .waitFor({ timeout: 60_000 });
    const liveLines = Number((await page.locator('.log-bar span').innerText()).split(' ')[0]);
    assert.equal(pushDone, false, 'the log arrived only after the push finished');
    assert.ok(liveLines > 0);
    const result = await push;
    assert.equal(result.code, 0, result.stderr);
    await page.locator('h2 .badge-running').waitFor({ timeout: 30_000 });
    await page.getByText(/is live at http:\/\/web-e2e\.paas\.test/).waitFor();
    await shot('deployments-desktop');
    const route = (await readRouteTable(probe)).routes[`${APP}.paas.test`];
    assert.ok(route?.upstreams[0]);
    const appPage = await context.newPage();
    await appPage.goto(`http://127.0.0.1:${route.upstreams[0].port}/`);
    assert.match(await appPage.locator('body').innerText(), /from-e2e/);
    await appPage.close();
  });

  it('renders log text as text, never as HTML', async () => {
    const [current] = await control.service.deps.store.deployments.listByApp(APP, 1);
    control.service.deps.events.emit('deployment.log', {
      deploymentId: current!.id,
      app: APP,
      at: Date.now(),
      line: '\u001b[31m<img src=x onerror="window.__xss=1"> red\u001b[0m',
    });
    const row = page.locator('.log-row', { hasText: '<img src=x onerror="window.__xss=1"> red' });
    await row.waitFor();
    assert.equal(await page.locator('.log img').count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.equal(
      await row
        .locator('span')
        .first()
        .evaluate((el) => getComputedStyle(el).color),
      'rgb(187, 0, 0)',
    );
  });

  it('draws metrics charts from live samples', async () => {
    await page.getByRole('link', { name: 'Metrics' }).click();
    await page.locator('canvas').first().waitFor();
    // Real samples: the runtime sampler reads Docker stats of the app's container every second.
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid=sample-count]')?.textContent?.split(' ')[0]) >= 3,
      undefined,
      { timeout: 30_000 },
    );
    assert.equal(await page.locator('canvas').count(), 3);
    // A drawn chart has coloured pixels, not only the background.
    const painted = await page
      .locator('canvas')
      .first()
      .evaluate((c: HTMLCanvasElement) => {
        const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n += 1;
        return n;
      });
    assert.ok(painted > 1000, `chart looks empty (${painted} painted pixels)`);
    await shot('metrics-desktop');
  });

  it('edits an env var, redeploys, rolls back, and shows the notification', async () => {
    await page.getByRole('link', { name: 'Environment' }).click();
    await page.getByLabel('Key').fill('GREETING');
    await page.getByLabel('Value').fill('hello <b>there</b>');
    await page.getByRole('button', { name: 'Set', exact: true }).click();
    await page.getByRole('cell', { name: 'GREETING', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Reveal values' }).click();
    await page.getByText('hello <b>there</b>', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Redeploy to apply' }).click();
    await page.getByRole('link', { name: 'Deployments' }).click();
    await page.locator('tbody tr').nth(1).waitFor();
    await page.locator('tbody tr').first().locator('.badge-running').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Roll back', exact: true }).click();
    await page.locator('tbody tr').nth(2).waitFor();
    const top = page.locator('tbody tr').first();
    await top.getByText('rollback').waitFor();
    await top.locator('.badge-running').waitFor({ timeout: 60_000 });
    await page.locator('.toast', { hasText: 'rollback' }).first().waitFor();
    assert.ok(Number(await page.getByTestId('unread').innerText()) >= 2);
    await page.getByRole('button', { name: /Notifications, \d+ unread/ }).click();
    await page
      .getByRole('region', { name: 'Notification centre' })
      .getByText(/web-e2e: rollback.* succeeded/)
      .first()
      .waitFor();
    await shot('notifications-desktop');
    await page.getByRole('button', { name: 'Mark all read' }).click();
    await page.getByTestId('unread').waitFor({ state: 'detached' });
  });

  it("shows a failed deployment's DF_ERR_* code beside its message", async () => {
    const api = (method: string, url: string, body?: unknown): Promise<Response> =>
      fetch(`${control.url}/api/v1${url}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    // An image that is not there: the release cannot start it.
    const started = await api('POST', `/apps/${APP}/deployments`, { image: `deployflow/${APP}:no-such-tag` });
    assert.equal(started.status, 202);
    const { id } = (await started.json()) as { id: string };
    await page
      .locator('h2', { hasText: id.slice(0, 8) })
      .locator('.badge-failed')
      .waitFor({ timeout: 60_000 });
    const record = (await (await api('GET', `/deployments/${id}`)).json()) as { error: string; errorCode: string };
    assert.equal(record.errorCode, 'DF_ERR_RELEASE_FAILED');
    const shown = page.locator('p.error');
    assert.equal(await shown.locator('code').innerText(), 'DF_ERR_RELEASE_FAILED');
    assert.equal(await shown.innerText(), `DF_ERR_RELEASE_FAILED ${record.error.trim()}`);
  });

  it('adds a custom domain and shows why the CA could not issue its certificate', async () => {
    await page.goto(`${control.url}/apps/${APP}/domains`);
    await page.getByRole('textbox', { name: 'Domain' }).fill('shop.example.test');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('button', { name: 'Get a certificate for shop.example.test' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 30_000 });
    assert.match(
      await alert.innerText(),
      /^The ACME directory https:\/\/127\.0\.0\.1:\d+\/dir cannot be reached: connect ECONNREFUSED 127\.0\.0\.1:\d+ \(DF_ERR_ACME_FAILED\)$/,
    );
    assert.equal(await page.getByRole('button', { name: 'Get a certificate for shop.example.test' }).innerText(), 'Get certificate');
  });

  it('fits a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${control.url}/apps/${APP}`);
    await page.getByRole('heading', { name: APP }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the page is ${overflow}px wider than the phone`);
    await shot('overview-phone');
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Activity' }).click();
    await page.getByRole('heading', { name: 'Activity' }).waitFor();
    await shot('activity-phone');
  });

  it("refuses another user the app's rooms", async () => {
    const stranger = await registerUser(control.url);
    const socket = await connectSocket(control.url, stranger.token!);
    try {
      const [current] = await control.service.deps.store.deployments.listByApp(APP, 1);
      for (const payload of [
        { app: APP, stream: 'logs' },
        { app: APP, stream: 'metrics' },
        { app: APP, stream: 'status' },
        { deploymentId: current!.id, offset: 0 },
      ]) {
        const ack = await socket.request('subscribe', payload);
        assert.equal(ack.ok, false, JSON.stringify(payload));
        assert.match(ack.error.code, /DF_ERR_(APP_)?NOT_FOUND/);
      }
      control.service.deps.events.emit('app.metrics', {
        app: APP,
        sample: { at: Date.now(), cpuPercent: 1, memoryBytes: 1, memoryLimitBytes: 1, networkRxBytes: 0, networkTxBytes: 0, replicas: [] },
      });
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(socket.events.get('app:metrics')!.length, 0);
      assert.equal(socket.events.get('deployment:log')!.length, 0);
      assert.equal(socket.events.get('notification')!.length, 0);
    } finally {
      socket.close();
    }
  });
});
