// The scale-to-zero tests' apps: a commit of the ops stack's repository deployed through the deploy
// engine, as a push would, and an app with a volume (64 MB, half a CPU, volume `data` at /data,
// writable by the app's user) created by the stack's owner and deployed that way.
import assert from 'node:assert/strict';
import type { Deployment } from '../../control/store/types.js';
import type { FileSpec } from '../builder-fixtures.js';
import type { OpsStack } from '../ops-fixtures.js';

/** Commits `files` to the stack's repository and deploys that commit to `app` (which exists); asserts it runs. */
export async function deployFiles(s: OpsStack, app: string, files: Record<string, FileSpec>): Promise<Deployment> {
  const commit = await s.repo.commit(files);
  const { done } = await s.control.service.deps.deploy!.enqueue({
    app,
    source: { kind: 'build', spec: { kind: 'git', repo: s.repo.bare, commit } },
    origin: 'git',
    commit,
    createdBy: s.owner.userId,
  });
  const deployed = await done;
  assert.equal(deployed.status, 'running', deployed.error ?? '');
  return deployed;
}

/** Creates `app` with a /data volume, builds `serverJs` (listening on PORT 8080) and releases it; asserts it runs. */
export async function deployVolumeApp(s: OpsStack, app: string, serverJs: string): Promise<Deployment> {
  const created = await s.owner.post('/api/v1/apps', {
    name: app,
    port: 8080,
    limits: { memoryMb: 64, cpus: 0.5 },
    volumes: [{ name: 'data', path: '/data' }],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return deployFiles(s, app, {
    Dockerfile: `FROM ${s.base}\nRUN mkdir /data && chown node /data\nWORKDIR /srv\nCOPY server.js .\nENV PORT=8080\nUSER node\nCMD ["node", "server.js"]\n`,
    'server.js': serverJs,
  });
}
