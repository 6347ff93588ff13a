// Shared set-up of the day-two operations tests: a private Redis, a real control on loopback
// with short health/drain timings, the local Node base image, and a tiny app that logs every
// request (stdout, or stderr for /err) so runtime logs have something to show.
import assert from 'node:assert/strict';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import { readRouteTable, type Route } from '../common/routes/index.js';
import { purgeApp } from '../builder/index.js';
import type { Deployment } from '../control/store/types.js';
import { ensureNodeBaseImage } from './support/base-image.js';
import { registerUser, startTestControl, type TestControl } from './support/control.js';
import { startRedis, type TestRedis } from './support/redis.js';
import { makeRepo, type FileSpec, type TestRepo } from './builder-fixtures.js';

export const OPS_SERVER_JS = `
const http = require('node:http');
const os = require('node:os');
http.createServer((req, res) => {
  if (req.url === '/err') console.error('oops ' + req.url); else if (req.url !== '/') console.log('GET ' + req.url);
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end((process.env.APP_VERSION || 'v0') + ' ' + os.hostname() + '\\n');
}).listen(Number(process.env.PORT), () => console.log('listening on ' + process.env.PORT));
process.on('SIGTERM', () => process.exit(0));
`;

export function opsApp(base: string, version: string): Record<string, FileSpec> {
  return {
    Dockerfile: `FROM ${base}\nWORKDIR /srv\nCOPY server.js .\nENV PORT=8080 APP_VERSION=${version}\nUSER node\nEXPOSE 8080\nCMD ["node", "server.js"]\n`,
    'server.js': OPS_SERVER_JS,
  };
}

export type User = Awaited<ReturnType<typeof registerUser>>;

export interface OpsStack {
  docker: Docker;
  redis: TestRedis;
  probe: Redis;
  control: TestControl;
  base: string;
  admin: User;
  owner: User;
  repo: TestRepo;
  env: Record<string, string>;
  /** Creates the app (owned by `owner`) unless it exists, builds `version` and releases it. */
  deploy(app: string, version: string, settings?: Record<string, unknown>): Promise<Deployment>;
  route(app: string): Promise<Route | undefined>;
  cleanup(apps: string[]): Promise<void>;
}

export async function startOpsStack(extraEnv: Record<string, string> = {}): Promise<OpsStack> {
  const docker = new Docker();
  const base = await ensureNodeBaseImage(docker);
  const redis = await startRedis();
  const probe = new Redis(redis.url);
  const env = {
    REDIS_URL: redis.url,
    DEPLOYFLOW_IMAGE_NODE: base,
    DEPLOYFLOW_DOMAIN: 'paas.test',
    DEPLOYFLOW_HEALTH_TIMEOUT_SECONDS: '15',
    DEPLOYFLOW_DRAIN_SECONDS: '1',
    DEPLOYFLOW_METRICS_INTERVAL_SECONDS: '0',
    DEPLOYFLOW_RECONCILE_INTERVAL_SECONDS: '0',
    ...extraEnv,
  };
  const control = await startTestControl(env);
  // The first user becomes admin; the owner is a developer, subject to quotas.
  const admin = await registerUser(control.url);
  const owner = await registerUser(control.url);
  const repo = await makeRepo();
  const stack: OpsStack = {
    docker,
    redis,
    probe,
    control,
    base,
    admin,
    owner,
    repo,
    env,
    async deploy(app, version, settings = {}) {
      if ((await owner.get(`/api/v1/apps/${app}`)).status === 404) {
        const created = await owner.post('/api/v1/apps', { name: app, port: 8080, limits: { memoryMb: 64, cpus: 0.5 }, ...settings });
        assert.equal(created.status, 201, JSON.stringify(created.body));
      }
      const commit = await repo.commit(opsApp(base, version));
      const { done } = await stack.control.service.deps.deploy!.enqueue({
        app,
        source: { kind: 'build', spec: { kind: 'git', repo: repo.bare, commit } },
        origin: 'git',
        commit,
        ref: 'refs/heads/main',
        createdBy: owner.userId,
      });
      const result = await done;
      assert.equal(result.status, 'running', result.error ?? '');
      return result;
    },
    async route(app) {
      return (await readRouteTable(probe)).routes[`${app}.paas.test`];
    },
    async cleanup(apps) {
      for (const app of apps) await purgeApp(docker, app).catch(() => undefined);
      probe.disconnect();
      await stack.control.stop();
      await redis.stop();
      await repo.cleanup();
    },
  };
  return stack;
}

export async function waitFor<T>(check: () => Promise<T | false | null | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => false as const);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function answer(port: number, path = '/'): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3000) });
  if (res.status !== 200) throw new Error(`status ${res.status}`);
  return (await res.text()).trim();
}
