// GitHub and GitLab push webhooks end to end: a real control with Redis and Docker, a repository
// served over loopback smart HTTP by `git http-backend`, signed deliveries that clone, build and
// release, and every refusal (signature, token, no secret, branch, private or odd URLs, strangers).
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import { purgeApp } from '../builder/index.js';
import { readRouteTable } from '../common/routes/index.js';
import type { GitRef } from '../common/names/validate.js';
import { cloneRepository } from '../control/webhooks/clone.js';
import { githubSignature } from '../control/webhooks/signature.js';
import { ensureNodeBaseImage } from './support/base-image.js';
import { addCollaborator, Client, registerUser, startTestControl, type TestControl } from './support/control.js';
import { startRedis, type TestRedis } from './support/redis.js';
import { detectedApp, writeTree } from './builder-fixtures.js';
import { run } from './git-fixtures.js';
import { serveRepos } from './webhooks-fixtures.js';

const APP = 'hooked';

describe('push webhooks', () => {
  const docker = new Docker();
  let redis: TestRedis;
  let probe: Redis;
  let control: TestControl;
  let repos: http.Server;
  let root: string;
  let secret: string;
  let head: string;
  let admin: Awaited<ReturnType<typeof registerUser>>;
  let owner: Awaited<ReturnType<typeof registerUser>>;
  const cloneUrl = (): string => `http://127.0.0.1:${(repos.address() as { port: number }).port}/site.git`;
  const work = (): string => path.join(root, 'work');
  const g = (args: string[]) =>
    run('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.invalid', ...args], {
      cwd: work(),
      env: { PATH: process.env.PATH ?? '', HOME: root, GIT_CONFIG_NOSYSTEM: '1' },
    });

  async function commitAndPush(version: string, branch = 'main'): Promise<string> {
    await writeTree(work(), detectedApp(version));
    await g(['add', '-A']);
    await g(['commit', '-qm', version]);
    assert.equal((await g(['push', '-q', path.join(root, 'site.git'), `HEAD:refs/heads/${branch}`])).code, 0);
    return (await g(['rev-parse', 'HEAD'])).stdout.trim();
  }

  function github(body: object, opts: { app?: string; sign?: string | null; event?: string } = {}) {
    const raw = JSON.stringify(body);
    const sig: Record<string, string> =
      opts.sign === null ? {} : { 'x-hub-signature-256': githubSignature(opts.sign ?? secret, Buffer.from(raw)) };
    return hook().request('POST', `/api/v1/webhooks/github/${opts.app ?? APP}`, raw, { ...sig, 'x-github-event': opts.event ?? 'push' });
  }
  const ghPush = (after: string, url = cloneUrl(), ref = 'refs/heads/main') => ({ ref, after, repository: { clone_url: url } });
  /** Deliveries carry no user token: the signature is their only credential. */
  const hook = (): Client => new Client(control.url);
  const deploymentsCount = async (): Promise<number> => (await owner.get(`/api/v1/apps/${APP}/deployments`)).body.length;

  async function finished(id: string): Promise<{ status: string; commit: string; source: string; error: string | null }> {
    for (let i = 0; i < 600; i++) {
      const d = (await owner.get(`/api/v1/deployments/${id}`)).body;
      if (['running', 'failed'].includes(d.status)) return d;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('deployment did not finish');
  }
  async function served(): Promise<string> {
    const route = (await readRouteTable(probe)).routes[`${APP}.paas.test`];
    assert.ok(route, 'route published');
    return (await (await fetch(`http://127.0.0.1:${route.upstreams[0]!.port}/`)).text()).trim();
  }

  before(async () => {
    const base = await ensureNodeBaseImage(docker);
    redis = await startRedis();
    probe = new Redis(redis.url);
    control = await startTestControl({
      REDIS_URL: redis.url,
      DEPLOYFLOW_IMAGE_NODE: base,
      DEPLOYFLOW_DOMAIN: 'paas.test',
      DEPLOYFLOW_HEALTH_TIMEOUT_SECONDS: '10',
      DEPLOYFLOW_DRAIN_SECONDS: '1',
    });
    admin = await registerUser(control.url);
    owner = await registerUser(control.url);
    assert.equal((await owner.post('/api/v1/apps', { name: APP, port: 8080 })).status, 201);
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'df-hook-repos-'));
    await run('git', ['init', '-q', '--bare', path.join(root, 'site.git')]);
    // Lets a fetch ask for a pushed commit that is no longer the branch tip, as GitHub allows.
    await run('git', ['--git-dir', path.join(root, 'site.git'), 'config', 'uploadpack.allowReachableSHA1InWant', 'true']);
    await fs.mkdir(work());
    await g(['init', '-q', '-b', 'main']);
    head = await commitAndPush('from-webhook');
    repos = await serveRepos(root);
  });
  after(async () => {
    await purgeApp(docker, APP).catch(() => undefined);
    probe.disconnect();
    repos.closeAllConnections();
    await new Promise((r) => repos.close(r));
    await control.stop();
    await redis.stop();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('shows and rotates the secret only for the owner; strangers get 404, collaborators 403', async () => {
    const stranger = await registerUser(control.url);
    const collaborator = await registerUser(control.url);
    await addCollaborator(owner, APP, collaborator);
    assert.equal((await stranger.get(`/api/v1/apps/${APP}/webhook-secret`)).status, 404);
    assert.equal((await stranger.post(`/api/v1/apps/${APP}/webhook-secret`)).body.error.code, 'DF_ERR_APP_NOT_FOUND');
    assert.equal((await collaborator.get(`/api/v1/apps/${APP}/webhook-secret`)).status, 403);
    assert.equal((await collaborator.post(`/api/v1/apps/${APP}/webhook-secret`)).status, 403);
    assert.deepEqual((await owner.get(`/api/v1/apps/${APP}/webhook-secret`)).body.enabled, false);
    const made = await owner.post(`/api/v1/apps/${APP}/webhook-secret`);
    assert.equal(made.status, 200);
    assert.match(made.body.secret, /^[0-9a-f]{64}$/);
    assert.deepEqual(made.body.urls, {
      github: `http://paas.test/api/v1/webhooks/github/${APP}`,
      gitlab: `http://paas.test/api/v1/webhooks/gitlab/${APP}`,
    });
    const rotated = await owner.post(`/api/v1/apps/${APP}/webhook-secret`);
    assert.notEqual(rotated.body.secret, made.body.secret);
    secret = (await owner.get(`/api/v1/apps/${APP}/webhook-secret`)).body.secret;
    assert.equal(secret, rotated.body.secret);
  });

  it('answers one 401 for a bad or missing signature, an unknown app and an app without a secret; deploys nothing', async () => {
    await owner.post('/api/v1/apps', { name: 'no-secret', port: 8080 });
    const answers = [
      await github(ghPush(head), { sign: 'f'.repeat(64) }),
      await github(ghPush(head), { sign: null }),
      await github(ghPush(head), { app: 'no-such-app' }),
      await github(ghPush(head), { app: 'no-secret', sign: 'x'.repeat(64) }),
      await hook().request('POST', `/api/v1/webhooks/gitlab/${APP}`, JSON.stringify({}), {
        'x-gitlab-token': 'wrong',
        'x-gitlab-event': 'Push Hook',
      }),
      await hook().request('POST', `/api/v1/webhooks/gitlab/${APP}`, JSON.stringify({}), { 'x-gitlab-event': 'Push Hook' }),
    ];
    for (const res of answers) assert.deepEqual([res.status, res.body], [401, answers[0]!.body]);
    assert.equal(answers[0]!.body.error.code, 'DF_ERR_WEBHOOK_REJECTED');
    assert.equal(await deploymentsCount(), 0);
    assert.equal((await github({ zen: 'hi' }, { event: 'ping' })).status, 200);
  });

  it('refuses a loopback clone URL while private URLs are not allowed, and odd URLs always', async () => {
    const refused = await github(ghPush(head));
    assert.deepEqual([refused.status, refused.body.error.code], [403, 'DF_ERR_CLONE_URL_PRIVATE']);
    assert.equal((await github(ghPush(head, cloneUrl().replace('127.0.0.1', 'localhost')))).body.error.code, 'DF_ERR_CLONE_URL_PRIVATE');
    assert.equal((await owner.put('/api/v1/settings/webhooks', { allowPrivateUrls: true })).status, 403);
    assert.equal((await admin.put('/api/v1/settings/webhooks', { allowPrivateUrls: true })).status, 200);
    for (const url of [
      '--upload-pack=touch /tmp/df-pwned',
      'file:///etc/passwd',
      `file://${root}/site.git`,
      'ext::sh -c touch% /tmp/df-pwned',
      cloneUrl().replace('http://', 'http://user:pw@'),
    ]) {
      const res = await github(ghPush(head, url));
      assert.deepEqual([res.status, res.body.error?.code], [400, 'DF_ERR_CLONE_URL_INVALID'], url);
    }
    assert.equal(await deploymentsCount(), 0);
  });

  it('clones from the pinned address, not from a second DNS answer', async () => {
    // `df-pinned.invalid` resolves nowhere, so this clone only works if git uses the pin.
    const port = (repos.address() as { port: number }).port;
    const target = {
      url: `http://df-pinned.invalid:${port}/site.git`,
      host: 'df-pinned.invalid',
      port,
      pin: `df-pinned.invalid:${port}:127.0.0.1`,
    };
    const clone = await cloneRepository(target, 'main' as GitRef, null);
    assert.equal(clone.commit, head);
    await clone.remove();
    await assert.rejects(cloneRepository({ ...target, pin: null }, 'main' as GitRef, null), { code: 'DF_ERR_CLONE_FAILED' });
  });

  it('ignores pushes to another branch', async () => {
    const other = await commitAndPush('feature', 'feature');
    const res = await github(ghPush(other, cloneUrl(), 'refs/heads/feature'));
    assert.deepEqual([res.status, res.body], [202, { ignored: 'branch' }]);
    assert.equal(await deploymentsCount(), 0);
  });

  it('deploys a signed GitHub push; the app answers through its published upstream and the clone is removed', async () => {
    const tmpBefore = (await fs.readdir(os.tmpdir())).filter((n) => n.startsWith('df-webhook-'));
    const res = await github(ghPush(head));
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const d = await finished(res.body.deploymentId);
    assert.equal(d.status, 'running', d.error ?? '');
    assert.deepEqual([d.source, d.commit], ['webhook', head]);
    assert.equal(await served(), 'from-webhook');
    // Removed once the deploy settles, which is a moment after its status says running.
    let tmpAfter: string[] = [];
    for (let i = 0; i < 50; i++) {
      tmpAfter = (await fs.readdir(os.tmpdir())).filter((n) => n.startsWith('df-webhook-'));
      if (tmpAfter.length === tmpBefore.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(tmpAfter, tmpBefore);
  });

  it('refuses a captured delivery sent again (same id, or the same body under a fresh id) with 409, deploying nothing', async () => {
    const count = await deploymentsCount();
    const raw = JSON.stringify(ghPush(head));
    const headers = { 'x-hub-signature-256': githubSignature(secret, Buffer.from(raw)), 'x-github-event': 'push' };
    for (const id of ['3f1a2b4c-0000-4000-8000-000000000001', '3f1a2b4c-0000-4000-8000-000000000002']) {
      const replay = await hook().request('POST', `/api/v1/webhooks/github/${APP}`, raw, { ...headers, 'x-github-delivery': id });
      assert.deepEqual([replay.status, replay.body.error?.code], [409, 'DF_ERR_WEBHOOK_REPLAYED'], id);
    }
    const stale = ghPush(head);
    const dated = { ...stale, repository: { ...stale.repository, pushed_at: Math.floor(Date.now() / 1000) - 2 * 24 * 3600 } };
    assert.equal((await github(dated)).body.error?.code, 'DF_ERR_WEBHOOK_REPLAYED', 'a push dated before the window');
    assert.equal(await deploymentsCount(), count);
  });

  it('deploys a GitLab push of the announced commit even after the branch moved on', async () => {
    const announced = await commitAndPush('from-gitlab');
    await commitAndPush('newer-tip');
    const body = { ref: 'refs/heads/main', after: announced, checkout_sha: announced, project: { git_http_url: cloneUrl() } };
    const res = await hook().request('POST', `/api/v1/webhooks/gitlab/${APP}`, JSON.stringify(body), {
      'x-gitlab-token': secret,
      'x-gitlab-event': 'Push Hook',
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const d = await finished(res.body.deploymentId);
    assert.deepEqual([d.status, d.commit], ['running', announced]);
    assert.equal(await served(), 'from-gitlab');
  });

  it('answers at once and records a clone that fails as a failed deployment, the old version serving', async () => {
    const missing = 'f'.repeat(40);
    const res = await github(ghPush(missing));
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const d = await finished(res.body.deploymentId);
    assert.equal(d.status, 'failed');
    assert.match(d.error ?? '', /not found|could not be cloned/);
    const log = (await owner.get(`/api/v1/deployments/${res.body.deploymentId}/logs`)).body as string;
    assert.match(log, /-----> Cloning http:\/\/127\.0\.0\.1:/);
    assert.equal(await served(), 'from-gitlab');
  });

  it('deploys {gitUrl, ref} given to the API with the same clone guards: a branch, then a commit', async () => {
    const deploy = (body: object, who = owner) => who.post(`/api/v1/apps/${APP}/deployments`, body);
    const branch = await deploy({ gitUrl: cloneUrl(), ref: 'refs/heads/feature' });
    assert.equal(branch.status, 202, JSON.stringify(branch.body));
    const d1 = await finished(branch.body.id);
    assert.equal(d1.status, 'running', d1.error ?? '');
    assert.equal(d1.source, 'url');
    assert.equal(await served(), 'feature');
    const log = (await owner.get(`/api/v1/deployments/${branch.body.id}/logs`)).body as string;
    assert.match(log, /-----> Cloning http:\/\/127\.0\.0\.1:\d+\/site\.git \(feature\)/);

    const pinned = await deploy({ gitUrl: cloneUrl(), ref: head });
    const d2 = await finished(pinned.body.id);
    assert.deepEqual([d2.status, d2.commit], ['running', head]);
    assert.equal(await served(), 'from-webhook');

    assert.equal((await deploy({ gitUrl: 'file:///etc/passwd' })).body.error.code, 'DF_ERR_CLONE_URL_INVALID');
    assert.equal((await deploy({ gitUrl: `${cloneUrl()} --upload-pack=x` })).body.error.code, 'DF_ERR_CLONE_URL_INVALID');
    assert.equal((await deploy({ ref: 'main' })).body.error.code, 'DF_ERR_VALIDATION');
    assert.equal((await deploy({ gitUrl: cloneUrl(), image: 'x/y:1' })).body.error.code, 'DF_ERR_VALIDATION');
    assert.equal((await deploy({ gitUrl: cloneUrl(), ref: '-x' })).body.error.code, 'DF_ERR_INVALID_REF');
    const stranger = await registerUser(control.url);
    assert.equal((await deploy({ gitUrl: cloneUrl() }, stranger)).status, 404);
    // Loopback is refused like any private address until an admin allows private URLs.
    assert.equal((await admin.put('/api/v1/settings/webhooks', { allowPrivateUrls: false })).status, 200);
    const refused = await deploy({ gitUrl: cloneUrl() });
    assert.deepEqual([refused.status, refused.body.error.code], [403, 'DF_ERR_CLONE_URL_PRIVATE']);
    assert.equal((await admin.put('/api/v1/settings/webhooks', { allowPrivateUrls: true })).status, 200);
  });

  it('audits every delivery, refuses oversized bodies, and refuses everything once the secret is deleted', async () => {
    const events = (await admin.get(`/api/v1/audit?target=app:${APP}&limit=500`)).body as {
      action: string;
      result: string;
      details: { error?: string };
    }[];
    const fromGithub = events.filter((e) => e.action === 'webhook.github');
    assert.ok(fromGithub.some((e) => e.result === 'ok') && fromGithub.some((e) => e.details.error === 'DF_ERR_WEBHOOK_REJECTED'));
    assert.ok(events.some((e) => e.action === 'webhook.gitlab' && e.result === 'ok'));
    const big = await hook().request('POST', `/api/v1/webhooks/github/${APP}`, 'x'.repeat(6 * 1024 * 1024), { 'x-github-event': 'push' });
    assert.deepEqual([big.status, big.body.error.code], [413, 'DF_ERR_PAYLOAD_TOO_LARGE']);
    assert.equal((await owner.delete(`/api/v1/apps/${APP}/webhook-secret`)).status, 204);
    const count = await deploymentsCount();
    assert.equal((await github(ghPush(head))).status, 401);
    assert.equal(await deploymentsCount(), count);
  });
});
