// Teams on a running platform (real control, Redis, Docker, git over smart HTTP): an app given to a
// team is pushed, scaled and configured by a developer member, looked at but not changed by a
// viewer member, and refused to everyone else over HTTP, Socket.IO and git; apps move between
// users and teams; deleting a user gives their apps away or deletes them; the last admin stays.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { purgeApp } from '../builder/index.js';
import { createLogger } from '../common/log/logger.js';
import { gitAccess } from '../control/git-bridge/access.js';
import { pushHandler } from '../control/git-bridge/push.js';
import { startGitService, type RunningGitService } from '../git/index.js';
import { ensureNodeBaseImage } from './support/base-image.js';
import { Client, registerUser, startTestControl, type TestControl } from './support/control.js';
import { connectSocket, type Collected } from './support/realtime.js';
import { startRedis, type TestRedis } from './support/redis.js';
import { detectedApp, writeTree } from './builder-fixtures.js';
import { run } from './git-fixtures.js';

const APP = 'team-app';
const BIN = path.join(import.meta.dirname, '..', 'bin', 'deployflow');

/** The real `bin/deployflow` with an API token, in a clean environment. */
function cli(url: string, token: string, home: string, args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: home,
      env: { PATH: process.env.PATH, HOME: home, DEPLOYFLOW_URL: url, DEPLOYFLOW_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout }));
  });
}
type User = Awaited<ReturnType<typeof registerUser>>;

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('teams', () => {
  const docker = new Docker();
  let redis: TestRedis;
  let control: TestControl;
  let git: RunningGitService;
  let work: string;
  let admin: User;
  let owner: User;
  let member: User;
  let watcher: User;
  let stranger: User;
  let teamId: string;
  const sockets: Collected[] = [];

  const g = (args: string[]) =>
    run('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.invalid', '-c', 'credential.helper=', ...args], {
      cwd: work,
      env: { GIT_TERMINAL_PROMPT: '0' },
    });
  const push = async (who: User) => {
    const token = (await who.post('/api/v1/tokens', { name: 'push' })).body.token as string;
    return g(['push', `http://anyone:${token}@127.0.0.1:${git.httpPort}/${APP}.git`, 'main']);
  };
  const socketOf = async (who: User) => {
    const s = await connectSocket(control.url, who.token!);
    sockets.push(s);
    return s;
  };

  before(async () => {
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
      DEPLOYFLOW_METRICS_INTERVAL_SECONDS: '0',
    });
    const deps = control.service.deps;
    git = await startGitService({
      config: control.config,
      log: createLogger('git', 'silent'),
      access: gitAccess(deps),
      onPush: pushHandler(deps),
    });
    admin = await registerUser(control.url);
    [owner, member, watcher, stranger] = [
      await registerUser(control.url),
      await registerUser(control.url),
      await registerUser(control.url),
      await registerUser(control.url),
    ];
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'df-teams-'));
    await g(['init', '-q', '-b', 'main']);
    await writeTree(work, detectedApp('team-v1'));
    await g(['add', '-A']);
    await g(['commit', '-qm', 'first']);
  });
  after(async () => {
    for (const s of sockets) s.close();
    await purgeApp(docker, APP).catch(() => undefined);
    await git?.stop();
    await control?.stop();
    await redis?.stop();
    await fs.rm(work, { recursive: true, force: true });
  });

  it('creates a team, adds members by e-mail and id with the same answer for unknown addresses, and gives it an app', async () => {
    const created = await owner.post('/api/v1/teams', { name: 'Platform crew' });
    assert.equal(created.status, 201);
    assert.equal(created.body.role, 'admin');
    teamId = created.body.id;
    const known = await owner.post(`/api/v1/teams/${teamId}/members`, { email: member.email.toUpperCase(), role: 'developer' });
    const unknown = await owner.post(`/api/v1/teams/${teamId}/members`, { email: 'nobody-at-all@example.test', role: 'developer' });
    assert.equal(known.status, 202);
    assert.equal(unknown.status, 202);
    assert.deepEqual(
      Object.keys(known.body).sort(),
      Object.keys(unknown.body).sort(),
      'the same answer whether or not the address has an account',
    );
    assert.equal((await owner.post(`/api/v1/teams/${teamId}/members`, { userId: watcher.userId, role: 'viewer' })).status, 202);
    const team = await member.get(`/api/v1/teams/${teamId}`);
    assert.equal(team.status, 200);
    assert.deepEqual(
      team.body.members.map((m: { email: string; role: string }) => [m.email, m.role]).sort(),
      [
        [owner.email, 'admin'],
        [member.email, 'developer'],
        [watcher.email, 'viewer'],
      ].sort(),
      'nobody was added for the unknown address',
    );
    assert.deepEqual(
      (await member.get('/api/v1/teams')).body.map((t: { id: string; role: string }) => [t.id, t.role]),
      [[teamId, 'developer']],
    );
    assert.equal((await stranger.get(`/api/v1/teams/${teamId}`)).status, 404, 'strangers do not learn the team exists');
    assert.equal((await member.post(`/api/v1/teams/${teamId}/members`, { userId: stranger.userId })).status, 403, 'members do not manage');
    assert.equal((await stranger.post(`/api/v1/teams/${teamId}/members`, { userId: stranger.userId })).status, 404);
    assert.equal((await owner.delete(`/api/v1/teams/${teamId}/members/${owner.userId}`)).status, 409, 'the last team admin stays');
    assert.equal((await member.patch(`/api/v1/teams/${teamId}`, { name: 'mine now' })).status, 403);
    assert.equal((await owner.patch(`/api/v1/teams/${teamId}`, { name: 'Platform team' })).body.name, 'Platform team');

    assert.equal((await owner.post('/api/v1/apps', { name: APP, port: 8080, limits: { memoryMb: 64, cpus: 0.5 } })).status, 201);
    assert.equal((await member.get(`/api/v1/apps/${APP}`)).status, 404, "not yet the team's");
    assert.equal((await member.post(`/api/v1/apps/${APP}/transfer`, { toTeamId: teamId })).status, 404, 'only the owner gives it away');
    assert.equal((await stranger.post('/api/v1/apps', { name: 'stranger-app' })).status, 201);
    assert.equal(
      (await stranger.post('/api/v1/apps/stranger-app/transfer', { toTeamId: teamId })).status,
      404,
      'into a team of yours only',
    );
    const moved = await owner.post(`/api/v1/apps/${APP}/transfer`, { toTeamId: teamId });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(moved.body.ownerKind, 'team');
    assert.equal(moved.body.ownerId, teamId);
    assert.deepEqual((await member.get(`/api/v1/apps/${APP}/owner`)).body, { kind: 'team', id: teamId, name: 'Platform team' });
    assert.ok(
      (await member.get('/api/v1/apps')).body.some((a: { name: string }) => a.name === APP),
      "the app list shows the team's app",
    );
    const audit = await admin.get(`/api/v1/audit?target=app:${APP}&action=app.transfer`);
    assert.deepEqual(audit.body[0]?.details?.to, { kind: 'team', id: teamId });
  });

  it('lets a developer member push, deploy, scale and set env; refuses the viewer member writes and strangers everything', async () => {
    const refusedPush = await push(stranger);
    assert.notEqual(refusedPush.code, 0, 'a stranger cannot push');
    assert.notEqual((await push(watcher)).code, 0, 'a viewer member cannot push');
    const pushed = await push(member);
    assert.equal(pushed.code, 0, pushed.stderr);

    const scaled = await member.post(`/api/v1/apps/${APP}/scale`, { replicas: 2 });
    assert.equal(scaled.status, 200, JSON.stringify(scaled.body));
    assert.equal(scaled.body.replicas.filter((r: { healthy?: boolean }) => r.healthy).length, 2);
    assert.equal((await member.put(`/api/v1/apps/${APP}/env`, { vars: { GREETING: 'hello team' } })).status, 200);
    const redeploy = await member.post(`/api/v1/apps/${APP}/deployments`, {});
    assert.equal(redeploy.status, 202);
    await until(
      async () => (await member.get(`/api/v1/deployments/${redeploy.body.id}`)).body.status === 'running',
      'the redeploy',
      60_000,
    );
    assert.deepEqual((await member.get(`/api/v1/apps/${APP}/env?reveal=true`)).body.vars, { GREETING: 'hello team' });

    assert.equal((await watcher.get(`/api/v1/apps/${APP}`)).status, 200, 'a viewer member looks');
    assert.equal((await watcher.get(`/api/v1/apps/${APP}/env`)).body.masked, true);
    assert.equal((await watcher.get(`/api/v1/apps/${APP}/env?reveal=true`)).status, 403);
    assert.equal((await watcher.post(`/api/v1/apps/${APP}/scale`, { replicas: 1 })).status, 403);
    assert.equal((await watcher.put(`/api/v1/apps/${APP}/env`, { vars: { X: '1' } })).status, 403);
    assert.equal((await watcher.post(`/api/v1/apps/${APP}/deployments`, {})).status, 403);
    assert.equal((await member.delete(`/api/v1/apps/${APP}`)).status, 403, "a developer member does not delete the team's app");

    for (const [method, url, body] of [
      ['GET', `/api/v1/apps/${APP}`],
      ['POST', `/api/v1/apps/${APP}/scale`, { replicas: 1 }],
      ['PUT', `/api/v1/apps/${APP}/env`, { vars: { X: '1' } }],
      ['GET', `/api/v1/apps/${APP}/env`],
      ['POST', `/api/v1/apps/${APP}/deployments`, {}],
      ['GET', `/api/v1/deployments/${redeploy.body.id}`],
      ['POST', `/api/v1/apps/${APP}/transfer`, { toUserId: stranger.userId }],
    ] as const) {
      const res = await stranger.request(method, url, body);
      assert.equal(res.status, 404, `${method} ${url}`);
    }
    assert.ok(!(await stranger.get('/api/v1/apps')).body.some((a: { name: string }) => a.name === APP));
    const memberToken = (await member.post('/api/v1/tokens', { name: 'cli' })).body.token as string;
    const strangerToken = (await stranger.post('/api/v1/tokens', { name: 'cli' })).body.token as string;
    const listed = await cli(control.url, memberToken, work, ['apps', '--json']);
    assert.ok(
      (JSON.parse(listed.stdout) as { name: string }[]).some((a) => a.name === APP),
      "the CLI lists the team's app for a member",
    );
    const hidden = await cli(control.url, strangerToken, work, ['apps', '--json']);
    assert.ok(!(JSON.parse(hidden.stdout) as { name: string }[]).some((a) => a.name === APP), 'and not for a stranger');
    const owners = await cli(control.url, memberToken, work, ['collaborators', '-a', APP]);
    assert.equal(owners.code, 0);
    assert.match(owners.stdout, /owner \(team\)\s+\S+\s+Platform team/);
    assert.equal((await stranger.get(`/api/v1/apps/${APP}`)).status, 404);

    const theirs = await socketOf(stranger);
    assert.equal((await theirs.request('subscribe', { app: APP, stream: 'logs' })).error.code, 'DF_ERR_APP_NOT_FOUND');
    assert.equal((await theirs.request('subscribe', { deploymentId: redeploy.body.id })).error.code, 'DF_ERR_NOT_FOUND');
    const mine = await socketOf(member);
    assert.deepEqual(await mine.request('subscribe', { app: APP, stream: 'status' }), { ok: true });
    assert.deepEqual(await (await socketOf(watcher)).request('subscribe', { app: APP, stream: 'status' }), { ok: true });
  });

  it('drops a removed member at once: rooms, API and git', async () => {
    const extra = await registerUser(control.url);
    assert.equal((await owner.post(`/api/v1/teams/${teamId}/members`, { userId: extra.userId, role: 'developer' })).status, 202);
    const s = await socketOf(extra);
    const ended: { code: string }[] = [];
    s.socket.on('subscription:end', (e: { code: string }) => ended.push(e));
    assert.deepEqual(await s.request('subscribe', { app: APP, stream: 'status' }), { ok: true });
    assert.equal((await extra.get(`/api/v1/apps/${APP}`)).status, 200);
    assert.equal((await owner.delete(`/api/v1/teams/${teamId}/members/${extra.userId}`)).status, 204);
    await until(() => ended.length > 0, 'the subscription:end notice');
    assert.equal(ended[0]!.code, 'DF_ERR_APP_NOT_FOUND');
    assert.equal((await extra.get(`/api/v1/apps/${APP}`)).status, 404);
    assert.equal(await gitAccess(control.service.deps).mayAccess(extra.userId, APP, 'write'), false);
    assert.equal(await gitAccess(control.service.deps).mayAccess(member.userId, APP, 'write'), true);
  });

  it('keeps a team that owns apps, and moves the app back to a user', async () => {
    const refused = await owner.delete(`/api/v1/teams/${teamId}`);
    assert.equal(refused.status, 409);
    assert.deepEqual(refused.body.error.details.apps, [APP]);
    const back = await owner.post(`/api/v1/apps/${APP}/transfer`, { toUserId: member.userId });
    assert.equal(back.status, 200);
    assert.deepEqual([back.body.ownerKind, back.body.ownerId], ['user', member.userId]);
    assert.equal((await watcher.get(`/api/v1/apps/${APP}`)).status, 404, "the team's viewer no longer sees it");
    assert.equal((await owner.get(`/api/v1/apps/${APP}`)).status, 404, 'nor does the previous owner');
    assert.equal((await member.get(`/api/v1/apps/${APP}/env?reveal=true`)).status, 200, 'the new owner has every right');
  });

  it('deletes a user: 409 listing their apps without a choice; with transfer the apps move and every credential of theirs ends', async () => {
    assert.equal((await member.delete(`/api/v1/users/${watcher.userId}`)).status, 403, 'admins only');
    const token = (await member.post('/api/v1/tokens', { name: 'ci' })).body.token as string;
    const s = await socketOf(member);
    const sessionEnd = new Promise<{ code: string }>((resolve) => s.socket.once('session:end', resolve));
    const unsaid = await admin.delete(`/api/v1/users/${member.userId}`);
    assert.equal(unsaid.status, 409);
    assert.deepEqual(unsaid.body.error.details.apps, [APP]);
    assert.equal((await member.get('/api/v1/auth/me')).status, 200, 'nothing changed');

    const deleted = await admin.request('DELETE', `/api/v1/users/${member.userId}`, { apps: 'transfer', toTeamId: teamId });
    assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
    assert.equal((await sessionEnd).code, 'DF_ERR_INVALID_TOKEN', 'the open socket ends');
    assert.equal((await member.get('/api/v1/auth/me')).status, 401);
    assert.equal((await new Client(control.url, token).get('/api/v1/auth/me')).status, 401, 'API token');
    assert.equal((await new Client(control.url).post('/api/v1/auth/refresh', { refreshToken: member.refreshToken })).status, 401);
    assert.equal(
      (await new Client(control.url).post('/api/v1/auth/login', { email: member.email, password: 'correct horse battery' })).status,
      401,
    );
    const app = await owner.get(`/api/v1/apps/${APP}`);
    assert.deepEqual([app.body.ownerKind, app.body.ownerId], ['team', teamId], "the app is the team's now");
    assert.ok(!(await owner.get(`/api/v1/teams/${teamId}`)).body.members.some((m: { userId: string }) => m.userId === member.userId));
    assert.ok(!(await admin.get('/api/v1/users')).body.some((u: { id: string }) => u.id === member.userId));
    const history = await admin.get(`/api/v1/audit?actor=${member.userId}`);
    assert.ok(
      history.body.length > 0 && history.body.every((e: { actorEmail: string }) => e.actorEmail === member.email),
      'their history stays',
    );
    const entry = (await admin.get(`/api/v1/audit?target=user:${member.userId}&action=user.delete`)).body[0];
    assert.equal(entry.details.email, member.email);
  });

  it('deletes a user with their apps when asked to', async () => {
    const leaver = await registerUser(control.url);
    assert.equal((await leaver.post('/api/v1/apps', { name: 'leaver-app' })).status, 201);
    assert.equal((await leaver.post('/api/v1/apps', { name: 'leaver-two' })).status, 201);
    const deleted = await admin.request('DELETE', `/api/v1/users/${leaver.userId}`, { apps: 'delete' });
    assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
    assert.equal((await admin.get('/api/v1/apps/leaver-app')).status, 404);
    assert.equal((await admin.get('/api/v1/apps/leaver-two')).status, 404);
    // The names are free for anyone again.
    assert.equal((await owner.post('/api/v1/apps', { name: 'leaver-app' })).status, 201);
  });

  it('keeps the last admin: not deleted, not disabled', async () => {
    const self = await admin.request('DELETE', `/api/v1/users/${admin.userId}`, { apps: 'delete' });
    assert.equal(self.status, 409);
    assert.equal(self.body.error.code, 'DF_ERR_OWN_ACCOUNT');
    const disable = await admin.post(`/api/v1/users/${admin.userId}/disable`);
    assert.equal(disable.status, 409);
    assert.equal(disable.body.error.code, 'DF_ERR_OWN_ACCOUNT');
    assert.equal((await admin.get('/api/v1/auth/me')).status, 200);
  });
});
