// Invitations and a first deploy without git, in Debian's Chromium against a real control, Redis
// and Docker: an admin invites from the Users page (no SMTP, so the link is shown once) and resends
// it (a new link; the first is refused), the link opened signed out makes the account and signs it
// in, and opened again is refused; an owner's
// collaborator invitation is accepted by an existing account that signs in on the invite page;
// and "Deploy from a Git URL" clones a repository served over loopback smart HTTP by git's own
// http-backend, builds it, streams the build log and ends running.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import type { Page } from 'playwright-core';
import { purgeApp } from '../builder/index.js';
import { ensureNodeBaseImage } from './support/base-image.js';
import { ensureDashboardBuilt, launchBrowser, SCREENSHOT_DIR } from './support/chromium.js';
import { Client, registerUser, startTestControl, type TestControl } from './support/control.js';
import { startRedis, type TestRedis } from './support/redis.js';
import { detectedApp, writeTree } from './builder-fixtures.js';
import { run } from './git-fixtures.js';
import { serveRepos } from './webhooks-fixtures.js';

const PASSWORD = 'correct horse battery';
const APP = 'from-url';

describe('invitations and Deploy from a Git URL in a browser', () => {
  const docker = new Docker();
  let redis: TestRedis;
  let control: TestControl;
  let repos: http.Server;
  let root: string;
  let admin: Awaited<ReturnType<typeof registerUser>>;
  let owner: Awaited<ReturnType<typeof registerUser>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  /** Forgets the session: local storage belongs to the dashboard's origin, so it is cleared from there. */
  const signOut = async (): Promise<void> => {
    await page.goto(control.url);
    await page.evaluate(() => localStorage.clear());
  };
  const signIn = async (email: string): Promise<void> => {
    await signOut();
    await page.reload();
    const form = page.getByRole('form', { name: 'Sign in' });
    await form.getByLabel('Email').fill(email);
    await form.getByLabel('Password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Apps' }).waitFor();
  };
  /** The page for an invitation link: the link names the public URL, the test's control answers on its own address. */
  const openLink = (link: string) => page.goto(`${control.url}/invite#${link.split('#')[1]}`);

  before(async () => {
    await ensureDashboardBuilt();
    const base = await ensureNodeBaseImage(docker);
    redis = await startRedis();
    control = await startTestControl({
      REDIS_URL: redis.url,
      DEPLOYFLOW_IMAGE_NODE: base,
      DEPLOYFLOW_DOMAIN: 'paas.test',
      DEPLOYFLOW_HEALTH_TIMEOUT_SECONDS: '15',
      DEPLOYFLOW_DRAIN_SECONDS: '1',
    });
    admin = await registerUser(control.url);
    owner = await registerUser(control.url);
    assert.equal((await admin.patch('/api/v1/settings', { registrationOpen: false })).status, 200);
    // The repository is on loopback: only an admin's setting lets clone URLs reach it.
    assert.equal((await admin.put('/api/v1/settings/webhooks', { allowPrivateUrls: true })).status, 200);
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'df-web-invitations-'));
    const work = path.join(root, 'work');
    await fs.mkdir(work);
    const g = (args: string[]) =>
      run('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.invalid', ...args], {
        cwd: work,
        env: { PATH: process.env.PATH ?? '', HOME: root, GIT_CONFIG_NOSYSTEM: '1' },
      });
    await run('git', ['init', '-q', '--bare', path.join(root, 'site.git')]);
    await g(['init', '-q', '-b', 'main']);
    await writeTree(work, detectedApp('from-a-git-url'));
    await g(['add', '-A']);
    await g(['commit', '-qm', 'first']);
    assert.equal((await g(['push', '-q', path.join(root, 'site.git'), 'HEAD:refs/heads/main'])).code, 0);
    repos = await serveRepos(root);
    browser = await launchBrowser();
    page = await browser.context.newPage();
  });
  after(async () => {
    await browser?.close();
    await purgeApp(docker, APP).catch(() => undefined);
    repos?.closeAllConnections();
    await new Promise((r) => repos?.close(r));
    await control?.stop();
    await redis?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it('an admin invites from the Users page; the link makes the account once, while registration is closed', async () => {
    await signIn(admin.email);
    await page.getByRole('link', { name: 'Users' }).first().click();
    const section = page.getByRole('region', { name: 'Invitations' });
    await section.getByLabel('E-mail to invite').fill('invited@example.test');
    await section.getByLabel('Role').selectOption('viewer');
    await section.getByRole('button', { name: 'Invite' }).click();
    await section.getByRole('status').filter({ hasText: 'Invitation made for invited@example.test' }).waitFor();
    const first = (await section.getByTestId('invitation-link').innerText()).trim();
    assert.match(first, /\/invite#token=dfi_/);
    await section
      .getByRole('table', { name: 'Pending invitations' })
      .getByRole('cell', { name: 'invited@example.test', exact: true })
      .waitFor();
    // The link got lost: Resend shows a new one, and the first stops working.
    await section.getByRole('button', { name: 'Resend the invitation to invited@example.test' }).click();
    await section.getByTestId('invitation-link').filter({ hasNotText: first }).waitFor();
    const link = (await section.getByTestId('invitation-link').innerText()).trim();
    assert.match(link, /\/invite#token=dfi_/);
    assert.equal(
      await section
        .getByRole('table', { name: 'Pending invitations' })
        .getByRole('cell', { name: 'invited@example.test', exact: true })
        .count(),
      1,
    );
    await shot('users-invitations');

    await signOut();
    await openLink(first);
    await page.getByRole('alert').filter({ hasText: 'DF_ERR_INVITATION_INVALID' }).waitFor();
    await signOut();
    await openLink(link);
    const form = page.getByRole('form', { name: 'Accept the invitation' });
    await form
      .getByTestId('invitation-offer')
      .filter({ hasText: `${admin.email} invited invited@example.test to DeployFlow as viewer` })
      .waitFor();
    await form.getByLabel('Name').fill('Ivy');
    await form.getByLabel('Choose a password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Create the account and accept' }).click();
    await page.getByRole('heading', { name: 'Apps' }).waitFor();
    const me = await new Client(control.url).post('/api/v1/auth/login', { email: 'invited@example.test', password: PASSWORD });
    assert.equal(me.body.user.role, 'viewer');

    await signOut();
    await openLink(link);
    await page.getByRole('alert').filter({ hasText: 'DF_ERR_INVITATION_INVALID' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Create the account and accept' }).count(), 0);
  });

  it('an existing account signs in on the invite page and joins the app it was invited to', async () => {
    assert.equal((await owner.post('/api/v1/apps', { name: APP, port: 8080 })).status, 201);
    const mate = await (async () => {
      await admin.patch('/api/v1/settings', { registrationOpen: true });
      try {
        return await registerUser(control.url);
      } finally {
        await admin.patch('/api/v1/settings', { registrationOpen: false });
      }
    })();
    const sent = await owner.post(`/api/v1/apps/${APP}/collaborators`, { email: mate.email });
    assert.equal(sent.status, 202);

    await signOut();
    await openLink(sent.body.url as string);
    const form = page.getByRole('form', { name: 'Accept the invitation' });
    await form
      .getByTestId('invitation-offer')
      .filter({ hasText: `to work on the app ${APP}` })
      .waitFor();
    await form.getByRole('button', { name: 'Already have an account? Sign in to accept' }).click();
    const signInForm = page.getByRole('form', { name: 'Sign in' });
    await signInForm.getByLabel('Email').fill(mate.email);
    await signInForm.getByLabel('Password').fill(PASSWORD);
    await signInForm.getByRole('button', { name: 'Sign in', exact: true }).click();
    await form.getByRole('button', { name: `Accept as ${mate.email}` }).click();
    await page.getByRole('heading', { name: APP }).first().waitFor();
    assert.deepEqual((await owner.get(`/api/v1/apps/${APP}`)).body.collaboratorIds, [mate.userId]);
  });

  it('deploys from a Git URL: the build log streams and the deployment ends running', async () => {
    await signIn(owner.email);
    await page.getByRole('link', { name: APP, exact: true }).click();
    await page.getByRole('link', { name: 'Deployments' }).click();
    await page.getByText('No deployments yet').waitFor();
    await page.getByRole('button', { name: 'Deploy from a Git URL' }).click();
    const form = page.getByRole('form', { name: 'Deploy from a Git URL' });
    const port = (repos.address() as { port: number }).port;
    await form.getByLabel('Repository URL (http or https, public)').fill(`http://127.0.0.1:${port}/site.git`);
    await form.getByLabel('Branch, tag or commit').fill('main');
    await form.getByRole('button', { name: 'Deploy', exact: true }).click();
    // The new deployment is selected and its build log arrives while it builds.
    const log = page.getByLabel('Deployment log');
    await log.getByText(/^(?!0 lines)\d+ lines$/).waitFor({ timeout: 120_000 });
    await page.locator('table.deployments .badge-running').first().waitFor({ timeout: 180_000 });
    const lines = Number.parseInt(await log.getByText(/^\d+ lines$/).innerText(), 10);
    assert.ok(lines > 3, `the build log streamed (${lines} lines)`);
    assert.ok((await log.innerText()).length > 40, 'log lines are shown');
    await shot('deploy-from-git-url');
    const deployments = (await owner.get(`/api/v1/apps/${APP}/deployments`)).body as { source: string; status: string; ref: string }[];
    assert.deepEqual(
      deployments.map((d) => [d.source, d.status, d.ref]),
      [['url', 'running', 'main']],
    );
  });
});
