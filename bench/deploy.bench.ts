// Push-to-live against its floor, side by side in one run, for the same tiny Node app and the
// same Dockerfile. Floor: dockerode build (no cache) + create/start with the port on loopback +
// first 200 on it, once with the classic builder (what a plain `docker build` is on an engine
// without buildx) and once with BuildKit. DeployFlow: `git push` with the real git client to the
// git service over HTTP → build → health-gated release → route published, until the published
// upstream answers 200; its ratio is against the floor that uses the same builder. Each side
// builds a tree no earlier build has seen, so neither reuses the other's layers. Then a cached
// redeploy (the same tree again): push → the new upstream answers.
// Then back-to-back pushes: a first push, and a second one (a new commit on top) one second after
// the first began, while the first still deploys (git accepts it at once: the proc-receive hook
// holds no ref lock); the second's push-to-live against a single push's. The drain is the default 5 s.
// Its floor, in the same rounds: two plain builds + run + first 200 of two new trees, the second
// started one second after the first, against a single one — what two builds at once cost this host.
// Knobs: BENCH_DEPLOY_ROUNDS (3), BENCH_DEPLOY_BUILDER (buildkit | legacy: DEPLOYFLOW_BUILDER),
// DEPLOYFLOW_BUILD_CONCURRENCY (passed on to control; its default otherwise).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import tarFs from 'tar-fs';
import { readRouteTable } from '../common/routes/index.js';
import { createLogger } from '../common/log/logger.js';
import { purgeApp } from '../builder/index.js';
import { gitAccess } from '../control/git-bridge/access.js';
import { pushHandler } from '../control/git-bridge/push.js';
import { startGitService } from '../git/index.js';
import { ensureNodeBaseImage } from '../test/support/base-image.js';
import { registerUser, startTestControl } from '../test/support/control.js';
import { startRedis } from '../test/support/redis.js';
import { run } from '../test/git-fixtures.js';
import { median as med } from './support/procs.js';
import { firstOk } from './support/start.js';

const rounds = Number(process.env.BENCH_DEPLOY_ROUNDS ?? 3);
const builder = process.env.BENCH_DEPLOY_BUILDER === 'legacy' ? 'legacy' : 'buildkit';
const APP = 'bench-deploy';
const docker = new Docker();
const base = await ensureNodeBaseImage(docker);
const server = (nonce: string): string =>
  `require('node:http').createServer((q, s) => s.end(${JSON.stringify(nonce)})).listen(Number(process.env.PORT));\n`;
const dockerfile = `FROM ${base}\nWORKDIR /srv\nCOPY server.js .\nENV PORT=8080\nUSER node\nEXPOSE 8080\nCMD ["node", "server.js"]\n`;

async function floor(dir: string, tag: string, engine: 'buildkit' | 'legacy'): Promise<{ ms: number; id: string }> {
  const t0 = performance.now();
  const stream = await docker.buildImage(
    tarFs.pack(dir) as unknown as NodeJS.ReadableStream,
    { t: tag, nocache: true, ...(engine === 'buildkit' ? { version: '2' } : {}) } as Docker.ImageBuildOptions,
  );
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) => {
      const failed = out?.find((o) => o.error);
      if (err || failed) reject(err ?? new Error(failed?.error));
      else resolve();
    }),
  );
  const c = await docker.createContainer({
    Image: tag,
    ExposedPorts: { '8080/tcp': {} },
    HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
  });
  await c.start();
  const port = Number((await c.inspect()).NetworkSettings.Ports['8080/tcp']![0]!.HostPort);
  await firstOk(port);
  return { ms: performance.now() - t0, id: c.id };
}

const redis = await startRedis();
const probe = new Redis(redis.url);
const control = await startTestControl({
  REDIS_URL: redis.url,
  DEPLOYFLOW_IMAGE_NODE: base,
  DEPLOYFLOW_BUILDER: builder,
  DEPLOYFLOW_DOMAIN: 'paas.test',
  GIT_HTTP_PORT: '0',
  GIT_SSH_PORT: '0',
  DEPLOYFLOW_DRAIN_SECONDS: '5',
  DEPLOYFLOW_RECONCILE_INTERVAL_SECONDS: '0',
  DEPLOYFLOW_METRICS_INTERVAL_SECONDS: '0',
  ...(process.env.DEPLOYFLOW_BUILD_CONCURRENCY ? { DEPLOYFLOW_BUILD_CONCURRENCY: process.env.DEPLOYFLOW_BUILD_CONCURRENCY } : {}),
});
const deps = control.service.deps;
const git = await startGitService({
  config: control.config,
  log: createLogger('git', 'silent'),
  access: gitAccess(deps),
  onPush: pushHandler(deps),
});
const user = await registerUser(control.url);
await user.post('/api/v1/apps', { name: APP, port: 8080 });
const token = (await user.post('/api/v1/tokens', { name: 'bench' })).body.token as string;
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'df-bench-deploy-'));
const floorDir = await fs.mkdtemp(path.join(os.tmpdir(), 'df-bench-floor-'));
const g = (args: string[]) =>
  run('git', ['-c', 'user.name=B', '-c', 'user.email=b@example.invalid', '-c', 'credential.helper=', ...args], {
    cwd: work,
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
  });
const remote = `http://bench:${token}@127.0.0.1:${git.httpPort}/${APP}.git`;
await g(['init', '-q', '-b', 'main']);
await fs.writeFile(path.join(work, 'Dockerfile'), dockerfile);
await fs.writeFile(path.join(floorDir, 'Dockerfile'), dockerfile);

// Where the time goes: each `----->` step of the last first deploy, as an offset from the push.
let steps: string[] = [];
let stepT0 = 0;
const pushOf = new Map<string, number>();
deps.events.on('deployment.log', (e: { line: string; deploymentId?: string }) => {
  if (!e.line.startsWith('----->') && !/healthy on/.test(e.line)) return;
  // Back-to-back rounds interleave two deploys' lines: each is marked with its push (#1, #2).
  const id = e.deploymentId ?? '';
  if (!pushOf.has(id)) pushOf.set(id, pushOf.size + 1);
  steps.push(`${((performance.now() - stepT0) / 1000).toFixed(2).padStart(6)} s  #${pushOf.get(id)} ${e.line.trim().slice(0, 86)}`);
});

/**
 * Until no deploy of the app runs and none of its old containers still drains: every measurement
 * (DeployFlow's and the floors') starts on an idle engine, not beside the background retire (stop +
 * remove) of the round before, which lands at random on one measurement or another.
 */
async function settled(): Promise<void> {
  while (deps.deploy!.busy(APP) || (await deps.deploy!.drainingIds(APP)).size > 0) await new Promise((r) => setTimeout(r, 20));
}

/** Pushes, and times until the route's upstream is a new one answering 200. */
async function pushToLive(): Promise<{ live: number; push: number }> {
  // A push returns when its version serves; the old one drains after that, in the background.
  // Each measured push starts with no deploy of the app in progress, as the floor starts with an idle engine.
  await settled();
  const before = (await readRouteTable(probe)).routes[`${APP}.paas.test`]?.upstreams[0]?.port;
  const t0 = performance.now();
  steps = [];
  stepT0 = t0;
  pushOf.clear();
  let live = 0;
  let failed = false;
  const watch = (async () => {
    while (!failed) {
      const port = (await readRouteTable(probe)).routes[`${APP}.paas.test`]?.upstreams[0]?.port;
      if (
        port &&
        port !== before &&
        (await fetch(`http://127.0.0.1:${port}/`).then(
          (r) => r.ok,
          () => false,
        ))
      ) {
        live = performance.now() - t0;
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const push = await g(['push', '-q', remote, 'HEAD:main']);
  if (push.code !== 0) {
    failed = true; // the watcher stops before the route table's connection closes
    await watch;
    throw new Error(`push failed: ${push.stderr}`);
  }
  const pushMs = performance.now() - t0;
  await watch;
  return { live, push: pushMs };
}

/** Times from `t0` until the route's upstream answers `nonce`. */
async function liveWith(nonce: string, t0: number): Promise<number> {
  for (;;) {
    const port = (await readRouteTable(probe)).routes[`${APP}.paas.test`]?.upstreams[0]?.port;
    const body = port
      ? await fetch(`http://127.0.0.1:${port}/`).then(
          (r) => r.text(),
          () => '',
        )
      : '';
    if (body === nonce) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function commitTree(nonce: string): Promise<void> {
  await fs.writeFile(path.join(work, 'server.js'), server(nonce));
  await g(['add', '-A']);
  await g(['commit', '-qm', nonce]);
}

/** Two pushes one second apart; the second one's push → its version answers through the route. */
async function backToBack(i: number): Promise<number> {
  await settled();
  await commitTree(`first ${i} ${Date.now()}`);
  const t0 = performance.now();
  steps = [];
  stepT0 = t0;
  pushOf.clear();
  const first = g(['push', '-q', remote, 'HEAD:main']);
  let firstReturned = 0;
  void first.then(() => {
    firstReturned = performance.now();
  });
  await new Promise((r) => setTimeout(r, 1000));
  const second = `second ${i} ${Date.now()}`;
  await commitTree(second);
  const t1 = performance.now();
  if (firstReturned)
    console.log(`  (round ${i}: the first push returned before the second began, after ${((firstReturned - t0) / 1000).toFixed(2)} s)`);
  const [r1, r2] = await Promise.all([first, g(['push', '-q', remote, 'HEAD:main'])]);
  if (r1.code !== 0) throw new Error(`first push failed: ${r1.stderr}`);
  if (r2.code !== 0) throw new Error(`second push failed: ${r2.stderr}`);
  const live = await liveWith(second, t1);
  backToBackSteps = steps;
  return live;
}
let backToBackSteps: string[] = [];

/** The floor of back-to-back: two plain builds + runs of new trees, the second one second after the first; the second's time. */
async function floorBackToBack(i: number): Promise<number> {
  await settled();
  const dirs = [floorDir, await fs.mkdtemp(path.join(os.tmpdir(), 'df-bench-floor2-'))];
  try {
    await fs.writeFile(path.join(dirs[1]!, 'Dockerfile'), dockerfile);
    const tags = dirs.map((_, k) => `deployflow-bench/floor:b2b-${k}-${i}-${Date.now()}`);
    floorTags.push(...tags);
    for (const [k, dir] of dirs.entries()) await fs.writeFile(path.join(dir, 'server.js'), server(`floor b2b ${k} ${i} ${Date.now()}`));
    const first = floor(dirs[0]!, tags[0]!, builder);
    await new Promise((r) => setTimeout(r, 1000));
    const [a, b] = await Promise.all([first, floor(dirs[1]!, tags[1]!, builder)]);
    for (const c of [a, b]) await docker.getContainer(c.id).remove({ force: true });
    return b.ms;
  } finally {
    await fs.rm(dirs[1]!, { recursive: true, force: true });
  }
}

const floors: Record<'buildkit' | 'legacy', number[]> = { buildkit: [], legacy: [] };
const floorSeconds: number[] = [];
const seconds: number[] = [];
const lives: number[] = [];
const cached: number[] = [];
const floorTags: string[] = [];
let firstSteps: string[] = [];
try {
  for (let i = 0; i < rounds; i++) {
    const nonce = `${Date.now()}-${i}`;
    for (const engine of ['legacy', 'buildkit'] as const) {
      await fs.writeFile(path.join(floorDir, 'server.js'), server(`floor ${engine} ${nonce}`));
      const tag = `deployflow-bench/floor:${engine}-${i}-${Date.now()}`;
      floorTags.push(tag);
      await settled();
      const f = await floor(floorDir, tag, engine);
      floors[engine].push(f.ms);
      await docker.getContainer(f.id).remove({ force: true });
    }

    await fs.writeFile(path.join(work, 'server.js'), server(`deployflow ${nonce}`));
    await g(['add', '-A']);
    await g(['commit', '-qm', `round ${i}`]);
    lives.push((await pushToLive()).live);
    if (i === rounds - 1) firstSteps = steps;
    // Same tree, new commit: every layer comes from the cache.
    await g(['commit', '-q', '--allow-empty', '-m', `redeploy ${i}`]);
    cached.push((await pushToLive()).live);
  }
  for (let i = 0; i < rounds; i++) {
    floorSeconds.push(await floorBackToBack(i));
    seconds.push(await backToBack(i));
  }
} finally {
  await purgeApp(docker, APP).catch(() => undefined);
  for (const tag of floorTags)
    await docker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => undefined);
  await git.stop();
  probe.disconnect();
  await control.stop();
  await redis.stop();
  await fs.rm(work, { recursive: true, force: true });
  await fs.rm(floorDir, { recursive: true, force: true });
}

const fmt = (xs: number[]): string => `median ${(med(xs) / 1000).toFixed(2)} s  (${xs.map((x) => (x / 1000).toFixed(2)).join(', ')})`;
console.log(`\npush-to-live vs plain docker build + run + first 200, ${rounds} rounds side by side, tiny Node app`);
console.log(`floor, classic builder (build --no-cache + run + first 200): ${fmt(floors.legacy)}`);
console.log(`floor, BuildKit (build --no-cache + run + first 200):         ${fmt(floors.buildkit)}`);
console.log(`DeployFlow, ${builder.padEnd(8)} (git push → first 200 via the route):   ${fmt(lives)}`);
console.log(
  `ratio ${(med(lives) / med(floors[builder])).toFixed(2)}× against the floor with the same builder (goal ≤ 1.15×); ` +
    `${(med(lives) / med(floors.legacy)).toFixed(2)}× against plain \`docker build\` on this engine (the classic builder)`,
);
console.log(`cached redeploy (push → new upstream answers):    ${fmt(cached)}`);
console.log(`back-to-back: the second of two pushes 1 s apart (push → it answers): ${fmt(seconds)}`);
console.log(`ratio ${(med(seconds) / med(lives)).toFixed(2)}× against a single push (goal ≤ 1.15×)`);
console.log(`floor of back-to-back: the second of two plain ${builder} builds + run + first 200, 1 s apart: ${fmt(floorSeconds)}`);
console.log(`floor ratio ${(med(floorSeconds) / med(floors[builder])).toFixed(2)}× against a single plain build + run (same rounds)`);
console.log(`\nsteps of the last first deploy (offset from the push):\n${firstSteps.join('\n')}`);
console.log(`\nsteps of the last back-to-back round (offset from the first push; the second began 1 s in):\n${backToBackSteps.join('\n')}`);
