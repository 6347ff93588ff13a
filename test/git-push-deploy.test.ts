// `git push` as a user does it, end to end: the real git client pushes over smart HTTP with an
// API token as password, the build and deploy log comes back as `remote:` lines ending with the
// app's URL, and the app answers on the upstream published to the route table. A push whose
// deploy fails exits non-zero and leaves the old version serving.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import { readRouteTable } from '../common/routes/index.js';
import { listAppContainers, purgeApp } from '../builder/index.js';
import { gitAccess } from '../control/git-bridge/access.js';
import { pushHandler } from '../control/git-bridge/push.js';
import { startGitService, type RunningGitService } from '../git/index.js';
import { createLogger } from '../common/log/logger.js';
import { ensureNodeBaseImage } from './support/base-image.js';
import { registerUser, startTestControl, type TestControl } from './support/control.js';
import { startRedis, type TestRedis } from './support/redis.js';
import { detectedApp, dockerfileApp, writeTree } from './builder-fixtures.js';
import { run } from './git-fixtures.js';

const APP = 'pushed-app';

describe('git push deploys', () => {
  const docker = new Docker();
  let redis: TestRedis;
  let control: TestControl;
  let git: RunningGitService;
  let work: string;
  let token: string;
  let probe: Redis;
  let base: string;
  let owner: Awaited<ReturnType<typeof registerUser>>;

  const g = (args: string[]) =>
    run('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.invalid', '-c', 'credential.helper=', ...args], {
      cwd: work,
      env: { GIT_TERMINAL_PROMPT: '0' },
    });

  before(async () => {
    base = await ensureNodeBaseImage(docker);
    redis = await startRedis();
    probe = new Redis(redis.url);
    control = await startTestControl({
      REDIS_URL: redis.url,
      DEPLOYFLOW_IMAGE_NODE: base,
      DEPLOYFLOW_DOMAIN: 'paas.test',
      GIT_HTTP_PORT: '0',
      GIT_SSH_PORT: '0',
      DEPLOYFLOW_HEALTH_TIMEOUT_SECONDS: '10',
      DEPLOYFLOW_DRAIN_SECONDS: '3',
    });
    const deps = control.service.deps;
    git = await startGitService({
      config: control.config,
      log: createLogger('git', 'silent'),
      access: gitAccess(deps),
      onPush: pushHandler(deps),
    });
    owner = await registerUser(control.url);
    await owner.post('/api/v1/apps', { name: APP, port: 8080 });
    token = (await owner.post('/api/v1/tokens', { name: 'push' })).body.token;
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'df-push-'));
    await g(['init', '-q', '-b', 'main']);
  });
  after(async () => {
    await purgeApp(docker, APP).catch(() => undefined);
    probe.disconnect();
    await git.stop();
    await control.stop();
    await redis.stop();
    await fs.rm(work, { recursive: true, force: true });
  });

  const remote = (password: string): string => `http://anyone:${password}@127.0.0.1:${git.httpPort}/${APP}.git`;

  async function served(): Promise<string> {
    const route = (await readRouteTable(probe)).routes[`${APP}.paas.test`];
    assert.ok(route);
    return (await (await fetch(`http://127.0.0.1:${route.upstreams[0]!.port}/`)).text()).trim();
  }

  it('deploys a pushed Node app and streams the log back', async () => {
    await writeTree(work, detectedApp('from-push'));
    await g(['add', '-A']);
    await g(['commit', '-qm', 'first']);
    const push = await g(['push', remote(token), 'main']);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stderr, /remote: -----> Detected Node\.js app/);
    assert.match(push.stderr, /remote: -----> Building image/);
    assert.match(push.stderr, /remote: .*Deployed to http:\/\/pushed-app\.paas\.test/);
    assert.equal(await served(), 'from-push');
  });

  it('fails the push when the deploy fails, keeping the old version', async () => {
    await fs.writeFile(path.join(work, 'server.js'), 'process.exit(3);\n');
    await g(['commit', '-qam', 'broken']);
    const push = await g(['push', remote(token), 'main']);
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, /Deploy failed/);
    assert.equal(await served(), 'from-push');
  });

  it('accepts a second push while the first builds: both exit 0, deploy in push order, the app ends on the second', async () => {
    const commit = async (name: string): Promise<string> => {
      await writeTree(work, detectedApp(name));
      await g(['add', '-A']);
      await g(['commit', '-qm', name]);
      return (await g(['rev-parse', 'HEAD'])).stdout.trim();
    };
    const deployments = async (): Promise<{ commit: string; status: string }[]> =>
      (await owner.get(`/api/v1/apps/${APP}/deployments`)).body;
    const v2 = await commit('v2');
    const first = g(['push', remote(token), 'main']);
    for (let i = 0; i < 600 && !(await deployments()).some((d) => d.commit === v2 && d.status === 'building'); i++)
      await new Promise((r) => setTimeout(r, 50));
    assert.ok(
      (await deployments()).some((d) => d.commit === v2 && d.status === 'building'),
      'the first push is building',
    );
    // The same clone, one commit further, pushed at once (as after a quick fix).
    const v3 = await commit('v3');
    const second = await g(['push', remote(token), 'main']);
    const firstPush = await first;
    assert.equal(firstPush.code, 0, firstPush.stderr);
    assert.equal(second.code, 0, second.stderr);
    assert.match(firstPush.stderr, /remote: .*Deployed to http:\/\/pushed-app\.paas\.test/);
    assert.match(second.stderr, /remote: -----> Building now; 1 earlier deploy of pushed-app goes live first/);
    assert.match(second.stderr, /remote: -----> Building image/, 'the second pusher sees its own build');
    assert.match(second.stderr, /remote: .*Deployed to http:\/\/pushed-app\.paas\.test/);
    assert.equal(await served(), 'v3');
    const [newest, older] = await deployments();
    assert.deepEqual([newest?.commit, newest?.status, older?.commit, older?.status], [v3, 'running', v2, 'superseded']);
    const branch = await run('git', ['--git-dir', path.join(control.dataDir, 'repos', `${APP}.git`), 'rev-parse', 'refs/heads/main']);
    assert.equal(branch.stdout.trim(), v3, 'the branch points at what serves');
    // The next test counts containers: let the older versions finish draining.
    for (let i = 0; i < 200 && (await listAppContainers(docker, APP)).length > 1; i++) await new Promise((r) => setTimeout(r, 100));
  });

  it('refuses a wrong token', async () => {
    const push = await g(['push', remote('dfp_wrong'), 'main']);
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, /Authentication failed|401/);
  });

  it("deploys over SSH with a key registered through the API; a stranger's key is refused", async () => {
    const keyFile = path.join(work, '..', `${path.basename(work)}-id`);
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'laptop', '-f', keyFile]);
    const publicKey = await fs.readFile(`${keyFile}.pub`, 'utf8');
    const added = await owner.post('/api/v1/keys', { publicKey });
    assert.equal(added.status, 201);
    assert.match(added.body.fingerprint, /^SHA256:/);
    assert.equal((await owner.post('/api/v1/keys', { publicKey })).status, 409);
    assert.equal((await owner.post('/api/v1/keys', { publicKey: 'ssh-ed25519 garbage' })).body.error.code, 'DF_ERR_VALIDATION');
    // Over SSH the repository carries its own Dockerfile (over HTTP it was auto-detected).
    await writeTree(work, dockerfileApp(base, 'over-ssh'));
    await g(['add', '-A']);
    await g(['commit', '-qm', 'ssh']);
    const sshCommand = `ssh -i ${keyFile} -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -p ${git.sshPort}`;
    const before = await listAppContainers(docker, APP);
    assert.equal(before.length, 1);
    const push = await run('git', ['push', `git@127.0.0.1:${APP}.git`, 'main'], { cwd: work, env: { GIT_SSH_COMMAND: sshCommand } });
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stderr, /remote: .*Deployed to/);
    assert.equal(await served(), 'over-ssh');
    // The push ended when the new version served; the old one drains (3 s here) after that, out
    // of the pusher's way, and then goes.
    assert.doesNotMatch(push.stderr, /Stopping/);
    assert.ok(
      (await listAppContainers(docker, APP)).some((c) => c.id === before[0]!.id),
      'the old container is still draining',
    );
    const deadline = Date.now() + 20_000;
    while ((await listAppContainers(docker, APP)).some((c) => c.id === before[0]!.id) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(
      (await listAppContainers(docker, APP)).map((c) => c.id).filter((id) => id === before[0]!.id),
      [],
      'retired after the drain',
    );
    assert.match(push.stderr, /remote: -----> Detected Dockerfile in the repository/);
    // The key removed, the same push is refused.
    assert.equal((await owner.delete(`/api/v1/keys/${added.body.id}`)).status, 204);
    const refused = await run('git', ['push', `git@127.0.0.1:${APP}.git`, 'main'], { cwd: work, env: { GIT_SSH_COMMAND: sshCommand } });
    assert.notEqual(refused.code, 0);
    await fs.rm(keyFile, { force: true });
    await fs.rm(`${keyFile}.pub`, { force: true });
  });

  it("deploys the app's deploy branch once it is changed, and only stores main", async () => {
    assert.equal((await owner.patch(`/api/v1/apps/${APP}`, { deployBranch: 'production' })).status, 200);
    await fs.rm(path.join(work, 'Dockerfile'));
    await fs.writeFile(path.join(work, 'server.js'), detectedApp('from-production')['server.js'] as string);
    await g(['add', '-A']);
    await g(['commit', '-qm', 'production']);
    const before = (await owner.get(`/api/v1/apps/${APP}/deployments`)).body.length;
    const main = await g(['push', remote(token), 'main']);
    assert.equal(main.code, 0, main.stderr);
    assert.match(main.stderr, /remote: refs\/heads\/main stored; only pushes to production deploy\./);
    assert.equal((await owner.get(`/api/v1/apps/${APP}/deployments`)).body.length, before);
    assert.equal(await served(), 'over-ssh');
    const production = await g(['push', remote(token), 'main:production']);
    assert.equal(production.code, 0, production.stderr);
    assert.equal(await served(), 'from-production');
    assert.equal((await owner.get(`/api/v1/apps/${APP}/deployments`)).body[0].ref, 'refs/heads/production');
  });

  it('publishes the apex route to control, and deleting the app removes its repository', async () => {
    const apex = (await readRouteTable(probe)).routes['paas.test'];
    assert.equal(apex?.upstreams[0]?.port, Number(new URL(control.url).port));
    const repo = path.join(control.dataDir, 'repos', `${APP}.git`);
    assert.ok((await fs.stat(repo)).isDirectory());
    assert.equal((await owner.delete(`/api/v1/apps/${APP}`)).status, 204);
    let exists = true;
    for (let i = 0; i < 50 && exists; i++) {
      await new Promise((r) => setTimeout(r, 100));
      exists = await fs.stat(repo).then(
        () => true,
        () => false,
      );
    }
    assert.equal(exists, false);
  });
});
