// Teams from the API and from the real `bin/deployflow` client, spawned as a user runs it, against a
// real control: an app created straight into a team (POST /apps {team}, `apps:create --team`) is the
// team's from the start and counts against the team's quota, not its creator's; only a team admin
// or developer may do it (a team viewer 403, a stranger 404, every refusal audited); `teams`,
// `teams:create`, `teams:info`, `teams:members:add/remove`, `apps:transfer` and `teams:destroy` do
// what they say. A personal app's collaborator is removed with `collaborators:remove` by e-mail.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addCollaborator, registerUser, startTestControl, type TestControl } from './support/control.js';

const BIN = path.join(import.meta.dirname, '..', 'bin', 'deployflow');
type User = Awaited<ReturnType<typeof registerUser>>;
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('teams from the API and the deployflow CLI', () => {
  let control: TestControl;
  let home: string;
  let admin: User;
  let lead: User;
  let dev: User;
  let watcher: User;
  let stranger: User;
  const tokens = new Map<User, string>();

  /** The real client as `who`, with an API token of theirs, in a clean environment. */
  async function cli(who: User, args: string[]): Promise<Run> {
    if (!tokens.has(who)) tokens.set(who, (await who.post('/api/v1/tokens', { name: 'cli' })).body.token as string);
    return new Promise((resolve, reject) => {
      const env = { PATH: process.env.PATH, HOME: home, DEPLOYFLOW_URL: control.url, DEPLOYFLOW_TOKEN: tokens.get(who) };
      const child = spawn(process.execPath, [BIN, ...args], { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  }
  const teamOf = async (name: string): Promise<{ id: string; members: { email: string; role: string }[]; apps: string[] }> => {
    const id = ((await admin.get('/api/v1/teams?all=true')).body as { id: string; name: string }[]).find((t) => t.name === name)?.id;
    assert.ok(id, `the team ${name} exists`);
    return (await admin.get(`/api/v1/teams/${id}`)).body;
  };

  before(async () => {
    // Two apps per owner: enough to show the team's apps do not count against its members.
    control = await startTestControl({ DEPLOYFLOW_APP_QUOTA: '2' });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'df-cli-teams-'));
    admin = await registerUser(control.url);
    [lead, dev, watcher, stranger] = [
      await registerUser(control.url),
      await registerUser(control.url),
      await registerUser(control.url),
      await registerUser(control.url),
    ];
  });
  after(async () => {
    await control?.stop();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('teams:create and teams:members:add build a team; teams and teams:info show it', async () => {
    const created = await cli(lead, ['teams:create', 'Web crew']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /Web crew \(you are its admin\)/);
    const add = await cli(lead, ['teams:members:add', 'Web crew', dev.email]);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, new RegExp(`If ${dev.email.replace(/[.+]/g, '\\$&')} has an account, it is now a developer of Web crew`));
    const unknown = await cli(lead, ['teams:members:add', 'Web crew', 'nobody-here@example.test']);
    assert.equal(unknown.code, 0, 'the same answer for an address without an account');
    assert.equal(unknown.stdout.replace('nobody-here@example.test', '<email>'), add.stdout.replace(dev.email, '<email>'));
    assert.equal((await cli(lead, ['teams:members:add', 'Web crew', watcher.userId, '--role', 'viewer'])).code, 0);
    const badRole = await cli(lead, ['teams:members:add', 'Web crew', watcher.userId, '--role', 'owner']);
    assert.equal(badRole.code, 2);
    assert.match(badRole.stderr, /--role is one of admin, developer, viewer/);
    const team = await teamOf('Web crew');
    assert.deepEqual(
      team.members.map((m) => [m.email, m.role]).sort(),
      [
        [lead.email, 'admin'],
        [dev.email, 'developer'],
        [watcher.email, 'viewer'],
      ].sort(),
      'nobody added for the unknown address',
    );

    const listed = await cli(dev, ['teams']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /Web crew\s+developer/);
    const info = await cli(watcher, ['teams:info', 'Web crew']);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, new RegExp(`${watcher.email.replace(/[.+]/g, '\\$&')}\\s+\\S+\\s+viewer`));
    const hidden = await cli(stranger, ['teams:info', 'Web crew']);
    assert.equal(hidden.code, 4, 'a stranger does not learn the team exists');
    assert.match(hidden.stderr, /DF_ERR_NOT_FOUND/);
    assert.equal(
      (await cli(dev, ['teams:members:add', 'Web crew', stranger.email])).code,
      1,
      'a developer member does not manage the team',
    );
  });

  it('creates an app straight into a team over the API: the team owns it, members operate it, it counts against the team', async () => {
    const { id } = await teamOf('Web crew');
    const made = await dev.post('/api/v1/apps', { name: 'crew-api', team: id });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.deepEqual([made.body.ownerKind, made.body.ownerId], ['team', id]);
    assert.deepEqual((await watcher.get('/api/v1/apps/crew-api/owner')).body, { kind: 'team', id, name: 'Web crew' });
    assert.equal((await lead.patch('/api/v1/apps/crew-api', { replicas: 1 })).status, 200, 'the team admin operates it');
    assert.equal((await watcher.get('/api/v1/apps/crew-api')).status, 200, 'a viewer member sees it');
    assert.equal((await stranger.get('/api/v1/apps/crew-api')).status, 404);

    const auditCount = async () => ((await admin.get('/api/v1/audit?action=app.create&limit=500')).body as unknown[]).length;
    const before = await auditCount();
    const asViewer = await watcher.post('/api/v1/apps', { name: 'viewer-try', team: id });
    assert.equal(asViewer.status, 403, 'a team viewer may not give the team an app');
    const asStranger = await stranger.post('/api/v1/apps', { name: 'stranger-try', team: id });
    assert.equal(asStranger.status, 404, 'a stranger learns nothing about the team');
    assert.equal(asStranger.body.error.code, 'DF_ERR_NOT_FOUND');
    assert.equal((await dev.post('/api/v1/apps', { name: 'nowhere-try', team: 'no-such-team' })).status, 404);
    for (const name of ['viewer-try', 'stranger-try', 'nowhere-try'])
      assert.equal((await admin.get(`/api/v1/apps/${name}`)).status, 404, `${name} was not made`);
    const events = (await admin.get('/api/v1/audit?action=app.create&limit=500')).body as {
      target: string;
      result: string;
      details: { team?: string };
    }[];
    assert.equal(events.length, before + 3, 'every refused attempt is in the audit log');
    assert.ok(events.slice(0, 3).every((e) => e.result === 'error' && e.details.team !== undefined));

    // The quota is two apps per owner: the team's second app fits, a third does not; the developer's own two still fit.
    assert.equal((await dev.post('/api/v1/apps', { name: 'crew-two', team: id })).status, 201);
    const third = await dev.post('/api/v1/apps', { name: 'crew-three', team: id });
    assert.equal(third.status, 403, JSON.stringify(third.body));
    assert.equal(third.body.error.code, 'DF_ERR_QUOTA_EXCEEDED');
    assert.equal((await dev.post('/api/v1/apps', { name: 'dev-one' })).status, 201);
    assert.equal((await dev.post('/api/v1/apps', { name: 'dev-two' })).status, 201);
    assert.deepEqual((await teamOf('Web crew')).apps.sort(), ['crew-api', 'crew-two']);
  });

  it('apps:create --team, apps:transfer and teams:members:remove from the CLI', async () => {
    const made = await cli(lead, ['apps:create', 'crew-cli', '--team', 'Web crew', '--json']);
    assert.equal(made.code, 1, 'the team is full (two apps)');
    assert.match(made.stderr, /DF_ERR_QUOTA_EXCEEDED/);
    assert.equal((await lead.delete('/api/v1/apps/crew-two')).status, 204);
    const again = await cli(lead, ['apps:create', 'crew-cli', '--team', 'Web crew', '--json']);
    assert.equal(again.code, 0, again.stderr);
    const { id } = await teamOf('Web crew');
    assert.deepEqual([JSON.parse(again.stdout).ownerKind, JSON.parse(again.stdout).ownerId], ['team', id]);
    const viewerTry = await cli(watcher, ['apps:create', 'viewer-cli', '--team', id]);
    assert.equal(viewerTry.code, 1);
    assert.match(viewerTry.stderr, /DF_ERR_FORBIDDEN/);
    const strangerTry = await cli(stranger, ['apps:create', 'stranger-cli', '--team', 'Web crew']);
    assert.equal(strangerTry.code, 4, "not found among the stranger's teams");
    assert.equal((await admin.get('/api/v1/apps/stranger-cli')).status, 404);

    // The team is full again (crew-api, crew-cli): dev-one fits only once crew-cli has gone to the lead.
    const full = await cli(dev, ['apps:transfer', '-a', 'dev-one', '--team', 'Web crew']);
    assert.equal(full.code, 1);
    assert.match(full.stderr, /DF_ERR_QUOTA_EXCEEDED/);
    const toLead = await cli(lead, ['apps:transfer', '-a', 'crew-cli', '--user', lead.userId]);
    assert.equal(toLead.code, 0, toLead.stderr);
    assert.match(toLead.stdout, new RegExp(`crew-cli is now owned by the user ${lead.userId}`));
    const toTeam = await cli(dev, ['apps:transfer', '-a', 'dev-one', '--team', 'Web crew']);
    assert.equal(toTeam.code, 0, toTeam.stderr);
    assert.match(toTeam.stdout, /dev-one is now owned by the team Web crew/);
    assert.equal((await admin.get('/api/v1/apps/dev-one')).body.ownerKind, 'team');
    assert.equal((await cli(dev, ['apps:transfer', '-a', 'dev-two'])).code, 2, 'a new owner is required');

    const removed = await cli(lead, ['teams:members:remove', 'Web crew', dev.email]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal((await dev.get('/api/v1/apps/dev-one')).status, 404, "the removed member no longer reaches the team's app");
    assert.equal((await cli(lead, ['teams:members:remove', 'Web crew', dev.email])).code, 4);
    const left = await cli(watcher, ['teams:members:remove', 'Web crew', watcher.email]);
    assert.equal(left.code, 0, `a member leaves by themselves: ${left.stderr}`);
    assert.deepEqual(
      (await teamOf('Web crew')).members.map((m) => m.email),
      [lead.email],
    );
  });

  it('teams:destroy needs the name again and a team without apps', async () => {
    const unconfirmed = await cli(lead, ['teams:destroy', 'Web crew']);
    assert.equal(unconfirmed.code, 2);
    assert.match(unconfirmed.stderr, /--confirm 'Web crew'/);
    const owning = await cli(lead, ['teams:destroy', 'Web crew', '--confirm', 'Web crew']);
    assert.equal(owning.code, 1);
    assert.match(owning.stderr, /DF_ERR_CONFLICT: The team still owns apps/);
    for (const app of (await teamOf('Web crew')).apps) assert.equal((await lead.delete(`/api/v1/apps/${app}`)).status, 204);
    const destroyed = await cli(lead, ['teams:destroy', 'Web crew', '--confirm', 'Web crew']);
    assert.equal(destroyed.code, 0, destroyed.stderr);
    assert.deepEqual((await admin.get('/api/v1/teams?all=true')).body, []);
    const adminList = await cli(admin, ['teams', '--all']);
    assert.match(adminList.stdout, /No teams yet/);
  });

  it('collaborators:remove takes a collaborator away by e-mail; an unknown one exits 4', async () => {
    assert.equal((await stranger.post('/api/v1/apps', { name: 'notes' })).status, 201);
    const helper = await registerUser(control.url);
    await addCollaborator(stranger, 'notes', helper);
    assert.equal((await helper.get('/api/v1/apps/notes')).status, 200);
    const removed = await cli(stranger, ['collaborators:remove', helper.email.toUpperCase(), '-a', 'notes', '--json']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(JSON.parse(removed.stdout), { app: 'notes', userId: helper.userId, removed: true });
    assert.equal((await helper.get('/api/v1/apps/notes')).status, 404, 'the former collaborator no longer sees the app');
    const again = await cli(stranger, ['collaborators:remove', helper.email, '-a', 'notes']);
    assert.equal(again.code, 4);
    assert.match(again.stderr, /DF_ERR_NOT_FOUND: .* is not a collaborator of notes/);
  });
});
