// The deploy pipeline against the real Docker Engine and a real Redis route table: build →
// health-gated release → route published; a deploy that never becomes healthy fails and leaves
// the old version serving; a failure's record carries its DF_ERR_* code (health check, refused
// build); rollback re-releases an earlier image without building.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import { readRouteTable } from '../common/routes/index.js';
import { purgeApp } from '../builder/index.js';
import { createLogger } from '../common/log/logger.js';
import type { RunningService } from '../common/service.js';
import { startGateway } from '../gateway/index.js';
import { ensureNodeBaseImage } from './support/base-image.js';
import { freePort } from './support/ports.js';
import { registerUser, startTestControl, type TestControl } from './support/control.js';
import { startRedis, type TestRedis } from './support/redis.js';
import { detectedApp, dockerfileApp, makeRepo, type TestRepo } from './builder-fixtures.js';

const APP = 'pipeline-test';

async function get(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/`);
  return (await res.text()).trim();
}

describe('deploy pipeline', () => {
  const docker = new Docker();
  let redis: TestRedis;
  let control: TestControl;
  let repo: TestRepo;
  let owner: Awaited<ReturnType<typeof registerUser>>;
  let base: string;
  let probe: Redis;
  let gateway: RunningService;
  let gatewayPort: number;

  before(async () => {
    base = await ensureNodeBaseImage(docker);
    redis = await startRedis();
    probe = new Redis(redis.url);
    control = await startTestControl({
      REDIS_URL: redis.url,
      DEPLOYFLOW_IMAGE_NODE: base,
      DEPLOYFLOW_DOMAIN: 'paas.test',
      DEPLOYFLOW_HEALTH_TIMEOUT_SECONDS: '15',
      DEPLOYFLOW_DRAIN_SECONDS: '1',
    });
    owner = await registerUser(control.url);
    assert.equal((await owner.post('/api/v1/apps', { name: APP, port: 8080, healthcheck: { path: '/' } })).status, 201);
    repo = await makeRepo();
    gatewayPort = await freePort();
    gateway = await startGateway(
      { ...control.config, gatewayHttpPort: gatewayPort, gatewayHttpsPort: await freePort() },
      createLogger('gateway', 'silent'),
    );
  });
  after(async () => {
    await gateway.stop();
    await purgeApp(docker, APP).catch(() => undefined);
    probe.disconnect();
    await control.stop();
    await redis.stop();
    await repo.cleanup();
  });

  async function deploy(commit: string): Promise<{ id: string; status: string; error: string | null }> {
    const engine = control.service.deps.deploy!;
    const { done } = await engine.enqueue({
      app: APP,
      source: { kind: 'build', spec: { kind: 'git', repo: repo.bare, commit } },
      origin: 'git',
      commit,
      ref: 'refs/heads/main',
      createdBy: owner.userId,
    });
    return done;
  }

  async function upstreamPort(): Promise<number> {
    const table = await readRouteTable(probe);
    const route = table.routes[`${APP}.paas.test`];
    assert.ok(route, 'route published');
    return route.upstreams[0]!.port;
  }

  it('builds an auto-detected Node app, releases it and publishes its route', async () => {
    const commit = await repo.commit(detectedApp('v1'));
    const result = await deploy(commit);
    assert.equal(result.status, 'running', result.error ?? '');
    assert.equal(await get(await upstreamPort()), 'v1');
    const api = await owner.get(`/api/v1/deployments/${result.id}`);
    assert.equal(api.body.status, 'running');
    assert.equal(api.body.commit, commit);
    const log = await owner.get(`/api/v1/deployments/${result.id}/logs`);
    assert.match(log.body, /-----> Building image/);
    assert.match(log.body, /-----> pipeline-test is live at http:\/\/pipeline-test\.paas\.test/);
    const routes = await owner.get('/api/v1/routes');
    assert.deepEqual(routes.body.routes[`${APP}.paas.test`].upstreams, [{ host: '127.0.0.1', port: await upstreamPort() }]);
    const stranger = await registerUser(control.url);
    assert.deepEqual((await stranger.get('/api/v1/routes')).body.routes, {});
  });

  it('passes decrypted env to the app without logging it', async () => {
    await owner.put(`/api/v1/apps/${APP}/env`, { vars: { GREETING: 'hush-secret-value' } });
    const commit = await repo.commit(dockerfileApp(base, 'v2'));
    const result = await deploy(commit);
    assert.equal(result.status, 'running', result.error ?? '');
    assert.equal(await get(await upstreamPort()), 'v2 hush-secret-value');
    const log = (await owner.get(`/api/v1/deployments/${result.id}/logs`)).body as string;
    assert.ok(!log.includes('hush-secret-value'));
    const history = (await owner.get(`/api/v1/apps/${APP}/deployments`)).body as { status: string }[];
    assert.deepEqual(
      history.map((d) => d.status),
      ['running', 'superseded'],
    );
  });

  /** One GET through the gateway with this Host header (fetch would not let us set Host). */
  function gatewayGet(host: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: gatewayPort, path: '/', headers: { host } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: text.trim() }));
      });
      req.once('error', reject);
    });
  }

  /** Through the gateway, by Host, as a browser would reach it. */
  async function viaGateway(host: string): Promise<{ status: number; text: string }> {
    for (let i = 0; i < 50; i++) {
      const { status, text } = await gatewayGet(host);
      if (status !== 404 || i === 49) return { status, text };
      await new Promise((r) => setTimeout(r, 100)); // the gateway follows the table within milliseconds
    }
    throw new Error('unreachable');
  }

  it('answers through the gateway, on its own host and on custom domains', async () => {
    assert.deepEqual(await viaGateway(`${APP}.paas.test`), { status: 200, text: 'v2 hush-secret-value' });
    assert.equal((await owner.post(`/api/v1/apps/${APP}/domains`, { domain: 'Shop.Example.test' })).status, 201);
    assert.deepEqual(await viaGateway('shop.example.test:8080'), { status: 200, text: 'v2 hush-secret-value' });
    const other = await registerUser(control.url);
    await other.post('/api/v1/apps', { name: 'other-app' });
    assert.equal((await other.post('/api/v1/apps/other-app/domains', { domain: 'shop.example.test' })).body.error.code, 'DF_ERR_CONFLICT');
    assert.equal((await other.post('/api/v1/apps/other-app/domains', { domain: 'x.paas.test' })).body.error.code, 'DF_ERR_INVALID_DOMAIN');
    assert.equal((await other.post('/api/v1/apps/other-app/domains', { domain: 'bad_domain' })).body.error.code, 'DF_ERR_INVALID_DOMAIN');
    assert.equal((await owner.delete(`/api/v1/apps/${APP}/domains/shop.example.test`)).status, 204);
    assert.equal((await gatewayGet('shop.example.test')).status, 404);
    // The contract's form: DELETE with the domain in the body, as it was added.
    assert.equal((await owner.post(`/api/v1/apps/${APP}/domains`, { domain: 'shop2.example.test' })).status, 201);
    assert.equal((await viaGateway('shop2.example.test')).status, 200);
    assert.equal((await owner.request('DELETE', `/api/v1/apps/${APP}/domains`, { domain: 'shop2.example.test' })).status, 204);
    assert.equal((await gatewayGet('shop2.example.test')).status, 404);
    assert.deepEqual((await owner.get(`/api/v1/apps/${APP}`)).body.domains, []);
    assert.equal((await viaGateway('nobody.paas.test')).status, 404);
    const ca = await fetch(`${control.url}/api/v1/tls/ca.pem`);
    assert.match(await ca.text(), /BEGIN CERTIFICATE/);
  });

  it('redeploys under steady load through the gateway without losing a request', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const statuses = new Map<number, number>();
    const bodies = new Set<string>();
    let stop = false;
    let sent = 0;
    const get = (): Promise<void> =>
      new Promise((resolve) => {
        const req = http.get({ host: '127.0.0.1', port: gatewayPort, path: '/', agent, headers: { host: `${APP}.paas.test` } }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => {
            text += d.toString();
          });
          res.on('end', () => {
            statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
            bodies.add(text.trim());
            resolve();
          });
        });
        req.once('error', () => {
          statuses.set(-1, (statuses.get(-1) ?? 0) + 1);
          resolve();
        });
      });
    // Four clients in a closed loop, bounded in count and time.
    const deadline = Date.now() + 120_000;
    const load = Promise.all(
      [1, 2, 3, 4].map(async () => {
        while (!stop && sent < 50_000 && Date.now() < deadline) {
          sent += 1;
          await get();
        }
      }),
    );
    const commit = await repo.commit(dockerfileApp(base, 'v-load'));
    const result = await deploy(commit);
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await load;
    agent.destroy();
    assert.equal(result.status, 'running', result.error ?? '');
    assert.deepEqual([...statuses.keys()], [200], `every request answered 200: ${JSON.stringify([...statuses])}`);
    assert.ok(sent > 50, `steady load (${sent} requests)`);
    assert.ok(bodies.has('v2 hush-secret-value') && bodies.has('v-load hush-secret-value'), 'served the old, then the new version');
  });

  it('fails a deploy that never becomes healthy and keeps the old version serving', async () => {
    const before = await upstreamPort();
    await owner.put(`/api/v1/apps/${APP}/env`, { vars: { HEALTH_STATUS: '500' } });
    const commit = await repo.commit(dockerfileApp(base, 'v3-broken'));
    const result = await deploy(commit);
    assert.equal(result.status, 'failed');
    assert.ok(result.error);
    // The API tells this failure apart by its code, not its text.
    const [listed] = (await owner.get(`/api/v1/apps/${APP}/deployments`)).body as { id: string; errorCode: string | null }[];
    assert.deepEqual([listed?.id, listed?.errorCode], [result.id, 'DF_ERR_HEALTHCHECK_FAILED']);
    const log = (await owner.get(`/api/v1/deployments/${result.id}/logs`)).body as string;
    assert.match(log, /unhealthy mode/, 'the new container’s last log lines are in the deployment log');
    assert.equal(await upstreamPort(), before);
    assert.equal(await get(before), 'v-load hush-secret-value');
    await owner.put(`/api/v1/apps/${APP}/env`, { vars: { HEALTH_STATUS: null } });
  });

  it('records a build the isolation refuses with DF_ERR_BUILD_REFUSED, and a later success with no code', async () => {
    const before = await upstreamPort();
    const refused = await deploy(await repo.commit({ Dockerfile: `FROM ${base}\nADD file:///etc/shadow /x\nCMD ["cat", "/x"]\n` }));
    assert.equal(refused.status, 'failed');
    const history = (await owner.get(`/api/v1/apps/${APP}/deployments`)).body as {
      id: string;
      status: string;
      error: string | null;
      errorCode: string | null;
    }[];
    const [failed, previous] = history;
    assert.deepEqual([failed?.id, failed?.status, failed?.errorCode], [refused.id, 'failed', 'DF_ERR_BUILD_REFUSED']);
    assert.match(failed?.error ?? '', /ADD file/);
    assert.equal((await owner.get(`/api/v1/deployments/${refused.id}`)).body.errorCode, 'DF_ERR_BUILD_REFUSED');
    // The health check failure before it keeps its own code; a running deployment has none.
    assert.equal(previous?.errorCode, 'DF_ERR_HEALTHCHECK_FAILED');
    for (const d of history) if (d.status !== 'failed') assert.equal(d.errorCode, null, `${d.status} ${d.id}`);
    assert.equal(await upstreamPort(), before, 'the refused build released nothing');
  });

  it('rolls back to the previous image without building', async () => {
    const res = await owner.post(`/api/v1/apps/${APP}/rollback`, {});
    assert.equal(res.status, 202);
    let status = '';
    for (let i = 0; i < 300 && !['running', 'failed'].includes(status); i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await owner.get(`/api/v1/deployments/${res.body.id}`)).body.status;
    }
    assert.equal(status, 'running');
    // Like Heroku, a rollback restores the code (image), not the config: env stays current.
    assert.equal(await get(await upstreamPort()), 'v2 hush-secret-value');
    const log = (await owner.get(`/api/v1/deployments/${res.body.id}/logs`)).body as string;
    assert.doesNotMatch(log, /Building image/);
  });

  it('deleting the app removes its route, containers and volumes', async () => {
    // A volume of the app (as a release makes it): the next app given this name must not get its data.
    await docker.createVolume({ Name: `deployflow.${APP}.data`, Labels: { 'deployflow.app': APP, 'deployflow.volume': 'data' } });
    assert.equal((await owner.delete(`/api/v1/apps/${APP}`)).status, 204);
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const containers = await docker.listContainers({ all: true, filters: { label: [`deployflow.app=${APP}`] } });
      const { Volumes } = await docker.listVolumes({ filters: { label: [`deployflow.app=${APP}`] } });
      const table = await readRouteTable(probe);
      gone = containers.length === 0 && (Volumes ?? []).length === 0 && !table.routes[`${APP}.paas.test`];
    }
    assert.ok(gone, 'containers, volumes and route removed');
  });
});
