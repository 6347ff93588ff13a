// Push-to-live on Swarm beside the single-engine runtime, in the same run, for the same tiny Node
// app built from the same git commit kind. Two controls in this process: one with
// DEPLOYFLOW_RUNTIME=docker on the machine's engine, one with DEPLOYFLOW_RUNTIME=swarm on a
// private single-node Swarm (test/support/extra-engine.ts; the shared engine never becomes a
// Swarm). Each round, alternately, each gets a new commit (a tree no build has seen): deploy
// asked → build → release → route published → the published upstream answers the new nonce.
// The first deploy of each is a create (Swarm: service create), later ones are rolling updates
// (Swarm: start-first, health-gated). Both build with the classic builder, isolation off (the
// private engine has no bridge for build steps), one replica, 1 s drain.
// Then requests through each route's upstream (host-mode published port on Swarm, the
// container's 127.0.0.1 port on docker), to show the host-mode path costs the same.
// Knobs: BENCH_SWARM_ROUNDS (3).
import { Redis } from 'ioredis';
import { readRouteTable } from '../common/routes/index.js';
import { ensureNodeBaseImage } from '../test/support/base-image.js';
import { makeRepo, type TestRepo } from '../test/builder-fixtures.js';
import { registerUser, startTestControl, type TestControl } from '../test/support/control.js';
import { startExtraEngine, startLan } from '../test/support/extra-engine.js';
import { startRedis } from '../test/support/redis.js';
import Docker from 'dockerode';
import { median as med } from './support/procs.js';

const rounds = Number(process.env.BENCH_SWARM_ROUNDS ?? 3);
const APP = 'bench-swarm';
const server = (nonce: string): string =>
  `require('node:http').createServer((q, s) => s.end(${JSON.stringify(nonce)})).listen(Number(process.env.PORT));\n`;

interface Side {
  name: string;
  control: TestControl;
  repo: TestRepo;
  redis: Redis;
  owner: string;
  base: string;
  stopRedis(): Promise<void>;
}

const lan = await startLan();
const engine = await startExtraEngine({ lan });
const sides: Side[] = [];
const stopAll = async (): Promise<void> => {
  for (const s of sides) {
    s.redis.disconnect();
    await s.control.stop().catch(() => undefined);
    await s.stopRedis();
    await s.repo.cleanup();
  }
  await engine.stop();
  await lan.stop();
};
try {
  await engine.swarmInit();
  const env = {
    DEPLOYFLOW_DOMAIN: 'paas.test',
    DEPLOYFLOW_BUILDER: 'legacy',
    DEPLOYFLOW_BUILD_ISOLATION: 'off',
    DEPLOYFLOW_HEALTH_TIMEOUT_SECONDS: '30',
    DEPLOYFLOW_DRAIN_SECONDS: '1',
    DEPLOYFLOW_METRICS_INTERVAL_SECONDS: '0',
    DEPLOYFLOW_RECONCILE_INTERVAL_SECONDS: '0',
  };
  const shared = process.env.DOCKER_HOST;
  for (const [name, host] of [
    ['docker', shared],
    ['swarm', engine.host],
  ] as const) {
    // dockerode reads DOCKER_HOST when control makes its client: one control per engine.
    if (host === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = host;
    const base = await ensureNodeBaseImage(new Docker());
    // A Redis each: the route table is per platform (both apps have the same name).
    const redisServer = await startRedis();
    const control = await startTestControl({
      ...env,
      REDIS_URL: redisServer.url,
      DEPLOYFLOW_IMAGE_NODE: base,
      DEPLOYFLOW_RUNTIME: name,
      DEPLOYFLOW_DOMAIN: `${name}.paas.test`,
    });
    await registerUser(control.url);
    const owner = await registerUser(control.url);
    const created = await owner.post('/api/v1/apps', { name: APP, port: 8080, limits: { memoryMb: 64, cpus: 0.5 } });
    if (created.status !== 201) throw new Error(`create failed: ${JSON.stringify(created.body)}`);
    sides.push({
      name,
      control,
      repo: await makeRepo(),
      redis: new Redis(redisServer.url),
      owner: owner.userId,
      base,
      stopRedis: redisServer.stop,
    });
  }
  if (shared === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = shared;

  const upstream = async (s: Side): Promise<{ host: string; port: number } | undefined> =>
    (await readRouteTable(s.redis)).routes[`${APP}.${s.name}.paas.test`]?.upstreams[0];

  async function pushToLive(s: Side, round: number): Promise<number> {
    const nonce = `${s.name}-${round}-${Math.random().toString(36).slice(2)}`;
    const commit = await s.repo.commit({
      Dockerfile: `FROM ${s.base}\nWORKDIR /srv\nCOPY server.js .\nUSER node\nCMD ["node", "server.js"]\n`,
      'server.js': server(nonce),
    });
    const t0 = performance.now();
    const { done } = await s.control.service.deps.deploy!.enqueue({
      app: APP,
      source: { kind: 'build', spec: { kind: 'git', repo: s.repo.bare, commit } },
      origin: 'git',
      commit,
      createdBy: s.owner,
    });
    let failed: string | null = null;
    void done.then((d) => {
      if (d.status !== 'running') failed = `${s.name} deploy ${d.status}: ${d.error}`;
    });
    for (;;) {
      if (failed) throw new Error(failed);
      const u = await upstream(s);
      const body = u
        ? await fetch(`http://${u.host}:${u.port}/`).then(
            (r) => r.text(),
            () => '',
          )
        : '';
      if (body === nonce) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const ms = performance.now() - t0;
    const d = await done;
    if (d.status !== 'running') throw new Error(`${s.name} deploy ${d.status}: ${d.error}`);
    return ms;
  }

  const times: Record<string, { first: number; updates: number[] }> = {
    docker: { first: 0, updates: [] },
    swarm: { first: 0, updates: [] },
  };
  for (let round = 0; round <= rounds; round++) {
    for (const s of round % 2 === 0 ? sides : [...sides].reverse()) {
      const ms = await pushToLive(s, round);
      if (round === 0) times[s.name]!.first = ms;
      else times[s.name]!.updates.push(ms);
      console.log(`  round ${round} ${s.name.padEnd(6)} ${(ms / 1000).toFixed(2)} s`);
    }
  }

  // Requests straight to each published upstream: the host-mode port against the container port.
  const perRequest: Record<string, number> = {};
  for (const s of sides) {
    const u = (await upstream(s))!;
    const n = 400;
    for (let i = 0; i < 50; i++) await fetch(`http://${u.host}:${u.port}/`).then((r) => r.text());
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await fetch(`http://${u.host}:${u.port}/`).then((r) => r.text());
    perRequest[s.name] = (performance.now() - t0) / n;
  }

  const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    `\npush-to-live, swarm beside docker, ${rounds} rolling rounds (alternating order), tiny Node app, classic builder, 1 replica`,
  );
  console.log(
    `first deploy (docker: create+start; swarm: service create): docker ${fmt(times.docker!.first)}, swarm ${fmt(times.swarm!.first)}`,
  );
  console.log(
    `redeploy median (docker: new container + switch; swarm: start-first rolling update): docker ${fmt(med(times.docker!.updates))}, ` +
      `swarm ${fmt(med(times.swarm!.updates))}, ratio ${(med(times.swarm!.updates) / med(times.docker!.updates)).toFixed(2)}×`,
  );
  console.log(
    `sequential GET to the published upstream: docker ${perRequest.docker!.toFixed(2)} ms, swarm host-mode ${perRequest.swarm!.toFixed(2)} ms`,
  );
} finally {
  await stopAll();
}
