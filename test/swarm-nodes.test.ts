// The swarm runtime over two nodes: two private Docker Engines in network namespaces of the
// test's own on a LAN of its own (test/support/extra-engine.ts), one the manager, one a worker,
// and Debian's docker-registry on the host's LAN address as DEPLOYFLOW_REGISTRY (images built
// on the manager reach the worker through it). An app with two replicas runs one on each node;
// the worker is drained while requests loop through the real gateway — none fails; the worker
// comes back, the replicas are spread again, and the worker dies outright while serving (every
// process of the node killed): the app is still served, the route ends on the manager. A second
// worker joins, and dies in the middle of a deploy: the deploy fails naming it, v1 serves.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { Redis } from 'ioredis';
import tarStream from 'tar-stream';
import { createLogger } from '../common/log/logger.js';
import { readRouteTable } from '../common/routes/index.js';
import type { RunningService } from '../common/service.js';
import { startGateway } from '../gateway/index.js';
import { ensureNodeBaseImage } from './support/base-image.js';
import { registerUser, startTestControl, type TestControl } from './support/control.js';
import { startExtraEngine, startLan, teardown, type ExtraEngine, type TestLan } from './support/extra-engine.js';
import { freePort } from './support/ports.js';
import { requireProgram } from './support/programs.js';
import { startRedis, type TestRedis } from './support/redis.js';
import { waitFor } from './ops-fixtures.js';

const APP = 'spread';
const HOST = `${APP}.paas.test`;

// `listenAfterMs`: the version starts answering (and so passes its health check) that late.
const serverJs = (version: string, listenAfterMs = 0): string => `
const http = require('node:http');
const os = require('node:os');
const server = http.createServer((req, res) => { res.writeHead(200); res.end('${version} ' + os.hostname() + '\\n'); });
setTimeout(() => server.listen(Number(process.env.PORT)), ${listenAfterMs});
process.on('SIGTERM', () => setTimeout(() => process.exit(0), 300));
`;

async function buildImage(docker: Docker, base: string, tag: string, version: string, listenAfterMs = 0): Promise<void> {
  const pack = tarStream.pack();
  pack.entry({ name: 'Dockerfile' }, `FROM ${base}\nWORKDIR /srv\nCOPY server.js .\nUSER node\nCMD ["node", "server.js"]\n`);
  pack.entry({ name: 'server.js' }, serverJs(version, listenAfterMs));
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

/** Debian's registry (distribution) on `addr:5000`, storing under `dir`. */
async function startRegistry(addr: string, dir: string): Promise<ChildProcess> {
  const config = path.join(dir, 'registry.yml');
  await fs.writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dir, 'registry')}`,
      'http:',
      `  addr: ${addr}:5000`,
      '',
    ].join('\n'),
  );
  const child = spawn(requireProgram('docker-registry'), ['serve', config], { stdio: 'ignore' });
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const s = net.connect(5000, addr, () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      }),
    'the registry to listen',
    15_000,
  );
  return child;
}

interface Load {
  ok: number;
  failed: string[];
  versions: string[];
  stop(): Promise<void>;
}

describe('swarm runtime over two nodes', () => {
  let lan: TestLan;
  let manager: ExtraEngine;
  /** The worker of the moment: a second one joins once the first has died. */
  let worker: ExtraEngine;
  let workerId: string;
  let managerId: string;
  /** Every engine started, for the teardown (a dead one's leftovers too). */
  const engines: ExtraEngine[] = [];
  let registryAddr: string;
  let registry: ChildProcess;
  let redis: TestRedis;
  let probe: Redis;
  let control: TestControl;
  let gateway: RunningService;
  let gatewayPort: number;
  let owner: Awaited<ReturnType<typeof registerUser>>;
  const sharedDockerHost = process.env.DOCKER_HOST;

  const get = (): Promise<{ status: number; body: string }> =>
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
      req.setTimeout(15_000, () => req.destroy(new Error('no answer within 15 s')));
      req.once('error', (err) => resolve({ status: 0, body: err.message }));
    });

  function load(): Load {
    let running = true;
    const result: Load = { ok: 0, failed: [], versions: [], stop: async () => undefined };
    const loops = [0, 1].map(async () => {
      while (running) {
        const r = await get();
        if (r.status === 200) {
          result.ok++;
          result.versions.push(r.body.split(' ')[0]!);
        } else result.failed.push(`${r.status} ${r.body.slice(0, 120)}`);
        await new Promise((res) => setTimeout(res, 20));
      }
    });
    result.stop = async () => {
      running = false;
      await Promise.all(loops);
    };
    return result;
  }

  const routeHosts = async (): Promise<string[]> => ((await readRouteTable(probe)).routes[HOST]?.upstreams ?? []).map((u) => u.host).sort();
  const taskNodes = async (): Promise<string[]> => {
    const tasks = (await manager.docker.listTasks({ filters: { service: [`deployflow-${APP}`], 'desired-state': ['running'] } })) as Array<{
      NodeID: string;
      Status: { State: string };
    }>;
    return tasks
      .filter((t) => t.Status.State === 'running')
      .map((t) => t.NodeID)
      .sort();
  };
  const v2Tasks = async (): Promise<Array<{ Status: { State: string } }>> =>
    (
      (await manager.docker.listTasks({ filters: { service: [`deployflow-${APP}`], 'desired-state': ['running'] } })) as Array<{
        Status: { State: string };
        Spec: { ContainerSpec: { Image: string } };
      }>
    ).filter((t) => /:v2(@|$)/.test(t.Spec.ContainerSpec.Image));
  /** One line: the update's state, the worker's, and each task (slot@node:version:state/desired). */
  const swarmState = async (): Promise<string> => {
    const svc = (await manager.docker.getService(`deployflow-${APP}`).inspect()) as { UpdateStatus?: { State?: string } };
    const node = (await manager.docker.getNode(workerId).inspect()) as { Status: { State: string } };
    const tasks = (await manager.docker.listTasks({ filters: { service: [`deployflow-${APP}`] } })) as Array<{
      Slot: number;
      NodeID: string;
      DesiredState: string;
      Status: { State: string };
      Spec: { ContainerSpec: { Image: string } };
    }>;
    return `update ${svc.UpdateStatus?.State} worker ${node.Status.State}: ${tasks
      .filter((t) => t.DesiredState === 'running' || t.Status.State === 'running')
      .map(
        (t) =>
          `${t.Slot}@${t.NodeID === workerId ? 'worker' : 'manager'}:${/:v2(@|$)/.test(t.Spec.ContainerSpec.Image) ? 'v2' : 'v1'}:${t.Status.State}/${t.DesiredState}`,
      )
      .sort()
      .join(' ')}`;
  };
  /**
   * One replica on the worker, one on the manager. Not by a rolling restart: start-first, Swarm
   * counts the old task beside the new one and may put both new ones on the worker (then its death
   * leaves nothing serving). Scaled to 1 and back to 2, the new replica goes to the node with no
   * task of the app: the worker.
   */
  const spreadOverWorker = async (): Promise<void> => {
    for (const replicas of [1, 2]) {
      const scaled = await owner.post(`/api/v1/apps/${APP}/scale`, { replicas });
      assert.equal(scaled.status, 200, JSON.stringify(scaled.body));
    }
    assert.deepEqual((await taskNodes()).sort(), [workerId, managerId].sort(), 'one replica on each node');
    await waitFor(
      async () => (await routeHosts()).join() === [manager.addr, worker.addr].sort().join(),
      'the route over both nodes',
      30_000,
    );
  };
  const setAvailability = async (availability: 'drain' | 'active'): Promise<void> => {
    const node = (await manager.docker.getNode(workerId).inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
    await manager.docker
      .getNode(workerId)
      .update({ _query: { version: node.Version.Index }, _body: { ...node.Spec, Availability: availability } } as never);
  };

  before(async () => {
    lan = await startLan();
    registryAddr = `${lan.hostAddr}:5000`;
    // Each assigned as soon as it runs, so that after() stops it even if the other fails to start.
    await Promise.all([
      startExtraEngine({ lan, insecureRegistries: [registryAddr] }).then((e) => {
        manager = e;
        engines.push(e);
      }),
      startExtraEngine({ lan, insecureRegistries: [registryAddr] }).then((e) => {
        worker = e;
        engines.push(e);
      }),
    ]);
    managerId = await manager.swarmInit();
    workerId = await worker.swarmJoin(manager);
    registry = await startRegistry(lan.hostAddr, manager.dir);
    const base = await ensureNodeBaseImage(manager.docker);
    await buildImage(manager.docker, base, `deployflow/${APP}:v1`, 'v1');
    // v2 answers 6 s after its start: an update to it cannot finish within seconds of its start,
    // so the worker dies while the update is surely under way (and the release would have
    // succeeded without that: v2 is healthy, just slow).
    await buildImage(manager.docker, base, `deployflow/${APP}:v2`, 'v2', 6000);
    redis = await startRedis();
    probe = new Redis(redis.url);
    process.env.DOCKER_HOST = manager.host;
    control = await startTestControl({
      REDIS_URL: redis.url,
      DEPLOYFLOW_DOMAIN: 'paas.test',
      DEPLOYFLOW_RUNTIME: 'swarm',
      DEPLOYFLOW_REGISTRY: registryAddr,
      DEPLOYFLOW_HEALTH_TIMEOUT_SECONDS: '10',
      DEPLOYFLOW_DRAIN_SECONDS: '1',
      DEPLOYFLOW_METRICS_INTERVAL_SECONDS: '0',
      // The reconciler republishes the running tasks when Swarm moves them (drain, a lost node).
      DEPLOYFLOW_RECONCILE_INTERVAL_SECONDS: '1',
    });
    gatewayPort = await freePort();
    gateway = await startGateway(
      { ...control.config, gatewayHttpPort: gatewayPort, gatewayHttpsPort: await freePort() },
      createLogger('gateway', 'silent'),
    );
    await registerUser(control.url);
    owner = await registerUser(control.url);
    const created = await owner.post('/api/v1/apps', { name: APP, port: 8080, replicas: 2, limits: { memoryMb: 64, cpus: 0.25 } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { done } = await control.service.deps.deploy!.enqueue({
      app: APP,
      source: { kind: 'image', image: `deployflow/${APP}:v1` },
      origin: 'image',
      createdBy: owner.userId,
    });
    const deployed = await done;
    assert.equal(deployed.status, 'running', deployed.error ?? '');
  });

  after(async () => {
    // Every step runs whatever the one before did: the engines, namespaces and LAN never outlive the file.
    await teardown([
      () => gateway?.stop(),
      () => control?.stop(),
      () => probe?.disconnect(),
      () => redis?.stop(),
      () => registry?.kill('SIGTERM'),
      () => {
        if (sharedDockerHost === undefined) delete process.env.DOCKER_HOST;
        else process.env.DOCKER_HOST = sharedDockerHost;
      },
      () => Promise.all(engines.map((e) => e.stop())),
      () => lan?.stop(),
    ]);
  });

  it('runs the replicas on both nodes, the image reaching the worker through the registry', async () => {
    assert.equal(new Set(await taskNodes()).size, 2, 'one replica per node');
    assert.deepEqual(await routeHosts(), [manager.addr, worker.addr].sort());
    const hosts = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const r = await get();
      assert.equal(r.status, 200, r.body);
      hosts.add(r.body.trim().split(' ')[1]!);
    }
    assert.equal(hosts.size, 2);
  });

  it('drains the worker with no failed request', async () => {
    const traffic = load();
    try {
      await setAvailability('drain');
      await waitFor(
        async () => (await routeHosts()).every((h) => h === manager.addr) && (await routeHosts()).length === 2,
        'both replicas on the manager',
        60_000,
      );
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      await traffic.stop();
    }
    assert.deepEqual(traffic.failed, [], `${traffic.failed.length} of ${traffic.ok + traffic.failed.length} requests failed`);
    assert.ok(traffic.ok > 20);
  });

  it('keeps serving, with no failed request, when the worker dies outright while serving', async () => {
    await setAvailability('active');
    await spreadOverWorker();
    const traffic = load();
    try {
      await worker.kill();
      // Swarm sees the node down and replaces its task on the manager; the reconciler republishes.
      await waitFor(
        async () =>
          (await taskNodes()).join() === [managerId, managerId].join() &&
          (await routeHosts()).join() === [manager.addr, manager.addr].join(),
        'both replicas and the route on the manager',
        60_000,
      );
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      await traffic.stop();
    }
    assert.deepEqual(traffic.failed, [], `${traffic.failed.length} of ${traffic.ok + traffic.failed.length} requests failed`);
    assert.ok(traffic.ok > 20);
    for (let i = 0; i < 6; i++) assert.match((await get()).body, /^v1 /);
  });

  it('fails a deploy when a node dies during it, and keeps serving the old version', async () => {
    // A second worker joins (the first is dead: Swarm keeps it as a node that is down).
    const next = await startExtraEngine({ lan, insecureRegistries: [registryAddr] });
    engines.push(next);
    worker = next;
    workerId = await next.swarmJoin(manager);
    await spreadOverWorker();
    const traffic = load();
    // What Swarm was doing, for the message of a failed assertion.
    const timeline: string[] = [];
    let watching = true;
    const t0 = Date.now();
    const watcher = (async () => {
      let last = '';
      while (watching) {
        const line = await swarmState().catch((err: Error) => err.message);
        if (line !== last) timeline.push(`${Date.now() - t0} ms ${line}`);
        last = line;
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const story = (): string => `\n${timeline.join('\n')}`;
    try {
      const { done } = await control.service.deps.deploy!.enqueue({
        app: APP,
        source: { kind: 'image', image: `deployflow/${APP}:v2` },
        origin: 'image',
        createdBy: owner.userId,
      });
      // Mid-deploy: a task of v2 exists and is not running yet (v2 takes 6 s to answer), so the
      // update is under way and cannot have finished when the worker dies.
      await waitFor(async () => (await v2Tasks()).some((t) => t.Status.State !== 'running'), 'a task of v2 on its way', 60_000);
      await worker.kill();
      timeline.push(`${Date.now() - t0} ms the worker was killed`);
      const failed = await done;
      timeline.push(`${Date.now() - t0} ms the deploy ended ${failed.status}`);
      assert.equal(failed.status, 'failed', `the deploy ended ${failed.status}${story()}`);
      assert.match(failed.error ?? '', /node .+ left the Swarm during the update/, story());
      await waitFor(
        async () => (await routeHosts()).length > 0 && (await routeHosts()).every((h) => h === manager.addr),
        'the route on the manager only',
        60_000,
      );
      await new Promise((r) => setTimeout(r, 1000));
      await traffic.stop();
      assert.deepEqual(traffic.failed, [], `${traffic.failed.length} of ${traffic.ok + traffic.failed.length} requests failed${story()}`);
      assert.ok(traffic.ok > 20);
      assert.equal(traffic.versions.at(-1), 'v1', `the old version serves after the rollback${story()}`);
    } finally {
      // However the test ends: no loop left running to keep the file from finishing.
      watching = false;
      await watcher;
      await traffic.stop();
    }
    for (let i = 0; i < 6; i++) assert.match((await get()).body, /^v1 /);
  });
});
