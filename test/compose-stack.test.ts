// The compose stack as an operator runs it: every platform image built from this checkout
// (deploy/docker/Dockerfile), the repository's docker-compose.yml brought up with docker-compose,
// an app pushed over git HTTP and reached through the gateway container, then the stack taken
// down and up again with the app, its env and its deployments intact. MongoDB is left out (no
// image of it can be made here): the stack runs on the embedded store in its data volume.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { purgeApp } from '../builder/index.js';
import { detectedApp, writeTree } from './builder-fixtures.js';
import { run } from './git-fixtures.js';
import { ensureNodeBaseImage, ensureNodeToolsImage } from './support/base-image.js';
import { compose, COMPOSE_FILE, embeddedStoreStack } from './support/compose.js';
import { Client, registerUser } from './support/control.js';
import { buildPlatformImage, ensureDepsImage, PLATFORM_TARGETS } from './support/platform-images.js';
import { freePort } from './support/ports.js';

// Unique per run: apps are the engine's, and another checkout may run this test at the same time.
const RUN_ID = randomBytes(4).toString('hex');
const APP = `composed-${RUN_ID}`;
const DOMAIN = 'paas.test';
const IMAGE_REPO = 'deployflow-test-compose';
// One tag per checkout: two checkouts testing at once on one engine never run each other's images.
const IMAGE_TAG = createHash('sha256')
  .update(path.resolve(import.meta.dirname, '..'))
  .digest('hex')
  .slice(0, 12);

/** GET through the gateway with the app's Host header (fetch may not set Host). */
function viaGateway(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
    });
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', reject);
  });
}

/** A port below 1024 that nothing on the host's loopback listens on. */
async function freePrivilegedPort(): Promise<number> {
  for (let port = 1023; port > 900; port -= 1) {
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer().once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port between 901 and 1023');
}

async function eventually<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

describe('the compose stack', () => {
  const docker = new Docker();
  const project = `dfcompose${RUN_ID}`;
  const network = `df-compose-${RUN_ID}`;
  let dir: string;
  let file: string;
  let env: Record<string, string>;
  let ports: { control: number; gateway: number; gitHttp: number; dns: number };
  let work: string;
  let stackUp = false;

  /** `up -d` waits for the health conditions of dependencies only; a user waits for every service. */
  async function up(): Promise<void> {
    const started = await compose(['up', '-d', '--no-build'], { file, project, env: {} });
    assert.equal(started.code, 0, `${started.stderr}\n${await logs()}`);
    const services = ['redis', 'control', 'git', 'gateway', 'dns'];
    await eventually(
      'every service healthy',
      async () => {
        const list = await docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`] } });
        const healthy = list.filter((c) => c.Status.includes('(healthy)')).map((c) => c.Labels['com.docker.compose.service']);
        return services.every((s) => healthy.includes(s)) ? true : undefined;
      },
      60_000,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await logs()}`);
    });
  }
  const logs = async () => (await compose(['logs', '--no-color', '--tail', '40'], { file, project, env: {} })).stdout;
  const g = (args: string[]) =>
    run('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.invalid', '-c', 'credential.helper=', ...args], {
      cwd: work,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } as Record<string, string>,
    });

  before(async () => {
    const base = await ensureNodeBaseImage(docker);
    const tools = await ensureNodeToolsImage(docker);
    const depsImage = await ensureDepsImage(docker, tools);
    for (const target of PLATFORM_TARGETS) {
      await buildPlatformImage(docker, target, `${IMAGE_REPO}/${target}:${IMAGE_TAG}`, { baseImage: tools, depsImage });
    }
    await docker.createNetwork({ Name: network, Driver: 'bridge', Labels: { 'deployflow.test': 'compose' } });

    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-compose-'));
    file = path.join(dir, 'docker-compose.yml');
    fs.writeFileSync(file, embeddedStoreStack());
    work = path.join(dir, 'work');
    fs.mkdirSync(work);
    ports = { control: await freePort(), gateway: await freePort(), gitHttp: await freePort(), dns: await freePort() };
    env = {
      DEPLOYFLOW_JWT_SECRET: randomBytes(32).toString('hex'),
      DEPLOYFLOW_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      REDIS_PASSWORD: randomBytes(16).toString('hex'),
      DOCKER_GID: String(fs.statSync('/var/run/docker.sock').gid),
      DEPLOYFLOW_IMAGE_REPO: IMAGE_REPO,
      DEPLOYFLOW_VERSION: IMAGE_TAG,
      REDIS_IMAGE: tools,
      DEPLOYFLOW_IMAGE_NODE: base,
      // The containers cannot write the host's build cgroup (docs/build-isolation.md): builds run unconfined here.
      DEPLOYFLOW_BUILD_ISOLATION: 'off',
      DEPLOYFLOW_NETWORK: network,
      DEPLOYFLOW_DOMAIN: DOMAIN,
      HEALTHCHECK_INTERVAL: '1s',
      CONTROL_PORT: String(ports.control),
      GATEWAY_HTTP_PORT: String(ports.gateway),
      GATEWAY_HTTPS_PORT: String(await freePort()),
      GIT_HTTP_PORT: String(ports.gitHttp),
      GIT_SSH_PORT: String(await freePort()),
      REDIS_PORT: String(await freePort()),
      DNS_BIND: '127.0.0.1',
      DNS_PORT: String(ports.dns),
      DEPLOYFLOW_HEALTH_TIMEOUT_SECONDS: '20',
      DEPLOYFLOW_DRAIN_SECONDS: '1',
    };
    // As an operator does it: the settings in .env beside the compose file, which docker-compose reads.
    fs.writeFileSync(
      path.join(dir, '.env'),
      Object.entries(env)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
      { mode: 0o600 },
    );
  });

  after(async () => {
    if (file) {
      const down = await compose(['down', '-v', '--remove-orphans', '--timeout', '5'], { file, project, env: {} });
      if (down.code !== 0) console.error(down.stderr);
    }
    await purgeApp(docker, APP, { removeVolumes: true }).catch(() => undefined);
    await docker
      .getNetwork(network)
      .remove()
      .catch(() => undefined);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('builds images that run as a non-root user with a health check', async () => {
    for (const target of PLATFORM_TARGETS) {
      type WithHealthcheck = Docker.ImageInspectInfo['Config'] & { Healthcheck?: { Test?: string[] } };
      const config = (await docker.getImage(`${IMAGE_REPO}/${target}:${IMAGE_TAG}`).inspect()).Config as WithHealthcheck;
      assert.equal(config.User, 'node', target);
      assert.deepEqual(config.Healthcheck?.Test, ['CMD', 'node', 'deploy/docker/healthcheck.js', target]);
      assert.deepEqual(config.Cmd, [target]);
    }
    // On the host's network the gateway binds 80/443 itself: its node carries cap_net_bind_service.
    const port = await freePrivilegedPort();
    const probe = await run('docker', [
      'run',
      '--rm',
      '--network',
      'host',
      '--entrypoint',
      'node',
      `${IMAGE_REPO}/gateway:${IMAGE_TAG}`,
      '-e',
      `require('net').createServer().listen(${port}, '127.0.0.1', function () { console.log(process.getuid()); this.close(); })`,
    ]);
    assert.equal(probe.code, 0, probe.stderr);
    assert.equal(probe.stdout.trim(), '1000');
  });

  it('stops the start with one line naming a missing secret', async () => {
    // The file as shipped, every secret but one given.
    const given = { ...env, MONGO_PASSWORD: 'x' } as Record<string, string>;
    delete given.REDIS_PASSWORD;
    const result = await compose(['config', '-q'], { file: COMPOSE_FILE, project, env: { ...given, REDIS_PASSWORD: '' } });
    assert.notEqual(result.code, 0);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /set REDIS_PASSWORD in \.env/);
  });

  it('stops the start when a secret is malformed, the service log naming it', async () => {
    const bad = { file, project: `${project}bad`, env: { ...env, DEPLOYFLOW_ENCRYPTION_KEY: 'not-hex' } };
    try {
      // control exits at once; docker-compose then refuses to start git, which waits for its health.
      const started = await compose(['up', '-d', '--no-build'], bad);
      assert.notEqual(started.code, 0);
      assert.match(started.stderr, /ERROR: for git +Container "[0-9a-f]+" is unhealthy/);
      const log = await compose(['logs', '--no-color', 'control'], bad);
      assert.match(log.stdout, /control_1 +\| deployflow: DF_ERR_CONFIG: DEPLOYFLOW_ENCRYPTION_KEY must be 64 hex characters/);
    } finally {
      await compose(['down', '-v', '--timeout', '2'], bad);
    }
  });

  it('comes up healthy, deploys a pushed app and routes it through the gateway', async () => {
    await up();
    stackUp = true;
    const control = `http://127.0.0.1:${ports.control}`;
    const health = (await (await fetch(`${control}/health`)).json()) as { status: string; redis: string; docker: string };
    assert.equal(health.status, 'ok', JSON.stringify(health));
    assert.equal(health.redis, 'ok');
    assert.equal(health.docker, 'ok', 'control reaches the Docker Engine through the mounted socket');

    const dashboard = await eventually('the dashboard through the gateway', async () => {
      const res = await viaGateway(ports.gateway, DOMAIN);
      return res.status === 200 ? res.body : undefined;
    });
    assert.match(dashboard, /<div id="root"/, 'the gateway routes the apex to control, which serves the dashboard it was built with');

    const owner = await registerUser(control);
    assert.equal((await owner.post('/api/v1/apps', { name: APP, port: 8080 })).status, 201);
    assert.equal((await owner.put(`/api/v1/apps/${APP}/env`, { vars: { GREETING: 'from-compose' } })).status, 200);
    const token = (await owner.post('/api/v1/tokens', { name: 'push' })).body.token as string;
    fs.writeFileSync(path.join(dir, 'token'), token);

    await writeTree(work, detectedApp('v1'));
    await g(['init', '-q', '-b', 'main']);
    await g(['add', '.']);
    await g(['commit', '-q', '-m', 'first']);
    const push = await g(['push', `http://anyone:${token}@127.0.0.1:${ports.gitHttp}/${APP}.git`, 'main']);
    assert.equal(push.code, 0, `${push.stderr}\n${await logs()}`);
    assert.match(push.stderr, new RegExp(`remote: .*Deployed to http://${APP}\\.paas\\.test`));

    const served = await eventually('the app through the gateway', async () => {
      const res = await viaGateway(ports.gateway, `${APP}.${DOMAIN}`);
      return res.status === 200 ? res.body : undefined;
    });
    assert.equal(served, 'v1 from-compose');
    const dig = await run('dig', ['+short', '-p', String(ports.dns), '@127.0.0.1', `${APP}.${DOMAIN}`, 'A']);
    assert.equal(dig.stdout.trim(), '127.0.0.1', 'the DNS container answers from the route table');
  });

  it('serves the app while control is killed, and Docker brings control back', async () => {
    assert.ok(stackUp, 'the stack came up');
    const labels = [`com.docker.compose.project=${project}`, 'com.docker.compose.service=control'];
    const [listed] = await docker.listContainers({ filters: { label: labels } });
    assert.ok(listed);
    const container = docker.getContainer(listed.Id);
    const before = await container.inspect();
    process.kill(before.State.Pid, 'SIGKILL'); // a crash, as Docker sees it (docker kill would count as a stop)
    await eventually('control to be gone', async () => ((await container.inspect()).State.Pid !== before.State.Pid ? true : undefined));
    const served = await viaGateway(ports.gateway, `${APP}.${DOMAIN}`);
    assert.deepEqual(served, { status: 200, body: 'v1 from-compose' }, 'the gateway serves its route table while control restarts');
    await eventually('control back by its restart policy', async () => {
      const res = await fetch(`http://127.0.0.1:${ports.control}/health`);
      return res.status === 200 ? true : undefined;
    });
    assert.equal((await container.inspect()).RestartCount, before.RestartCount + 1);
  });

  it('keeps the app, its env and its deployments across down and up', async () => {
    assert.ok(stackUp, 'the stack came up');
    const down = await compose(['down', '--timeout', '10'], { file, project, env: {} });
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await docker.listContainers({ filters: { label: [`com.docker.compose.project=${project}`] } }), []);

    await up();
    const client = new Client(`http://127.0.0.1:${ports.control}`, fs.readFileSync(path.join(dir, 'token'), 'utf8'));
    assert.equal((await client.get(`/api/v1/apps/${APP}`)).status, 200);
    assert.equal((await client.get(`/api/v1/apps/${APP}/env`)).body.vars.GREETING, 'from-compose');
    const deployments = (await client.get(`/api/v1/apps/${APP}/deployments`)).body as Array<{ status: string }>;
    assert.equal(deployments.length, 1, JSON.stringify(deployments));
    assert.equal(deployments[0]!.status, 'running');
    const served = await eventually('the app through the gateway after up', async () => {
      const res = await viaGateway(ports.gateway, `${APP}.${DOMAIN}`);
      return res.status === 200 ? res.body : undefined;
    });
    assert.equal(served, 'v1 from-compose');
  });
});
