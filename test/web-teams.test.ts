// Teams in the dashboard, in Debian's Chromium: creating a team and adding a member with a role,
// a member creating an app the team owns from the New app dialog,
// giving an app to the team from its Settings (the app page then names the team as owner, and a
// developer member may operate it), and an admin deleting a user whose app goes to the team.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { ensureDashboardBuilt, launchBrowser, SCREENSHOT_DIR } from './support/chromium.js';
import { registerUser, startTestControl, type TestControl } from './support/control.js';

const PASSWORD = 'correct horse battery';
type User = Awaited<ReturnType<typeof registerUser>>;

describe('teams in the dashboard', () => {
  let control: TestControl;
  let admin: User;
  let owner: User;
  let member: User;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let teamId: string;
  const shot = (p: Page, name: string) => p.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  const signIn = async (email: string): Promise<Page> => {
    const p = await browser.context.newPage();
    await p.goto(control.url);
    await p.evaluate(() => localStorage.clear());
    await p.goto(control.url);
    await p.getByLabel('Email').fill(email);
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Sign in', exact: true }).click();
    await p.getByRole('heading', { name: 'Apps' }).waitFor();
    return p;
  };

  before(async () => {
    await ensureDashboardBuilt();
    control = await startTestControl();
    admin = await registerUser(control.url);
    owner = await registerUser(control.url);
    member = await registerUser(control.url);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await control?.stop();
  });

  it('creates a team, adds a member with a role and changes it', async () => {
    const page = await signIn(owner.email);
    await page.getByRole('link', { name: 'Teams' }).first().click();
    const create = page.getByRole('form', { name: 'Create a team' });
    await create.getByLabel('New team').fill('Design');
    await create.getByRole('button', { name: 'Create team' }).click();
    const panel = page.getByLabel('Team Design');
    await panel.getByRole('heading', { name: 'Design' }).waitFor();
    const add = panel.getByRole('form', { name: 'Add a member' });
    await add.getByLabel('Add member').fill(member.email);
    await add.getByLabel('Role').selectOption('viewer');
    await add.getByRole('button', { name: 'Add' }).click();
    await panel.getByRole('cell', { name: member.email, exact: true }).waitFor();
    await panel.getByLabel(`Role of ${member.email}`).selectOption('developer');
    const teams = (await owner.get('/api/v1/teams')).body as { id: string; name: string }[];
    teamId = teams.find((t) => t.name === 'Design')!.id;
    const deadline = Date.now() + 5000;
    let role = '';
    while (role !== 'developer' && Date.now() < deadline) {
      role =
        ((await owner.get(`/api/v1/teams/${teamId}`)).body.members as { userId: string; role: string }[]).find(
          (m) => m.userId === member.userId,
        )?.role ?? '';
    }
    assert.equal(role, 'developer');
    await shot(page, 'teams-members');
    await page.close();
  });

  it('creates an app straight into the team from the New app dialog', async () => {
    const page = await signIn(member.email);
    await page.getByRole('button', { name: 'New app' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create an app' });
    await dialog.getByLabel('App name').fill('design-api');
    await dialog.getByLabel('Owner').selectOption({ label: 'Team Design' });
    await shot(page, 'apps-create-for-team');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByTestId('app-owner').filter({ hasText: 'the team Design' }).waitFor();
    const app = (await member.get('/api/v1/apps/design-api')).body;
    assert.deepEqual([app.ownerKind, app.ownerId], ['team', teamId]);
    assert.equal((await owner.get('/api/v1/apps/design-api')).status, 200, "the team's admin reaches it too");
    assert.equal((await owner.delete('/api/v1/apps/design-api')).status, 204);
    await page.close();
  });

  it('gives an app to the team from its Settings; the page names the team and a developer member may operate it', async () => {
    assert.equal((await owner.post('/api/v1/apps', { name: 'design-site' })).status, 201);
    const page = await signIn(owner.email);
    await page.goto(`${control.url}/apps/design-site/settings`);
    assert.match((await page.getByTestId('app-owner').textContent())!, /Owned by you/);
    const transfer = page.getByRole('form', { name: 'Transfer the app' });
    await transfer.getByLabel('New owner').selectOption(`team:${teamId}`);
    await transfer.getByRole('button', { name: 'Transfer design-site' }).click();
    await page.getByTestId('app-owner').filter({ hasText: 'the team Design' }).waitFor();
    assert.equal((await owner.get('/api/v1/apps/design-site')).body.ownerKind, 'team');
    await shot(page, 'teams-transferred');
    await page.close();

    const theirs = await signIn(member.email);
    await theirs.getByRole('link', { name: 'design-site' }).first().click();
    await theirs.getByTestId('app-owner').filter({ hasText: 'the team Design' }).waitFor();
    await theirs.goto(`${control.url}/apps/design-site/settings`);
    const save = theirs.getByRole('form', { name: 'Settings' }).getByRole('button', { name: 'Save' });
    await save.waitFor();
    const deadline = Date.now() + 5000;
    while ((await save.isDisabled()) && Date.now() < deadline) await theirs.waitForTimeout(50);
    assert.equal(await save.isDisabled(), false, "a developer member may change the team's app");
    await theirs.close();
  });

  it('lets an admin delete a user, giving their app to the team', async () => {
    const leaver = await registerUser(control.url);
    assert.equal((await leaver.post('/api/v1/apps', { name: 'leaver-site' })).status, 201);
    const page = await signIn(admin.email);
    await page.getByRole('link', { name: 'Users' }).first().click();
    await page.getByRole('row').filter({ hasText: leaver.email }).getByRole('button', { name: 'Delete' }).click();
    const form = page.getByRole('form', { name: `Delete ${leaver.email}` });
    assert.equal((await form.getByTestId('owned-apps').textContent())!.trim(), 'leaver-site');
    assert.equal(await form.getByRole('button', { name: 'Delete account' }).isDisabled(), true, 'nothing happens before a choice');
    await form.getByLabel('Their apps').selectOption(`team:${teamId}`);
    await shot(page, 'users-delete');
    await form.getByRole('button', { name: 'Delete account' }).click();
    await form.waitFor({ state: 'detached' });
    await page.getByRole('row').filter({ hasText: leaver.email }).waitFor({ state: 'detached' });
    const app = (await admin.get('/api/v1/apps/leaver-site')).body;
    assert.deepEqual([app.ownerKind, app.ownerId], ['team', teamId]);
    assert.equal((await leaver.get('/api/v1/auth/me')).status, 401);
    await page.close();
  });
});
