// A git push of someone who is disabled while it builds is refused when its turn to go live comes,
// with real Docker, Redis, git over smart HTTP and the real push handler: the pusher sees why,
// the deployment is failed, and the app keeps serving the version before it.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../common/log/logger.js';
import { gitAccess } from '../control/git-bridge/access.js';
import { pushHandler } from '../control/git-bridge/push.js';
import { startGitService, type RunningGitService } from '../git/index.js';
import { writeTree } from './builder-fixtures.js';
import { run } from './git-fixtures.js';
import { answer, opsApp, startOpsStack, waitFor, type OpsStack } from './ops-fixtures.js';

const APP = 'leaver-push';

describe('a push of a disabled account', () => {
  let s: OpsStack;
  let git: RunningGitService;
  let work: string;
  const g = (args: string[]) =>
    run('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.invalid', '-c', 'credential.helper=', ...args], {
      cwd: work,
      env: { PATH: process.env.PATH ?? '', HOME: work, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' },
    });

  before(async () => {
    s = await startOpsStack({ GIT_HTTP_PORT: '0', GIT_SSH_PORT: '0' });
    const deps = s.control.service.deps;
    git = await startGitService({
      config: s.control.config,
      log: createLogger('git', 'silent'),
      access: gitAccess(deps),
      onPush: pushHandler(deps),
    });
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'df-offboarding-push-'));
    await g(['init', '-q', '-b', 'main']);
  });
  after(async () => {
    await git?.stop();
    await s?.cleanup([APP]);
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('is refused when its turn comes; the version before keeps serving', async () => {
    const token = (await s.owner.post('/api/v1/tokens', { name: 'push' })).body.token as string;
    assert.equal((await s.owner.post('/api/v1/apps', { name: APP, port: 8080, limits: { memoryMb: 64, cpus: 0.5 } })).status, 201);
    const push = async (version: string) => {
      await writeTree(work, opsApp(s.base, version));
      await g(['add', '-A']);
      await g(['commit', '-qm', version]);
      return g(['push', `http://anyone:${token}@127.0.0.1:${git.httpPort}/${APP}.git`, 'main']);
    };
    const first = await push('v1');
    assert.equal(first.code, 0, first.stderr);
    const serving = async () => {
      const route = await s.route(APP);
      assert.ok(route?.upstreams[0], 'the app is routed');
      return (await answer(route.upstreams[0].port)).split(' ')[0];
    };
    assert.equal(await serving(), 'v1');

    const deps = s.control.service.deps;
    const seen = new Set((await deps.store.deployments.listByApp(APP, 50)).map((d) => d.id));
    const second = push('v2');
    // The push is past its access check once its deployment exists; the account is disabled while it builds.
    const deployment = await waitFor(
      async () => (await deps.store.deployments.listByApp(APP, 50)).find((d) => !seen.has(d.id)),
      'the second deployment',
    );
    assert.equal((await s.admin.post(`/api/v1/users/${s.owner.userId}/disable`)).status, 200);
    const refused = await second;
    assert.notEqual(refused.code, 0, 'the push fails');
    assert.match(refused.stderr, /Not released: the account that started this deploy was disabled/);
    const after = await deps.store.deployments.get(deployment.id);
    assert.equal(after?.status, 'failed');
    assert.match(after?.error ?? '', /was disabled/);
    assert.equal(await serving(), 'v1', 'the version before keeps serving');
  });
});
