// The swarm runtime on a real single-node Swarm: a private Docker Engine of this test's own
// (test/support/extra-engine.ts; the shared engine never becomes a Swarm), real control with
// DEPLOYFLOW_RUNTIME=swarm, real Redis and the real gateway on loopback. An app with two replicas
// goes through a rolling, health-gated update, then a never-healthy update that Swarm rolls back
// with the old version serving; a loop of requests through the gateway runs throughout and not
// one of them fails. Bad input: swarm on an engine that is not a manager stops the start with
// one line; a registry that refuses the push fails the deploy with the service untouched (on
// the runtime, and through the deploy pipeline: the record failed, the old version serving). Day
// two through the API: restart, rollback, the autoscaler scaling the service, and deleting the app.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import { readRouteTable } from '../common/routes/index.js';
import tarStream from 'tar-stream';
import { createLogger } from '../common/log/logger.js';
import type { RunningService } from '../common/service.js';
import { startGateway } from '../gateway/index.js';
import { selectRuntime } from '../control/app-runtime/select.js';
import { SwarmRuntime } from '../control/app-runtime/swarm/runtime.js';
import { serviceName } from '../control/app-runtime/swarm/spec.js';
import type { Deployment } from '../control/store/types.js';
import { sleepState } from '../control/edge/state.js';
import { ensureNodeBaseImage } from './support/base-image.js';
import { registerUser, startTestControl, type TestControl } from './support/control.js';
import { startExtraEngine, startLan, teardown, type ExtraEngine, type TestLan } from './support/extra-engine.js';
import { freePort } from './support/ports.js';
import { waitFor } from './ops-fixtures.js';
import { startRedis, type TestRedis } from './support/redis.js';

const APP = 'swarmy';
const HOST = `${APP}.paas.test`;

// `healthy: false`: the app answers / but its health path never passes (a broken release).
const serverJs = (version: string, healthy: boolean): string => `
const http = require('node:http');
const os = require('node:os');
http.createServer((req, res) => {
  if (req.url === '/health') { res.writeHead(${healthy ? 200 : 503}); res.end('${healthy ? 'ok' : 'sick'}'); return; }
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('${version} ' + os.hostname() + '\\n');
}).listen(Number(process.env.PORT), () => console.log('${version} listening on ' + process.env.PORT));
process.on('SIGTERM', () => setTimeout(() => process.exit(0), 300));
`;

async function buildImage(docker: Docker, base: string, tag: string, js: string): Promise<void> {
  const pack = tarStream.pack();
  pack.entry({ name: 'Dockerfile' }, `FROM ${base}\nWORKDIR /srv\nCOPY server.js .\nUSER node\nCMD ["node", "server.js"]\n`);
  pack.entry({ name: 'server.js' }, js);
  pack.finalize();
  const stream = await docker.buildImage(pack as unknown as NodeJS.ReadableStream, { t: tag, rm: true, forcerm: true });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, events: Array<{ error?: string }>) => {
      const failed = events?.find((e) => e.error);
      if (err || failed) reject(err ?? new Error(failed?.error));
      else resolve();
    });
  });
}

interface Load {
  ok: number;
  failed: string[];
  versions: string[];
  stop(): Promise<void>;
}

describe('swarm runtime on a single-node Swarm', () => {
  let lan: TestLan;
  let engine: ExtraEngine;
  let nodeId: string;
  let redis: TestRedis;
  let control: TestControl;
  let gateway: RunningService;
  let gatewayPort: number;
  let owner: Awaited<ReturnType<typeof registerUser>>;
  const sharedDockerHost = process.env.DOCKER_HOST;

  /** Waits for a deployment started through the API to end (failed or running). */
  const ended = (id: string, timeoutMs = 120_000): Promise<{ status: string; image: string | null; error: string | null }> =>
    waitFor(
      async () => {
        const d = (await owner.get(`/api/v1/deployments/${id}`)).body as { status: string; image: string | null; error: string | null };
        return ['failed', 'running', 'superseded', 'cancelled'].includes(d.status) && d;
      },
      `deployment ${id} to end`,
      timeoutMs,
    );
  const routeOf = async (): Promise<{ sleeping?: boolean; upstreams: Array<{ host: string; port: number }> } | undefined> => {
    const probe = new Redis(redis.url);
    try {
      return (await readRouteTable(probe)).routes[HOST];
    } finally {
      probe.disconnect();
    }
  };

  const get = (timeoutMs = 10_000): Promise<{ status: number; body: string }> =>
    new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: gatewayPort, path: '/', agent: false, headers: { host: HOST } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', (err) => resolve({ status: 0, body: err.message }));
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
      req.once('error', (err) => resolve({ status: 0, body: err.message }));
    });

  /** Two loops of requests through the gateway; every answer counted. */
  function load(): Load {
    let running = true;
    const result: Load = { ok: 0, failed: [], versions: [], stop: async () => undefined };
    const loops = [0, 1].map(async () => {
      while (running) {
        const r = await get();
        if (r.status === 200) {
          result.ok++;
          result.versions.push(r.body.split(' ')[0]!);
        } else {
          result.failed.push(`${r.status} ${r.body.slice(0, 120)}`);
        }
        await new Promise((res) => setTimeout(res, 20));
      }
    });
    result.stop = async () => {
      running = false;
      await Promise.all(loops);
    };
    return result;
  }

  const deploy = async (image: string): Promise<Deployment> => {
    const { done } = await control.service.deps.deploy!.enqueue({
      app: APP,
      source: { kind: 'image', image },
      origin: 'image',
      createdBy: owner.userId,
    });
    return done;
  };

  interface Service {
    Version: { Index: number };
    UpdateStatus?: { State?: string };
    Spec: {
      Mode?: { Replicated?: { Replicas?: number } };
      UpdateConfig?: { Order?: string; FailureAction?: string };
      TaskTemplate?: {
        ContainerSpec?: { Image?: string; Env?: string[]; Healthcheck?: { Test?: string[] } };
        Placement?: { Constraints?: string[] };
        RestartPolicy?: { Condition?: string };
        Networks?: Array<{ Target?: string; Aliases?: string[] }>;
        ForceUpdate?: number;
      };
      EndpointSpec?: { Ports?: Array<{ PublishMode?: string }> };
    };
  }
  /** The service's containers that run (on this single node: all of them). */
  const appContainers = async (): Promise<string[]> =>
    (await engine.docker.listContainers({ filters: { label: [`com.docker.swarm.service.name=${serviceName(APP)}`] } })).map((c) => c.Id);
  const service = async (): Promise<Service> => engine.docker.getService(serviceName(APP)).inspect() as Promise<Service>;

  before(async () => {
    lan = await startLan();
    engine = await startExtraEngine({ lan });
    nodeId = await engine.swarmInit();
    // Images are made here, in the private engine: no registry is asked for anything.
    const base = await ensureNodeBaseImage(engine.docker);
    await buildImage(engine.docker, base, 'deployflow/swarmy:v1', serverJs('v1', true));
    await buildImage(engine.docker, base, 'deployflow/swarmy:v2', serverJs('v2', true));
    await buildImage(engine.docker, base, 'deployflow/swarmy:sick', serverJs('v3', false));
    redis = await startRedis();
    // Control's Docker client is the private Swarm manager's (dockerode reads DOCKER_HOST).
    process.env.DOCKER_HOST = engine.host;
    control = await startTestControl({
      REDIS_URL: redis.url,
      DEPLOYFLOW_DOMAIN: 'paas.test',
      DEPLOYFLOW_RUNTIME: 'swarm',
      DEPLOYFLOW_HEALTH_TIMEOUT_SECONDS: '8',
      DEPLOYFLOW_DRAIN_SECONDS: '1',
      DEPLOYFLOW_METRICS_INTERVAL_SECONDS: '0',
      DEPLOYFLOW_RECONCILE_INTERVAL_SECONDS: '0',
      // Short autoscaler windows (as in test/autoscale.test.ts): only an app with autoscale set is looked at.
      DEPLOYFLOW_AUTOSCALE_INTERVAL_SECONDS: '1',
      DEPLOYFLOW_AUTOSCALE_WINDOW_SECONDS: '8',
      DEPLOYFLOW_AUTOSCALE_PANIC_WINDOW_SECONDS: '3',
      DEPLOYFLOW_AUTOSCALE_COOLDOWN_SECONDS: '4',
    });
    gatewayPort = await freePort();
    gateway = await startGateway(
      { ...control.config, gatewayHttpPort: gatewayPort, gatewayHttpsPort: await freePort() },
      createLogger('gateway', 'silent'),
    );
    await registerUser(control.url); // the first user is the admin
    owner = await registerUser(control.url);
    const created = await owner.post('/api/v1/apps', {
      name: APP,
      port: 8080,
      replicas: 2,
      limits: { memoryMb: 64, cpus: 0.25 },
      healthcheck: { path: '/health' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    // Stored encrypted; the deploy puts the value in the service spec.
    const env = await owner.request('PUT', `/api/v1/apps/${APP}/env`, { vars: { GREETING: 'hello from the store' } });
    assert.equal(env.status, 200, JSON.stringify(env.body));
  });

  after(async () => {
    // Every step runs whatever the one before did: the engine, its namespace and the LAN never outlive the file.
    await teardown([
      () => gateway?.stop(),
      () => control?.stop(),
      () => redis?.stop(),
      () => {
        if (sharedDockerHost === undefined) delete process.env.DOCKER_HOST;
        else process.env.DOCKER_HOST = sharedDockerHost;
      },
      () => engine?.stop(),
      () => lan?.stop(),
    ]);
  });

  it('runs the app as a Swarm service: two health-checked replicas behind the gateway', async () => {
    assert.equal(control.service.deps.deploy!.runtime.kind, 'swarm');
    const first = await deploy('deployflow/swarmy:v1');
    assert.equal(first.status, 'running', first.error ?? '');
    const svc = await service();
    assert.equal(svc.Spec.Mode?.Replicated?.Replicas, 2);
    assert.equal(svc.Spec.UpdateConfig?.Order, 'start-first');
    assert.equal(svc.Spec.UpdateConfig?.FailureAction, 'rollback');
    assert.equal(svc.Spec.TaskTemplate?.ContainerSpec?.Healthcheck?.Test?.[0], 'CMD-SHELL');
    assert.deepEqual(svc.Spec.TaskTemplate?.Placement?.Constraints, [`node.id==${nodeId}`], 'no registry: pinned to the manager');
    assert.equal(svc.Spec.EndpointSpec?.Ports?.[0]?.PublishMode, 'host');
    assert.ok(
      svc.Spec.TaskTemplate?.ContainerSpec?.Env?.includes('GREETING=hello from the store'),
      "the app's env value set through the API reaches the task spec",
    );
    assert.equal(svc.Spec.TaskTemplate?.RestartPolicy?.Condition, 'any');
    // The private overlay network, the app reachable on it by its name (Swarm stores the network's id).
    const net = (await engine.docker.getNetwork('deployflow-apps').inspect()) as { Id: string; Driver: string };
    assert.equal(net.Driver, 'overlay');
    assert.deepEqual(
      svc.Spec.TaskTemplate?.Networks?.map((n) => [n.Target === net.Id || n.Target === 'deployflow-apps', n.Aliases]),
      [[true, [APP]]],
    );
    const status = await owner.get(`/api/v1/apps/${APP}/status`);
    assert.equal(status.status, 200);
    const replicas = status.body.replicas as Array<{ name: string; state: string; healthy?: boolean; hostPort: number }>;
    assert.deepEqual(
      replicas.map((r) => [r.name, r.state, r.healthy]),
      [
        [`${APP}.1`, 'running', true],
        [`${APP}.2`, 'running', true],
      ],
    );
    // The gateway reaches each task on its node's address (host-mode ports, no routing mesh).
    const probe = new Redis(redis.url);
    const route = (await readRouteTable(probe)).routes[HOST];
    probe.disconnect();
    assert.deepEqual(
      route?.upstreams.map((u) => u.host),
      [engine.addr, engine.addr],
    );
    const hosts = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const r = await get();
      assert.equal(r.status, 200, r.body);
      assert.match(r.body, /^v1 /);
      hosts.add(r.body.trim().split(' ')[1]!);
    }
    assert.equal(hosts.size, 2, 'both replicas answer through the gateway');
    const logs = await owner.get(`/api/v1/apps/${APP}/logs?tail=10`);
    assert.equal(logs.status, 200);
    assert.match(logs.body as string, new RegExp(`^${APP}\\.[12] \\| v1 listening on 8080$`, 'm'));
  });

  it('rolls a new version out start-first, health-gated, with no failed request', async () => {
    const traffic = load();
    const second = await deploy('deployflow/swarmy:v2')
      .finally(() => new Promise((r) => setTimeout(r, 500)))
      .finally(() => traffic.stop());
    assert.equal(second.status, 'running', second.error ?? '');
    assert.deepEqual(traffic.failed, [], `${traffic.failed.length} of ${traffic.ok + traffic.failed.length} requests failed`);
    assert.ok(traffic.ok > 20, `requests went through during the update (${traffic.ok})`);
    assert.equal(traffic.versions.at(-1), 'v2');
    assert.equal((await service()).UpdateStatus?.State, 'completed');
    for (let i = 0; i < 6; i++) assert.match((await get()).body, /^v2 /);
  });

  it('rolls a never-healthy version back, the old one serving throughout', async () => {
    const before = await service();
    const traffic = load();
    const broken = await deploy('deployflow/swarmy:sick').finally(() => traffic.stop());
    assert.equal(broken.status, 'failed');
    assert.match(broken.error ?? '', /did not become healthy on Swarm/);
    assert.deepEqual(traffic.failed, [], `${traffic.failed.length} of ${traffic.ok + traffic.failed.length} requests failed`);
    assert.deepEqual([...new Set(traffic.versions)], ['v2'], 'only the old version answered');
    const after = await service();
    assert.equal(after.UpdateStatus?.State, 'rollback_completed');
    assert.equal(after.Spec.TaskTemplate?.ContainerSpec?.Image, before.Spec.TaskTemplate?.ContainerSpec?.Image);
    const deployments = (await owner.get(`/api/v1/apps/${APP}/deployments`)).body as Array<{ status: string; image: string }>;
    assert.equal(deployments.find((d) => d.status === 'running')?.image, 'deployflow/swarmy:v2');
    for (let i = 0; i < 6; i++) assert.match((await get()).body, /^v2 /);
  });

  it('fails a deploy whose image the registry refuses, before anything changes', async () => {
    const closed = await freePort();
    const runtime = new SwarmRuntime(engine.docker, {
      managerNodeId: nodeId,
      registry: `127.0.0.1:${closed}`,
      log: createLogger('test', 'silent'),
    });
    const before = await service();
    let published = 0;
    await assert.rejects(
      runtime.goLive(
        {
          docker: engine.docker,
          log: () => undefined,
          publish: async () => {
            published++;
          },
          healthTimeoutMs: 8000,
        },
        {
          app: APP,
          deploymentId: 'refused-1',
          image: 'deployflow/swarmy:v1',
          replicas: 2,
          env: {},
          limits: { memoryMb: 64, cpus: 0.25 },
          healthcheck: { path: '/health' },
          port: 8080,
        },
      ),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'DF_ERR_RELEASE_FAILED');
        assert.match(err.message, new RegExp(`registry 127\\.0\\.0\\.1:${closed} refused`));
        return true;
      },
    );
    assert.equal(published, 0);
    assert.equal((await service()).Version.Index, before.Version.Index, 'the service was not touched');
    assert.match((await get()).body, /^v2 /);
  });

  it('fails a deploy through the API when the registry refuses the push: the record failed with the reason, the old version serving', async () => {
    const closed = await freePort();
    // Control's own runtime, set as DEPLOYFLOW_REGISTRY would set it at start, to a registry that
    // refuses every push (nothing listens there); the rest of the pipeline is the real one.
    const runtime = control.service.deps.deploy!.runtime as SwarmRuntime;
    const before = await service();
    const routeBefore = await routeOf();
    const saved = runtime.options.registry;
    runtime.options.registry = `127.0.0.1:${closed}`;
    let record: Awaited<ReturnType<typeof ended>>;
    let id: string;
    try {
      const started = await owner.post(`/api/v1/apps/${APP}/deployments`, { image: 'deployflow/swarmy:v1' });
      assert.equal(started.status, 202, JSON.stringify(started.body));
      id = started.body.id as string;
      record = await ended(id);
    } finally {
      runtime.options.registry = saved;
    }
    assert.equal(record.status, 'failed');
    // The DF_ERR_RELEASE_FAILED of pushImage (the record keeps its message, not its code).
    assert.match(
      record.error ?? '',
      new RegExp(`^The registry 127\\.0\\.0\\.1:${closed} refused 127\\.0\\.0\\.1:${closed}/deployflow/swarmy:v1: `),
    );
    assert.equal((await service()).Version.Index, before.Version.Index, 'the service was not touched');
    assert.deepEqual(await routeOf(), routeBefore, 'the route was not touched');
    const deployments = (await owner.get(`/api/v1/apps/${APP}/deployments`)).body as Array<{ id: string; status: string; image: string }>;
    assert.equal(deployments.find((d) => d.status === 'running')?.image, 'deployflow/swarmy:v2');
    assert.equal(deployments.find((d) => d.id === id)?.status, 'failed');
    for (let i = 0; i < 4; i++) assert.match((await get()).body, /^v2 /);
  });

  it('refuses DEPLOYFLOW_RUNTIME=swarm on an engine that is not a Swarm manager, in one line', async () => {
    // The shared engine, which is never a Swarm (read only: its info).
    const plain = new Docker({ socketPath: '/var/run/docker.sock' });
    await assert.rejects(selectRuntime(plain, { runtime: 'swarm', registry: undefined }, createLogger('test', 'silent')), (err: Error) => {
      assert.match(
        err.message,
        /^DF_ERR_CONFIG: DEPLOYFLOW_RUNTIME is "swarm" but the Docker Engine is not a Swarm manager: its Swarm state is "inactive"/,
      );
      assert.equal(err.message.split('\n').length, 1);
      return true;
    });
    assert.equal((await selectRuntime(plain, { runtime: 'auto', registry: undefined }, createLogger('test', 'silent'))).kind, 'docker');
    assert.equal(
      (await selectRuntime(engine.docker, { runtime: 'auto', registry: undefined }, createLogger('test', 'silent'))).kind,
      'swarm',
    );
  });

  it('scales, stops, starts, follows logs and samples metrics through the same API as on one engine', async () => {
    const running = async (): Promise<number> =>
      ((await owner.get(`/api/v1/apps/${APP}/status`)).body.replicas as Array<{ state: string }>).filter((r) => r.state === 'running')
        .length;
    const upstreams = async (): Promise<number> => {
      const probe = new Redis(redis.url);
      try {
        return (await readRouteTable(probe)).routes[HOST]?.upstreams.length ?? -1;
      } finally {
        probe.disconnect();
      }
    };
    assert.equal((await owner.post(`/api/v1/apps/${APP}/scale`, { replicas: 3 })).status, 200);
    assert.equal((await service()).Spec.Mode?.Replicated?.Replicas, 3);
    assert.equal(await running(), 3);
    assert.equal(await upstreams(), 3);
    assert.equal((await owner.post(`/api/v1/apps/${APP}/scale`, { replicas: 2 })).status, 200);
    // The scale-down returns once the surplus task's container has stopped, the route without it.
    assert.equal(await running(), 2);
    assert.equal((await appContainers()).length, 2, 'the surplus container has stopped');
    assert.equal(await upstreams(), 2);

    const lines: string[] = [];
    const deps = control.service.deps;
    const onLine = (l: { app: string; replica: string; line: string }): void => {
      if (l.app === APP) lines.push(`${l.replica} | ${l.line}`);
    };
    deps.events.on('app.log', onLine);
    const { followAppLogs } = await import('../control/runtime/logs.js');
    const unfollow = followAppLogs(deps, APP, 500);
    try {
      assert.equal((await owner.post(`/api/v1/apps/${APP}/stop`)).status, 200);
      assert.equal((await service()).Spec.Mode?.Replicated?.Replicas, 0);
      assert.deepEqual(await appContainers(), [], 'stop returns once every container has stopped');
      assert.equal((await get()).status, 503, 'a stopped app answers 503');
      assert.equal((await owner.post(`/api/v1/apps/${APP}/start`)).status, 200);
      assert.match((await get()).body, /^v2 /);
      // Metrics: the tasks' containers on this node, named by replica as on one engine.
      const stats = (await deps.deploy!.runtime.stats(deps.deploy!.labels)).filter((s) => s.app === APP);
      assert.deepEqual(stats.map((s) => s.replica).sort(), [`${APP}.1`, `${APP}.2`], 'one sample per running replica');
      assert.ok(stats.every((s) => (s.stats.memory_stats.usage ?? 0) > 0));
      await waitFor(
        async () => lines.some((l) => new RegExp(`^${APP}\\.\\d+ \\| v2 listening on 8080$`).test(l)),
        'a followed line of the started replicas',
        20_000,
      );
    } finally {
      unfollow();
      deps.events.off('app.log', onLine);
    }
  });

  it('puts an idle app to sleep (service at 0 replicas) and wakes it, health-gated, for concurrent requests', async () => {
    const probe = new Redis(redis.url);
    const route = async (): Promise<{ sleeping?: boolean; upstreams: Array<{ host: string; port: number }> } | undefined> =>
      (await readRouteTable(probe)).routes[HOST];
    const store = control.service.deps.store;
    try {
      assert.equal((await owner.request('PATCH', `/api/v1/apps/${APP}`, { scaleToZero: { idleSeconds: 2 } })).status, 200);
      await waitFor(
        async () =>
          (await route())?.sleeping === true &&
          (await service()).Spec.Mode?.Replicated?.Replicas === 0 &&
          (await appContainers()).length === 0,
        'the idle app to sleep: service at 0 replicas, no container running',
        30_000,
      );
      assert.deepEqual((await route())?.upstreams, [], 'a sleeping route has no upstreams');
      assert.equal((await owner.get(`/api/v1/apps/${APP}/status`)).body.state, 'sleeping');

      // Held by the gateway until control has woken the service and republished the route.
      const replies = await Promise.all(Array.from({ length: 10 }, () => get(30_000)));
      assert.deepEqual(
        replies.map((r) => r.status),
        replies.map(() => 200),
        replies.map((r) => r.body).join('; '),
      );
      for (const r of replies) assert.match(r.body, /^v2 /);
      const state = await sleepState(store, APP);
      assert.equal(state.sleeping, false);
      assert.equal(state.wakes, 1, 'one wake for ten requests');
      assert.equal((await service()).Spec.Mode?.Replicated?.Replicas, 2);
      // The route was republished with the woken tasks (Swarm counts a task running only once healthy).
      const woke = await route();
      assert.equal(woke?.sleeping ?? false, false);
      assert.equal(woke?.upstreams.length, 2);
      const containers = await engine.docker.listContainers({ filters: { label: [`com.docker.swarm.service.name=${serviceName(APP)}`] } });
      assert.deepEqual(
        containers.map((c) => /\(healthy\)/.test(c.Status)),
        [true, true],
        'two containers, both healthy',
      );
    } finally {
      await owner.request('PATCH', `/api/v1/apps/${APP}`, { scaleToZero: { idleSeconds: 0 } });
      probe.disconnect();
    }
  });

  it('restarts through the API: each task replaced by a healthy new one, the app serving throughout', async () => {
    const old = new Set(await appContainers());
    assert.equal(old.size, 2);
    const forced = (await service()).Spec.TaskTemplate?.ForceUpdate ?? 0;
    const traffic = load();
    const res = await owner.post(`/api/v1/apps/${APP}/restart`).finally(() => traffic.stop());
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((await service()).Spec.TaskTemplate?.ForceUpdate, forced + 1, 'a forced rolling update of the service');
    // The old containers stop once their replacements are healthy (they may take a moment to exit).
    const fresh = await waitFor(
      async () => {
        const now = await appContainers();
        return now.length === 2 && now.every((c) => !old.has(c)) && now;
      },
      'two new containers and none of the old ones',
      30_000,
    );
    assert.equal(fresh.length, 2);
    assert.deepEqual(traffic.failed, [], `${traffic.failed.length} of ${traffic.ok + traffic.failed.length} requests failed`);
    assert.ok(traffic.ok > 10, `requests went through during the restart (${traffic.ok})`);
    assert.equal((await routeOf())?.upstreams.length, 2);
    for (let i = 0; i < 4; i++) assert.match((await get()).body, /^v2 /);
  });

  it('rolls back through the API to the previous image and serves it', async () => {
    const history = (await owner.get(`/api/v1/apps/${APP}/deployments`)).body as Array<{ id: string; status: string; image: string }>;
    const previous = history.find((d) => d.status === 'superseded');
    assert.equal(previous?.image, 'deployflow/swarmy:v1');
    const traffic = load();
    let record: Awaited<ReturnType<typeof ended>>;
    try {
      const res = await owner.post(`/api/v1/apps/${APP}/rollback`, {});
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(res.body.rollbackOf, previous.id);
      record = await ended(res.body.id as string);
    } finally {
      await traffic.stop();
    }
    assert.equal(record.status, 'running', record.error ?? '');
    assert.equal(record.image, 'deployflow/swarmy:v1');
    assert.match((await service()).Spec.TaskTemplate?.ContainerSpec?.Image ?? '', /^deployflow\/swarmy:v1(@|$)/);
    assert.deepEqual(traffic.failed, [], `${traffic.failed.length} of ${traffic.ok + traffic.failed.length} requests failed`);
    assert.equal(traffic.versions.at(-1), 'v1');
    for (let i = 0; i < 6; i++) assert.match((await get()).body, /^v1 /);
  });

  it("autoscales the Swarm service on the gateway's request figures: 2 → 3 under load, back to 2 after it", async () => {
    const status = async (): Promise<{
      replicas: Array<{ state: string }>;
      autoscale: { replicas: number; decisions: Array<{ kind: string; message: string }> };
    }> => {
      const res = await owner.get(`/api/v1/apps/${APP}/status`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    };
    const running = (st: Awaited<ReturnType<typeof status>>): number => st.replicas.filter((r) => r.state === 'running').length;
    const set = await owner.request('PATCH', `/api/v1/apps/${APP}`, { autoscale: { minReplicas: 2, maxReplicas: 3, target: { rps: 5 } } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    // Two loops of requests, each pausing 20 ms: far above 5 req/s per replica, so the maximum.
    const busy = load();
    try {
      const up = await waitFor(
        async () => {
          const st = await status();
          return st.autoscale.replicas === 3 && running(st) === 3 && st;
        },
        'the autoscaler to scale the service up to 3 replicas',
        90_000,
      );
      assert.equal(up.autoscale.decisions[0]?.kind, 'up');
      assert.match(
        up.autoscale.decisions[0]?.message ?? '',
        new RegExp(`^scaled ${APP} 2 → 3: [0-9.]+ req/s for 3 s, target 5 per replica`),
      );
      assert.equal((await service()).Spec.Mode?.Replicated?.Replicas, 3, 'the Swarm service itself has 3 replicas');
      assert.equal((await routeOf())?.upstreams.length, 3);
      await busy.stop();
      // No load: back to the minimum once the window has passed.
      const down = await waitFor(
        async () => {
          const st = await status();
          return st.autoscale.replicas === 2 && running(st) === 2 && st;
        },
        'the autoscaler to scale the service back to 2 replicas',
        60_000,
      );
      assert.equal(down.autoscale.decisions[0]?.kind, 'down');
      assert.equal((await service()).Spec.Mode?.Replicated?.Replicas, 2);
      assert.deepEqual(busy.failed, [], `${busy.failed.length} of ${busy.ok + busy.failed.length} requests failed`);
      assert.match((await get()).body, /^v1 /);
    } finally {
      await busy.stop();
      await owner.request('PATCH', `/api/v1/apps/${APP}`, { autoscale: null });
    }
  });

  it('deletes the app through the API: its service, containers and route go', async () => {
    assert.ok(await routeOf(), 'the app has a route before');
    const res = await owner.request('DELETE', `/api/v1/apps/${APP}`);
    assert.equal(res.status, 204, JSON.stringify(res.body));
    const gone = async (): Promise<boolean> =>
      engine.docker
        .getService(serviceName(APP))
        .inspect()
        .then(
          () => false,
          (err: { statusCode?: number }) => err.statusCode === 404,
        );
    await waitFor(
      async () => (await gone()) && (await routeOf()) === undefined && (await appContainers()).length === 0,
      'the service, its containers and its route to go',
      60_000,
    );
    await waitFor(async () => (await get()).status === 404, 'the gateway to answer 404 for the host (no route)', 10_000);
    assert.equal((await owner.get(`/api/v1/apps/${APP}`)).status, 404);
  });
});
