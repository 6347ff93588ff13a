// Day-two operations in the dashboard, in Debian's Chromium against a real control with Docker:
// one app, one git push; the Overview follows the deploy live; Scale, Stop (confirmed) and
// Start from the Operate area, with the apps list in another tab turning "stopped" without a
// reload; a viewer collaborator sees the Operate buttons disabled with the reason; the owner
// adds and removes collaborators in Settings.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import type { Page } from 'playwright-core';
import { listAppContainers, purgeApp } from '../builder/index.js';
import { createLogger } from '../common/log/logger.js';
import { gitAccess } from '../control/git-bridge/access.js';
import { pushHandler } from '../control/git-bridge/push.js';
import { startGitService, type RunningGitService } from '../git/index.js';
import { ensureNodeBaseImage } from './support/base-image.js';
import { ensureDashboardBuilt, launchBrowser, SCREENSHOT_DIR } from './support/chromium.js';
import { Client, invitationToken, registerUser, startTestControl, type TestControl } from './support/control.js';
import { startRedis, type TestRedis } from './support/redis.js';
import { detectedApp, writeTree } from './builder-fixtures.js';
import { run } from './git-fixtures.js';

const APP = 'web-operate';
const PASSWORD = 'correct horse battery';

describe('operating an app from the dashboard', () => {
  const docker = new Docker();
  let redis: TestRedis;
  let control: TestControl;
  let git: RunningGitService;
  let work: string;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let viewerBrowser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  let page: Page;
  let owner: Awaited<ReturnType<typeof registerUser>>;
  let viewer: Awaited<ReturnType<typeof registerUser>>;
  let teammate: Awaited<ReturnType<typeof registerUser>>;
  const g = (args: string[]) =>
    run('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.invalid', '-c', 'credential.helper=', ...args], {
      cwd: work,
      env: { GIT_TERMINAL_PROMPT: '0' },
    });
  const shot = (p: Page, name: string) => p.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  const signIn = async (p: Page, email: string): Promise<void> => {
    await p.goto(control.url);
    await p.getByLabel('Email').fill(email);
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Sign in', exact: true }).click();
    await p.getByRole('heading', { name: 'Apps' }).waitFor();
  };
  const operate = (p: Page) => p.getByRole('region', { name: 'Operate' });
  const running = async (): Promise<number> => (await listAppContainers(docker, APP)).filter((c) => c.running).length;

  before(async () => {
    await ensureDashboardBuilt();
    const base = await ensureNodeBaseImage(docker);
    redis = await startRedis();
    control = await startTestControl({
      REDIS_URL: redis.url,
      DEPLOYFLOW_IMAGE_NODE: base,
      DEPLOYFLOW_DOMAIN: 'paas.test',
      GIT_HTTP_PORT: '0',
      GIT_SSH_PORT: '0',
      DEPLOYFLOW_HEALTH_TIMEOUT_SECONDS: '15',
      DEPLOYFLOW_DRAIN_SECONDS: '1',
    });
    const deps = control.service.deps;
    git = await startGitService({
      config: control.config,
      log: createLogger('git', 'silent'),
      access: gitAccess(deps),
      onPush: pushHandler(deps),
    });
    // The first user is the admin; the app's owner is a developer, as most owners are.
    const admin = await registerUser(control.url);
    owner = await registerUser(control.url);
    viewer = await registerUser(control.url, 'viewer', admin);
    teammate = await registerUser(control.url);
    assert.equal((await owner.post('/api/v1/apps', { name: APP })).status, 201);
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'df-web-operate-'));
    await g(['init', '-q', '-b', 'main']);
    await writeTree(work, detectedApp('operate'));
    await g(['add', '-A']);
    await g(['commit', '-qm', 'first']);
    browser = await launchBrowser();
    page = await browser.context.newPage();
  });
  after(async () => {
    await viewerBrowser?.close();
    await browser?.close();
    await purgeApp(docker, APP).catch(() => undefined);
    await git?.stop();
    await control?.stop();
    await redis?.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('follows a push on the Overview without a reload', async () => {
    await signIn(page, owner.email);
    await page.getByRole('link', { name: APP, exact: true }).click();
    await page.getByTestId('app-state').getByText('new').waitFor();
    const token = (await owner.post('/api/v1/tokens', { name: 'push' })).body.token as string;
    const push = await g(['push', `http://anyone:${token}@127.0.0.1:${git.httpPort}/${APP}.git`, 'main']);
    assert.equal(push.code, 0, push.stderr);
    await page.getByTestId('app-state').locator('.badge-running').waitFor({ timeout: 15_000 });
    await page.getByTestId('replicas').getByText('1 / 1').waitFor({ timeout: 15_000 });
  });

  it('scales to 2 replicas from Operate', async () => {
    const box = operate(page);
    await box.getByRole('button', { name: 'One replica more' }).click();
    assert.equal(await box.getByLabel('Replicas').inputValue(), '2');
    await box.getByRole('button', { name: 'Scale', exact: true }).click();
    // While the call runs, the buttons are disabled and progress is shown.
    await box.getByRole('button', { name: 'Scaling…' }).waitFor();
    assert.equal(await box.getByRole('button', { name: 'Restart' }).isDisabled(), true);
    await box.getByText('Scaled to 2 replicas; 2 running.').waitFor({ timeout: 60_000 });
    await page.getByTestId('replicas').getByText('2 / 2').waitFor();
    assert.equal(await running(), 2);
    await shot(page, 'operate-scaled');
  });

  it('stops the app after a confirmation; Overview and the apps list say "stopped" without a reload', async () => {
    const list = await browser.context.newPage();
    await list.goto(control.url);
    const row = list.locator(`tr[data-app="${APP}"]`);
    await row.locator('.badge-running').waitFor();
    await row.getByText('2 / 2').waitFor();

    const box = operate(page);
    await box.getByRole('button', { name: 'Stop', exact: true }).click();
    const confirm = box.getByRole('group', { name: 'Confirm stop' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    assert.equal(await running(), 2, 'Cancel stopped the app');
    await box.getByRole('button', { name: 'Stop', exact: true }).click();
    await confirm.getByRole('button', { name: `Stop ${APP}` }).click();
    await box.getByText('Stopping:').waitFor();
    await box.getByText(/^Stopped: the gateway answers 503/).waitFor({ timeout: 60_000 });
    await page.getByTestId('app-state').locator('.badge-stopped').waitFor();
    await page.getByTestId('replicas').getByText('0 / 2').waitFor();
    assert.equal(await running(), 0);
    await box.getByRole('button', { name: 'Start', exact: true }).waitFor();

    // The list opened before the stop, in another tab, catches up by itself.
    await row.locator('.badge-stopped').waitFor({ timeout: 5_000 });
    await row.getByText('0 / 2').waitFor();
    await shot(list, 'apps-list-stopped');
    await list.close();
    // And in this tab, through the app's navigation (no reload).
    await page.getByRole('link', { name: 'Apps', exact: true }).click();
    await page.locator(`tr[data-app="${APP}"] .badge-stopped`).waitFor();
  });

  it('starts it again', async () => {
    await page.getByRole('link', { name: APP, exact: true }).click();
    const box = operate(page);
    await box.getByRole('button', { name: 'Start', exact: true }).click();
    await box.getByRole('button', { name: 'Starting…' }).waitFor();
    await box.getByText('Started; 2 replicas running.').waitFor({ timeout: 60_000 });
    await page.getByTestId('app-state').locator('.badge-running').waitFor();
    await box.getByRole('button', { name: 'Stop', exact: true }).waitFor();
    assert.equal(await running(), 2);
  });

  it('adds collaborators in Settings; a viewer collaborator sees what they may not do disabled', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    const collab = page.getByRole('region', { name: 'Collaborators' });
    await collab.getByText('No collaborators yet.').waitFor();
    // An address without an account is invited like any other: the page tells nothing apart.
    await collab.getByLabel('Collaborator e-mail').fill('nobody@example.test');
    await collab.getByRole('button', { name: 'Invite collaborator' }).click();
    await collab.getByRole('status').filter({ hasText: 'Invitation made for nobody@example.test' }).waitFor();
    // A lost link: Resend shows a new one that replaces it.
    const lost = (await collab.getByTestId('invitation-link').innerText()).trim();
    await collab.getByRole('button', { name: 'Resend the invitation to nobody@example.test' }).click();
    await collab.getByTestId('invitation-link').filter({ hasNotText: lost }).waitFor();
    const pending = (await owner.get(`/api/v1/apps/${APP}/invitations`)).body as { email: string }[];
    assert.deepEqual(
      pending.map((i) => i.email),
      ['nobody@example.test'],
      'one pending invitation, the new one',
    );
    assert.equal(
      (await new Client(control.url).post('/api/v1/invitations/inspect', { token: invitationToken(lost) })).body.error.code,
      'DF_ERR_INVITATION_INVALID',
    );
    await collab.getByRole('button', { name: 'Revoke the invitation to nobody@example.test' }).click();
    await collab.getByRole('status').filter({ hasText: 'Invitation to nobody@example.test revoked.' }).waitFor();
    for (const who of [viewer, teammate]) {
      await collab.getByLabel('Collaborator e-mail').fill(who.email);
      await collab.getByRole('button', { name: 'Invite collaborator' }).click();
      await collab
        .getByRole('status')
        .filter({ hasText: `Invitation made for ${who.email}` })
        .waitFor();
      // Without SMTP the link is shown once, to pass on; the invited account accepts it.
      const link = (await collab.getByTestId('invitation-link').innerText()).trim();
      assert.equal((await who.post('/api/v1/invitations/accept', { token: invitationToken(link) })).status, 200);
    }
    await page.reload();
    for (const who of [viewer, teammate]) await collab.getByRole('listitem').filter({ hasText: who.email }).waitFor();
    assert.deepEqual((await owner.get(`/api/v1/apps/${APP}`)).body.collaboratorIds, [viewer.userId, teammate.userId]);
    await shot(page, 'settings-collaborators');

    viewerBrowser = await launchBrowser();
    const v = await viewerBrowser.context.newPage();
    await signIn(v, viewer.email);
    const newApp = v.getByRole('button', { name: 'New app' });
    assert.equal(await newApp.isDisabled(), true);
    assert.match((await newApp.getAttribute('title')) ?? '', /viewer/);
    await v.getByRole('link', { name: APP, exact: true }).click();
    const box = operate(v);
    for (const name of ['Scale', 'Restart', 'Stop', 'One replica more']) {
      const b = box.getByRole('button', { name, exact: true });
      assert.equal(await b.isDisabled(), true, `${name} is enabled for a viewer`);
      assert.match((await b.getAttribute('title')) ?? '', /viewer/);
    }
    await v.getByRole('link', { name: 'Deployments' }).click();
    assert.equal(await v.getByRole('button', { name: 'Redeploy' }).isDisabled(), true);
    await v.getByRole('link', { name: 'Settings' }).click();
    assert.equal(await v.getByRole('button', { name: 'Save', exact: true }).isDisabled(), true);
    assert.equal(await v.getByRole('region', { name: 'Collaborators' }).count(), 0);
    await shot(v, 'operate-viewer');
    await viewerBrowser.close();
    viewerBrowser = undefined;
  });

  it('removes a collaborator in Settings', async () => {
    const collab = page.getByRole('region', { name: 'Collaborators' });
    await collab.getByRole('button', { name: `Remove ${viewer.email}` }).click();
    await collab.getByText(`Removed ${viewer.email}.`).waitFor();
    await collab.getByRole('listitem').filter({ hasText: viewer.email }).waitFor({ state: 'detached' });
    await collab.getByRole('listitem').filter({ hasText: teammate.email }).waitFor();
    assert.deepEqual((await owner.get(`/api/v1/apps/${APP}`)).body.collaboratorIds, [teammate.userId]);
  });
});
