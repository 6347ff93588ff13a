// The hostile battery for builds: each test is an attack a developer could push as a Dockerfile,
// run through the real builder on the real Docker Engine with the platform's isolation on, and
// each must be refused (before anything runs) or stopped by a limit — while another app keeps
// answering on its 127.0.0.1 port. The count of attacks tried and refused is printed at the end.
// Traffic goes to loopback only: the "control port" is a server on 127.0.0.1 in this process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { createBuilder, release, purgeApp, type Builder, type BuildRequest, type ReleaseSpec } from '../builder/index.js';
import { loadConfig } from '../common/config/config.js';
import { isDeployFlowError } from '../common/errors/catalogue.js';
import { ensureNodeBaseImage } from './support/base-image.js';

const docker = new Docker();
const run = Math.random().toString(36).slice(2, 8);
const network = `df-sec-${run}`;
const apps = { victim: `sec-victim-${run}`, attacker: `sec-attacker-${run}`, other: `sec-other-${run}` };
// Small limits so a hog or a fork bomb is stopped within seconds; a normal tiny build fits easily.
const LIMITS = {
  memoryMb: Number(process.env.DF_TEST_BUILD_MEMORY_MB ?? 160),
  cpus: 1,
  pids: Number(process.env.DF_TEST_BUILD_PIDS ?? 96),
};

let tried = 0;
let refused = 0;

function iptablesRules(chain: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('iptables', ['-w', '5', '-S', chain], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('close', () => resolve(out));
    child.once('error', () => resolve(''));
  });
}

function get(port: number): Promise<number> {
  return new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 5000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .once('error', () => resolve(0));
  });
}

describe('hostile builds', { timeout: 600_000 }, () => {
  let base: string;
  let builder: Builder;
  let victimImage: string;
  let victimPort: number;
  let dirs: string[] = [];
  // Stands for control's API on 127.0.0.1: any request reaching it is a leak.
  let hits: string[] = [];
  let control: http.Server;
  let controlPort: number;

  before(async () => {
    base = await ensureNodeBaseImage(docker);
    const images = loadConfig({ DEPLOYFLOW_IMAGE_NODE: base }).images;
    builder = createBuilder({
      docker,
      images,
      maxConcurrentBuilds: 1,
      buildTimeoutMs: 120_000,
      isolation: { limits: async () => LIMITS, allowPrivate: async () => false, contextMb: 64, imageMb: 1024 },
    });
    control = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/redirect') {
        res.writeHead(302, { location: `http://127.0.0.1:${controlPort}/api/v1/secret` }).end();
        return;
      }
      res.end('control-secret\n');
    });
    await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
    controlPort = (control.address() as AddressInfo).port;

    // The victim: another developer's app, built (its source holds a secret) and running.
    const victim = await build(apps.victim, 'v1', [
      `FROM ${base}`,
      'WORKDIR /srv',
      `RUN echo victim-source-${run} > /srv/secret.txt`,
      `RUN printf '%s' "require('http').createServer((q,s)=>s.end('ok')).listen(8080)" > server.js`,
      'EXPOSE 8080',
      'CMD ["node", "server.js"]',
    ]);
    victimImage = victim.image;
    await docker.createNetwork({ Name: network, Driver: 'bridge', Labels: { 'deployflow.test': run } });
    const spec: ReleaseSpec = {
      app: apps.victim,
      deploymentId: 'v1',
      image: victimImage,
      replicas: 1,
      env: {},
      limits: { memoryMb: 128, cpus: 0.5 },
      port: 8080,
    };
    const released = await release(
      { docker, log: () => undefined, publish: async () => undefined, network, healthTimeoutMs: 30_000, drainMs: 0, stopGraceSeconds: 1 },
      spec,
    );
    victimPort = released.upstreams[0]!.port;
    assert.equal(await get(victimPort), 200);
  });

  after(async () => {
    console.log(`security battery (builds): ${tried} attacks tried, ${refused} refused`);
    // The engine's build cgroup is shared with every build on this host: leave it unlimited again
    // instead of at this battery's tiny limits (the platform writes its own before each build).
    const v1 = '/sys/fs/cgroup';
    for (const [file, value] of [
      ['memory/docker/buildkit/memory.memsw.limit_in_bytes', '-1'],
      ['memory/docker/buildkit/memory.limit_in_bytes', '-1'],
      ['pids/docker/buildkit/pids.max', 'max'],
      ['cpu/docker/buildkit/cpu.cfs_quota_us', '-1'],
      ['docker/buildkit/memory.max', 'max'],
      ['docker/buildkit/pids.max', 'max'],
      ['docker/buildkit/cpu.max', 'max'],
    ] as const) {
      await fs.writeFile(path.join(v1, file), value).catch(() => undefined);
    }
    control.close();
    for (const app of Object.values(apps)) await purgeApp(docker, app, { removeVolumes: true }).catch(() => undefined);
    await docker
      .getNetwork(network)
      .remove()
      .catch(() => undefined);
    for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
    dirs = [];
  });

  async function build(app: string, id: string, lines: string[], log: string[] = []): Promise<Awaited<ReturnType<Builder['build']>>> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'df-sec-'));
    dirs.push(dir);
    await fs.writeFile(path.join(dir, 'Dockerfile'), lines.join('\n') + '\n');
    const req: BuildRequest = { app, deploymentId: id, source: { kind: 'dir', dir }, log: (l) => log.push(l) };
    return builder.build(req);
  }

  /** One attack: the build must fail with `code`, say so in its log, and `check` what leaked. */
  async function attack(name: string, code: string, lines: string[], pattern: RegExp, app = apps.attacker): Promise<string[]> {
    tried += 1;
    const log: string[] = [];
    hits = [];
    await assert.rejects(
      build(app, `a${tried}`, lines, log),
      (err: unknown) => {
        assert.ok(isDeployFlowError(err), `${name}: expected a refusal, got ${String(err)}\n${log.join('\n')}`);
        assert.equal(err.code, code, `${name}: ${err.message}\n${log.join('\n')}`);
        assert.match(err.message, pattern, name);
        return true;
      },
      `${name} must fail`,
    );
    assert.ok(
      log.some((l) => l.includes(`${code}: `)),
      `${name}: the build log names ${code}\n${log.join('\n')}`,
    );
    assert.ok(!log.some((l) => l.includes(`victim-source-${run}`) || l.includes('control-secret')), `${name}: nothing leaked into the log`);
    assert.deepEqual(hits, [], `${name}: nothing reached the control port`);
    refused += 1;
    return log;
  }

  it('refuses ADD of the control URL on 127.0.0.1, of a redirecting URL and of a file:// URL', async () => {
    await attack(
      'ADD control URL',
      'DF_ERR_BUILD_REFUSED',
      [`FROM ${base}`, `ADD http://127.0.0.1:${controlPort}/api/v1/openapi.json /x`, 'RUN cat /x'],
      /ADD http/,
    );
    await attack(
      'ADD redirect',
      'DF_ERR_BUILD_REFUSED',
      [`FROM ${base}`, `ADD ["http://localhost:${controlPort}/redirect", "/x"]`, 'RUN cat /x'],
      /ADD http/,
    );
    await attack('ADD file://', 'DF_ERR_BUILD_REFUSED', [`FROM ${base}`, 'ADD file:///etc/shadow /x', 'RUN cat /x'], /ADD file/);
  });

  it("refuses another app's image: FROM by tag, FROM by digest, COPY --from", async () => {
    const victimId = (await docker.getImage(victimImage).inspect()).Id;
    await attack('FROM other tag', 'DF_ERR_BUILD_REFUSED', [`FROM ${victimImage}`, 'RUN cat /srv/secret.txt'], /another app's image/);
    // An allowed name with another app's image id as digest: the engine resolves the id locally.
    const baseRepo = base.split(':')[0]!;
    await attack('FROM digest', 'DF_ERR_BUILD_REFUSED', [`FROM ${baseRepo}@${victimId}`, 'RUN cat /srv/secret.txt'], /may not use/);
    await attack(
      'COPY --from other',
      'DF_ERR_BUILD_REFUSED',
      [`FROM ${base}`, `COPY --from=${victimImage} /srv/secret.txt /x`, 'RUN cat /x'],
      /another app's image/,
    );
    // The app's own earlier image stays usable.
    const own = await build(apps.victim, 'v2', [`FROM ${victimImage}`, 'RUN test -f /srv/secret.txt']);
    assert.equal(own.image, `deployflow/${apps.victim}:v2`);
  });

  it("keeps cache mounts per app: a spoofed id= does not reach another app's cache", async () => {
    const mount = 'RUN --mount=type=cache,target=/cache,id=shared-npm';
    await build(apps.victim, 'c1', [`FROM ${base}`, `${mount} echo victim-cache-${run} > /cache/secret`]);
    tried += 1;
    const log: string[] = [];
    await build(apps.attacker, 'c2', [`FROM ${base}`, `${mount} cat /cache/secret || echo cache-empty-${run}`], log);
    assert.ok(!log.some((l) => l.includes(`victim-cache-${run}`)), `the attacker read the victim's cache:\n${log.join('\n')}`);
    assert.ok(
      log.some((l) => l.includes(`cache-empty-${run}`)),
      log.join('\n'),
    );
    refused += 1;
  });

  it('stops a memory hog and a fork bomb at the build limits while another app keeps answering', async () => {
    const statuses: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        statuses.push(await get(victimPort));
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    try {
      await attack(
        'memory hog',
        'DF_ERR_BUILD_LIMIT',
        [`FROM ${base}`, 'RUN node -e "const a=[];for(;;)a.push(Buffer.alloc(1<<20,1))"'],
        new RegExp(`memory limit of ${LIMITS.memoryMb} MB`),
      );
      await attack(
        'fork bomb',
        'DF_ERR_BUILD_LIMIT',
        [`FROM ${base}`, 'RUN f(){ f | f; }; f'],
        new RegExp(`more than ${LIMITS.pids} processes`),
      );
    } finally {
      polling = false;
      await poller;
    }
    assert.ok(statuses.length > 0 && statuses.every((s) => s === 200), `the other app answered ${statuses.join(',')}`);
  });

  it('builds a normal Dockerfile within the limits, and the build network rules are in place', async () => {
    const log: string[] = [];
    const ok = await build(apps.other, 'n1', [`FROM ${base}`, 'RUN --mount=type=cache,target=/root/.npm echo fine', 'CMD ["node"]'], log);
    assert.equal(ok.image, `deployflow/${apps.other}:n1`);
    assert.ok(
      log.some((l) => l.includes(`Build limits: ${LIMITS.memoryMb} MB memory`)),
      log.join('\n'),
    );
    // From the build bridge nothing reaches the host but DNS, and private ranges are rejected.
    const host = await iptablesRules('DEPLOYFLOW-BUILD-HOST');
    assert.match(host, /-A DEPLOYFLOW-BUILD-HOST -j REJECT/);
    const net = await iptablesRules('DEPLOYFLOW-BUILD-NET');
    for (const cidr of ['127.0.0.0/8', '169.254.0.0/16', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'])
      assert.ok(net.includes(`-d ${cidr} -j REJECT`), cidr);
  });
});
